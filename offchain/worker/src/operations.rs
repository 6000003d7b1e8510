//! A worker's account operations on CDC_Pool, shared by `ciro-worker` and `ciro worker`.

use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::cdc_pool::{WorkerInfo, WorkerStatus};
use ciro_client::chain::read_error;
use ciro_client::{Chain, ClientError, Sent};
use starknet::core::types::Felt;
use starknet::core::utils::starknet_keccak;

use crate::hardware::Hardware;

fn u256(value: u128) -> U256 {
    U256 { low: value, high: 0 }
}

/// Registers the account as a worker with what `hardware` offers.
///
/// # Errors
/// Already registered (`Pool: already registered`), or the transaction fails.
pub async fn register(chain: &Chain, hardware: &Hardware, max_concurrent_jobs: u8, commission_bps: u16) -> Result<Sent, ClientError> {
    let description = serde_json::to_vec(hardware).map_err(|e| ClientError::Store(e.to_string()))?;
    let metadata_hash = starknet_keccak(&description);
    let call = chain.pool().register_worker_getcall(
        &hardware.capabilities(),
        &hardware.gpu_memory_gb(),
        &max_concurrent_jobs.max(1),
        &commission_bps,
        &metadata_hash,
    );
    chain.send("registering the worker", vec![call]).await
}

/// Approves and stakes `amount` CIRO (one transaction).
///
/// # Errors
/// Not registered, too little CIRO, or the transaction fails.
pub async fn stake(chain: &Chain, amount: u128) -> Result<Sent, ClientError> {
    let calls = ciro_client::chain::stake_calls(&chain.token(), &chain.pool(), amount);
    chain.send("staking", calls.to_vec()).await
}

/// Locks `amount` of the stake for withdrawal after the cooldown.
///
/// # Errors
/// The transaction fails.
pub async fn request_unstake(chain: &Chain, amount: u128) -> Result<Sent, ClientError> {
    chain.send("requesting to unstake", vec![chain.pool().request_unstake_getcall(&u256(amount))]).await
}

/// Withdraws the unlocked pending unstake.
///
/// # Errors
/// Still locked, jobs still assigned, or the transaction fails.
pub async fn withdraw(chain: &Chain) -> Result<Sent, ClientError> {
    chain.send("withdrawing", vec![chain.pool().withdraw_getcall()]).await
}

/// Claims the accrued rewards.
///
/// # Errors
/// The transaction fails.
pub async fn claim(chain: &Chain) -> Result<Sent, ClientError> {
    chain.send("claiming rewards", vec![chain.pool().claim_rewards_getcall()]).await
}

/// Approves and delegates `amount` CIRO to `worker`.
///
/// # Errors
/// The transaction fails.
pub async fn delegate(chain: &Chain, worker: Felt, amount: u128) -> Result<Sent, ClientError> {
    let calls = vec![
        chain.token().approve_getcall(&ContractAddress(chain.contracts.pool), &u256(amount)),
        chain.pool().delegate_stake_getcall(&ContractAddress(worker), &u256(amount)),
    ];
    chain.send("delegating", calls).await
}

/// A worker's standing.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Standing {
    /// The worker.
    pub address: Felt,
    /// CDC_Pool's record.
    pub info: WorkerInfo,
    /// Rewards not yet claimed.
    pub pending_rewards: u128,
    /// CIRO in the account.
    pub balance: u128,
}

impl Standing {
    /// Whether the worker is registered and active.
    pub fn is_active(&self) -> bool {
        self.info.status == WorkerStatus::Active
    }
}

/// Reads `address`'s standing.
///
/// # Errors
/// The reads fail.
pub async fn standing(chain: &Chain, address: Felt) -> Result<Standing, ClientError> {
    let info = chain.pool_reader().get_worker(&ContractAddress(address)).call().await.map_err(read_error("get_worker"))?;
    let pending = chain.pool_reader().pending_rewards(&ContractAddress(address)).call().await.map_err(read_error("pending_rewards"))?;
    Ok(Standing { address, info, pending_rewards: pending.low, balance: chain.balance(address).await? })
}
