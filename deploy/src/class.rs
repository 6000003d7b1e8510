//! Preparing a Sierra class for declaration: CASM and class hashes.
//!
//! Starknet checks the compiled class hash a declaration announces against its own CASM
//! compilation. Since Starknet 0.14 that hash is the Blake2 one, computed here with the same
//! compiler version devnet 0.10.1 runs (`cairo-lang-starknet-classes` 2.19.4); the older Poseidon
//! hash is rejected with "Mismatch compiled class hash".
//!
//! Compiling a large class to CASM takes seconds, and a declaration needs only the compiled class
//! hash, so the hash is cached per class hash and compiler version (`~/.cache/ciro/casm-2.19.4/`,
//! or `$CIRO_CASM_CACHE`). A stale or corrupted entry cannot do harm: the network recompiles the
//! class and rejects a declaration whose compiled class hash differs.

use std::path::PathBuf;
use std::sync::Arc;

use cairo_lang_starknet_classes::casm_contract_class::CasmContractClass;
use cairo_lang_starknet_classes::contract_class::{version_id_from_serialized_sierra_program, ContractClass};
use starknet::core::types::contract::SierraClass;
use starknet::core::types::{Felt, FlattenedSierraClass};

/// Starknet's limit on a class's CASM bytecode, in felts.
pub const MAX_BYTECODE_FELTS: usize = 81_920;

/// Errors preparing a class.
#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    /// The JSON is not a Sierra contract class.
    #[error("not a Sierra contract class")]
    Json(#[from] serde_json::Error),
    /// The Sierra program cannot be decoded.
    #[error("decoding the Sierra program: {0}")]
    Sierra(String),
    /// Sierra → CASM compilation failed (e.g. an unsupported libfunc or bytecode too large).
    #[error("compiling Sierra to CASM: {0}")]
    Casm(String),
    /// starknet-rs could not flatten or hash the class.
    #[error("hashing the class: {0}")]
    Hash(String),
}

/// A class ready to declare.
#[derive(Debug, Clone)]
pub struct PreparedClass {
    /// The flattened Sierra class, as sent in a declare transaction.
    pub sierra: Arc<FlattenedSierraClass>,
    /// Its class hash.
    pub class_hash: Felt,
    /// The Blake2 hash of its CASM compilation.
    pub compiled_class_hash: Felt,
    /// CASM bytecode length in felts.
    pub bytecode_felts: usize,
    /// The Sierra version the class was compiled to (e.g. `1.3.0`).
    pub sierra_version: String,
    /// The Cairo compiler that produced the Sierra (e.g. `2.1.0`), as recorded in the class.
    pub cairo_version: String,
}

/// The compiler that turns Sierra into CASM here, as deployed on the network.
pub const CASM_COMPILER: &str = "cairo-lang-starknet-classes 2.19.4";

impl PreparedClass {
    /// Prepares `sierra_json` (a `*.contract_class.json`): its class hash, and its compiled class
    /// hash from the cache or, on a miss, by compiling it to CASM (then cached).
    ///
    /// # Errors
    /// See [`ClassError`].
    pub fn from_sierra_json(sierra_json: &str) -> Result<Self, ClassError> {
        let (flattened, class_hash) = flatten(sierra_json)?;
        let cache = cache_file(class_hash);
        if let Some(prepared) = cache.as_ref().and_then(|path| read_cached(path, &flattened, class_hash)) {
            return Ok(prepared);
        }
        let prepared = compile_casm(sierra_json, flattened, class_hash)?;
        if let Some(path) = cache {
            write_cached(&path, &prepared);
        }
        Ok(prepared)
    }

    /// Compiles `sierra_json` to CASM and computes its hashes, without the cache.
    ///
    /// # Errors
    /// See [`ClassError`].
    pub fn compile(sierra_json: &str) -> Result<Self, ClassError> {
        let (flattened, class_hash) = flatten(sierra_json)?;
        compile_casm(sierra_json, flattened, class_hash)
    }
}

/// The flattened class, as a declaration sends it, and its class hash.
fn flatten(sierra_json: &str) -> Result<(FlattenedSierraClass, Felt), ClassError> {
    let sierra: SierraClass = serde_json::from_str(sierra_json)?;
    let flattened = sierra.flatten().map_err(|e| ClassError::Hash(e.to_string()))?;
    let class_hash = flattened.class_hash();
    Ok((flattened, class_hash))
}

/// Compiles the class to CASM for its compiled class hash and size.
fn compile_casm(sierra_json: &str, flattened: FlattenedSierraClass, class_hash: Felt) -> Result<PreparedClass, ClassError> {
    let class: ContractClass = serde_json::from_str(sierra_json)?;
    let (sierra_version, cairo_version) =
        version_id_from_serialized_sierra_program(&class.sierra_program).map_err(|e| ClassError::Sierra(e.to_string()))?;
    let program = class.extract_sierra_program(false).map_err(|e| ClassError::Sierra(e.to_string()))?;
    let casm = CasmContractClass::from_contract_class(class, program, false, MAX_BYTECODE_FELTS)
        .map_err(|e| ClassError::Casm(e.to_string()))?;
    Ok(PreparedClass {
        sierra: Arc::new(flattened),
        class_hash,
        compiled_class_hash: Felt::from_bytes_be(&casm.compiled_class_hash().to_bytes_be()),
        bytecode_felts: casm.bytecode.len(),
        sierra_version: sierra_version.to_string(),
        cairo_version: cairo_version.to_string(),
    })
}

/// `<cache>/<class hash>`, when a cache directory can be named.
fn cache_file(class_hash: Felt) -> Option<PathBuf> {
    let dir = match std::env::var_os("CIRO_CASM_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/ciro/casm-2.19.4"),
    };
    Some(dir.join(format!("{class_hash:#x}")))
}

/// A cache entry: `compiled_class_hash bytecode_felts sierra_version cairo_version`.
fn read_cached(path: &std::path::Path, flattened: &FlattenedSierraClass, class_hash: Felt) -> Option<PreparedClass> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut fields = text.split_whitespace();
    let compiled_class_hash = Felt::from_hex(fields.next()?).ok()?;
    let bytecode_felts = fields.next()?.parse().ok()?;
    let sierra_version = fields.next()?.to_owned();
    let cairo_version = fields.next()?.to_owned();
    Some(PreparedClass {
        sierra: Arc::new(flattened.clone()),
        class_hash,
        compiled_class_hash,
        bytecode_felts,
        sierra_version,
        cairo_version,
    })
}

/// Best effort: a cache that cannot be written only costs a recompilation next time.
fn write_cached(path: &std::path::Path, prepared: &PreparedClass) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let text = format!(
        "{:#x} {} {} {}\n",
        prepared.compiled_class_hash, prepared.bytecode_felts, prepared.sierra_version, prepared.cairo_version
    );
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temporary, text).is_ok() {
        let _ = std::fs::rename(&temporary, path);
    }
}
