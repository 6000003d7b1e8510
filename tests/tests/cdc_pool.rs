//! CDC_Pool on a real devnet, with the real CIRO token: registration, staking with USD tiers,
//! unstake cooldowns, delegation shares and rewards, selection, release, slashing, the oracle and
//! governance. JobManager-only entry points are called from predeployed account #2, set as the
//! pool's job manager. Every test that moves tokens checks that the pool's CIRO balance equals the
//! sum of `totals()`.

use ciro_bindings::errors;
use anyhow::{ensure, Context, Result};
use ciro_deploy::tx::{self, TxError};
use ciro_tests::rng::Rng;
use ciro_tests::{events_named, expect_revert, felt, u256_felts, u256_from_felts, TestChain};
use starknet::core::types::{Call, Felt, TransactionReceiptWithBlockInfo};
use starknet::core::utils::get_selector_from_name;

type Receipt = TransactionReceiptWithBlockInfo;

// Actors: predeployed accounts.
const GOVERNANCE: usize = 0; // also the deployer and the holder of the initial 50M CIRO
const ORACLE: usize = 1;
const JOB_MANAGER: usize = 2;
const SLASHER: usize = 3;
const WORKER: usize = 4;
const WORKER_2: usize = 5;
const WORKER_3: usize = 6;
const DELEGATOR: usize = 7;
const DELEGATOR_2: usize = 8;
const OUTSIDER: usize = 9;

/// Receives slashed tokens; a plain address.
const TREASURY: u128 = 0x7ea5_0001;
const TREASURY_2: u128 = 0x7ea5_0002;

const CIRO: u128 = 1_000_000_000_000_000_000;
/// One US dollar in the oracle's 8 decimals.
const USD: u128 = 100_000_000;
const PRICE: u128 = USD;
const MIN_PRICE: u128 = USD / 100;
const MAX_PRICE: u128 = 100 * USD;
const MAX_PRICE_AGE: u64 = 3600;
const COOLDOWN: u64 = 7 * 24 * 3600;
/// The delegation warm-up the pool starts with.
const DEFAULT_WARMUP: u64 = 24 * 3600;
/// Tier thresholds in USD, tiers 1 to 8.
const TIER_USD: [u128; 8] = [100, 500, 2_500, 10_000, 50_000, 100_000, 250_000, 500_000];

// Capability flags.
const CUDA: u8 = 1;
const FP16: u8 = 4;
const NVLINK: u8 = 16;
const INFINIBAND: u8 = 32;
const TENSOR_CORES: u8 = 64;
const MULTI_GPU: u8 = 128;

const ACTIVE: u8 = 1;
const BANNED: u8 = 2;

use ciro_bindings::errors::access::CALLER_NOT_GOVERNANCE as NOT_GOVERNANCE;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Reason {
    Malicious,
    Unavailability,
    PoorPerformance,
    ProtocolViolation,
    Fraud,
}

impl Reason {
    const ALL: [Reason; 5] =
        [Reason::Malicious, Reason::Unavailability, Reason::PoorPerformance, Reason::ProtocolViolation, Reason::Fraud];

    fn index(self) -> u128 {
        self as u128
    }

    fn share_bps(self) -> u128 {
        match self {
            Reason::Malicious => 5_000,
            Reason::Unavailability => 1_000,
            Reason::PoorPerformance => 2_000,
            Reason::ProtocolViolation => 3_000,
            Reason::Fraud => 10_000,
        }
    }

    fn reputation_after(self, reputation: u16) -> u16 {
        match self {
            Reason::Malicious => reputation.saturating_sub(75),
            Reason::Unavailability => reputation.saturating_sub(10),
            Reason::PoorPerformance => reputation.saturating_sub(25),
            Reason::ProtocolViolation => reputation.saturating_sub(50),
            Reason::Fraud => 0,
        }
    }
}

/// The share of `amount` a slash takes: rounded up.
fn slashed(amount: u128, reason: Reason) -> u128 {
    (amount * reason.share_bps()).div_ceil(10_000)
}

/// `WorkerInfo` as returned by `get_worker`.
#[derive(Clone, Debug, PartialEq)]
struct Worker {
    status: u8,
    capabilities: u8,
    gpu_memory_gb: u32,
    max_concurrent_jobs: u8,
    active_jobs: u8,
    metadata_hash: Felt,
    stake: u128,
    pending_unstake: u128,
    unstake_unlock_at: u64,
    tier: u8,
    reputation: u16,
    commission_bps: u16,
    delegated: u128,
    delegation_shares: u128,
    jobs_completed: u64,
}

/// `DelegationInfo` as returned by `get_delegation`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
struct Delegation {
    shares: u128,
    pending_amount: u128,
    unlock_at: u64,
    activating_amount: u128,
    activates_at: u64,
}

/// The six totals, in `PoolTotals` order.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
struct Totals {
    stakes: u128,
    pending_unstakes: u128,
    delegated: u128,
    pending_undelegations: u128,
    unclaimed_rewards: u128,
    activating_delegations: u128,
}

impl Totals {
    fn sum(&self) -> u128 {
        self.stakes
            + self.pending_unstakes
            + self.delegated
            + self.pending_undelegations
            + self.unclaimed_rewards
            + self.activating_delegations
    }
}

/// Reads felts returned by a view in order.
struct Reader<'a> {
    felts: &'a [Felt],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(felts: &'a [Felt]) -> Self {
        Reader { felts, at: 0 }
    }

    fn felt(&mut self) -> Result<Felt> {
        let value = *self.felts.get(self.at).context("not enough felts")?;
        self.at += 1;
        Ok(value)
    }

    fn int<T: TryFrom<u128>>(&mut self) -> Result<T> {
        let felt = self.felt()?;
        let wide = u128::try_from(felt).map_err(|_| anyhow::anyhow!("{felt:#x} is not an integer"))?;
        T::try_from(wide).map_err(|_| anyhow::anyhow!("{wide} out of range"))
    }

    fn u256(&mut self) -> Result<u128> {
        let low = self.felt()?;
        let high = self.felt()?;
        u256_from_felts(low, high)
    }

    fn done(&self) -> Result<()> {
        ensure!(self.at == self.felts.len(), "{} felts left over", self.felts.len() - self.at);
        Ok(())
    }
}

/// `u256` calldata.
fn amount(value: u128) -> Vec<Felt> {
    u256_felts(value).to_vec()
}

/// Event data from parts.
fn data(parts: &[&[Felt]]) -> Vec<Felt> {
    parts.concat()
}

/// Asserts that a view call failed with exactly `message`.
#[track_caller]
fn expect_call_revert(result: Result<Vec<Felt>>, message: &str) {
    expect_revert(result.map_err(|e| TxError::Rejected { reason: format!("{e:#}") }), message);
}

/// Asserts that a block time read from the contract lies between the chain's clock read just
/// before and just after the transaction that stored it.
#[track_caller]
fn assert_block_time(time: u64, before: u64, after: u64) {
    assert!(before <= time && time <= after, "block time {time} outside [{before}, {after}]");
}

/// Constructor arguments of the pool, to vary one at a time.
#[derive(Clone)]
struct PoolArgs {
    governance: Felt,
    token: Felt,
    treasury: Felt,
    oracle: Felt,
    price: u128,
    min_price: u128,
    max_price: u128,
    max_price_age: u64,
    cooldown: u64,
}

impl PoolArgs {
    fn new(chain: &TestChain, token: Felt) -> Result<Self> {
        Ok(PoolArgs {
            governance: chain.address_of(GOVERNANCE)?,
            token,
            treasury: felt(TREASURY),
            oracle: chain.address_of(ORACLE)?,
            price: PRICE,
            min_price: MIN_PRICE,
            max_price: MAX_PRICE,
            max_price_age: MAX_PRICE_AGE,
            cooldown: COOLDOWN,
        })
    }

    fn calldata(&self) -> Vec<Felt> {
        vec![
            self.governance,
            self.token,
            self.treasury,
            self.oracle,
            felt(self.price),
            felt(self.min_price),
            felt(self.max_price),
            Felt::from(self.max_price_age),
            Felt::from(self.cooldown),
        ]
    }
}

/// A devnet with the CIRO token and a pool whose job manager is account #2.
struct System {
    chain: TestChain,
    token: Felt,
    pool: Felt,
}

impl System {
    /// A pool with no delegation warm-up, so delegations are shares at once: the warm-up has its
    /// own tests (`delegation_warmup_*`) and the random walk runs with the default.
    async fn start() -> Result<Self> {
        let sys = Self::start_with_default_warmup().await?;
        sys.invoke(GOVERNANCE, "set_delegation_warmup", vec![felt(0)]).await?;
        Ok(sys)
    }

    async fn start_with_default_warmup() -> Result<Self> {
        let chain = TestChain::start().await?;
        let governance = chain.address_of(GOVERNANCE)?;
        let token = chain.deploy_ciro_token(governance, governance, governance, governance, 0, 86_400).await?;
        let pool = chain.deploy("CDCPool", PoolArgs::new(&chain, token)?.calldata()).await?;
        chain.invoke(GOVERNANCE, pool, "set_job_manager", vec![chain.address_of(JOB_MANAGER)?]).await?;
        Ok(System { chain, token, pool })
    }

    fn addr(&self, account: usize) -> Result<Felt> {
        self.chain.address_of(account)
    }

    async fn invoke(&self, caller: usize, entry_point: &str, calldata: Vec<Felt>) -> Result<Receipt, TxError> {
        self.chain.invoke(caller, self.pool, entry_point, calldata).await
    }

    async fn view(&self, entry_point: &str, calldata: Vec<Felt>) -> Result<Vec<Felt>> {
        self.chain.call(self.pool, entry_point, calldata).await
    }

    /// Sends `calls` (contract, entry point, calldata) as one transaction from `caller`.
    async fn multicall(&self, caller: usize, calls: Vec<(Felt, &str, Vec<Felt>)>) -> Result<Receipt, TxError> {
        let calls = calls
            .into_iter()
            .map(|(to, entry_point, calldata)| {
                Ok(Call { to, selector: get_selector_from_name(entry_point)?, calldata })
            })
            .collect::<Result<Vec<_>>>()
            .map_err(|e| TxError::Account(e.to_string()))?;
        let account = self.chain.account(caller).map_err(|e| TxError::Account(e.to_string()))?;
        tx::invoke(&account, calls).await
    }

    /// Gives `account` `value` CIRO from the initial holder.
    async fn give(&self, account: usize, value: u128) -> Result<()> {
        let calldata = data(&[&[self.addr(account)?], &amount(value)]);
        self.chain.invoke(GOVERNANCE, self.token, "transfer", calldata).await?;
        Ok(())
    }

    /// Gives `account` `value` CIRO and lets the pool pull all of it.
    async fn fund(&self, account: usize, value: u128) -> Result<()> {
        self.give(account, value).await?;
        let allowance = self.allowance(account).await? + value;
        self.chain.invoke(account, self.token, "approve", data(&[&[self.pool], &amount(allowance)])).await?;
        Ok(())
    }

    async fn allowance(&self, account: usize) -> Result<u128> {
        let felts = self.chain.call(self.token, "allowance", vec![self.addr(account)?, self.pool]).await?;
        Reader::new(&felts).u256()
    }

    async fn balance(&self, address: Felt) -> Result<u128> {
        let felts = self.chain.call(self.token, "balance_of", vec![address]).await?;
        Reader::new(&felts).u256()
    }

    async fn register(
        &self,
        account: usize,
        capabilities: u8,
        gpu_memory_gb: u32,
        max_jobs: u8,
        commission_bps: u16,
    ) -> Result<Receipt, TxError> {
        let calldata = vec![
            Felt::from(capabilities),
            Felt::from(gpu_memory_gb),
            Felt::from(max_jobs),
            Felt::from(commission_bps),
            felt(0x4d45_5441),
        ];
        self.invoke(account, "register_worker", calldata).await
    }

    async fn stake(&self, account: usize, value: u128) -> Result<Receipt, TxError> {
        self.invoke(account, "stake", amount(value)).await
    }

    /// Registers `account` with every capability, 80 GB, 4 jobs, no commission, and stakes `value`.
    async fn staked_worker(&self, account: usize, value: u128) -> Result<()> {
        self.register(account, 0xff, 80, 4, 0).await?;
        self.fund(account, value).await?;
        self.stake(account, value).await?;
        Ok(())
    }

    async fn worker(&self, account: usize) -> Result<Worker> {
        self.worker_by_address(self.addr(account)?).await
    }

    async fn worker_by_address(&self, address: Felt) -> Result<Worker> {
        let felts = self.view("get_worker", vec![address]).await?;
        let mut r = Reader::new(&felts);
        let worker = Worker {
            status: r.int()?,
            capabilities: r.int()?,
            gpu_memory_gb: r.int()?,
            max_concurrent_jobs: r.int()?,
            active_jobs: r.int()?,
            metadata_hash: r.felt()?,
            stake: r.u256()?,
            pending_unstake: r.u256()?,
            unstake_unlock_at: r.int()?,
            tier: r.int()?,
            reputation: r.int()?,
            commission_bps: r.int()?,
            delegated: r.u256()?,
            delegation_shares: r.u256()?,
            jobs_completed: r.int()?,
        };
        r.done()?;
        Ok(worker)
    }

    async fn delegate(&self, delegator: usize, worker: usize, value: u128) -> Result<Receipt, TxError> {
        let calldata = data(&[&[self.addr(worker).map_err(|e| TxError::Account(e.to_string()))?], &amount(value)]);
        self.invoke(delegator, "delegate_stake", calldata).await
    }

    async fn request_undelegate(&self, delegator: usize, worker: usize, shares: u128) -> Result<Receipt, TxError> {
        let calldata = data(&[&[self.addr(worker).map_err(|e| TxError::Account(e.to_string()))?], &amount(shares)]);
        self.invoke(delegator, "request_undelegate", calldata).await
    }

    async fn delegation(&self, delegator: usize, worker: usize) -> Result<Delegation> {
        let felts = self.view("get_delegation", vec![self.addr(delegator)?, self.addr(worker)?]).await?;
        let mut r = Reader::new(&felts);
        let delegation = Delegation {
            shares: r.u256()?,
            pending_amount: r.u256()?,
            unlock_at: r.int()?,
            activating_amount: r.u256()?,
            activates_at: r.int()?,
        };
        r.done()?;
        Ok(delegation)
    }

    async fn pending_rewards(&self, worker: usize) -> Result<u128> {
        Reader::new(&self.view("pending_rewards", vec![self.addr(worker)?]).await?).u256()
    }

    async fn pending_undelegations_of(&self, worker: usize) -> Result<u128> {
        Reader::new(&self.view("pending_undelegations_of", vec![self.addr(worker)?]).await?).u256()
    }

    async fn activate(&self, caller: usize, delegator: usize, worker: usize) -> Result<Receipt, TxError> {
        let addresses = [delegator, worker].map(|account| self.addr(account));
        let [delegator, worker] = addresses.map(|a| a.map_err(|e| TxError::Account(e.to_string())));
        self.invoke(caller, "activate_delegation", vec![delegator?, worker?]).await
    }

    async fn pending_delegation_rewards(&self, delegator: usize, worker: usize) -> Result<u128> {
        let felts = self.view("pending_delegation_rewards", vec![self.addr(delegator)?, self.addr(worker)?]).await?;
        Reader::new(&felts).u256()
    }

    async fn totals(&self) -> Result<Totals> {
        let felts = self.view("totals", vec![]).await?;
        let mut r = Reader::new(&felts);
        let totals = Totals {
            stakes: r.u256()?,
            pending_unstakes: r.u256()?,
            delegated: r.u256()?,
            pending_undelegations: r.u256()?,
            unclaimed_rewards: r.u256()?,
            activating_delegations: r.u256()?,
        };
        r.done()?;
        Ok(totals)
    }

    /// The invariant: the pool holds exactly the sum of its totals.
    async fn assert_balanced(&self) -> Result<Totals> {
        let totals = self.totals().await?;
        let balance = self.balance(self.pool).await?;
        assert_eq!(balance, totals.sum(), "pool balance vs the sum of {totals:?}");
        Ok(totals)
    }

    async fn set_price(&self, price: u128) -> Result<Receipt, TxError> {
        self.invoke(ORACLE, "set_ciro_price", vec![felt(price)]).await
    }

    async fn tier_for_amount(&self, value: u128) -> Result<u8> {
        Reader::new(&self.view("tier_for_amount", amount(value)).await?).int()
    }

    async fn select(&self, capabilities: u8, gpu_memory_gb: u32, min_tier: u8, seed: u128) -> Result<Receipt, TxError> {
        let calldata = vec![Felt::from(capabilities), Felt::from(gpu_memory_gb), Felt::from(min_tier), felt(seed)];
        self.invoke(JOB_MANAGER, "select_worker", calldata).await
    }

    /// The worker a `select_worker` receipt names, and the number of candidates it drew from.
    fn selected(&self, receipt: &Receipt) -> (Felt, Felt) {
        let events = events_named(receipt, self.pool, "WorkerSelected");
        assert_eq!(events.len(), 1, "one WorkerSelected event");
        (events[0].keys[1], events[0].data[1])
    }

    async fn release(&self, worker: usize, succeeded: bool) -> Result<Receipt, TxError> {
        let worker = self.addr(worker).map_err(|e| TxError::Account(e.to_string()))?;
        self.invoke(JOB_MANAGER, "release_worker", vec![worker, Felt::from(succeeded)]).await
    }

    /// JobManager's way to pay a reward: transfer to the pool and credit it, in one transaction.
    async fn credit(&self, worker: usize, value: u128) -> Result<Receipt, TxError> {
        let worker = self.addr(worker).map_err(|e| TxError::Account(e.to_string()))?;
        self.multicall(
            JOB_MANAGER,
            vec![
                (self.token, "transfer", data(&[&[self.pool], &amount(value)])),
                (self.pool, "credit_reward", data(&[&[worker], &amount(value)])),
            ],
        )
        .await
    }

    async fn slash(&self, caller: usize, worker: usize, reason: Reason) -> Result<Receipt, TxError> {
        let worker = self.addr(worker).map_err(|e| TxError::Account(e.to_string()))?;
        self.invoke(caller, "slash", vec![worker, felt(reason.index()), felt(0xe71d)]).await
    }

    async fn now(&self) -> Result<u64> {
        Ok(self.chain.devnet().block_timestamp().await?)
    }
}

// ------------------------------------------------------------------------------------------------
// constructor

#[tokio::test]
async fn constructor_sets_roles_price_and_parameters() -> Result<()> {
    let sys = System::start_with_default_warmup().await?;
    assert_eq!(sys.view("delegation_warmup", vec![]).await?, vec![Felt::from(DEFAULT_WARMUP)]);
    assert_eq!(sys.view("governance", vec![]).await?, vec![sys.addr(GOVERNANCE)?]);
    assert_eq!(sys.view("treasury", vec![]).await?, vec![felt(TREASURY)]);
    assert_eq!(sys.view("job_manager", vec![]).await?, vec![sys.addr(JOB_MANAGER)?]);
    assert_eq!(sys.view("unstake_cooldown", vec![]).await?, vec![Felt::from(COOLDOWN)]);
    let price = sys.view("get_price", vec![]).await?;
    assert_eq!(price[0], felt(PRICE));
    assert!(u64::try_from(price[1]).unwrap() > 0, "the first price is dated at deployment");
    assert_eq!(sys.totals().await?, Totals::default());
    assert_eq!(sys.view("worker_count", vec![]).await?, vec![felt(0)]);
    Ok(())
}

#[tokio::test]
async fn constructor_rejects_invalid_arguments() -> Result<()> {
    let chain = TestChain::start().await?;
    let governance = chain.address_of(GOVERNANCE)?;
    let token = chain.deploy_ciro_token(governance, governance, governance, governance, 0, 86_400).await?;
    let valid = PoolArgs::new(&chain, token)?;
    let cases: Vec<(&str, PoolArgs)> = vec![
        (errors::access::GOVERNANCE_IS_ZERO, PoolArgs { governance: Felt::ZERO, ..valid.clone() }),
        (errors::cdc_pool::ADDRESS_IS_ZERO, PoolArgs { token: Felt::ZERO, ..valid.clone() }),
        (errors::cdc_pool::ADDRESS_IS_ZERO, PoolArgs { treasury: Felt::ZERO, ..valid.clone() }),
        (errors::cdc_pool::ADDRESS_IS_ZERO, PoolArgs { oracle: Felt::ZERO, ..valid.clone() }),
        (errors::cdc_pool::INVALID_PRICE_BOUNDS, PoolArgs { min_price: 0, ..valid.clone() }),
        (errors::cdc_pool::INVALID_PRICE_BOUNDS, PoolArgs { min_price: MAX_PRICE + 1, ..valid.clone() }),
        (errors::cdc_pool::PRICE_OUT_OF_BOUNDS, PoolArgs { price: MIN_PRICE - 1, ..valid.clone() }),
        (errors::cdc_pool::PRICE_OUT_OF_BOUNDS, PoolArgs { price: MAX_PRICE + 1, ..valid.clone() }),
        (errors::cdc_pool::MAX_PRICE_AGE_IS_ZERO, PoolArgs { max_price_age: 0, ..valid.clone() }),
        (errors::cdc_pool::COOLDOWN_TOO_LONG, PoolArgs { cooldown: 365 * 86_400 + 1, ..valid.clone() }),
    ];
    for (message, args) in cases {
        expect_revert(chain.deploy("CDCPool", args.calldata()).await, message);
    }
    chain.deploy("CDCPool", PoolArgs { cooldown: 365 * 86_400, price: MAX_PRICE, ..valid }.calldata()).await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// register_worker, worker_count, worker_at

#[tokio::test]
async fn register_worker_stores_the_worker_and_emits_event() -> Result<()> {
    let sys = System::start().await?;
    let receipt = sys.register(WORKER, CUDA | TENSOR_CORES, 80, 3, 1_500).await?;
    sys.register(WORKER_2, 0, 1, 1, 0).await?;

    let worker = sys.worker(WORKER).await?;
    assert_eq!(
        worker,
        Worker {
            status: ACTIVE,
            capabilities: CUDA | TENSOR_CORES,
            gpu_memory_gb: 80,
            max_concurrent_jobs: 3,
            active_jobs: 0,
            metadata_hash: felt(0x4d45_5441),
            stake: 0,
            pending_unstake: 0,
            unstake_unlock_at: 0,
            tier: 0,
            reputation: 500,
            commission_bps: 1_500,
            delegated: 0,
            delegation_shares: 0,
            jobs_completed: 0,
        }
    );
    assert_eq!(sys.view("worker_count", vec![]).await?, vec![felt(2)]);
    assert_eq!(sys.view("worker_at", vec![felt(0)]).await?, vec![sys.addr(WORKER)?]);
    assert_eq!(sys.view("worker_at", vec![felt(1)]).await?, vec![sys.addr(WORKER_2)?]);
    let events = events_named(&receipt, sys.pool, "WorkerRegistered");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, vec![felt(0), felt(65), felt(80), felt(3), felt(1_500), felt(0x4d45_5441)]);
    Ok(())
}

#[tokio::test]
async fn register_worker_rejects_a_second_registration() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    expect_revert(sys.register(WORKER, FP16, 48, 2, 0).await, errors::cdc_pool::ALREADY_REGISTERED);
    assert_eq!(sys.worker(WORKER).await?.capabilities, CUDA);
    assert_eq!(sys.view("worker_count", vec![]).await?, vec![felt(1)]);
    Ok(())
}

#[tokio::test]
async fn register_worker_rejects_invalid_arguments() -> Result<()> {
    let sys = System::start().await?;
    expect_revert(sys.register(WORKER, CUDA, 0, 1, 0).await, errors::cdc_pool::GPU_MEMORY_IS_ZERO);
    expect_revert(sys.register(WORKER, CUDA, 24, 0, 0).await, errors::cdc_pool::MAX_JOBS_IS_ZERO);
    expect_revert(sys.register(WORKER, CUDA, 24, 1, 10_001).await, errors::cdc_pool::COMMISSION_TOO_HIGH);
    sys.register(WORKER, 0xff, 24, 1, 10_000).await?;
    assert_eq!(sys.worker(WORKER).await?.commission_bps, 10_000);
    Ok(())
}

#[tokio::test]
async fn worker_at_rejects_an_index_out_of_range() -> Result<()> {
    let sys = System::start().await?;
    expect_call_revert(sys.view("worker_at", vec![felt(0)]).await, errors::cdc_pool::INDEX_OUT_OF_RANGE);
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    expect_call_revert(sys.view("worker_at", vec![felt(1)]).await, errors::cdc_pool::INDEX_OUT_OF_RANGE);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// stake, tier_for_amount

#[tokio::test]
async fn stake_pulls_tokens_and_sets_the_tier() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 1_000 * CIRO).await?;
    let worker = sys.addr(WORKER)?;

    let receipt = sys.stake(WORKER, 99 * CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 0, "$99 is below Basic");
    let events = events_named(&receipt, sys.pool, "WorkerStaked");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], worker);
    assert_eq!(events[0].data, data(&[&amount(99 * CIRO), &amount(99 * CIRO), &[felt(0)]]));

    sys.stake(WORKER, CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 1, "$100 is Basic");
    sys.stake(WORKER, 400 * CIRO).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.tier), (500 * CIRO, 2), "$500 is Premium");

    assert_eq!(sys.balance(worker).await?, 500 * CIRO);
    assert_eq!(sys.balance(sys.pool).await?, 500 * CIRO);
    assert_eq!(sys.assert_balanced().await?.stakes, 500 * CIRO);
    Ok(())
}

#[tokio::test]
async fn stake_keeps_the_higher_tier_when_the_price_moves() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 1_000 * CIRO).await?;
    sys.stake(WORKER, 500 * CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 2);

    sys.set_price(USD / 2).await?;
    sys.stake(WORKER, CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 2, "501 CIRO at $0.50 is Basic, the tier stays Premium");

    sys.set_price(5 * USD).await?;
    sys.stake(WORKER, CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 3, "502 CIRO at $5 is $2,510: Enterprise");
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn stake_rejects_a_stale_price() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 200 * CIRO).await?;
    sys.stake(WORKER, 100 * CIRO).await?;

    sys.chain.advance_time(MAX_PRICE_AGE + 60).await?;
    expect_revert(sys.stake(WORKER, 100 * CIRO).await, errors::cdc_pool::PRICE_IS_STALE);

    sys.set_price(2 * USD).await?;
    sys.stake(WORKER, 100 * CIRO).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.tier), (200 * CIRO, 1));
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn stake_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    sys.fund(OUTSIDER, 100 * CIRO).await?;
    expect_revert(sys.stake(OUTSIDER, 100 * CIRO).await, errors::cdc_pool::WORKER_NOT_REGISTERED);

    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    expect_revert(sys.stake(WORKER, 0).await, errors::cdc_pool::AMOUNT_IS_ZERO);
    sys.give(WORKER, 100 * CIRO).await?;
    expect_revert(sys.stake(WORKER, 100 * CIRO).await, errors::token::INSUFFICIENT_ALLOWANCE);
    assert_eq!(sys.worker(WORKER).await?.stake, 0);
    assert_eq!(sys.assert_balanced().await?, Totals::default());
    Ok(())
}

#[tokio::test]
async fn tier_for_amount_follows_the_usd_thresholds() -> Result<()> {
    let sys = System::start().await?;
    assert_eq!(sys.tier_for_amount(0).await?, 0);
    for (index, usd) in TIER_USD.iter().enumerate() {
        let tier = index as u8 + 1;
        assert_eq!(sys.tier_for_amount(usd * CIRO).await?, tier, "${usd} at $1");
        assert_eq!(sys.tier_for_amount(usd * CIRO - 1).await?, tier - 1, "just under ${usd} at $1");
    }
    assert_eq!(sys.tier_for_amount(10_000_000 * CIRO).await?, 8);

    // At $3: $100 needs 33.33… CIRO; the USD value is floored.
    sys.set_price(3 * USD).await?;
    assert_eq!(sys.tier_for_amount(33_333_333_333_333_333_334).await?, 1);
    assert_eq!(sys.tier_for_amount(33_333_333_333_333_333_333).await?, 0);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// request_unstake, withdraw

#[tokio::test]
async fn request_unstake_moves_stake_to_pending_and_lowers_the_tier() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 600 * CIRO).await?;
    sys.stake(WORKER, 600 * CIRO).await?;
    assert_eq!(sys.worker(WORKER).await?.tier, 2);

    let before = sys.now().await?;
    let receipt = sys.invoke(WORKER, "request_unstake", amount(200 * CIRO)).await?;
    let info = sys.worker(WORKER).await?;
    let first_unlock = info.unstake_unlock_at;
    assert_block_time(first_unlock - COOLDOWN, before, sys.now().await?);
    assert_eq!(
        (info.stake, info.pending_unstake, info.unstake_unlock_at, info.tier),
        (400 * CIRO, 200 * CIRO, first_unlock, 1)
    );
    let events = events_named(&receipt, sys.pool, "UnstakeRequested");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, data(&[&amount(200 * CIRO), &amount(200 * CIRO), &[Felt::from(first_unlock), felt(1)]]));

    // A second request adds to the pending amount and restarts the cooldown; a higher price does
    // not raise the tier here.
    sys.chain.advance_time(1_000).await?;
    sys.set_price(10 * USD).await?;
    let before = sys.now().await?;
    sys.invoke(WORKER, "request_unstake", amount(50 * CIRO)).await?;
    let info = sys.worker(WORKER).await?;
    let second_unlock = info.unstake_unlock_at;
    assert_block_time(second_unlock - COOLDOWN, before, sys.now().await?);
    assert!(second_unlock >= first_unlock + 1_000);
    assert_eq!(
        (info.stake, info.pending_unstake, info.unstake_unlock_at, info.tier),
        (350 * CIRO, 250 * CIRO, second_unlock, 1)
    );
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.stakes, totals.pending_unstakes), (350 * CIRO, 250 * CIRO));
    Ok(())
}

#[tokio::test]
async fn request_unstake_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    expect_revert(sys.invoke(OUTSIDER, "request_unstake", amount(1)).await, errors::cdc_pool::WORKER_NOT_REGISTERED);
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 100 * CIRO).await?;
    sys.stake(WORKER, 100 * CIRO).await?;
    expect_revert(sys.invoke(WORKER, "request_unstake", amount(0)).await, errors::cdc_pool::AMOUNT_IS_ZERO);
    expect_revert(sys.invoke(WORKER, "request_unstake", amount(100 * CIRO + 1)).await, errors::cdc_pool::INSUFFICIENT_STAKE);
    sys.invoke(WORKER, "request_unstake", amount(100 * CIRO)).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.tier), (0, 0), "nothing left: no tier");
    Ok(())
}

#[tokio::test]
async fn withdraw_pays_the_pending_unstake_after_the_cooldown() -> Result<()> {
    let sys = System::start().await?;
    expect_revert(sys.invoke(OUTSIDER, "withdraw", vec![]).await, errors::cdc_pool::WORKER_NOT_REGISTERED);
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    expect_revert(sys.invoke(WORKER, "withdraw", vec![]).await, errors::cdc_pool::NOTHING_TO_WITHDRAW);
    sys.fund(WORKER, 300 * CIRO).await?;
    sys.stake(WORKER, 300 * CIRO).await?;
    sys.invoke(WORKER, "request_unstake", amount(120 * CIRO)).await?;

    expect_revert(sys.invoke(WORKER, "withdraw", vec![]).await, errors::cdc_pool::COOLDOWN_NOT_OVER);
    sys.chain.advance_time(COOLDOWN - 600).await?;
    expect_revert(sys.invoke(WORKER, "withdraw", vec![]).await, errors::cdc_pool::COOLDOWN_NOT_OVER);
    sys.chain.advance_time(600).await?;

    let worker = sys.addr(WORKER)?;
    let receipt = sys.invoke(WORKER, "withdraw", vec![]).await?;
    assert_eq!(sys.balance(worker).await?, 120 * CIRO);
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.pending_unstake, info.unstake_unlock_at), (180 * CIRO, 0, 0));
    let events = events_named(&receipt, sys.pool, "UnstakeWithdrawn");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], worker);
    assert_eq!(events[0].data, amount(120 * CIRO));
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.stakes, totals.pending_unstakes), (180 * CIRO, 0));
    expect_revert(sys.invoke(WORKER, "withdraw", vec![]).await, errors::cdc_pool::NOTHING_TO_WITHDRAW);
    Ok(())
}

#[tokio::test]
async fn withdraw_rejects_a_worker_with_an_assigned_job() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 200 * CIRO).await?;
    sys.invoke(WORKER, "request_unstake", amount(50 * CIRO)).await?;
    sys.select(0, 0, 0, 7).await?;
    assert_eq!(sys.worker(WORKER).await?.active_jobs, 1);
    sys.chain.advance_time(COOLDOWN + 1).await?;

    expect_revert(sys.invoke(WORKER, "withdraw", vec![]).await, errors::cdc_pool::HAS_ACTIVE_JOBS);

    sys.release(WORKER, true).await?;
    sys.invoke(WORKER, "withdraw", vec![]).await?;
    assert_eq!(sys.balance(sys.addr(WORKER)?).await?, 50 * CIRO);
    sys.assert_balanced().await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// credit_reward, claim_rewards, claim_delegation_rewards

/// A worker with 700 wei of own stake and 15% commission; delegators of 200 and 100 wei.
async fn rewarded_worker() -> Result<System> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 1_500).await?;
    sys.fund(WORKER, 700).await?;
    sys.stake(WORKER, 700).await?;
    sys.fund(DELEGATOR, 200).await?;
    sys.delegate(DELEGATOR, WORKER, 200).await?;
    sys.fund(DELEGATOR_2, 100).await?;
    sys.delegate(DELEGATOR_2, WORKER, 100).await?;
    sys.give(JOB_MANAGER, 1_000_000).await?;
    Ok(sys)
}

#[tokio::test]
async fn credit_reward_splits_by_stake_commission_and_shares() -> Result<()> {
    let sys = rewarded_worker().await?;

    // 1001: own ⌊1001·700/1000⌋ = 700, delegators ⌊1001·300/1000⌋ = 300, commission
    // ⌊300·15%⌋ = 45, net 255 = 0.85 per share: 170 and 85. Dust: 1.
    let receipt = sys.credit(WORKER, 1_001).await?;
    assert_eq!(sys.pending_rewards(WORKER).await?, 745);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 170);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 85);
    let events = events_named(&receipt, sys.pool, "RewardCredited");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, data(&[&amount(1_001), &amount(745), &amount(255)]));
    assert_eq!(sys.assert_balanced().await?.unclaimed_rewards, 1_001);

    // 1004: own ⌊702.8⌋ = 702, delegators ⌊301.2⌋ = 301, commission ⌊45.15⌋ = 45, net 256:
    // ⌊256·10^18/300⌋ = 853333333333333333 per share (scaled): 170.67 and 85.33 accrue.
    sys.credit(WORKER, 1_004).await?;
    assert_eq!(sys.pending_rewards(WORKER).await?, 745 + 747);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 340);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 170);

    // The same again: the fractions carry over (170 + 2·170.67 = 511.33; 85 + 2·85.33 = 255.67).
    sys.credit(WORKER, 1_004).await?;
    assert_eq!(sys.pending_rewards(WORKER).await?, 745 + 747 + 747);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 511);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 255);
    assert_eq!(sys.assert_balanced().await?.unclaimed_rewards, 3_009);
    Ok(())
}

#[tokio::test]
async fn credit_reward_gives_everything_to_a_worker_without_delegators() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 700).await?;
    sys.give(JOB_MANAGER, 1_000).await?;
    sys.credit(WORKER, 999).await?;
    assert_eq!(sys.pending_rewards(WORKER).await?, 999);
    assert_eq!(sys.assert_balanced().await?.unclaimed_rewards, 999);
    Ok(())
}

#[tokio::test]
async fn credit_reward_rejects_invalid_calls() -> Result<()> {
    let sys = rewarded_worker().await?;
    let worker = sys.addr(WORKER)?;
    let credit = |value: u128| data(&[&[worker], &amount(value)]);
    expect_revert(sys.invoke(OUTSIDER, "credit_reward", credit(10)).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    expect_revert(sys.invoke(WORKER, "credit_reward", credit(10)).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    expect_revert(sys.invoke(JOB_MANAGER, "credit_reward", credit(0)).await, errors::cdc_pool::AMOUNT_IS_ZERO);
    expect_revert(
        sys.invoke(JOB_MANAGER, "credit_reward", data(&[&[sys.addr(OUTSIDER)?], &amount(10)])).await,
        errors::cdc_pool::WORKER_NOT_REGISTERED,
    );
    // Credited without the tokens: the pool's balance would not cover its totals.
    expect_revert(sys.invoke(JOB_MANAGER, "credit_reward", credit(10)).await, errors::cdc_pool::REWARD_NOT_FUNDED);
    assert_eq!(sys.pending_rewards(WORKER).await?, 0);
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn claim_rewards_pays_the_worker_and_leaves_the_dust() -> Result<()> {
    let sys = rewarded_worker().await?;
    sys.credit(WORKER, 1_001).await?;
    sys.credit(WORKER, 1_004).await?;
    sys.credit(WORKER, 1_004).await?;
    let worker = sys.addr(WORKER)?;
    let before = sys.balance(worker).await?;

    let receipt = sys.invoke(WORKER, "claim_rewards", vec![]).await?;

    assert_eq!(sys.balance(worker).await?, before + 2_239);
    assert_eq!(sys.pending_rewards(WORKER).await?, 0);
    let events = events_named(&receipt, sys.pool, "WorkerRewardsClaimed");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], worker);
    assert_eq!(events[0].data, amount(2_239));
    expect_revert(sys.invoke(WORKER, "claim_rewards", vec![]).await, errors::cdc_pool::NO_REWARDS);

    sys.invoke(DELEGATOR, "claim_delegation_rewards", vec![worker]).await?;
    sys.invoke(DELEGATOR_2, "claim_delegation_rewards", vec![worker]).await?;
    // 3009 credited, 2239 + 511 + 255 paid: 4 base units of dust stay counted in the pool.
    assert_eq!(sys.assert_balanced().await?.unclaimed_rewards, 4);
    Ok(())
}

#[tokio::test]
async fn claim_delegation_rewards_pays_the_accrued_share() -> Result<()> {
    let sys = rewarded_worker().await?;
    let worker = sys.addr(WORKER)?;
    expect_revert(sys.invoke(DELEGATOR, "claim_delegation_rewards", vec![worker]).await, errors::cdc_pool::NO_REWARDS);
    sys.credit(WORKER, 1_001).await?;
    sys.credit(WORKER, 1_004).await?;
    sys.credit(WORKER, 1_004).await?;
    let delegator = sys.addr(DELEGATOR)?;

    let receipt = sys.invoke(DELEGATOR, "claim_delegation_rewards", vec![worker]).await?;

    assert_eq!(sys.balance(delegator).await?, 511);
    let events = events_named(&receipt, sys.pool, "DelegationRewardsClaimed");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [delegator, worker]);
    assert_eq!(events[0].data, amount(511));
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 0);
    expect_revert(sys.invoke(DELEGATOR, "claim_delegation_rewards", vec![worker]).await, errors::cdc_pool::NO_REWARDS);

    // The kept fraction is carried, exactly: 511.3333333333333332 − 511 + 170.6666666666666666
    // = 170.9999999999999998, so 170 (the floored accumulator never pays out more than credited).
    sys.credit(WORKER, 1_004).await?;
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 170);
    sys.credit(WORKER, 1_004).await?;
    assert_eq!(
        sys.pending_delegation_rewards(DELEGATOR, WORKER).await?,
        341,
        "170.9999999999999998 + 170.6666666666666666"
    );
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn claim_delegation_rewards_settles_before_shares_change() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?; // no own stake: delegators get everything
    sys.give(JOB_MANAGER, 10_000).await?;
    sys.fund(DELEGATOR, 1_000).await?;
    sys.fund(DELEGATOR_2, 1_000).await?;
    sys.delegate(DELEGATOR, WORKER, 200).await?;
    sys.credit(WORKER, 300).await?; // 1.5 per share, all to the first delegator

    sys.delegate(DELEGATOR_2, WORKER, 100).await?;
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 0, "no share of earlier rewards");
    sys.credit(WORKER, 300).await?; // 1 per share over 300 shares
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 500);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 100);

    sys.request_undelegate(DELEGATOR, WORKER, 100).await?; // settles 500 first
    sys.delegate(DELEGATOR_2, WORKER, 100).await?; // settles 100 first
    sys.credit(WORKER, 300).await?; // 1 per share: 100 and 200 shares
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 600);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR_2, WORKER).await?, 300);
    assert_eq!(sys.pending_rewards(WORKER).await?, 0);
    assert_eq!(sys.assert_balanced().await?.unclaimed_rewards, 900);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// delegate_stake, request_undelegate, withdraw_delegation

#[tokio::test]
async fn delegate_stake_mints_shares_at_the_pool_value() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 500).await?;
    sys.fund(DELEGATOR, 1_000).await?;
    sys.fund(DELEGATOR_2, 500).await?;
    let (worker, delegator) = (sys.addr(WORKER)?, sys.addr(DELEGATOR)?);

    let receipt = sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    let events = events_named(&receipt, sys.pool, "StakeDelegated");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [delegator, worker]);
    assert_eq!(events[0].data, data(&[&amount(1_000), &amount(1_000)]), "first deposit: one share per token");

    sys.slash(JOB_MANAGER, WORKER, Reason::Unavailability).await?; // 1000 → 900
    let receipt = sys.delegate(DELEGATOR_2, WORKER, 500).await?;
    // ⌊500 · 1000 / 900⌋ = 555 shares.
    assert_eq!(events_named(&receipt, sys.pool, "StakeDelegated")[0].data, data(&[&amount(500), &amount(555)]));
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.delegated, info.delegation_shares), (1_400, 1_555));
    assert_eq!(sys.delegation(DELEGATOR_2, WORKER).await?, Delegation { shares: 555, pending_amount: 0, unlock_at: 0, ..Default::default() });
    assert_eq!(sys.balance(sys.addr(DELEGATOR_2)?).await?, 0);
    assert_eq!(sys.assert_balanced().await?.delegated, 1_400);
    Ok(())
}

#[tokio::test]
async fn delegate_stake_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    sys.fund(DELEGATOR, 1_000).await?;
    expect_revert(sys.delegate(DELEGATOR, WORKER, 10).await, errors::cdc_pool::WORKER_NOT_REGISTERED);
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    expect_revert(sys.delegate(DELEGATOR, WORKER, 0).await, errors::cdc_pool::AMOUNT_IS_ZERO);

    // A pool slashed down to zero value while shares remain takes no new money.
    sys.delegate(DELEGATOR, WORKER, 1).await?;
    sys.slash(JOB_MANAGER, WORKER, Reason::Malicious).await?; // ⌈0.5⌉ = 1: nothing left
    assert_eq!(sys.worker(WORKER).await?.delegated, 0);
    expect_revert(sys.delegate(DELEGATOR, WORKER, 10).await, errors::cdc_pool::DELEGATION_POOL_WIPED);

    sys.register(WORKER_2, CUDA, 24, 1, 0).await?;
    sys.slash(JOB_MANAGER, WORKER_2, Reason::Fraud).await?;
    expect_revert(sys.delegate(DELEGATOR, WORKER_2, 10).await, errors::cdc_pool::WORKER_BANNED);
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn request_undelegate_redeems_shares_at_the_pool_value() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(DELEGATOR, 1_000).await?;
    sys.fund(DELEGATOR_2, 500).await?;
    sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    sys.slash(JOB_MANAGER, WORKER, Reason::Unavailability).await?;
    sys.delegate(DELEGATOR_2, WORKER, 500).await?; // 1400 value, 1555 shares

    let before = sys.now().await?;
    let receipt = sys.request_undelegate(DELEGATOR, WORKER, 400).await?;
    let unlock = sys.delegation(DELEGATOR, WORKER).await?.unlock_at;
    assert_block_time(unlock - COOLDOWN, before, sys.now().await?);
    // ⌊400 · 1400 / 1555⌋ = 360.
    assert_eq!(
        sys.delegation(DELEGATOR, WORKER).await?,
        Delegation { shares: 600, pending_amount: 360, unlock_at: unlock, ..Default::default() }
    );
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.delegated, info.delegation_shares), (1_040, 1_155));
    let events = events_named(&receipt, sys.pool, "UndelegateRequested");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [sys.addr(DELEGATOR)?, sys.addr(WORKER)?]);
    assert_eq!(events[0].data, data(&[&amount(400), &amount(360), &amount(360), &[Felt::from(unlock)]]));

    // Another request adds ⌊100 · 1040 / 1155⌋ = 90 and restarts the cooldown.
    sys.chain.advance_time(500).await?;
    let before = sys.now().await?;
    sys.request_undelegate(DELEGATOR, WORKER, 100).await?;
    let second_unlock = sys.delegation(DELEGATOR, WORKER).await?.unlock_at;
    assert_block_time(second_unlock - COOLDOWN, before, sys.now().await?);
    assert!(second_unlock >= unlock + 500);
    assert_eq!(
        sys.delegation(DELEGATOR, WORKER).await?,
        Delegation { shares: 500, pending_amount: 450, unlock_at: second_unlock, ..Default::default() }
    );
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.delegated, totals.pending_undelegations), (950, 450));
    Ok(())
}

#[tokio::test]
async fn request_undelegate_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(DELEGATOR, 100).await?;
    sys.delegate(DELEGATOR, WORKER, 100).await?;
    expect_revert(sys.request_undelegate(DELEGATOR, WORKER, 0).await, errors::cdc_pool::SHARES_ARE_ZERO);
    expect_revert(sys.request_undelegate(DELEGATOR, WORKER, 101).await, errors::cdc_pool::INSUFFICIENT_SHARES);
    expect_revert(sys.request_undelegate(DELEGATOR_2, WORKER, 1).await, errors::cdc_pool::INSUFFICIENT_SHARES);
    Ok(())
}

#[tokio::test]
async fn withdraw_delegation_pays_after_the_cooldown() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    let (worker, delegator) = (sys.addr(WORKER)?, sys.addr(DELEGATOR)?);
    expect_revert(sys.invoke(DELEGATOR, "withdraw_delegation", vec![worker]).await, errors::cdc_pool::NOTHING_TO_WITHDRAW);
    sys.fund(DELEGATOR, 1_000).await?;
    sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    sys.request_undelegate(DELEGATOR, WORKER, 300).await?;

    expect_revert(sys.invoke(DELEGATOR, "withdraw_delegation", vec![worker]).await, errors::cdc_pool::COOLDOWN_NOT_OVER);
    sys.chain.advance_time(COOLDOWN + 1).await?;
    let receipt = sys.invoke(DELEGATOR, "withdraw_delegation", vec![worker]).await?;

    assert_eq!(sys.balance(delegator).await?, 300);
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?, Delegation { shares: 700, pending_amount: 0, unlock_at: 0, ..Default::default() });
    let events = events_named(&receipt, sys.pool, "DelegationWithdrawn");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [delegator, worker]);
    assert_eq!(events[0].data, amount(300));
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.delegated, totals.pending_undelegations), (700, 0));
    expect_revert(sys.invoke(DELEGATOR, "withdraw_delegation", vec![worker]).await, errors::cdc_pool::NOTHING_TO_WITHDRAW);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// delegation warm-up, activate_delegation

/// Worker (1,000 own stake, 10% commission) and a funded delegator, on a pool with a one-hour
/// warm-up.
async fn warmup_pool() -> Result<System> {
    let sys = System::start_with_default_warmup().await?;
    sys.invoke(GOVERNANCE, "set_delegation_warmup", vec![felt(3_600)]).await?;
    sys.register(WORKER, CUDA, 24, 1, 1_000).await?;
    sys.fund(WORKER, 1_000).await?;
    sys.stake(WORKER, 1_000).await?;
    sys.fund(DELEGATOR, 2_000).await?;
    sys.give(JOB_MANAGER, 10_000).await?;
    Ok(sys)
}

#[tokio::test]
async fn delegation_warmup_keeps_a_new_delegation_out_of_rewards() -> Result<()> {
    let sys = warmup_pool().await?;
    let before = sys.now().await?;
    let receipt = sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    let activates_at = sys.delegation(DELEGATOR, WORKER).await?.activates_at;
    assert_block_time(activates_at - 3_600, before, sys.now().await?);
    let events = events_named(&receipt, sys.pool, "DelegationQueued");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [sys.addr(DELEGATOR)?, sys.addr(WORKER)?]);
    assert_eq!(events[0].data, data(&[&amount(1_000), &amount(1_000), &[Felt::from(activates_at)]]));
    assert!(events_named(&receipt, sys.pool, "StakeDelegated").is_empty(), "no shares yet");
    assert_eq!(
        sys.delegation(DELEGATOR, WORKER).await?,
        Delegation { activating_amount: 1_000, activates_at, ..Default::default() }
    );
    assert_eq!(sys.worker(WORKER).await?.delegated, 0, "not part of the pool's value");
    assert_eq!(sys.assert_balanced().await?.activating_delegations, 1_000);

    // A reward credited during the warm-up is the worker's alone.
    sys.credit(WORKER, 1_000).await?;
    assert_eq!(sys.pending_rewards(WORKER).await?, 1_000);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 0);
    expect_revert(sys.activate(OUTSIDER, DELEGATOR, WORKER).await, errors::cdc_pool::WARMUP_NOT_OVER);
    expect_revert(sys.request_undelegate(DELEGATOR, WORKER, 1).await, errors::cdc_pool::INSUFFICIENT_SHARES);

    // After it, anyone turns it into shares; from then on it earns its part.
    sys.chain.advance_time(3_600).await?;
    let receipt = sys.activate(OUTSIDER, DELEGATOR, WORKER).await?;
    let events = events_named(&receipt, sys.pool, "StakeDelegated");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, data(&[&amount(1_000), &amount(1_000)]));
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?, Delegation { shares: 1_000, ..Default::default() });
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.delegated, totals.activating_delegations), (1_000, 0));
    expect_revert(sys.activate(OUTSIDER, DELEGATOR, WORKER).await, errors::cdc_pool::NOTHING_TO_ACTIVATE);
    sys.credit(WORKER, 1_000).await?;
    // Half is the delegators'; the worker keeps 10% of it as commission.
    assert_eq!(sys.pending_rewards(WORKER).await?, 1_000 + 500 + 50);
    assert_eq!(sys.pending_delegation_rewards(DELEGATOR, WORKER).await?, 450);
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn delegation_warmup_restarts_for_a_new_amount_and_activates_a_matured_one() -> Result<()> {
    let sys = warmup_pool().await?;
    sys.delegate(DELEGATOR, WORKER, 400).await?;
    sys.chain.advance_time(1_800).await?;
    // Still warming up: the new amount joins it and both wait a full warm-up from now.
    let before = sys.now().await?;
    sys.delegate(DELEGATOR, WORKER, 100).await?;
    let delegation = sys.delegation(DELEGATOR, WORKER).await?;
    assert_eq!((delegation.shares, delegation.activating_amount), (0, 500));
    assert_block_time(delegation.activates_at - 3_600, before, sys.now().await?);
    sys.chain.advance_time(1_800).await?;
    expect_revert(sys.activate(DELEGATOR, DELEGATOR, WORKER).await, errors::cdc_pool::WARMUP_NOT_OVER);
    sys.chain.advance_time(1_800).await?;
    // Matured: the next delegation turns it into shares first and queues only the new amount.
    let before = sys.now().await?;
    let receipt = sys.delegate(DELEGATOR, WORKER, 300).await?;
    assert_eq!(events_named(&receipt, sys.pool, "StakeDelegated")[0].data, data(&[&amount(500), &amount(500)]));
    let delegation = sys.delegation(DELEGATOR, WORKER).await?;
    assert_eq!((delegation.shares, delegation.activating_amount), (500, 300));
    assert_block_time(delegation.activates_at - 3_600, before, sys.now().await?);
    // After its own warm-up, an undelegation request activates it first.
    sys.chain.advance_time(3_600).await?;
    sys.request_undelegate(DELEGATOR, WORKER, 800).await?;
    let delegation = sys.delegation(DELEGATOR, WORKER).await?;
    assert_eq!((delegation.shares, delegation.pending_amount, delegation.activating_amount), (0, 800, 0));
    let totals = sys.assert_balanced().await?;
    assert_eq!((totals.delegated, totals.pending_undelegations, totals.activating_delegations), (0, 800, 0));
    Ok(())
}

#[tokio::test]
async fn delegation_warmup_refunds_a_delegation_to_a_worker_banned_meanwhile() -> Result<()> {
    let sys = warmup_pool().await?;
    sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    sys.slash(JOB_MANAGER, WORKER, Reason::Fraud).await?;
    assert_eq!(sys.balance(felt(TREASURY)).await?, 1_000, "the warming-up delegation was not at risk");
    sys.chain.advance_time(3_600).await?;
    let delegator = sys.addr(DELEGATOR)?;
    let before = sys.balance(delegator).await?;
    let receipt = sys.activate(OUTSIDER, DELEGATOR, WORKER).await?;
    assert_eq!(sys.balance(delegator).await?, before + 1_000);
    let events = events_named(&receipt, sys.pool, "DelegationRefunded");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1..], [delegator, sys.addr(WORKER)?]);
    assert_eq!(events[0].data, amount(1_000));
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?, Delegation::default());
    assert_eq!(sys.assert_balanced().await?, Totals::default());
    Ok(())
}

#[tokio::test]
async fn set_delegation_warmup_is_governance_only_and_bounded() -> Result<()> {
    let sys = System::start_with_default_warmup().await?;
    expect_revert(sys.invoke(OUTSIDER, "set_delegation_warmup", vec![felt(0)]).await, NOT_GOVERNANCE);
    expect_revert(
        sys.invoke(GOVERNANCE, "set_delegation_warmup", vec![Felt::from(30 * 86_400 + 1u64)]).await,
        errors::cdc_pool::WARMUP_TOO_LONG,
    );
    let receipt = sys.invoke(GOVERNANCE, "set_delegation_warmup", vec![Felt::from(30 * 86_400u64)]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "DelegationWarmupChanged")[0].data, vec![Felt::from(30 * 86_400u64)]);
    assert_eq!(sys.view("delegation_warmup", vec![]).await?, vec![Felt::from(30 * 86_400u64)]);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// pending undelegations stay slashable

#[tokio::test]
async fn pending_undelegations_are_slashed_until_withdrawn() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    for delegator in [DELEGATOR, DELEGATOR_2] {
        sys.fund(delegator, 1_000).await?;
        sys.delegate(delegator, WORKER, 1_000).await?;
    }
    sys.request_undelegate(DELEGATOR, WORKER, 1_000).await?;
    assert_eq!(sys.pending_undelegations_of(WORKER).await?, 1_000);

    // Unavailability, 10%: 100 of the delegation pool and 100 of the pending undelegation.
    let receipt = sys.slash(JOB_MANAGER, WORKER, Reason::Unavailability).await?;
    let events = events_named(&receipt, sys.pool, "UndelegationsSlashed");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, data(&[&[felt(Reason::Unavailability.index())], &amount(100), &amount(900)]));
    // WorkerSlashed counts it in its total.
    assert_eq!(events_named(&receipt, sys.pool, "WorkerSlashed")[0].data[8..10], amount(200)[..]);
    assert_eq!(sys.balance(felt(TREASURY)).await?, 200);
    assert_eq!(sys.pending_undelegations_of(WORKER).await?, 900);
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?.pending_amount, 900);

    // The second delegator leaves at the slashed value; a Malicious slash (50%) then takes half of
    // both pending amounts: ⌈1,800 / 2⌉ = 900 of the pending total.
    sys.request_undelegate(DELEGATOR_2, WORKER, 1_000).await?;
    assert_eq!(sys.pending_undelegations_of(WORKER).await?, 1_800);
    sys.slash(JOB_MANAGER, WORKER, Reason::Malicious).await?;
    assert_eq!(sys.pending_undelegations_of(WORKER).await?, 900);
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?.pending_amount, 450);
    assert_eq!(sys.delegation(DELEGATOR_2, WORKER).await?.pending_amount, 450);
    sys.assert_balanced().await?;

    sys.chain.advance_time(COOLDOWN + 1).await?;
    let receipt = sys.invoke(DELEGATOR, "withdraw_delegation", vec![sys.addr(WORKER)?]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "DelegationWithdrawn")[0].data, amount(450));
    assert_eq!(sys.balance(sys.addr(DELEGATOR)?).await?, 450);
    // Withdrawn: out of the worker's risk.
    sys.slash(JOB_MANAGER, WORKER, Reason::Malicious).await?;
    assert_eq!(sys.pending_undelegations_of(WORKER).await?, 225);
    sys.invoke(DELEGATOR_2, "withdraw_delegation", vec![sys.addr(WORKER)?]).await?;
    assert_eq!(sys.balance(sys.addr(DELEGATOR_2)?).await?, 225);
    assert_eq!(sys.balance(felt(TREASURY)).await?, 200 + 900 + 225);
    assert_eq!(sys.assert_balanced().await?, Totals::default());
    Ok(())
}

#[tokio::test]
async fn pending_undelegations_are_lost_to_fraud() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(DELEGATOR, 1_000).await?;
    sys.delegate(DELEGATOR, WORKER, 1_000).await?;
    sys.request_undelegate(DELEGATOR, WORKER, 400).await?;
    sys.slash(JOB_MANAGER, WORKER, Reason::Fraud).await?;
    assert_eq!(sys.balance(felt(TREASURY)).await?, 1_000);
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?.pending_amount, 0);
    sys.chain.advance_time(COOLDOWN + 1).await?;
    expect_revert(sys.invoke(DELEGATOR, "withdraw_delegation", vec![sys.addr(WORKER)?]).await, errors::cdc_pool::NOTHING_TO_WITHDRAW);
    // The worthless shares can still be given back; they redeem nothing.
    sys.request_undelegate(DELEGATOR, WORKER, 600).await?;
    assert_eq!(sys.delegation(DELEGATOR, WORKER).await?.pending_amount, 0);
    assert_eq!(sys.assert_balanced().await?, Totals::default());
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// select_worker, release_worker

#[tokio::test]
async fn select_worker_picks_only_eligible_workers() -> Result<()> {
    let sys = System::start().await?;
    let required = CUDA | TENSOR_CORES;
    let all_but_unique = !(MULTI_GPU | INFINIBAND);
    // The eligible one: smallest stake, so every other worker would outrank it if it slipped in.
    sys.register(WORKER, required, 80, 2, 0).await?;
    sys.fund(WORKER, 3_000 * CIRO).await?;
    sys.stake(WORKER, 3_000 * CIRO).await?; // Enterprise
                                            // Missing a required capability.
    sys.register(WORKER_2, CUDA | FP16, 80, 4, 0).await?;
    // Too little GPU memory.
    sys.register(WORKER_3, all_but_unique, 16, 4, 0).await?;
    // Tier 2 (Premium) under the required Enterprise.
    sys.register(DELEGATOR, all_but_unique, 80, 4, 0).await?;
    // Busy: one job at a time, and it gets one first (only it has MULTI_GPU).
    sys.register(DELEGATOR_2, all_but_unique | MULTI_GPU, 80, 1, 0).await?;
    // Banned.
    sys.register(OUTSIDER, all_but_unique, 80, 4, 0).await?;
    // No tier at all (stake worth $50), the only one with INFINIBAND.
    sys.register(SLASHER, all_but_unique | INFINIBAND, 80, 4, 0).await?;
    for (account, value) in [
        (WORKER_2, 10_000 * CIRO),
        (WORKER_3, 10_000 * CIRO),
        (DELEGATOR, 600 * CIRO),
        (DELEGATOR_2, 10_000 * CIRO),
        (OUTSIDER, 10_000 * CIRO),
        (SLASHER, 50 * CIRO),
    ] {
        sys.fund(account, value).await?;
        sys.stake(account, value).await?;
    }
    let busy = sys.select(MULTI_GPU, 0, 0, 1).await?;
    assert_eq!(sys.selected(&busy), (sys.addr(DELEGATOR_2)?, felt(1)));
    sys.slash(JOB_MANAGER, OUTSIDER, Reason::Fraud).await?;
    let min_tier = 3;

    for seed in [11, 12] {
        let receipt = sys.select(required, 40, min_tier, seed).await?;
        assert_eq!(sys.selected(&receipt), (sys.addr(WORKER)?, felt(1)), "seed {seed}: only one candidate");
    }
    let info = sys.worker(WORKER).await?;
    assert_eq!(info.active_jobs, 2);
    expect_revert(sys.select(required, 40, min_tier, 13).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    sys.release(WORKER, false).await?;
    let receipt = sys.select(required, 40, min_tier, 14).await?;
    assert_eq!(sys.selected(&receipt).0, sys.addr(WORKER)?);

    // The tier-0 worker is never eligible, whatever the job's minimum tier.
    expect_revert(sys.select(INFINIBAND, 0, 0, 15).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    // Nobody has every flag with that much memory.
    expect_revert(sys.select(0xff, 0, 0, 16).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    expect_revert(sys.select(0, 81, 0, 17).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    Ok(())
}

#[tokio::test]
async fn select_worker_picks_among_the_top_three_by_reputation_times_stake() -> Result<()> {
    let sys = System::start().await?;
    let accounts = [WORKER, WORKER_2, WORKER_3, DELEGATOR, DELEGATOR_2];
    // Stakes 300, 310, 320, 330, 340 CIRO (all Basic); WORKER alone has NVLINK.
    for (i, account) in accounts.iter().enumerate() {
        let capabilities = if *account == WORKER { CUDA | NVLINK } else { CUDA };
        sys.register(*account, capabilities, 24, 8, 0).await?;
        let value = (300 + 10 * i as u128) * CIRO;
        sys.fund(*account, value).await?;
        sys.stake(*account, value).await?;
    }
    let addresses: Vec<Felt> = accounts.iter().map(|a| sys.addr(*a)).collect::<Result<_>>()?;

    let mut picked = std::collections::BTreeSet::new();
    for seed in 100..112u128 {
        let receipt = sys.select(CUDA, 0, 1, seed).await?;
        let (worker, candidates) = sys.selected(&receipt);
        assert_eq!(candidates, felt(3));
        assert!(
            [addresses[2], addresses[3], addresses[4]].contains(&worker),
            "seed {seed}: {worker:#x} is not in the top three"
        );
        picked.insert(worker);
        let account = accounts[addresses.iter().position(|a| *a == worker).unwrap()];
        sys.release(account, false).await?;
    }
    assert!(picked.len() >= 2, "the seed spreads jobs over the top candidates: {picked:?}");

    // Six successful jobs raise WORKER's reputation to 560: 300 · 560 = 168,000 beats
    // 330 · 500 and 320 · 500, but not 340 · 500 = 170,000.
    for seed in 0..6u128 {
        let receipt = sys.select(NVLINK, 0, 0, seed).await?;
        assert_eq!(sys.selected(&receipt).0, addresses[0]);
        sys.release(WORKER, true).await?;
    }
    assert_eq!(sys.worker(WORKER).await?.reputation, 560);
    let mut picked = std::collections::BTreeSet::new();
    for seed in 200..212u128 {
        let receipt = sys.select(CUDA, 0, 1, seed).await?;
        let (worker, _) = sys.selected(&receipt);
        assert!(
            [addresses[0], addresses[3], addresses[4]].contains(&worker),
            "seed {seed}: {worker:#x} is not in the top three"
        );
        picked.insert(worker);
        let account = accounts[addresses.iter().position(|a| *a == worker).unwrap()];
        sys.release(account, false).await?;
    }
    assert!(picked.len() >= 2, "{picked:?}");
    Ok(())
}

#[tokio::test]
async fn select_worker_counts_the_job_and_emits_event() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    let receipt = sys.select(CUDA, 80, 1, 42).await?;
    let events = events_named(&receipt, sys.pool, "WorkerSelected");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, vec![felt(42), felt(1), felt(1)]);
    assert_eq!(sys.worker(WORKER).await?.active_jobs, 1);
    Ok(())
}

#[tokio::test]
async fn select_worker_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    expect_revert(sys.select(0, 0, 0, 1).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    let calldata = vec![felt(0), felt(0), felt(0), felt(1)];
    expect_revert(sys.invoke(OUTSIDER, "select_worker", calldata.clone()).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    expect_revert(sys.invoke(GOVERNANCE, "select_worker", calldata).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    expect_revert(sys.select(0, 0, 2, 1).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    Ok(())
}

#[tokio::test]
async fn release_worker_frees_the_slot_and_rewards_success() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    sys.select(0, 0, 0, 1).await?;
    sys.select(0, 0, 0, 2).await?;

    let receipt = sys.release(WORKER, false).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.active_jobs, info.reputation, info.jobs_completed), (1, 500, 0));
    let events = events_named(&receipt, sys.pool, "WorkerReleased");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(events[0].data, vec![felt(0), felt(1), felt(500)]);

    let receipt = sys.release(WORKER, true).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.active_jobs, info.reputation, info.jobs_completed), (0, 510, 1));
    assert_eq!(events_named(&receipt, sys.pool, "WorkerReleased")[0].data, vec![felt(1), felt(0), felt(510)]);
    Ok(())
}

#[tokio::test]
async fn release_worker_caps_reputation_at_1000() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    let worker = sys.addr(WORKER)?;
    let select = vec![felt(0), felt(0), felt(0), felt(9)];
    let release = vec![worker, felt(1)];
    // At most 10 jobs a day raise reputation: 52 jobs over six days, 10 a day, then 2.
    for jobs in [10, 10, 10, 10, 10, 2] {
        let calls = (0..jobs)
            .flat_map(|_| [(sys.pool, "select_worker", select.clone()), (sys.pool, "release_worker", release.clone())])
            .collect();
        sys.multicall(JOB_MANAGER, calls).await?;
        sys.chain.advance_time(86_400).await?;
    }
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.reputation, info.jobs_completed, info.active_jobs), (1000, 52, 0));
    Ok(())
}

#[tokio::test]
async fn release_worker_rejects_invalid_calls() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    expect_revert(sys.release(WORKER, true).await, errors::cdc_pool::NO_ACTIVE_JOB);
    expect_revert(sys.release(OUTSIDER, true).await, errors::cdc_pool::WORKER_NOT_REGISTERED);
    sys.select(0, 0, 0, 1).await?;
    expect_revert(
        sys.invoke(WORKER, "release_worker", vec![sys.addr(WORKER)?, felt(1)]).await,
        errors::cdc_pool::CALLER_NOT_JOB_MANAGER,
    );
    assert_eq!(sys.worker(WORKER).await?.active_jobs, 1);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// slash

/// A worker with odd amounts in each slashable balance: stake 1,000,003, pending unstake 100,001,
/// delegated 333,335.
async fn slashable_worker(sys: &System) -> Result<()> {
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 1_100_004).await?;
    sys.stake(WORKER, 1_100_004).await?;
    sys.invoke(WORKER, "request_unstake", amount(100_001)).await?;
    sys.fund(DELEGATOR, 333_335).await?;
    sys.delegate(DELEGATOR, WORKER, 333_335).await?;
    Ok(())
}

#[tokio::test]
async fn slash_takes_each_reason_share_rounded_up() -> Result<()> {
    let sys = System::start().await?;
    slashable_worker(&sys).await?;
    sys.invoke(GOVERNANCE, "set_slasher", vec![sys.addr(SLASHER)?]).await?;
    let treasury = felt(TREASURY);

    // Malicious, by hand: ⌈1,000,003 / 2⌉ = 500,002; ⌈100,001 / 2⌉ = 50,001; ⌈333,335 / 2⌉ = 166,668.
    let receipt = sys.slash(JOB_MANAGER, WORKER, Reason::Malicious).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.pending_unstake, info.delegated, info.reputation), (500_001, 50_000, 166_667, 425));
    assert_eq!(sys.balance(treasury).await?, 716_671);
    let events = events_named(&receipt, sys.pool, "WorkerSlashed");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].keys[1], sys.addr(WORKER)?);
    assert_eq!(
        events[0].data,
        data(&[
            &[felt(0), felt(0xe71d)],
            &amount(500_002),
            &amount(50_001),
            &amount(166_668),
            &amount(716_671),
            &[felt(425), felt(0)],
        ])
    );
    sys.assert_balanced().await?;

    // The others, from the slasher role and JobManager in turn.
    for (i, reason) in
        [Reason::Unavailability, Reason::PoorPerformance, Reason::ProtocolViolation].into_iter().enumerate()
    {
        let before = sys.worker(WORKER).await?;
        let treasury_before = sys.balance(treasury).await?;
        let caller = if i % 2 == 0 { SLASHER } else { JOB_MANAGER };
        let receipt = sys.slash(caller, WORKER, reason).await?;
        let after = sys.worker(WORKER).await?;
        let (s, p, d) =
            (slashed(before.stake, reason), slashed(before.pending_unstake, reason), slashed(before.delegated, reason));
        assert_eq!(after.stake, before.stake - s, "{reason:?}");
        assert_eq!(after.pending_unstake, before.pending_unstake - p, "{reason:?}");
        assert_eq!(after.delegated, before.delegated - d, "{reason:?}");
        assert_eq!(after.delegation_shares, before.delegation_shares, "shares do not change");
        assert_eq!(after.reputation, reason.reputation_after(before.reputation), "{reason:?}");
        assert_eq!(after.status, ACTIVE);
        assert_eq!(sys.balance(treasury).await?, treasury_before + s + p + d);
        assert_eq!(events_named(&receipt, sys.pool, "WorkerSlashed")[0].data[8..10], amount(s + p + d)[..]);
        sys.assert_balanced().await?;
    }
    // 500,001 → 450,000 → 360,000 → 252,000 (10%, 20%, 30%, each rounded up).
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.stake, info.reputation), (252_000, 340));
    Ok(())
}

#[tokio::test]
async fn slash_for_fraud_takes_everything_and_bans() -> Result<()> {
    let sys = System::start().await?;
    slashable_worker(&sys).await?;
    let receipt = sys.slash(JOB_MANAGER, WORKER, Reason::Fraud).await?;

    let info = sys.worker(WORKER).await?;
    assert_eq!(
        (info.status, info.stake, info.pending_unstake, info.delegated, info.reputation, info.tier),
        (BANNED, 0, 0, 0, 0, 0)
    );
    assert_eq!(sys.balance(felt(TREASURY)).await?, 1_000_003 + 100_001 + 333_335);
    assert_eq!(events_named(&receipt, sys.pool, "WorkerSlashed")[0].data[10..], [felt(0), felt(1)]);
    assert_eq!(sys.assert_balanced().await?, Totals::default());

    sys.fund(WORKER, 100 * CIRO).await?;
    expect_revert(sys.stake(WORKER, 100 * CIRO).await, errors::cdc_pool::WORKER_BANNED);
    expect_revert(sys.select(0, 0, 0, 1).await, errors::cdc_pool::NO_ELIGIBLE_WORKER);
    // Slashing again succeeds with nothing to take, so a caller's flow never gets stuck.
    let receipt = sys.slash(JOB_MANAGER, WORKER, Reason::Unavailability).await?;
    assert_eq!(events_named(&receipt, sys.pool, "WorkerSlashed")[0].data[8..10], amount(0)[..]);
    assert_eq!(sys.worker(WORKER).await?.status, BANNED);
    Ok(())
}

#[tokio::test]
async fn slash_never_takes_reputation_below_zero() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 1_000).await?;
    let worker = sys.addr(WORKER)?;
    let calls =
        (0..11).map(|_| (sys.pool, "slash", vec![worker, felt(Reason::ProtocolViolation.index()), felt(1)])).collect();
    sys.multicall(JOB_MANAGER, calls).await?;
    let info = sys.worker(WORKER).await?;
    assert_eq!((info.reputation, info.status), (0, ACTIVE));
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn slash_rejects_callers_without_the_role() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 1_000).await?;
    expect_revert(sys.slash(SLASHER, WORKER, Reason::Malicious).await, errors::cdc_pool::CALLER_NOT_SLASHER);
    expect_revert(sys.slash(OUTSIDER, WORKER, Reason::Malicious).await, errors::cdc_pool::CALLER_NOT_SLASHER);
    expect_revert(sys.slash(GOVERNANCE, WORKER, Reason::Malicious).await, errors::cdc_pool::CALLER_NOT_SLASHER);
    expect_revert(sys.slash(JOB_MANAGER, OUTSIDER, Reason::Malicious).await, errors::cdc_pool::WORKER_NOT_REGISTERED);
    assert_eq!(sys.worker(WORKER).await?.stake, 1_000);
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// set_ciro_price and governance setters

#[tokio::test]
async fn set_ciro_price_by_the_oracle_within_bounds() -> Result<()> {
    let sys = System::start().await?;
    let before = sys.now().await?;
    let receipt = sys.set_price(2 * USD).await?;
    let price = sys.view("get_price", vec![]).await?;
    let now = u64::try_from(price[1])?;
    assert_block_time(now, before, sys.now().await?);
    assert_eq!(price, vec![felt(2 * USD), Felt::from(now)]);
    let events = events_named(&receipt, sys.pool, "PriceUpdated");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, vec![felt(2 * USD), Felt::from(now)]);

    sys.set_price(MIN_PRICE).await?;
    sys.set_price(MAX_PRICE).await?;
    expect_revert(sys.set_price(MIN_PRICE - 1).await, errors::cdc_pool::PRICE_OUT_OF_BOUNDS);
    expect_revert(sys.set_price(MAX_PRICE + 1).await, errors::cdc_pool::PRICE_OUT_OF_BOUNDS);
    expect_revert(sys.invoke(OUTSIDER, "set_ciro_price", vec![felt(USD)]).await, errors::cdc_pool::CALLER_NOT_ORACLE);
    expect_revert(sys.invoke(GOVERNANCE, "set_ciro_price", vec![felt(USD)]).await, errors::cdc_pool::CALLER_NOT_ORACLE);
    assert_eq!(sys.view("get_price", vec![]).await?[0], felt(MAX_PRICE));
    Ok(())
}

#[tokio::test]
async fn set_job_manager_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    let outsider = sys.addr(OUTSIDER)?;
    expect_revert(sys.invoke(OUTSIDER, "set_job_manager", vec![outsider]).await, NOT_GOVERNANCE);
    expect_revert(sys.invoke(GOVERNANCE, "set_job_manager", vec![Felt::ZERO]).await, errors::cdc_pool::ADDRESS_IS_ZERO);

    let receipt = sys.invoke(GOVERNANCE, "set_job_manager", vec![outsider]).await?;
    assert_eq!(sys.view("job_manager", vec![]).await?, vec![outsider]);
    assert_eq!(events_named(&receipt, sys.pool, "JobManagerChanged")[0].data, vec![sys.addr(JOB_MANAGER)?, outsider]);
    expect_revert(sys.select(0, 0, 0, 1).await, errors::cdc_pool::CALLER_NOT_JOB_MANAGER);
    sys.invoke(OUTSIDER, "select_worker", vec![felt(0), felt(0), felt(0), felt(1)]).await?;
    Ok(())
}

#[tokio::test]
async fn set_slasher_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 1_000).await?;
    let slasher = sys.addr(SLASHER)?;
    expect_revert(sys.invoke(SLASHER, "set_slasher", vec![slasher]).await, NOT_GOVERNANCE);

    let receipt = sys.invoke(GOVERNANCE, "set_slasher", vec![slasher]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "SlasherChanged")[0].data, vec![Felt::ZERO, slasher]);
    sys.slash(SLASHER, WORKER, Reason::Unavailability).await?;
    assert_eq!(sys.worker(WORKER).await?.stake, 900);

    sys.invoke(GOVERNANCE, "set_slasher", vec![Felt::ZERO]).await?;
    expect_revert(sys.slash(SLASHER, WORKER, Reason::Unavailability).await, errors::cdc_pool::CALLER_NOT_SLASHER);
    sys.assert_balanced().await?;
    Ok(())
}

#[tokio::test]
async fn set_oracle_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    let outsider = sys.addr(OUTSIDER)?;
    expect_revert(sys.invoke(ORACLE, "set_oracle", vec![outsider]).await, NOT_GOVERNANCE);
    expect_revert(sys.invoke(GOVERNANCE, "set_oracle", vec![Felt::ZERO]).await, errors::cdc_pool::ADDRESS_IS_ZERO);

    let receipt = sys.invoke(GOVERNANCE, "set_oracle", vec![outsider]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "OracleChanged")[0].data, vec![sys.addr(ORACLE)?, outsider]);
    expect_revert(sys.set_price(2 * USD).await, errors::cdc_pool::CALLER_NOT_ORACLE);
    sys.invoke(OUTSIDER, "set_ciro_price", vec![felt(2 * USD)]).await?;
    assert_eq!(sys.view("get_price", vec![]).await?[0], felt(2 * USD));
    Ok(())
}

#[tokio::test]
async fn set_treasury_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 1_000).await?;
    expect_revert(sys.invoke(OUTSIDER, "set_treasury", vec![felt(TREASURY_2)]).await, NOT_GOVERNANCE);
    expect_revert(sys.invoke(GOVERNANCE, "set_treasury", vec![Felt::ZERO]).await, errors::cdc_pool::ADDRESS_IS_ZERO);

    let receipt = sys.invoke(GOVERNANCE, "set_treasury", vec![felt(TREASURY_2)]).await?;
    assert_eq!(sys.view("treasury", vec![]).await?, vec![felt(TREASURY_2)]);
    assert_eq!(events_named(&receipt, sys.pool, "TreasuryChanged")[0].data, vec![felt(TREASURY), felt(TREASURY_2)]);
    sys.slash(JOB_MANAGER, WORKER, Reason::PoorPerformance).await?;
    assert_eq!(sys.balance(felt(TREASURY_2)).await?, 200);
    assert_eq!(sys.balance(felt(TREASURY)).await?, 0);
    Ok(())
}

#[tokio::test]
async fn set_price_bounds_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    let bounds = |min: u128, max: u128| vec![felt(min), felt(max)];
    expect_revert(sys.invoke(ORACLE, "set_price_bounds", bounds(USD, 2 * USD)).await, NOT_GOVERNANCE);
    expect_revert(sys.invoke(GOVERNANCE, "set_price_bounds", bounds(0, USD)).await, errors::cdc_pool::INVALID_PRICE_BOUNDS);
    expect_revert(sys.invoke(GOVERNANCE, "set_price_bounds", bounds(2 * USD, USD)).await, errors::cdc_pool::INVALID_PRICE_BOUNDS);

    let receipt = sys.invoke(GOVERNANCE, "set_price_bounds", bounds(USD, 2 * USD)).await?;
    assert_eq!(events_named(&receipt, sys.pool, "PriceBoundsChanged")[0].data, bounds(USD, 2 * USD));
    expect_revert(sys.set_price(USD - 1).await, errors::cdc_pool::PRICE_OUT_OF_BOUNDS);
    expect_revert(sys.set_price(2 * USD + 1).await, errors::cdc_pool::PRICE_OUT_OF_BOUNDS);
    sys.set_price(2 * USD).await?;
    sys.invoke(GOVERNANCE, "set_price_bounds", bounds(3 * USD, 3 * USD)).await?;
    sys.set_price(3 * USD).await?;
    Ok(())
}

#[tokio::test]
async fn set_max_price_age_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    sys.register(WORKER, CUDA, 24, 1, 0).await?;
    sys.fund(WORKER, 300).await?;
    expect_revert(sys.invoke(ORACLE, "set_max_price_age", vec![felt(60)]).await, NOT_GOVERNANCE);
    expect_revert(sys.invoke(GOVERNANCE, "set_max_price_age", vec![felt(0)]).await, errors::cdc_pool::MAX_PRICE_AGE_IS_ZERO);

    let receipt = sys.invoke(GOVERNANCE, "set_max_price_age", vec![felt(60)]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "MaxPriceAgeChanged")[0].data, vec![felt(60)]);
    sys.set_price(USD).await?;
    sys.stake(WORKER, 100).await?;
    sys.chain.advance_time(120).await?;
    expect_revert(sys.stake(WORKER, 100).await, errors::cdc_pool::PRICE_IS_STALE);

    sys.invoke(GOVERNANCE, "set_max_price_age", vec![felt(MAX_PRICE_AGE as u128)]).await?;
    sys.stake(WORKER, 100).await?;
    assert_eq!(sys.worker(WORKER).await?.stake, 200);
    Ok(())
}

#[tokio::test]
async fn set_unstake_cooldown_by_governance_only() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 1_000).await?;
    expect_revert(sys.invoke(WORKER, "set_unstake_cooldown", vec![felt(100)]).await, NOT_GOVERNANCE);
    expect_revert(
        sys.invoke(GOVERNANCE, "set_unstake_cooldown", vec![felt(365 * 86_400 + 1)]).await,
        errors::cdc_pool::COOLDOWN_TOO_LONG,
    );

    let receipt = sys.invoke(GOVERNANCE, "set_unstake_cooldown", vec![felt(100)]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "UnstakeCooldownChanged")[0].data, vec![felt(100)]);
    assert_eq!(sys.view("unstake_cooldown", vec![]).await?, vec![felt(100)]);
    let before = sys.now().await?;
    sys.invoke(WORKER, "request_unstake", amount(400)).await?;
    assert_block_time(sys.worker(WORKER).await?.unstake_unlock_at - 100, before, sys.now().await?);
    sys.chain.advance_time(101).await?;
    sys.invoke(WORKER, "withdraw", vec![]).await?;
    assert_eq!(sys.balance(sys.addr(WORKER)?).await?, 400);
    Ok(())
}

#[tokio::test]
async fn transfer_governance_then_accept_moves_admin_rights() -> Result<()> {
    let sys = System::start().await?;
    let outsider = sys.addr(OUTSIDER)?;
    expect_revert(sys.invoke(OUTSIDER, "transfer_governance", vec![outsider]).await, NOT_GOVERNANCE);
    sys.invoke(GOVERNANCE, "transfer_governance", vec![outsider]).await?;
    assert_eq!(sys.view("pending_governance", vec![]).await?, vec![outsider]);
    expect_revert(sys.invoke(ORACLE, "accept_governance", vec![]).await, errors::access::CALLER_NOT_PENDING);
    sys.invoke(OUTSIDER, "accept_governance", vec![]).await?;
    assert_eq!(sys.view("governance", vec![]).await?, vec![outsider]);

    expect_revert(sys.invoke(GOVERNANCE, "set_treasury", vec![felt(TREASURY_2)]).await, NOT_GOVERNANCE);
    sys.invoke(OUTSIDER, "set_treasury", vec![felt(TREASURY_2)]).await?;
    assert_eq!(sys.view("treasury", vec![]).await?, vec![felt(TREASURY_2)]);
    Ok(())
}

#[tokio::test]
async fn upgrade_by_governance_only_keeps_the_state() -> Result<()> {
    let sys = System::start().await?;
    sys.staked_worker(WORKER, 100 * CIRO).await?;
    let class_hash = sys.chain.declare("CDCPool").await?;
    expect_revert(sys.invoke(OUTSIDER, "upgrade", vec![class_hash]).await, NOT_GOVERNANCE);
    let receipt = sys.invoke(GOVERNANCE, "upgrade", vec![class_hash]).await?;
    assert_eq!(events_named(&receipt, sys.pool, "Upgraded").len(), 1);
    assert_eq!(sys.worker(WORKER).await?.stake, 100 * CIRO);
    sys.assert_balanced().await?;
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// The invariant over a seeded random sequence


/// The expected refusal of a step that needs `amount` > 0 and `unlock_at` passed, at chain time
/// `now`: `Some(Some(message))` refused, `Some(None)` accepted, `None` too close to `unlock_at` to
/// know which side the next block falls on (the walk skips the step).
fn after_unlock(amount: u128, unlock_at: u64, now: u64, nothing: &'static str, early: &'static str) -> Option<Option<&'static str>> {
    if amount == 0 {
        Some(Some(nothing))
    } else if now + 10 < unlock_at {
        Some(Some(early))
    } else if now < unlock_at {
        None
    } else {
        Some(None)
    }
}

/// Steps: a seeded random sequence of 200 operations — stake, request_unstake, withdraw,
/// delegate (with the default one-day warm-up), activate (by the delegator or a stranger),
/// undelegate, withdraw_delegation, credit_reward, both claims, select, release, slash (Fraud
/// once, late), time jumps with price updates — on three workers and three delegators.
/// Most steps pick an actor the state says can act (a worker holding a job for a release, a
/// delegator with shares for an undelegation), some a random one. Before each step the expected
/// change of the pool's balance is computed from the state (a withdrawal pays the pending amount,
/// a slash the rounded-up shares, pending undelegations included; an activation or undelegation
/// refunds a warmed-up delegation to a banned worker); after each step the balance must have changed by exactly that
/// and equal the sum of `totals()`. Steps that the state says must fail are checked for their
/// exact message and for moving nothing. Every kind of step must succeed at least once.
#[tokio::test]
async fn totals_match_the_pool_balance_after_every_step() -> Result<()> {
    const STEPS: usize = 200;
    let sys = System::start().await?;
    let workers = [WORKER, WORKER_2, WORKER_3];
    let delegators = [DELEGATOR, DELEGATOR_2, WORKER_3];
    for (i, worker) in workers.iter().enumerate() {
        sys.register(*worker, 0xff, 80, 2, 1_000 * (i as u16 + 1)).await?;
    }
    for account in [WORKER, WORKER_2, WORKER_3, DELEGATOR, DELEGATOR_2] {
        sys.fund(account, 1_000_000 * CIRO).await?;
    }
    sys.give(JOB_MANAGER, 1_000_000 * CIRO).await?;
    sys.invoke(GOVERNANCE, "set_slasher", vec![sys.addr(SLASHER)?]).await?;
    sys.invoke(GOVERNANCE, "set_delegation_warmup", vec![Felt::from(DEFAULT_WARMUP)]).await?;

    // Step kinds and their weights.
    const KINDS: [(&str, u128); 14] = [
        ("stake", 3),
        ("request_unstake", 2),
        ("withdraw", 3),
        ("delegate_stake", 3),
        ("activate_delegation", 2),
        ("request_undelegate", 2),
        ("withdraw_delegation", 2),
        ("credit_reward", 3),
        ("claim_rewards", 2),
        ("claim_delegation_rewards", 2),
        ("select_worker", 2),
        ("release_worker", 5),
        ("slash", 2),
        ("set_ciro_price", 3),
    ];
    let total_weight: u128 = KINDS.iter().map(|(_, w)| w).sum();
    let mut rng = Rng::seeded(0x00c1_2000_5eed);
    let mut fraud_used = false;
    let mut gas: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    let mut refused: std::collections::BTreeMap<&str, u64> = Default::default();
    for step in 0..STEPS {
        let before = sys.balance(sys.pool).await?;
        let now = sys.now().await?;
        let mut infos = Vec::new();
        for account in workers {
            infos.push((account, sys.worker(account).await?));
        }
        let mut positions = Vec::new();
        for delegator in delegators {
            for worker in workers {
                positions.push((delegator, worker, sys.delegation(delegator, worker).await?));
            }
        }
        // A worker (or delegation) satisfying `wanted` three times in four when there is one.
        let choose_worker = |rng: &mut Rng, wanted: &dyn Fn(&Worker) -> bool| {
            let fitting: Vec<_> = infos.iter().filter(|(_, w)| wanted(w)).cloned().collect();
            if !fitting.is_empty() && rng.below_u128(4) != 0 {
                rng.pick(&fitting)
            } else {
                rng.pick(&infos)
            }
        };
        // Whether a warmed-up delegation to `worker` would be paid back instead of becoming shares.
        let refunded = |worker: usize| {
            infos.iter().any(|(account, w)| {
                *account == worker && (w.status == BANNED || (w.delegated == 0 && w.delegation_shares > 0))
            })
        };
        let choose_position = |rng: &mut Rng, wanted: &dyn Fn(&Delegation) -> bool| {
            let fitting: Vec<_> = positions.iter().filter(|(_, _, d)| wanted(d)).copied().collect();
            if !fitting.is_empty() && rng.below_u128(4) != 0 {
                rng.pick(&fitting)
            } else {
                rng.pick(&positions)
            }
        };
        let mut roll = rng.below_u128(total_weight);
        let kind = KINDS
            .iter()
            .find(|(_, w)| {
                if roll < *w {
                    true
                } else {
                    roll -= w;
                    false
                }
            })
            .unwrap()
            .0;

        // (result, expected change of the pool's balance: +in / −out, expected revert message)
        let (result, delta, failure): (Result<Receipt, TxError>, i128, Option<&str>) = match kind {
            "stake" => {
                let (worker, info) = choose_worker(&mut rng, &|w| w.status == ACTIVE);
                let value = 1 + rng.below_u128(5_000 * CIRO);
                let failure = (info.status == BANNED).then_some(errors::cdc_pool::WORKER_BANNED);
                (sys.stake(worker, value).await, value as i128, failure)
            }
            "request_unstake" => {
                // Mostly workers with nothing pending: a new request restarts the cooldown.
                let (worker, info) = choose_worker(&mut rng, &|w| w.stake > 0 && w.pending_unstake == 0);
                let value = rng.below_u128(info.stake + 1);
                let failure = (value == 0).then_some(errors::cdc_pool::AMOUNT_IS_ZERO);
                (sys.invoke(worker, "request_unstake", amount(value)).await, 0, failure)
            }
            "withdraw" => {
                let (worker, info) = choose_worker(&mut rng, &|w| {
                    w.pending_unstake > 0 && w.unstake_unlock_at <= now && w.active_jobs == 0
                });
                let timed = after_unlock(info.pending_unstake, info.unstake_unlock_at, now, errors::cdc_pool::NOTHING_TO_WITHDRAW, errors::cdc_pool::COOLDOWN_NOT_OVER);
                let Some(failure) = timed else { continue };
                let failure = failure.or((info.active_jobs > 0).then_some(errors::cdc_pool::HAS_ACTIVE_JOBS));
                (sys.invoke(worker, "withdraw", vec![]).await, -(info.pending_unstake as i128), failure)
            }
            "delegate_stake" => {
                let (worker, info) = choose_worker(&mut rng, &|w| w.status == ACTIVE);
                let delegator = rng.pick(&delegators);
                let value = 1 + rng.below_u128(3_000 * CIRO);
                let failure = if info.status == BANNED {
                    Some(errors::cdc_pool::WORKER_BANNED)
                } else if info.delegated == 0 && info.delegation_shares > 0 {
                    Some(errors::cdc_pool::DELEGATION_POOL_WIPED)
                } else {
                    None
                };
                (sys.delegate(delegator, worker, value).await, value as i128, failure)
            }
            "activate_delegation" => {
                let (delegator, worker, position) =
                    choose_position(&mut rng, &|d| d.activating_amount > 0 && d.activates_at <= now);
                let timed = after_unlock(position.activating_amount, position.activates_at, now, errors::cdc_pool::NOTHING_TO_ACTIVATE, errors::cdc_pool::WARMUP_NOT_OVER);
                let Some(failure) = timed else { continue };
                let delta = if refunded(worker) { -(position.activating_amount as i128) } else { 0 };
                let caller = rng.pick(&[OUTSIDER, delegator]);
                (sys.activate(caller, delegator, worker).await, delta, failure)
            }
            "request_undelegate" => {
                let (delegator, worker, position) = choose_position(&mut rng, &|d| d.shares > 0);
                let shares = rng.below_u128(position.shares + 1);
                let failure = (shares == 0).then_some(errors::cdc_pool::SHARES_ARE_ZERO);
                // A warmed-up delegation is activated first (or refunded).
                let matured = position.activating_amount > 0 && position.activates_at <= now;
                if failure.is_none() && position.activating_amount > 0 && !matured && position.activates_at <= now + 10 {
                    continue;
                }
                let delta = if matured && refunded(worker) { -(position.activating_amount as i128) } else { 0 };
                (sys.request_undelegate(delegator, worker, shares).await, delta, failure)
            }
            "withdraw_delegation" => {
                let (delegator, worker, position) =
                    choose_position(&mut rng, &|d| d.pending_amount > 0 && d.unlock_at <= now);
                let timed = after_unlock(position.pending_amount, position.unlock_at, now, errors::cdc_pool::NOTHING_TO_WITHDRAW, errors::cdc_pool::COOLDOWN_NOT_OVER);
                let Some(failure) = timed else { continue };
                let result = sys.invoke(delegator, "withdraw_delegation", vec![sys.addr(worker)?]).await;
                (result, -(position.pending_amount as i128), failure)
            }
            "credit_reward" => {
                let worker = rng.pick(&workers);
                let value = 1 + rng.below_u128(100 * CIRO);
                (sys.credit(worker, value).await, value as i128, None)
            }
            "claim_rewards" => {
                let mut with_rewards = Vec::new();
                for worker in workers {
                    if sys.pending_rewards(worker).await? > 0 {
                        with_rewards.push(worker);
                    }
                }
                let worker = if !with_rewards.is_empty() && rng.below_u128(4) != 0 {
                    rng.pick(&with_rewards)
                } else {
                    rng.pick(&workers)
                };
                let pending = sys.pending_rewards(worker).await?;
                let failure = (pending == 0).then_some(errors::cdc_pool::NO_REWARDS);
                (sys.invoke(worker, "claim_rewards", vec![]).await, -(pending as i128), failure)
            }
            "claim_delegation_rewards" => {
                let mut with_rewards = Vec::new();
                for (delegator, worker, _) in &positions {
                    if sys.pending_delegation_rewards(*delegator, *worker).await? > 0 {
                        with_rewards.push((*delegator, *worker));
                    }
                }
                let (delegator, worker) = if !with_rewards.is_empty() && rng.below_u128(4) != 0 {
                    rng.pick(&with_rewards)
                } else {
                    let (delegator, worker, _) = rng.pick(&positions);
                    (delegator, worker)
                };
                let pending = sys.pending_delegation_rewards(delegator, worker).await?;
                let failure = (pending == 0).then_some(errors::cdc_pool::NO_REWARDS);
                let result = sys.invoke(delegator, "claim_delegation_rewards", vec![sys.addr(worker)?]).await;
                (result, -(pending as i128), failure)
            }
            "select_worker" => {
                let eligible = infos.iter().any(|(_, w)| {
                    w.status == ACTIVE && w.stake > 0 && w.tier >= 1 && w.active_jobs < w.max_concurrent_jobs
                });
                let failure = (!eligible).then_some(errors::cdc_pool::NO_ELIGIBLE_WORKER);
                (sys.select(0, 0, 1, u128::from(rng.next_u64())).await, 0, failure)
            }
            "release_worker" => {
                let (worker, info) = choose_worker(&mut rng, &|w| w.active_jobs > 0);
                let failure = (info.active_jobs == 0).then_some(errors::cdc_pool::NO_ACTIVE_JOB);
                (sys.release(worker, rng.below_u128(2) == 1).await, 0, failure)
            }
            "slash" => {
                let (worker, info) = choose_worker(&mut rng, &|w| w.stake + w.pending_unstake + w.delegated > 0);
                let mut reason = rng.pick(&Reason::ALL);
                if reason == Reason::Fraud {
                    if fraud_used || step < 2 * STEPS / 3 {
                        reason = Reason::Unavailability;
                    }
                    fraud_used |= reason == Reason::Fraud;
                }
                let caller = rng.pick(&[JOB_MANAGER, SLASHER]);
                let total = slashed(info.stake, reason)
                    + slashed(info.pending_unstake, reason)
                    + slashed(info.delegated, reason)
                    + slashed(sys.pending_undelegations_of(worker).await?, reason);
                (sys.slash(caller, worker, reason).await, -(total as i128), None)
            }
            _ => {
                sys.chain.advance_time(COOLDOWN / 2).await?;
                let price = USD / 2 + rng.below_u128(4 * USD);
                (sys.set_price(price).await, 0, None)
            }
        };
        match (result, failure) {
            (Ok(receipt), None) => {
                let after = sys.balance(sys.pool).await?;
                assert_eq!(after as i128 - before as i128, delta, "step {step}: {kind} moved the wrong amount");
                let entry = gas.entry(kind).or_default();
                entry.0 = entry.0.max(tx::Cost::of(&receipt).l2_gas);
                entry.1 += 1;
            }
            (result, Some(message)) => {
                expect_revert(result, message);
                assert_eq!(sys.balance(sys.pool).await?, before, "step {step}: a failed {kind} moved tokens");
                *refused.entry(kind).or_default() += 1;
            }
            (Err(error), None) => panic!("step {step}: {kind} failed unexpectedly: {error}"),
        }
        sys.assert_balanced().await?;
    }
    for (kind, (max_gas, count)) in &gas {
        eprintln!("{kind:>26}: {count:>3} done, max L2 gas {max_gas:>9}");
    }
    eprintln!("refused as expected: {refused:?}");
    for (kind, _) in KINDS {
        assert!(gas.contains_key(kind), "no {kind} succeeded");
    }
    let successes: u64 = gas.values().map(|(_, count)| count).sum();
    assert!(successes >= 100, "most steps do something: {successes} of {STEPS}");
    Ok(())
}

#[tokio::test]
async fn pause_stops_staking_but_not_unstaking() -> Result<()> {
    use cainome::cairo_serde::ContractAddress;
    use ciro_tests::system::{actor, u256, CAP_CUDA, CIRO};
    let system = ciro_tests::system::System::deploy().await?;
    system.add_worker(actor::WORKERS[0], CAP_CUDA, 24, 1_000 * CIRO).await?;
    system.fund(actor::WORKERS[1], 1_000 * CIRO).await?;
    let council = ContractAddress(system.address(actor::COUNCIL)?);
    system.send(actor::GOVERNANCE, system.pool().set_emergency_council_getcall(&council)).await?;
    system.send(actor::COUNCIL, system.pool().pause_getcall()).await?;

    let register = system.pool().register_worker_getcall(&CAP_CUDA, &24, &1, &1000, &Felt::ONE);
    expect_revert(system.send(actor::WORKERS[1], register).await, errors::access::PAUSED);
    let approve = system.token().approve_getcall(&ContractAddress(system.pool), &u256(CIRO));
    let stake = system.pool().stake_getcall(&u256(CIRO));
    expect_revert(system.send_all(actor::WORKERS[0], vec![approve, stake]).await, errors::access::PAUSED);
    // A staker can still leave.
    system.send(actor::WORKERS[0], system.pool().request_unstake_getcall(&u256(100 * CIRO))).await?;

    expect_revert(system.send(actor::COUNCIL, system.pool().unpause_getcall()).await, errors::access::CALLER_NOT_GOVERNANCE);
    system.send(actor::GOVERNANCE, system.pool().unpause_getcall()).await?;
    assert!(!system.pool_reader().is_paused().call().await?);
    system.check_invariants().await
}
