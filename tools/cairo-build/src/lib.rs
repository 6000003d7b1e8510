//! `ciro-cairo`: compiles Cairo 2.1 Starknet contracts into Scarb-compatible artifacts.
//!
//! Neither Scarb nor a modern Cairo core library can be installed where Ciro is developed, so this
//! driver builds on StarkWare's compiler crates pinned at `=2.1.0` and the 2.1.0 corelib from
//! PyPI (see [`corelib`]). It reads the same `Scarb.toml` a Scarb user has ([`manifest`]) and
//! writes the same files to `target/dev/` ([`artifacts`]), skipping packages whose inputs have not
//! changed ([`fingerprint`]).

#![deny(missing_docs)]

pub mod artifacts;
pub mod compile;
pub mod corelib;
pub mod error;
pub mod fingerprint;
pub mod manifest;

use std::path::{Path, PathBuf};

pub use error::{BuildError, Result};

use corelib::Corelib;
use manifest::Workspace;

/// What a build did to one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageOutcome {
    /// Compiled; the names of its contracts.
    Compiled(Vec<String>),
    /// Inputs unchanged since the last build; nothing written.
    Fresh,
    /// The package has no `[[target.starknet-contract]]`; nothing to write.
    NoContractTarget,
}

/// The report of one build.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Where the artifacts are.
    pub artifacts_dir: PathBuf,
    /// Each package with what happened to it.
    pub packages: Vec<(String, PackageOutcome)>,
}

/// Builds every package of the workspace at `manifest_path`.
///
/// The corelib is resolved only when a package needs compiling, so a fresh build works offline.
///
/// # Errors
/// See [`BuildError`]: an invalid manifest, no usable corelib, Cairo diagnostics, I/O.
pub fn build(manifest_path: &Path, explicit_corelib: Option<&Path>) -> Result<BuildReport> {
    let workspace = Workspace::load(manifest_path)?;
    let artifacts_dir = workspace.artifacts_dir();
    let mut corelib: Option<Corelib> = None;
    let mut packages = Vec::new();
    for package in &workspace.packages {
        let Some(target) = &package.starknet_contract else {
            packages.push((package.name.clone(), PackageOutcome::NoContractTarget));
            continue;
        };
        let fingerprint = fingerprint::compute(package)?;
        let index = artifacts_dir.join(artifacts::index_file_name(&package.name));
        if fingerprint::is_fresh(&artifacts_dir, &package.name, &fingerprint)
            && artifacts_present(&artifacts_dir, &index)
        {
            packages.push((package.name.clone(), PackageOutcome::Fresh));
            continue;
        }
        fingerprint::clear(&artifacts_dir, &package.name);
        let corelib = match &corelib {
            Some(found) => found,
            None => corelib.insert(corelib::resolve(explicit_corelib)?),
        };
        let contracts = compile::compile_package(corelib, package)?;
        artifacts::write_package_artifacts(&artifacts_dir, &package.name, &contracts, target.sierra)?;
        fingerprint::store(&artifacts_dir, &package.name, &fingerprint)?;
        packages.push((
            package.name.clone(),
            PackageOutcome::Compiled(contracts.into_iter().map(|c| c.contract_name).collect()),
        ));
    }
    Ok(BuildReport { artifacts_dir, packages })
}

/// Whether the index and every file it names exist.
fn artifacts_present(dir: &Path, index: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(index) else { return false };
    let Ok(parsed) = serde_json::from_str::<artifacts::StarknetArtifacts>(&text) else { return false };
    let present = parsed
        .contracts
        .iter()
        .flat_map(|c| [&c.artifacts.sierra, &c.artifacts.casm])
        .flatten()
        .all(|name| dir.join(name).is_file());
    present
}
