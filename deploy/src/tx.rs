//! Transactions: everything of [`ciro_chain::tx`], and [`declare`], which needs a class this crate
//! prepared (compiled to CASM).

use starknet::accounts::ConnectedAccount;
use starknet::core::types::{BlockId, BlockTag, Felt, StarknetError};
use starknet::providers::{Provider, ProviderError};

pub use ciro_chain::tx::*;

use crate::class::PreparedClass;

/// The result of [`declare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    /// The class hash.
    pub class_hash: Felt,
    /// The declare transaction, or `None` if the class was already declared.
    pub transaction_hash: Option<Felt>,
    /// What the declare transaction cost, when one was sent.
    pub cost: Option<Cost>,
}

/// Declares `class` unless the network already knows it, and waits for the receipt.
///
/// # Errors
/// See [`TxError`].
pub async fn declare<A>(account: &A, class: &PreparedClass) -> Result<Declared, TxError>
where
    A: ConnectedAccount + Sync,
{
    let provider = account.provider();
    match provider.get_class(BlockId::Tag(BlockTag::Latest), class.class_hash).await {
        Ok(_) => return Ok(Declared { class_hash: class.class_hash, transaction_hash: None, cost: None }),
        Err(ProviderError::StarknetError(StarknetError::ClassHashNotFound)) => {}
        Err(error) => return Err(error.into()),
    }
    let sent = account
        .declare_v3(class.sierra.clone(), class.compiled_class_hash)
        .send()
        .await?;
    let receipt = wait_for_receipt(provider, sent.transaction_hash).await?;
    Ok(Declared {
        class_hash: sent.class_hash,
        transaction_hash: Some(sent.transaction_hash),
        cost: Some(Cost::of(&receipt)),
    })
}
