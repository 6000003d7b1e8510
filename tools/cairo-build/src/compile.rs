//! Compiling one package's `#[starknet::contract]` modules to Sierra contract classes.

use std::sync::Arc;

use cairo_lang_compiler::db::RootDatabase;
use cairo_lang_compiler::diagnostics::DiagnosticsReporter;
use cairo_lang_compiler::CompilerConfig;
use cairo_lang_defs::db::DefsGroup;
use cairo_lang_defs::ids::TopLevelLanguageElementId;
use cairo_lang_filesystem::db::{init_dev_corelib, FilesGroup, FilesGroupEx};
use cairo_lang_filesystem::ids::{CrateLongId, Directory};
use cairo_lang_starknet::contract::find_contracts;
use cairo_lang_starknet::contract_class::{compile_prepared_db, ContractClass};
use cairo_lang_starknet::plugin::StarkNetPlugin;
use cairo_lang_utils::Upcast;

use crate::corelib::Corelib;
use crate::error::{BuildError, Result};
use crate::manifest::Package;

/// One compiled contract.
#[derive(Debug, Clone)]
pub struct CompiledContract {
    /// The contract module's name, e.g. `OwnedCounter`.
    pub contract_name: String,
    /// Its full Cairo path, e.g. `ciro::counter::counter::OwnedCounter`.
    pub module_path: String,
    /// The Sierra contract class, as Scarb writes it.
    pub class: ContractClass,
}

/// Compiles every `#[starknet::contract]` module of `package`, in source order. Its path
/// dependencies are visible to its code as crates of their package names; their contracts are not
/// part of this package's artifacts.
///
/// # Errors
/// [`BuildError::Diagnostics`] with every diagnostic (`file:line:col`) when the sources do not
/// type-check; [`BuildError::Compiler`] when the compiler fails afterwards.
pub fn compile_package(corelib: &Corelib, package: &Package) -> Result<Vec<CompiledContract>> {
    let compiler_error =
        |message: String| BuildError::Compiler { package: package.name.clone(), message };
    let mut db = RootDatabase::builder()
        .with_semantic_plugin(Arc::new(StarkNetPlugin::default()))
        .build()
        .map_err(|e| compiler_error(format!("{e:#}")))?;
    init_dev_corelib(&mut db, corelib.src.clone());
    let crate_id = db.intern_crate(CrateLongId(package.name.as_str().into()));
    db.set_crate_root(crate_id, Some(Directory(package.source_dir())));
    for dependency in &package.dependencies {
        let dependency_id = db.intern_crate(CrateLongId(dependency.name.as_str().into()));
        db.set_crate_root(dependency_id, Some(Directory(dependency.root.join("src"))));
    }

    let mut diagnostics = String::new();
    if DiagnosticsReporter::write_to_string(&mut diagnostics).check(&db) {
        return Err(BuildError::Diagnostics {
            package: package.name.clone(),
            diagnostics: diagnostics.trim_end().to_owned(),
        });
    }

    let declarations = find_contracts(&db, &[crate_id]);
    let config = CompilerConfig {
        diagnostics_reporter: DiagnosticsReporter::ignoring(),
        replace_ids: true,
        ..CompilerConfig::default()
    };
    let classes = compile_prepared_db(&db, &declarations.iter().collect::<Vec<_>>(), config)
        .map_err(|e| compiler_error(format!("{e:#}")))?;
    let defs_db: &dyn DefsGroup = db.upcast();
    Ok(declarations
        .iter()
        .zip(classes)
        .map(|(declaration, class)| CompiledContract {
            contract_name: declaration.submodule_id.name(defs_db).to_string(),
            module_path: declaration.submodule_id.full_path(defs_db),
            class,
        })
        .collect())
}
