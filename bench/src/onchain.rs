//! The on-chain cost of verifying a proof: ProofVerifier deployed on a local devnet, one
//! `verify_inference` invoke per proof, its L2 gas read from the receipt.

use std::path::Path;

use ciro_bindings::proof_verifier::{InferenceStatement, ProofVerifier};
use ciro_deploy::tx::{self, Cost};
use ciro_deploy::{ContractArtifacts, PreparedClass};
use ciro_devnet::{Devnet, DevnetAccount, DevnetConfig};
use starknet::core::types::{Felt, TransactionReceipt};

use crate::BenchError;

/// The statement a proof's calldata carries: PROOF_FORMAT.md §3 puts the job id first, then the
/// model, input and output commitments.
pub fn statement_of(calldata: &[Felt]) -> InferenceStatement {
    let at = |i: usize| calldata.get(i).copied().unwrap_or_default();
    InferenceStatement {
        model_commitment: at(1),
        input_commitment: at(2),
        output_commitment: at(3),
        job_id: u64::try_from(at(0)).unwrap_or(u64::MAX),
    }
}

/// A devnet with ProofVerifier deployed.
pub struct VerifierOnDevnet {
    _devnet: Devnet,
    verifier: ProofVerifier<DevnetAccount>,
    account: DevnetAccount,
}

impl VerifierOnDevnet {
    /// Starts devnet and declares and deploys ProofVerifier from `artifacts_dir`.
    ///
    /// # Errors
    /// Devnet cannot start, the contracts are not built, or a transaction fails.
    pub async fn start(artifacts_dir: &Path) -> Result<Self, BenchError> {
        let artifacts = ContractArtifacts::load(artifacts_dir, "ciro")?;
        let class = PreparedClass::from_sierra_json(&artifacts.sierra_json("ProofVerifier")?)?;
        let devnet = Devnet::spawn(DevnetConfig::default()).await?;
        let account = devnet.account(0)?;
        let declared = tx::declare(&account, &class).await?;
        let deployed = tx::deploy(&account, declared.class_hash, Vec::new(), Felt::ONE).await?;
        Ok(VerifierOnDevnet { verifier: ProofVerifier::new(deployed.address, account.clone()), account, _devnet: devnet })
    }

    /// Verifies `calldata` in one invoke; returns its cost (the whole transaction, account
    /// validation included). A proof the contract rejects is an error.
    ///
    /// # Errors
    /// The transaction fails or the verifier answers `false`.
    pub async fn verify(&self, calldata: &[Felt]) -> Result<Cost, BenchError> {
        let call = self.verifier.verify_inference_getcall(&statement_of(calldata), &calldata.to_vec());
        let receipt = tx::invoke(&self.account, vec![call]).await?;
        // `verify_inference` returns false (without reverting) for a proof that fails a check;
        // only an accepted proof emits InferenceVerified.
        let verified = ciro_bindings::selectors::proof_verifier::events::INFERENCE_VERIFIED;
        let TransactionReceipt::Invoke(invoke) = &receipt.receipt else {
            return Err(BenchError::Rejected("not an invoke receipt".into()));
        };
        let accepted = invoke
            .events
            .iter()
            .any(|event| event.from_address == self.verifier.address && event.keys.first() == Some(&verified));
        if !accepted {
            return Err(BenchError::Rejected(format!("ProofVerifier rejected a {}-felt proof", calldata.len())));
        }
        Ok(Cost::of(&receipt))
    }
}
