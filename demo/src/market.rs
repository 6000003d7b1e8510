//! Ciro's deployed contracts seen through the generated bindings, for any predeployed actor.

use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::cdc_pool::{CdcPool, CdcPoolReader};
use ciro_bindings::job_manager::{Job, JobManager, JobManagerReader, JobSpec};
use ciro_bindings::token::{CiroToken, CiroTokenReader};
use ciro_deploy::tx::{self, Cost};
use ciro_devnet::{DevnetAccount, DevnetProvider};
use starknet::core::types::{Call, Felt, TransactionReceiptWithBlockInfo};

use crate::network::{actor, LocalNetwork};
use crate::DemoError;

/// One CIRO in base units.
pub const CIRO: u128 = 1_000_000_000_000_000_000;

/// `value` as a Cairo u256.
pub fn u256(value: u128) -> U256 {
    U256 { low: value, high: 0 }
}

/// An included transaction: its hash and cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// The transaction.
    pub transaction_hash: Felt,
    /// Fee, gas and block.
    pub cost: Cost,
}

impl Sent {
    fn of(receipt: &TransactionReceiptWithBlockInfo) -> Self {
        Sent { transaction_hash: *receipt.receipt.transaction_hash(), cost: Cost::of(receipt) }
    }
}

/// The deployed system: call builders, readers, and transactions as any actor.
pub struct Market<'n> {
    network: &'n LocalNetwork,
    /// CIRO_Token.
    pub token: Felt,
    /// CDC_Pool.
    pub pool: Felt,
    /// JobManager.
    pub job_manager: Felt,
    /// ProofVerifier.
    pub verifier: Felt,
    /// GovernanceTreasury: governs every contract and receives fees and slashed stakes.
    pub treasury: Felt,
    token_calls: CiroToken<DevnetAccount>,
    pool_calls: CdcPool<DevnetAccount>,
    job_calls: JobManager<DevnetAccount>,
}

fn read_error(what: &'static str) -> impl Fn(cainome::cairo_serde::Error) -> DemoError {
    move |error| DemoError::Read { what, message: error.to_string() }
}

impl<'n> Market<'n> {
    /// The system deployed on `network`.
    ///
    /// # Errors
    /// The manifest lacks a contract.
    pub fn new(network: &'n LocalNetwork) -> Result<Self, DemoError> {
        let builder = network.devnet.account(actor::DEPLOYER)?;
        let token = network.contract("CIROToken")?;
        let pool = network.contract("CDCPool")?;
        let job_manager = network.contract("JobManager")?;
        Ok(Market {
            network,
            token,
            pool,
            job_manager,
            verifier: network.contract("ProofVerifier")?,
            treasury: network.contract("GovernanceTreasury")?,
            token_calls: CiroToken::new(token, builder.clone()),
            pool_calls: CdcPool::new(pool, builder.clone()),
            job_calls: JobManager::new(job_manager, builder),
        })
    }

    /// The network.
    pub fn network(&self) -> &LocalNetwork {
        self.network
    }

    /// Call builders (`*_getcall`) for the token.
    pub fn token(&self) -> &CiroToken<DevnetAccount> {
        &self.token_calls
    }

    /// Call builders for the pool.
    pub fn pool(&self) -> &CdcPool<DevnetAccount> {
        &self.pool_calls
    }

    /// Call builders for JobManager.
    pub fn jobs(&self) -> &JobManager<DevnetAccount> {
        &self.job_calls
    }

    fn provider(&self) -> DevnetProvider {
        (*self.network.devnet.provider()).clone()
    }

    /// A reader for the token.
    pub fn token_reader(&self) -> CiroTokenReader<DevnetProvider> {
        CiroTokenReader::new(self.token, self.provider())
    }

    /// A reader for the pool.
    pub fn pool_reader(&self) -> CdcPoolReader<DevnetProvider> {
        CdcPoolReader::new(self.pool, self.provider())
    }

    /// A reader for JobManager.
    pub fn job_reader(&self) -> JobManagerReader<DevnetProvider> {
        JobManagerReader::new(self.job_manager, self.provider())
    }

    /// Sends `calls` as one transaction from `actor`; `step` names it in errors.
    ///
    /// # Errors
    /// [`DemoError::Transaction`] with the contract's revert message.
    pub async fn send(&self, step: &str, actor: usize, calls: Vec<Call>) -> Result<Sent, DemoError> {
        let account = self.network.devnet.account(actor)?;
        let receipt = tx::invoke(&account, calls)
            .await
            .map_err(|source| DemoError::Transaction { step: step.to_owned(), source: Box::new(source) })?;
        Ok(Sent::of(&receipt))
    }

    /// The CIRO balance of `address`.
    ///
    /// # Errors
    /// The read fails.
    pub async fn balance(&self, address: Felt) -> Result<u128, DemoError> {
        let balance = self.token_reader().balance_of(&ContractAddress(address)).call().await.map_err(read_error("balance_of"))?;
        Ok(balance.low)
    }

    /// CIRO credited to `worker` in the pool and not yet claimed.
    ///
    /// # Errors
    /// The read fails.
    pub async fn pending_rewards(&self, worker: Felt) -> Result<u128, DemoError> {
        let pending = self.pool_reader().pending_rewards(&ContractAddress(worker)).call().await.map_err(read_error("pending_rewards"))?;
        Ok(pending.low)
    }

    /// The total CIRO supply.
    ///
    /// # Errors
    /// The read fails.
    pub async fn total_supply(&self) -> Result<u128, DemoError> {
        Ok(self.token_reader().total_supply().call().await.map_err(read_error("total_supply"))?.low)
    }

    /// Job `job_id`.
    ///
    /// # Errors
    /// The read fails.
    pub async fn job(&self, job_id: u64) -> Result<Job, DemoError> {
        self.job_reader().get_job(&job_id).call().await.map_err(read_error("get_job"))
    }

    /// The deployer transfers CIRO to each `(actor, amount)`, in one transaction.
    ///
    /// # Errors
    /// The transaction fails.
    pub async fn fund(&self, grants: &[(usize, u128)]) -> Result<Sent, DemoError> {
        let mut calls = Vec::new();
        for &(actor, amount) in grants {
            let to = ContractAddress(self.network.address(actor)?);
            calls.push(self.token().transfer_getcall(&to, &u256(amount)));
        }
        self.send("funding the actors", actor::DEPLOYER, calls).await
    }

    /// `actor` registers as a worker and stakes `stake` (one transaction).
    ///
    /// # Errors
    /// The transaction fails.
    pub async fn join_as_worker(&self, actor: usize, capabilities: u8, gpu_memory_gb: u32, stake: u128) -> Result<Sent, DemoError> {
        let register = self.pool().register_worker_getcall(&capabilities, &gpu_memory_gb, &2, &1_000, &Felt::from(actor as u64));
        let [approve, stake] = ciro_client::chain::stake_calls(self.token(), self.pool(), stake);
        self.send("registering and staking a worker", actor, vec![register, approve, stake]).await
    }

    /// `client` approves the escrow and submits `spec` with `payment` (one transaction); returns
    /// the new job's id.
    ///
    /// # Errors
    /// The transaction or the read fails.
    pub async fn submit_job(&self, client: usize, spec: &JobSpec, payment: u128) -> Result<(u64, Sent), DemoError> {
        let calls = ciro_client::chain::submit_job_calls(self.token(), self.jobs(), spec, payment);
        let sent = self.send("submitting the job", client, calls.map(|named| named.call).to_vec()).await?;
        let job_id = self.job_reader().job_count().call().await.map_err(read_error("job_count"))?;
        Ok((job_id, sent))
    }
}
