//! The local demo: starts a devnet, declares and deploys Ciro's contracts from `target/dev`, and
//! exercises them. Today it deploys the sample `OwnedCounter`; it grows into the full job
//! lifecycle (submit → assign → prove → verify → pay) as those contracts land.

#![deny(missing_docs)]

use std::path::Path;

use ciro_deploy::tx::{self, TxError};
use ciro_deploy::{ArtifactsError, ClassError, ContractArtifacts, PreparedClass};
use ciro_devnet::{Devnet, DevnetConfig, DevnetError};
use starknet::core::types::{BlockId, BlockTag, Call, Felt, FunctionCall};
use starknet::macros::selector;
use starknet::providers::{Provider, ProviderError};

/// The Cairo package the demo deploys from.
pub const PACKAGE: &str = "ciro";

/// Errors of the demo.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The local chain could not start.
    #[error("starting the local chain")]
    Devnet(#[from] DevnetError),
    /// The contracts are not built.
    #[error(transparent)]
    Artifacts(#[from] ArtifactsError),
    /// A class could not be prepared for declaration.
    #[error(transparent)]
    Class(#[from] ClassError),
    /// A transaction failed.
    #[error("{step}")]
    Transaction {
        /// What the demo was doing.
        step: &'static str,
        /// Why it failed.
        #[source]
        source: TxError,
    },
    /// A read failed.
    #[error("reading the chain")]
    Read(#[from] ProviderError),
}

/// One step of the demo, for the printed table.
#[derive(Debug, Clone)]
pub struct Step {
    /// What was done.
    pub action: String,
    /// The transaction, if one was sent.
    pub transaction_hash: Option<Felt>,
}

/// What the demo did.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The node's RPC endpoint.
    pub rpc_url: String,
    /// The chain id.
    pub chain_id: Felt,
    /// The deployed contract's class hash.
    pub class_hash: Felt,
    /// The deployed contract's address.
    pub address: Felt,
    /// The counter's value read back at the end.
    pub final_value: Felt,
    /// The steps in order.
    pub steps: Vec<Step>,
}

/// Runs the demo on a fresh devnet, which is returned so the caller can keep it running.
///
/// # Errors
/// See [`DemoError`].
pub async fn run(artifacts_dir: &Path) -> Result<(Devnet, DemoReport), DemoError> {
    let artifacts = ContractArtifacts::load(artifacts_dir, PACKAGE)?;
    let class = PreparedClass::from_sierra_json(&artifacts.sierra_json("OwnedCounter")?)?;
    let devnet = Devnet::spawn(DevnetConfig::default()).await?;
    let owner = devnet.account(0)?;
    let visitor = devnet.account(1)?;
    let mut steps = Vec::new();

    let declared = tx::declare(&owner, &class)
        .await
        .map_err(|source| DemoError::Transaction { step: "declaring OwnedCounter", source })?;
    steps.push(Step { action: "declare OwnedCounter".into(), transaction_hash: declared.transaction_hash });

    let owner_address = devnet.predeployed_accounts()[0].address;
    let deployed = tx::deploy(&owner, declared.class_hash, vec![owner_address], Felt::ONE)
        .await
        .map_err(|source| DemoError::Transaction { step: "deploying OwnedCounter", source })?;
    steps.push(Step { action: "deploy OwnedCounter (owner: account #0)".into(), transaction_hash: Some(deployed.transaction_hash) });

    let increase = Call {
        to: deployed.address,
        selector: selector!("increase"),
        calldata: vec![Felt::from(42u8)],
    };
    let receipt = tx::invoke(&visitor, vec![increase])
        .await
        .map_err(|source| DemoError::Transaction { step: "invoking increase(42)", source })?;
    steps.push(Step { action: "increase(42) as account #1".into(), transaction_hash: Some(*receipt.receipt.transaction_hash()) });

    let read = FunctionCall { contract_address: deployed.address, entry_point_selector: selector!("get_value"), calldata: vec![] };
    let value = devnet.provider().call(read, BlockId::Tag(BlockTag::Latest)).await?;
    let report = DemoReport {
        rpc_url: devnet.url().to_string(),
        chain_id: devnet.chain_id(),
        class_hash: declared.class_hash,
        address: deployed.address,
        final_value: value.first().copied().unwrap_or_default(),
        steps,
    };
    Ok((devnet, report))
}
