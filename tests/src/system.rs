//! `System`: every core contract deployed and wired on a fresh devnet, with named actors, typed
//! call builders from `ciro-bindings`, and the money invariants.
//!
//! Wiring: CIRO_Token (governance, minter = account 0; council = 9), CDC_Pool (oracle = 8,
//! treasury = 7, CIRO at $1, 7-day cooldown), `TestProofVerifier` (answer set by the test) and
//! JobManager (5% fee, 30% of it burned, assigner = 6), with the pool's job manager set and
//! JobManager and CDC_Pool exempt from the token's pause (refunds and exits stay open).

use std::collections::BTreeSet;

use anyhow::{ensure, Context, Result};
use cainome::cairo_serde::{ContractAddress, U256};
use ciro_bindings::cdc_pool::{CdcPool, CdcPoolReader, PoolTotals, WorkerInfo};
use ciro_bindings::constructors::{CDCPoolConstructor, CIROTokenConstructor, JobManagerConstructor};
use ciro_bindings::job_manager::{Framework, Job, JobManager, JobManagerReader, JobPriority, JobSpec, JobType, ModelKind, ModelLayout};
use ciro_bindings::token::{CiroToken, CiroTokenReader};
use ciro_deploy::tx::{self, TxError};
use ciro_devnet::{DevnetAccount, DevnetProvider};
use starknet::core::types::{Call, Felt, TransactionReceiptWithBlockInfo};

use crate::TestChain;

/// Named actors: predeployed account indices.
pub mod actor {
    /// Deployer, governance of every contract, token minter and initial holder.
    pub const GOVERNANCE: usize = 0;
    /// Clients submitting jobs.
    pub const CLIENT: usize = 1;
    /// A second client.
    pub const OTHER_CLIENT: usize = 2;
    /// Workers.
    pub const WORKERS: [usize; 3] = [3, 4, 5];
    /// Calls the keeper entry points (assign, timeout, release).
    pub const KEEPER: usize = 6;
    /// Receives platform fees and slashed stakes.
    pub const TREASURY: usize = 7;
    /// Sets the CIRO/USD price.
    pub const ORACLE: usize = 8;
    /// May pause the token.
    pub const COUNCIL: usize = 9;
}

/// One CIRO in base units.
pub const CIRO: u128 = 1_000_000_000_000_000_000;
/// $1 per CIRO, 8 decimals.
pub const PRICE_USD_E8: u128 = 100_000_000;
/// Default unstake cooldown.
pub const COOLDOWN_SECONDS: u64 = 7 * 24 * 3600;
/// Default platform fee.
pub const FEE_BPS: u16 = 500;
/// Default burn share of the fee.
pub const BURN_SHARE_BPS: u16 = 3000;
/// Capability flags used by the tests.
pub const CAP_CUDA: u8 = 1;
/// Tensor cores flag.
pub const CAP_TENSOR_CORES: u8 = 64;

/// The deployed system.
pub struct System {
    /// The chain and its accounts.
    pub chain: TestChain,
    /// CIRO_Token.
    pub token: Felt,
    /// CDC_Pool.
    pub pool: Felt,
    /// JobManager.
    pub job_manager: Felt,
    /// The test verifier (`set_answer` decides whether proofs verify).
    pub verifier: Felt,
    token_calls: CiroToken<DevnetAccount>,
    pool_calls: CdcPool<DevnetAccount>,
    job_calls: JobManager<DevnetAccount>,
    /// Every address that ever held CIRO here: the supply invariant sums their balances.
    holders: std::sync::Mutex<BTreeSet<Felt>>,
}

/// A model layout for tests that never prove (the test verifier answers): a small MLP's shape,
/// `seed` as its preprocessed root.
pub fn test_layout(seed: Felt, kind: ModelKind) -> ModelLayout {
    ModelLayout {
        log_trace_rows: 8,
        scale_bits: 16,
        output_scale_bits: 16,
        n_inputs: 4,
        n_outputs: 3,
        input_reads: 1,
        total_neurons: 11,
        kind,
        preprocessed_root: seed,
    }
}

/// `value` as a Cairo u256.
pub fn u256(value: u128) -> U256 {
    U256 { low: value, high: 0 }
}

/// A u256 that must fit in u128.
pub fn to_u128(value: U256) -> Result<u128> {
    ensure!(value.high == 0, "u256 above 2^128: {value:?}");
    Ok(value.low)
}

impl System {
    /// Deploys and wires everything on a fresh devnet.
    ///
    /// # Errors
    /// Any deployment or wiring transaction fails.
    pub async fn deploy() -> Result<Self> {
        let chain = TestChain::start().await?;
        let address = |i: usize| chain.address_of(i);
        let governance = ContractAddress(address(actor::GOVERNANCE)?);
        let token = CIROTokenConstructor {
            initial_holder: governance,
            governance,
            minter: governance,
            emergency_council: ContractAddress(address(actor::COUNCIL)?),
            mint_limit: u256(10_000_000 * CIRO),
            mint_period_seconds: 24 * 3600,
        };
        let token = chain.deploy("CIROToken", token.calldata()).await?;
        let pool = CDCPoolConstructor {
            governance,
            token: ContractAddress(token),
            treasury: ContractAddress(address(actor::TREASURY)?),
            oracle: ContractAddress(address(actor::ORACLE)?),
            price_usd_e8: PRICE_USD_E8,
            min_price_usd_e8: PRICE_USD_E8 / 100,
            max_price_usd_e8: PRICE_USD_E8 * 100,
            max_price_age_seconds: 3600,
            unstake_cooldown_seconds: COOLDOWN_SECONDS,
        };
        let pool = chain.deploy("CDCPool", pool.calldata()).await?;
        // The test double's only constructor argument: the answer it starts with.
        let verifier = chain.deploy("TestProofVerifier", vec![Felt::ONE]).await?;
        let job_manager = JobManagerConstructor {
            governance,
            token: ContractAddress(token),
            cdc_pool: ContractAddress(pool),
            proof_verifier: ContractAddress(verifier),
            treasury: ContractAddress(address(actor::TREASURY)?),
            platform_fee_bps: FEE_BPS,
            burn_share_bps: BURN_SHARE_BPS,
        };
        let job_manager = chain.deploy("JobManager", job_manager.calldata()).await?;
        let builder = chain.account(actor::GOVERNANCE)?;
        let system = System {
            token_calls: CiroToken::new(token, builder.clone()),
            pool_calls: CdcPool::new(pool, builder.clone()),
            job_calls: JobManager::new(job_manager, builder),
            holders: std::sync::Mutex::new([governance.0, token, pool, job_manager].into_iter().collect()),
            chain,
            token,
            pool,
            job_manager,
            verifier,
        };
        let keeper = ContractAddress(system.address(actor::KEEPER)?);
        system
            .send_all(
                actor::GOVERNANCE,
                vec![
                    system.pool().set_job_manager_getcall(&ContractAddress(job_manager)),
                    system.job_manager().set_assigner_getcall(&keeper),
                    system.token().set_pause_exempt_getcall(&ContractAddress(job_manager), &true),
                    system.token().set_pause_exempt_getcall(&ContractAddress(pool), &true),
                ],
            )
            .await?;
        for i in 0..10 {
            system.track_holder(system.address(i)?);
        }
        Ok(system)
    }

    /// The address of predeployed account `actor`.
    ///
    /// # Errors
    /// No such account.
    pub fn address(&self, actor: usize) -> Result<Felt> {
        self.chain.address_of(actor)
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
    pub fn job_manager(&self) -> &JobManager<DevnetAccount> {
        &self.job_calls
    }

    fn provider(&self) -> DevnetProvider {
        (*self.chain.devnet().provider()).clone()
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

    /// Sends `call` as `actor`.
    ///
    /// # Errors
    /// [`TxError`] with the contract's revert message.
    pub async fn send(&self, actor: usize, call: Call) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        self.send_all(actor, vec![call]).await
    }

    /// Sends `calls` as one multicall from `actor`.
    ///
    /// # Errors
    /// [`TxError`] with the contract's revert message.
    pub async fn send_all(&self, actor: usize, calls: Vec<Call>) -> Result<TransactionReceiptWithBlockInfo, TxError> {
        let account = self.chain.account(actor).map_err(|e| TxError::Account(e.to_string()))?;
        tx::invoke(&account, calls).await
    }

    /// Remembers an address for the supply invariant.
    pub fn track_holder(&self, address: Felt) {
        if let Ok(mut holders) = self.holders.lock() {
            holders.insert(address);
        }
    }

    /// Gives `amount` CIRO from governance's initial supply to `actor`.
    ///
    /// # Errors
    /// The transfer fails.
    pub async fn fund(&self, actor: usize, amount: u128) -> Result<()> {
        let to = ContractAddress(self.address(actor)?);
        self.send(actor::GOVERNANCE, self.token().transfer_getcall(&to, &u256(amount))).await?;
        Ok(())
    }

    /// CIRO balance of `address`.
    ///
    /// # Errors
    /// The call fails.
    pub async fn balance(&self, address: Felt) -> Result<u128> {
        to_u128(self.token_reader().balance_of(&ContractAddress(address)).call().await?)
    }

    /// Registers `actor` as a worker and stakes `stake` CIRO (funded from governance).
    ///
    /// # Errors
    /// A transaction fails.
    pub async fn add_worker(&self, actor: usize, capabilities: u8, gpu_memory_gb: u32, stake: u128) -> Result<()> {
        self.fund(actor, stake).await?;
        let register = self.pool().register_worker_getcall(&capabilities, &gpu_memory_gb, &1, &1000, &Felt::from(actor as u64));
        let [approve, stake] = ciro_client::chain::stake_calls(self.token(), self.pool(), stake);
        self.send_all(actor, vec![register, approve, stake]).await?;
        Ok(())
    }

    /// The worker record of `actor`.
    ///
    /// # Errors
    /// The call fails.
    pub async fn worker(&self, actor: usize) -> Result<WorkerInfo> {
        Ok(self.pool_reader().get_worker(&ContractAddress(self.address(actor)?)).call().await?)
    }

    /// Registers an ONNX MLP as `owner`, the layout [`test_layout`] of `seed`; returns its id.
    ///
    /// # Errors
    /// The transaction fails.
    pub async fn register_model(&self, owner: usize, seed: Felt) -> Result<u64> {
        self.register_layout(owner, &test_layout(seed, ModelKind::MLP)).await
    }

    /// Registers an ONNX model with `layout` as `owner`; returns its id.
    ///
    /// # Errors
    /// The transaction fails.
    pub async fn register_layout(&self, owner: usize, layout: &ModelLayout) -> Result<u64> {
        self.send(owner, self.job_manager().register_model_getcall(layout, &Framework::ONNX, &Felt::ZERO)).await?;
        Ok(self.job_reader().model_count().call().await?)
    }

    /// An AIInference spec for `model_id` needing CUDA and 8 GB, due at `deadline`.
    pub fn inference_spec(&self, model_id: u64, deadline: u64) -> JobSpec {
        JobSpec {
            job_type: JobType::AIInference,
            priority: JobPriority::Standard,
            required_capabilities: CAP_CUDA,
            min_gpu_memory_gb: 8,
            min_tier: 1,
            model_id,
            input_commitment: Felt::from(0x1a2b3cu64),
            deadline,
        }
    }

    /// Approves and submits `spec` with `payment` as `client` in one multicall; returns the job id.
    ///
    /// # Errors
    /// [`TxError`] when JobManager (or the token) rejects it.
    pub async fn submit_job(&self, client: usize, spec: &JobSpec, payment: u128) -> Result<u64, TxError> {
        let calls = ciro_client::chain::submit_job_calls(self.token(), self.job_manager(), spec, payment);
        self.send_all(client, calls.map(|named| named.call).to_vec()).await?;
        self.job_reader().job_count().call().await.map_err(|e| TxError::Account(e.to_string()))
    }

    /// Job `job_id`.
    ///
    /// # Errors
    /// The call fails.
    pub async fn job(&self, job_id: u64) -> Result<Job> {
        Ok(self.job_reader().get_job(&job_id).call().await?)
    }

    /// The latest block's timestamp.
    ///
    /// # Errors
    /// The request fails.
    pub async fn now(&self) -> Result<u64> {
        Ok(self.chain.devnet().block_timestamp().await?)
    }

    /// Checks the money invariants:
    /// - JobManager's CIRO balance = `escrowed_total` = the payments of its unsettled jobs;
    /// - CDC_Pool's CIRO balance = the sum of its `totals()`;
    /// - the total supply = the sum of the balances of every address that held CIRO here.
    ///
    /// # Errors
    /// An invariant does not hold (the message says which), or a call fails.
    pub async fn check_invariants(&self) -> Result<()> {
        let jobs = self.job_reader();
        let job_count = jobs.job_count().call().await?;
        let mut open_payments = 0u128;
        for job_id in 1..=job_count {
            let job = jobs.get_job(&job_id).call().await?;
            if !job.settled {
                open_payments += to_u128(job.payment)?;
            }
        }
        let escrowed = to_u128(jobs.escrowed_total().call().await?)?;
        let manager_balance = self.balance(self.job_manager).await?;
        ensure!(
            manager_balance == escrowed && escrowed == open_payments,
            "escrow: JobManager holds {manager_balance}, escrowed_total {escrowed}, open jobs' payments {open_payments}"
        );

        let PoolTotals {
            stakes,
            pending_unstakes,
            delegated,
            pending_undelegations,
            unclaimed_rewards,
            activating_delegations,
        } = self.pool_reader().totals().call().await?;
        let liabilities =
            [stakes, pending_unstakes, delegated, pending_undelegations, unclaimed_rewards, activating_delegations]
            .into_iter()
            .map(to_u128)
            .sum::<Result<u128>>()?;
        let pool_balance = self.balance(self.pool).await?;
        ensure!(pool_balance == liabilities, "pool: holds {pool_balance}, owes {liabilities}");

        let holders: Vec<Felt> = self.holders.lock().map(|h| h.iter().copied().collect()).unwrap_or_default();
        let mut sum = 0u128;
        for holder in holders {
            sum += self.balance(holder).await?;
        }
        let supply = to_u128(self.token_reader().total_supply().call().await?)?;
        ensure!(supply == sum, "supply {supply} != sum of known balances {sum}");
        Ok(())
    }

    /// Sets what the test verifier answers.
    ///
    /// # Errors
    /// The transaction fails.
    pub async fn set_proof_answer(&self, verifies: bool) -> Result<()> {
        self.chain
            .invoke(actor::GOVERNANCE, self.verifier, "set_answer", vec![Felt::from(verifies as u8)])
            .await
            .context("setting the test verifier's answer")?;
        Ok(())
    }
}
