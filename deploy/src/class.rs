//! Preparing a Sierra class for declaration: CASM and class hashes.
//!
//! Starknet checks the compiled class hash a declaration announces against its own CASM
//! compilation. Since Starknet 0.14 that hash is the Blake2 one, computed here with the same
//! compiler version devnet 0.10.1 runs (`cairo-lang-starknet-classes` 2.19.4); the older Poseidon
//! hash is rejected with "Mismatch compiled class hash".

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
    /// Compiles `sierra_json` (a `*.contract_class.json`) and computes its hashes.
    ///
    /// # Errors
    /// See [`ClassError`].
    pub fn from_sierra_json(sierra_json: &str) -> Result<Self, ClassError> {
        let class: ContractClass = serde_json::from_str(sierra_json)?;
        let (sierra_version, cairo_version) =
            version_id_from_serialized_sierra_program(&class.sierra_program).map_err(|e| ClassError::Sierra(e.to_string()))?;
        let program = class.extract_sierra_program(false).map_err(|e| ClassError::Sierra(e.to_string()))?;
        let casm = CasmContractClass::from_contract_class(class, program, false, MAX_BYTECODE_FELTS)
            .map_err(|e| ClassError::Casm(e.to_string()))?;
        let compiled_class_hash = Felt::from_bytes_be(&casm.compiled_class_hash().to_bytes_be());

        let sierra: SierraClass = serde_json::from_str(sierra_json)?;
        let flattened = sierra.flatten().map_err(|e| ClassError::Hash(e.to_string()))?;
        let class_hash = flattened.class_hash();
        Ok(PreparedClass {
            sierra: Arc::new(flattened),
            class_hash,
            compiled_class_hash,
            bytecode_felts: casm.bytecode.len(),
            sierra_version: sierra_version.to_string(),
            cairo_version: cairo_version.to_string(),
        })
    }
}
