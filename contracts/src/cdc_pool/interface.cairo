use starknet::ContractAddress;

// Hardware capability flags (a bitmask).
const CAP_CUDA: u8 = 1;
const CAP_OPENCL: u8 = 2;
const CAP_FP16: u8 = 4;
const CAP_INT8: u8 = 8;
const CAP_NVLINK: u8 = 16;
const CAP_INFINIBAND: u8 = 32;
const CAP_TENSOR_CORES: u8 = 64;
const CAP_MULTI_GPU: u8 = 128;

/// Staking tiers by the USD value of the stake at staking time: 0 = none, then Basic ($100),
/// Premium ($500), Enterprise ($2,500), Infrastructure ($10,000), Fleet ($50,000),
/// Datacenter ($100,000), Hyperscale ($250,000), Institutional ($500,000).
const TIER_NONE: u8 = 0;
const TIER_BASIC: u8 = 1;
const TIER_INSTITUTIONAL: u8 = 8;

/// Reputation bounds and the starting value.
const REPUTATION_MAX: u16 = 1000;
const REPUTATION_INITIAL: u16 = 500;

/// `#[default]`: an address that never registered reads as `Unregistered` (storage indicator 0);
/// without it, the `starknet::Store` derive numbers variants from 1 and reading a never-written
/// worker fails with 'Unknown enum indicator:'.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum WorkerStatus {
    #[default]
    Unregistered,
    Active,
    Banned,
}

/// Why a worker is slashed; each reason takes a fixed share of the worker's stake (own, pending
/// unstake, delegated and its delegators' pending undelegations) and lowers its reputation.
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum SlashReason {
    /// 50%, reputation -75.
    Malicious,
    /// 10%, reputation -10.
    Unavailability,
    /// 20%, reputation -25.
    PoorPerformance,
    /// 30%, reputation -50.
    ProtocolViolation,
    /// 100%, banned.
    Fraud,
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct WorkerInfo {
    status: WorkerStatus,
    /// Bitmask of `CAP_*` flags.
    capabilities: u8,
    gpu_memory_gb: u32,
    /// Jobs it may hold at once.
    max_concurrent_jobs: u8,
    /// Jobs it holds now.
    active_jobs: u8,
    /// Hash of off-chain metadata (endpoint, hardware description).
    metadata_hash: felt252,
    /// Own active stake.
    stake: u256,
    /// Own stake locked by `request_unstake`, withdrawable at `unstake_unlock_at`.
    pending_unstake: u256,
    unstake_unlock_at: u64,
    /// `TIER_*`, fixed when staking.
    tier: u8,
    /// 0..=1000.
    reputation: u16,
    /// Share of delegators' rewards the worker keeps, in basis points.
    commission_bps: u16,
    /// Value of the tokens delegated to it.
    delegated: u256,
    /// Delegator shares outstanding.
    delegation_shares: u256,
    jobs_completed: u64,
}

/// One delegator's position with one worker.
#[derive(Copy, Drop, Serde, starknet::Store)]
struct DelegationInfo {
    shares: u256,
    /// Tokens locked by `request_undelegate`, withdrawable at `unlock_at`. Still at the worker's
    /// risk: `get_delegation` reports it after the slashes since the request.
    pending_amount: u256,
    unlock_at: u64,
    /// Tokens delegated but still warming up: they earn nothing and are not at risk until
    /// `activates_at`, when they become shares at the pool's value then.
    activating_amount: u256,
    activates_at: u64,
}

/// How a job ended for its worker (JobManager tells CDC_Pool when it frees the worker's slot).
/// The first two variants serialize as `false` and `true` did before the outcomes were told apart.
#[derive(Copy, Drop, Serde, PartialEq)]
enum JobOutcome {
    /// Timed out (the unavailability slash takes the reputation).
    TimedOut,
    /// Completed for a client who paid for it: a completed job and +10 reputation, at most
    /// `MAX_RATED_JOBS_PER_DAY` times per worker per day.
    Completed,
    /// Completed, but the job earns no reputation (below JobManager's minimum payment for
    /// reputation, or the client is the worker or one of its delegators): a completed job only.
    CompletedUnrated,
    /// Given back by the worker before its deadline: −5 reputation.
    Abandoned,
}

/// Jobs per worker per day (block time / 86,400) whose completion raises reputation.
const MAX_RATED_JOBS_PER_DAY: u8 = 10;

/// What a job needs from its worker.
#[derive(Copy, Drop, Serde)]
struct WorkerRequirements {
    required_capabilities: u8,
    min_gpu_memory_gb: u32,
    min_tier: u8,
}

/// The pool's liabilities; their sum equals its CIRO balance.
#[derive(Copy, Drop, Serde, PartialEq)]
struct PoolTotals {
    stakes: u256,
    pending_unstakes: u256,
    delegated: u256,
    pending_undelegations: u256,
    unclaimed_rewards: u256,
    /// Delegations waiting out the warm-up.
    activating_delegations: u256,
}

/// The CIRO/USD price used for tiers: USD per CIRO with 8 decimals.
#[derive(Copy, Drop, Serde, starknet::Store)]
struct PriceInfo {
    price_usd_e8: u128,
    updated_at: u64,
}

/// Entry points for workers.
#[starknet::interface]
trait ICDCPool<TContractState> {
    /// Registers the caller as a worker (reputation starts at 500, no stake yet).
    fn register_worker(
        ref self: TContractState,
        capabilities: u8,
        gpu_memory_gb: u32,
        max_concurrent_jobs: u8,
        commission_bps: u16,
        metadata_hash: felt252
    );
    /// Pulls `amount` CIRO from the caller into its stake; sets its tier from the current price.
    fn stake(ref self: TContractState, amount: u256);
    /// Locks `amount` of the caller's stake for withdrawal after the cooldown.
    fn request_unstake(ref self: TContractState, amount: u256);
    /// Pays out the caller's unlocked pending unstake. Not while it holds assigned jobs.
    fn withdraw(ref self: TContractState) -> u256;
    /// Pays out the caller's accrued worker rewards (job payments and commissions).
    fn claim_rewards(ref self: TContractState) -> u256;
    fn get_worker(self: @TContractState, worker: ContractAddress) -> WorkerInfo;
    /// Accrued, unclaimed worker rewards.
    fn pending_rewards(self: @TContractState, worker: ContractAddress) -> u256;
    /// Registered workers (the registry; selection scans the candidates only).
    fn worker_count(self: @TContractState) -> u32;
    fn worker_at(self: @TContractState, index: u32) -> ContractAddress;
    /// Workers selection scans: active, staked, tier ≥ Basic. A worker enters and leaves this set
    /// as its stake, tier and status change, so unstaked or banned registrations cost selection
    /// nothing.
    fn candidate_count(self: @TContractState) -> u32;
    fn candidate_at(self: @TContractState, index: u32) -> ContractAddress;
    /// The tier a stake of `amount` would get at the current price.
    fn tier_for_amount(self: @TContractState, amount: u256) -> u8;
}

/// Entry points for delegators.
#[starknet::interface]
trait ICDCPoolDelegation<TContractState> {
    /// Pulls `amount` CIRO from the caller into `worker`'s delegation queue; it becomes shares
    /// when the warm-up is over. Returns the shares minted now (only with no warm-up, or for an
    /// earlier amount whose warm-up is over).
    fn delegate_stake(ref self: TContractState, worker: ContractAddress, amount: u256) -> u256;
    /// Turns `delegator`'s warmed-up delegation to `worker` into shares, or refunds it if the
    /// worker was banned or its pool wiped meanwhile. Anyone may call it. Returns the shares.
    fn activate_delegation(
        ref self: TContractState, delegator: ContractAddress, worker: ContractAddress
    ) -> u256;
    /// Redeems `shares` into a pending amount withdrawable after the cooldown; it stays
    /// slashable until withdrawn.
    fn request_undelegate(ref self: TContractState, worker: ContractAddress, shares: u256);
    /// Pays out the caller's unlocked pending undelegation from `worker`.
    fn withdraw_delegation(ref self: TContractState, worker: ContractAddress) -> u256;
    /// Pays out the caller's accrued rewards as a delegator of `worker`.
    fn claim_delegation_rewards(ref self: TContractState, worker: ContractAddress) -> u256;
    fn get_delegation(
        self: @TContractState, delegator: ContractAddress, worker: ContractAddress
    ) -> DelegationInfo;
    fn pending_delegation_rewards(
        self: @TContractState, delegator: ContractAddress, worker: ContractAddress
    ) -> u256;
    /// `worker`'s delegators' pending undelegations, after slashes (what a slash takes its share of).
    fn pending_undelegations_of(self: @TContractState, worker: ContractAddress) -> u256;
}

/// Entry points for JobManager (and the slasher role for `slash`).
#[starknet::interface]
trait ICDCPoolJobs<TContractState> {
    /// Picks an eligible worker for a job and counts the job against its concurrency.
    /// Eligible: active, tier >= min, capabilities ⊇ required, enough GPU memory, below its
    /// concurrency. Ranked by reputation × stake; `seed` picks among the top candidates.
    fn select_worker(
        ref self: TContractState, requirements: WorkerRequirements, seed: felt252
    ) -> ContractAddress;
    /// Ends a job for `worker`: frees its slot and applies `outcome` (see `JobOutcome`).
    /// JobManager or a former JobManager (its open jobs must still end after a migration).
    fn release_worker(ref self: TContractState, worker: ContractAddress, outcome: JobOutcome);
    /// Credits `amount` CIRO of rewards to `worker` and its delegators. The caller must have
    /// transferred the tokens to the pool in the same transaction. JobManager or a former one.
    fn credit_reward(ref self: TContractState, worker: ContractAddress, amount: u256);
    /// Slashes `worker` for `reason`; the tokens go to the treasury. Returns the amount slashed.
    /// JobManager, a former JobManager, or the slasher.
    fn slash(
        ref self: TContractState,
        worker: ContractAddress,
        reason: SlashReason,
        evidence_hash: felt252
    ) -> u256;
}

/// Roles and parameters.
#[starknet::interface]
trait ICDCPoolAdmin<TContractState> {
    /// Oracle only: the CIRO/USD price, within the governance-set bounds.
    fn set_ciro_price(ref self: TContractState, price_usd_e8: u128);
    fn get_price(self: @TContractState) -> PriceInfo;
    fn set_job_manager(ref self: TContractState, job_manager: ContractAddress);
    fn set_slasher(ref self: TContractState, slasher: ContractAddress);
    fn set_oracle(ref self: TContractState, oracle: ContractAddress);
    fn set_treasury(ref self: TContractState, treasury: ContractAddress);
    fn set_price_bounds(ref self: TContractState, min_price_usd_e8: u128, max_price_usd_e8: u128);
    fn set_max_price_age(ref self: TContractState, seconds: u64);
    fn set_unstake_cooldown(ref self: TContractState, seconds: u64);
    fn unstake_cooldown(self: @TContractState) -> u64;
    /// Governance only, at most 30 days: how long a new delegation waits before it earns and
    /// is at risk. Applies to delegations made from now on.
    fn set_delegation_warmup(ref self: TContractState, seconds: u64);
    fn delegation_warmup(self: @TContractState) -> u64;
    fn job_manager(self: @TContractState) -> ContractAddress;
    /// Whether `job_manager` is or was this pool's JobManager.
    fn is_known_job_manager(self: @TContractState, job_manager: ContractAddress) -> bool;
    fn treasury(self: @TContractState) -> ContractAddress;
    /// Totals whose sum equals the pool's CIRO balance.
    fn totals(self: @TContractState) -> PoolTotals;
}
