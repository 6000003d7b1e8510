//! Sending transactions: deploy, invoke, and waiting for their receipts (declaring, which needs a
//! class compiled to CASM, is `ciro-deploy`'s).
//!
//! Every function estimates the fee first (which simulates the transaction), so a call that would
//! fail an `assert` comes back as [`TxError::Rejected`] with the contract's message before anything
//! is sent; one that reverts after inclusion comes back as [`TxError::Reverted`].

use std::time::Duration;

use starknet::accounts::{AccountError, ConnectedAccount};
use starknet::contract::{ContractFactory, UdcSelector};
use starknet::core::types::{
    Call, ContractExecutionError, ExecutionResources, ExecutionResult, FeePayment, Felt,
    StarknetError, TransactionReceipt, TransactionReceiptWithBlockInfo,
};
use starknet::providers::{Provider, ProviderError};

/// How long [`wait_for_receipt`] waits before giving up.
pub const RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Why a transaction did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// Rejected before inclusion: fee estimation (a simulation) or validation failed.
    #[error("transaction rejected: {reason}")]
    Rejected {
        /// The node's full error, with the contract's revert data.
        reason: String,
    },
    /// Included in a block, but its execution reverted.
    #[error("transaction {transaction_hash:#x} reverted: {reason}")]
    Reverted {
        /// The transaction.
        transaction_hash: Felt,
        /// The node's revert reason.
        reason: String,
    },
    /// No receipt within [`RECEIPT_TIMEOUT`].
    #[error("no receipt for transaction {0:#x} within {RECEIPT_TIMEOUT:?}")]
    ReceiptTimeout(Felt),
    /// The node could not be reached or answered with another error.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The account could not sign or build the transaction.
    #[error("preparing the transaction: {0}")]
    Account(String),
}

impl TxError {
    /// The contract's revert messages (Cairo short strings) found in the error, innermost last.
    ///
    /// Starknet reports a failed `assert(cond, 'JM: not assigned worker')` as the felt
    /// `0x4a4d3a...` somewhere in a nested error trace; this decodes every felt in the trace that
    /// is printable ASCII.
    pub fn revert_messages(&self) -> Vec<String> {
        match self {
            TxError::Rejected { reason } | TxError::Reverted { reason, .. } => decode_short_strings(reason),
            _ => Vec::new(),
        }
    }

    /// Whether the transaction failed with exactly `message` among its revert messages.
    pub fn has_revert_message(&self, message: &str) -> bool {
        self.revert_messages().iter().any(|m| m == message)
    }
}

impl<S: std::fmt::Display> From<AccountError<S>> for TxError {
    fn from(error: AccountError<S>) -> Self {
        match error {
            AccountError::Provider(ProviderError::StarknetError(StarknetError::TransactionExecutionError(data))) => {
                TxError::Rejected { reason: flatten_execution_error(&data.execution_error) }
            }
            AccountError::Provider(ProviderError::StarknetError(StarknetError::ValidationFailure(reason))) => {
                TxError::Rejected { reason }
            }
            AccountError::Provider(error) => TxError::Provider(error),
            AccountError::Signing(error) => TxError::Account(error.to_string()),
            AccountError::ClassHashCalculation(error) => TxError::Account(error.to_string()),
            AccountError::FeeOutOfRange => TxError::Account("fee calculation overflow".into()),
        }
    }
}

/// The result of [`deploy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deployed {
    /// The new contract's address.
    pub address: Felt,
    /// The deploy transaction.
    pub transaction_hash: Felt,
    /// What it cost.
    pub cost: Cost,
}

/// What an included transaction cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// The fee paid, in the fee token's smallest unit (FRI for STRK).
    pub fee: u128,
    /// L2 gas consumed (execution and calldata).
    pub l2_gas: u64,
    /// The block it was included in.
    pub block_number: u64,
}

impl Cost {
    /// Reads the cost out of a receipt.
    pub fn of(receipt: &TransactionReceiptWithBlockInfo) -> Self {
        let (fee, resources): (&FeePayment, &ExecutionResources) = match &receipt.receipt {
            TransactionReceipt::Invoke(r) => (&r.actual_fee, &r.execution_resources),
            TransactionReceipt::Declare(r) => (&r.actual_fee, &r.execution_resources),
            TransactionReceipt::DeployAccount(r) => (&r.actual_fee, &r.execution_resources),
            TransactionReceipt::Deploy(r) => (&r.actual_fee, &r.execution_resources),
            TransactionReceipt::L1Handler(r) => (&r.actual_fee, &r.execution_resources),
        };
        let fee = u128::try_from(fee.amount).unwrap_or(u128::MAX);
        Cost { fee, l2_gas: resources.l2_gas, block_number: receipt.block.block_number() }
    }
}

/// Deploys an instance of `class_hash` through the Universal Deployer (the current one, at
/// `0x02ceed…2125` on every public network and devnet) with `salt`, and waits for the receipt.
///
/// # Errors
/// See [`TxError`]; a failing constructor `assert` is a [`TxError::Rejected`] with its message.
pub async fn deploy<A>(
    account: &A,
    class_hash: Felt,
    constructor_calldata: Vec<Felt>,
    salt: Felt,
) -> Result<Deployed, TxError>
where
    A: ConnectedAccount + Sync,
{
    deploy_with(account, class_hash, constructor_calldata, salt, false).await
}

/// Deploys like [`deploy`], but as a *unique* deployment: the Universal Deployer hashes `salt`
/// with the deploying account's address, so nobody else can take the address first. This is how
/// `ciro-deploy` deploys to public networks.
///
/// # Errors
/// See [`deploy`].
pub async fn deploy_unique<A>(
    account: &A,
    class_hash: Felt,
    constructor_calldata: Vec<Felt>,
    salt: Felt,
) -> Result<Deployed, TxError>
where
    A: ConnectedAccount + Sync,
{
    deploy_with(account, class_hash, constructor_calldata, salt, true).await
}

async fn deploy_with<A>(
    account: &A,
    class_hash: Felt,
    constructor_calldata: Vec<Felt>,
    salt: Felt,
    unique: bool,
) -> Result<Deployed, TxError>
where
    A: ConnectedAccount + Sync,
{
    let factory = ContractFactory::new_with_udc(class_hash, account, UdcSelector::New);
    let deployment = factory.deploy_v3(constructor_calldata, salt, unique);
    let address = deployment.deployed_address();
    let sent = deployment.send().await?;
    let receipt = wait_for_receipt(account.provider(), sent.transaction_hash).await?;
    Ok(Deployed { address, transaction_hash: sent.transaction_hash, cost: Cost::of(&receipt) })
}

/// Sends `calls` as one invoke transaction and waits for its successful receipt.
///
/// # Errors
/// See [`TxError`].
pub async fn invoke<A>(account: &A, calls: Vec<Call>) -> Result<TransactionReceiptWithBlockInfo, TxError>
where
    A: ConnectedAccount + Sync,
{
    let sent = account.execute_v3(calls).send().await?;
    wait_for_receipt(account.provider(), sent.transaction_hash).await
}

/// Polls for the receipt of `transaction_hash` until it is there, then checks it succeeded.
///
/// # Errors
/// [`TxError::Reverted`], [`TxError::ReceiptTimeout`], or a provider error.
pub async fn wait_for_receipt<P>(provider: &P, transaction_hash: Felt) -> Result<TransactionReceiptWithBlockInfo, TxError>
where
    P: Provider + Sync,
{
    let started = std::time::Instant::now();
    let mut delay = Duration::from_millis(20);
    loop {
        match provider.get_transaction_receipt(transaction_hash).await {
            Ok(receipt) => {
                return match receipt.receipt.execution_result() {
                    ExecutionResult::Succeeded => Ok(receipt),
                    ExecutionResult::Reverted { reason } => {
                        Err(TxError::Reverted { transaction_hash, reason: reason.clone() })
                    }
                };
            }
            Err(ProviderError::StarknetError(StarknetError::TransactionHashNotFound)) => {}
            Err(error) => return Err(error.into()),
        }
        if started.elapsed() > RECEIPT_TIMEOUT {
            return Err(TxError::ReceiptTimeout(transaction_hash));
        }
        tokio_sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(500));
    }
}

async fn tokio_sleep(duration: Duration) {
    tokio::time::sleep(duration).await;
}

/// Writes a nested execution error as one line per frame, innermost last.
fn flatten_execution_error(error: &ContractExecutionError) -> String {
    let mut lines = Vec::new();
    let mut current = error;
    loop {
        match current {
            ContractExecutionError::Nested(inner) => {
                lines.push(format!(
                    "in contract {:#x} (class {:#x}), selector {:#x}",
                    inner.contract_address, inner.class_hash, inner.selector
                ));
                current = &inner.error;
            }
            ContractExecutionError::Message(message) => {
                lines.push(message.clone());
                return lines.join("\n");
            }
        }
    }
}

/// Decodes every `0x…` token in `text` that is a printable Cairo short string (≤ 31 bytes).
fn decode_short_strings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for token in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let Some(hex) = token.strip_prefix("0x") else { continue };
        if hex.is_empty() || hex.len() > 62 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            continue;
        }
        let padded = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_owned() };
        let bytes: Option<Vec<u8>> = (0..padded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).ok())
            .collect();
        let Some(bytes) = bytes else { continue };
        let printable = bytes.len() >= 2 && bytes.iter().all(|b| (0x20..0x7f).contains(b));
        if printable {
            if let Ok(s) = String::from_utf8(bytes) {
                if !found.contains(&s) {
                    found.push(s);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::decode_short_strings;

    #[test]
    fn short_strings_are_decoded_from_an_error_trace() {
        // 'Counter: amount is zero' as a felt, inside a typical devnet message.
        let text = "Execution failed. Failure reason:\n(0x436f756e7465723a20616d6f756e74206973207a65726f \
                    ('Counter: amount is zero'), 0x454e545259504f494e545f4641494c4544 ('ENTRYPOINT_FAILED')).";
        assert_eq!(decode_short_strings(text), vec!["Counter: amount is zero", "ENTRYPOINT_FAILED"]);
    }

    #[test]
    fn addresses_and_selectors_are_not_taken_for_messages() {
        let text = "in contract 0x064b48806902a367c8598f4f95c305e8c1a1acba5f082d294a43793113115691 \
                    selector 0x15d40a3d6ca2ac30f4031e42be28da9b056fef9bb7357ac5e85627ee876e5ad";
        assert!(decode_short_strings(text).is_empty());
    }
}
