/// CDC_Pool: the registry of GPU workers, their stakes (own and delegated), reputation, selection
/// for jobs, slashing and rewards.
///
/// Accounting: every CIRO the pool holds belongs to exactly one of six running totals (active
/// stakes, pending unstakes, delegated, pending undelegations, unclaimed rewards, delegations
/// warming up), so the pool's balance equals their sum (`totals()`) after every call. Rounding is
/// always in the pool's favour: reward dust that no one can claim stays counted as unclaimed
/// rewards, slashes round up.
///
/// Decisions documented here (the design leaves them open):
/// - Selection scans candidates only: active workers whose own stake reached tier Basic. A
///   worker enters and leaves the candidate set in `_write_worker` as its stake, tier and status
///   change, so registrations without stake cost selection nothing and cannot block it.
/// - Reputation: +10 for a job JobManager reports as `Completed` (paid at least its minimum, by a
///   client who is neither the worker nor one of its delegators), at most 10 per worker per day;
///   −5 for an abandoned job.
/// - Every JobManager the pool ever had may still release, credit and slash for its own jobs;
///   only the current one may select, so a migration traps no escrow.
/// - Selection ranks by reputation × the worker's own active stake; delegation earns a share of
///   the worker's rewards but does not change its rank.
/// - A new delegation waits out a warm-up (`delegation_warmup`, default one day, set by
///   governance) before it becomes shares: until then it earns nothing and is not at risk, so
///   tokens delegated just before a reward is credited take no part of it. It becomes shares at
///   the pool's value when the warm-up is over, on the delegator's next delegation or
///   undelegation or by anyone's `activate_delegation`; it is refunded instead if the worker was
///   banned or its pool wiped meanwhile. A new delegation restarts the warm-up of any amount
///   still warming up.
/// - Rewards are split between the worker and its delegators in proportion to own active stake
///   versus delegated value at crediting time; the worker keeps `commission_bps` of the
///   delegators' part. Delegators' rewards use a per-worker accumulator (reward per share scaled by
///   10^18); each delegator's accrual is kept scaled by 10^18 so no rounding ever pays out more
///   than was credited.
/// - `request_unstake` and `slash` recompute the tier downwards with the last oracle price even if
///   it is stale, so exits and penalties never depend on the oracle; only `stake` requires a fresh
///   price. A slash lowers the tier when the remaining stake no longer reaches it.
/// - Slashing takes its share of the worker's own stake, its pending unstake, its delegation
///   pool's value and its delegators' pending undelegations (they stay at risk until withdrawn).
///   Pending undelegations shrink lazily: the pool keeps, per worker, what survives of a pending
///   amount after every slash (a factor scaled by 10^36) and each delegation's factor at its
///   last request, and pays `pending × factor now / factor then` (floor), never more than the
///   worker's pending total.
///   A slash of a banned worker succeeds and takes nothing (there is nothing left), so callers
///   such as JobManager's timeout never get stuck.
/// - Fraud sets reputation to 0 and bans the worker: never selected, cannot stake, cannot receive
///   new delegations.
/// - A delegation pool whose value was slashed to zero while shares remain accepts no new
///   delegations (new money would otherwise be shared with the old, worthless shares).
///
/// Gas: selection reads, per scanned worker, one list slot and one packed profile slot (stake,
/// status, capabilities, memory, jobs, tier, reputation) that `_write_worker` keeps in step with
/// `WorkerInfo`, instead of the 19-slot record: about 0.17M L2 gas per worker instead of 0.68M.
#[starknet::contract]
mod CDCPool {
    use array::ArrayTrait;
    use poseidon::poseidon_hash_span;
    use starknet::{
        ClassHash, ContractAddress, get_block_timestamp, get_caller_address, get_contract_address
    };
    use traits::{Into, TryInto};
    use option::OptionTrait;
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::{IGoverned, IPausable};
    use super::super::super::access::pausable::Pausable;
    use super::super::errors;
    use super::super::interface::{
        DelegationInfo, ICDCPool, ICDCPoolAdmin, ICDCPoolDelegation, ICDCPoolJobs, JobOutcome,
        MAX_RATED_JOBS_PER_DAY, PoolTotals, PriceInfo, REPUTATION_INITIAL, REPUTATION_MAX, SlashReason,
        TIER_BASIC, TIER_NONE, WorkerInfo, WorkerRequirements, WorkerStatus
    };
    use super::super::super::token::interface::{IERC20Dispatcher, IERC20DispatcherTrait};
    use super::super::super::utils;

    /// Workers looked at by one `select_worker` call.
    const MAX_SCAN: u32 = 64;
    /// 10^18: CIRO base units per token, and the scale of the reward accumulator.
    const SCALE: u128 = 1000000000000000000;
    const BPS_DENOMINATOR: u16 = 10000;
    /// Reputation gained per successful job.
    const REPUTATION_PER_SUCCESS: u16 = 10;
    /// Reputation lost by giving a job back.
    const REPUTATION_PER_ABANDON: u16 = 5;
    const SECONDS_PER_DAY: u64 = 86400;
    /// Longest unstake cooldown governance may set: 365 days.
    const MAX_UNSTAKE_COOLDOWN: u64 = 31536000;
    /// A delegation's warm-up at deployment (one day), and the longest governance may set (30 days).
    const DEFAULT_DELEGATION_WARMUP: u64 = 86400;
    const MAX_DELEGATION_WARMUP: u64 = 2592000;
    /// 10^36: the scale of the factor that pending undelegations keep after slashes.
    const LOSS_SCALE: u128 = 1000000000000000000000000000000000000;

    #[storage]
    struct Storage {
        token: ContractAddress,
        treasury: ContractAddress,
        oracle: ContractAddress,
        job_manager: ContractAddress,
        slasher: ContractAddress,
        price: PriceInfo,
        min_price_usd_e8: u128,
        max_price_usd_e8: u128,
        max_price_age: u64,
        unstake_cooldown: u64,
        /// How long a new delegation waits before it becomes shares.
        delegation_warmup: u64,
        workers: LegacyMap<ContractAddress, WorkerInfo>,
        /// What `select_worker` needs of each worker, packed into one slot (see `pack_profile`);
        /// written only with `workers`, by `_write_worker`.
        selection_profiles: LegacyMap<ContractAddress, felt252>,
        worker_list: LegacyMap<u32, ContractAddress>,
        worker_count: u32,
        /// The workers selection scans (see `is_candidate`), in no particular order.
        candidate_list: LegacyMap<u32, ContractAddress>,
        candidate_count: u32,
        /// Position in `candidate_list` plus one; zero: not a candidate.
        candidate_position: LegacyMap<ContractAddress, u32>,
        /// Every JobManager this pool ever had: each may still end its own jobs.
        known_job_managers: LegacyMap<ContractAddress, bool>,
        /// Per worker: the day of its last reputation gain and the gains on that day.
        rated_day: LegacyMap<ContractAddress, u64>,
        rated_jobs_on_day: LegacyMap<ContractAddress, u8>,
        /// Accrued, unclaimed worker rewards (own share and commissions).
        worker_rewards: LegacyMap<ContractAddress, u256>,
        /// Per worker: cumulative delegators' reward per share, scaled by 10^18.
        reward_per_share: LegacyMap<ContractAddress, u256>,
        /// (delegator, worker) → position.
        delegations: LegacyMap<(ContractAddress, ContractAddress), DelegationInfo>,
        /// (delegator, worker) → `reward_per_share` at the delegator's last settlement.
        delegator_reward_checkpoint: LegacyMap<(ContractAddress, ContractAddress), u256>,
        /// (delegator, worker) → settled, unclaimed rewards scaled by 10^18.
        delegator_rewards_scaled: LegacyMap<(ContractAddress, ContractAddress), u256>,
        /// Per worker: its delegators' pending undelegations after slashes.
        undelegating: LegacyMap<ContractAddress, u256>,
        /// Per worker: 10^36 minus the part of a pending undelegation (scaled by 10^36) that
        /// survives every slash so far; zero until a slash finds pending undelegations.
        undelegation_loss: LegacyMap<ContractAddress, u256>,
        /// (delegator, worker) → `undelegation_loss` when its pending amount was last brought up
        /// to date.
        undelegation_loss_at: LegacyMap<(ContractAddress, ContractAddress), u256>,
        total_stake: u256,
        total_pending_unstake: u256,
        total_delegated: u256,
        total_pending_undelegation: u256,
        total_unclaimed_rewards: u256,
        total_activating_delegation: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        WorkerRegistered: WorkerRegistered,
        WorkerStaked: WorkerStaked,
        UnstakeRequested: UnstakeRequested,
        UnstakeWithdrawn: UnstakeWithdrawn,
        WorkerRewardsClaimed: WorkerRewardsClaimed,
        DelegationQueued: DelegationQueued,
        StakeDelegated: StakeDelegated,
        DelegationRefunded: DelegationRefunded,
        UndelegateRequested: UndelegateRequested,
        DelegationWithdrawn: DelegationWithdrawn,
        DelegationRewardsClaimed: DelegationRewardsClaimed,
        WorkerSelected: WorkerSelected,
        WorkerReleased: WorkerReleased,
        RewardCredited: RewardCredited,
        WorkerSlashed: WorkerSlashed,
        UndelegationsSlashed: UndelegationsSlashed,
        PriceUpdated: PriceUpdated,
        JobManagerChanged: JobManagerChanged,
        SlasherChanged: SlasherChanged,
        OracleChanged: OracleChanged,
        TreasuryChanged: TreasuryChanged,
        PriceBoundsChanged: PriceBoundsChanged,
        MaxPriceAgeChanged: MaxPriceAgeChanged,
        UnstakeCooldownChanged: UnstakeCooldownChanged,
        DelegationWarmupChanged: DelegationWarmupChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerRegistered {
        #[key]
        worker: ContractAddress,
        index: u32,
        capabilities: u8,
        gpu_memory_gb: u32,
        max_concurrent_jobs: u8,
        commission_bps: u16,
        metadata_hash: felt252,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerStaked {
        #[key]
        worker: ContractAddress,
        amount: u256,
        stake: u256,
        tier: u8,
    }

    #[derive(Drop, starknet::Event)]
    struct UnstakeRequested {
        #[key]
        worker: ContractAddress,
        amount: u256,
        pending_unstake: u256,
        unlock_at: u64,
        tier: u8,
    }

    #[derive(Drop, starknet::Event)]
    struct UnstakeWithdrawn {
        #[key]
        worker: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerRewardsClaimed {
        #[key]
        worker: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegationQueued {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        amount: u256,
        /// All of the delegator's tokens warming up with this worker.
        activating_amount: u256,
        activates_at: u64,
    }

    /// Shares minted: a delegation's warm-up is over (or there was none).
    #[derive(Drop, starknet::Event)]
    struct StakeDelegated {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        amount: u256,
        shares: u256,
    }

    /// A warmed-up delegation paid back: the worker was banned or its pool wiped meanwhile.
    #[derive(Drop, starknet::Event)]
    struct DelegationRefunded {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct UndelegateRequested {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        shares: u256,
        amount: u256,
        pending_amount: u256,
        unlock_at: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegationWithdrawn {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegationRewardsClaimed {
        #[key]
        delegator: ContractAddress,
        #[key]
        worker: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerSelected {
        #[key]
        worker: ContractAddress,
        seed: felt252,
        candidates: u32,
        active_jobs: u8,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerReleased {
        #[key]
        worker: ContractAddress,
        succeeded: bool,
        active_jobs: u8,
        reputation: u16,
    }

    #[derive(Drop, starknet::Event)]
    struct RewardCredited {
        #[key]
        worker: ContractAddress,
        amount: u256,
        /// Own share plus commission.
        worker_share: u256,
        /// Delegators' part after commission.
        delegators_share: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct WorkerSlashed {
        #[key]
        worker: ContractAddress,
        reason: SlashReason,
        evidence_hash: felt252,
        stake_slashed: u256,
        pending_unstake_slashed: u256,
        delegated_slashed: u256,
        total_slashed: u256,
        reputation: u16,
        banned: bool,
    }

    /// The part of a slash taken from the worker's delegators' pending undelegations (also counted
    /// in `WorkerSlashed.total_slashed`).
    #[derive(Drop, starknet::Event)]
    struct UndelegationsSlashed {
        #[key]
        worker: ContractAddress,
        reason: SlashReason,
        amount: u256,
        /// What stays pending for the worker's delegators.
        pending_undelegations: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct PriceUpdated {
        price_usd_e8: u128,
        updated_at: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct JobManagerChanged {
        previous_job_manager: ContractAddress,
        new_job_manager: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct SlasherChanged {
        previous_slasher: ContractAddress,
        new_slasher: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct OracleChanged {
        previous_oracle: ContractAddress,
        new_oracle: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct TreasuryChanged {
        previous_treasury: ContractAddress,
        new_treasury: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct PriceBoundsChanged {
        min_price_usd_e8: u128,
        max_price_usd_e8: u128,
    }

    #[derive(Drop, starknet::Event)]
    struct MaxPriceAgeChanged {
        seconds: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct UnstakeCooldownChanged {
        seconds: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegationWarmupChanged {
        seconds: u64,
    }

    /// Sets the roles, the token, the price bounds and the first price (dated now).
    ///
    /// Requirements: `governance`, `token`, `treasury` and `oracle` are not zero;
    /// 0 < `min_price_usd_e8` <= `max_price_usd_e8`; `price_usd_e8` within them;
    /// `max_price_age_seconds` > 0; `unstake_cooldown_seconds` at most 365 days. The delegation
    /// warm-up starts at one day.
    ///
    /// Emits `GovernanceTransferred`, `TreasuryChanged`, `OracleChanged`, `PriceBoundsChanged`,
    /// `MaxPriceAgeChanged`, `UnstakeCooldownChanged`, `DelegationWarmupChanged`, `PriceUpdated`.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        governance: ContractAddress,
        token: ContractAddress,
        treasury: ContractAddress,
        oracle: ContractAddress,
        price_usd_e8: u128,
        min_price_usd_e8: u128,
        max_price_usd_e8: u128,
        max_price_age_seconds: u64,
        unstake_cooldown_seconds: u64
    ) {
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        assert(!token.is_zero(), errors::ADDRESS_IS_ZERO);
        self.token.write(token);
        self._set_treasury(treasury);
        self._set_oracle(oracle);
        self._set_price_bounds(min_price_usd_e8, max_price_usd_e8);
        self._set_max_price_age(max_price_age_seconds);
        self._set_unstake_cooldown(unstake_cooldown_seconds);
        self._set_delegation_warmup(DEFAULT_DELEGATION_WARMUP);
        self._set_price(price_usd_e8);
    }

    #[external(v0)]
    impl CDCPoolImpl of ICDCPool<ContractState> {
        /// Registers the caller as an active worker with reputation 500 and no stake, and appends
        /// it to the worker list used by selection.
        ///
        /// Requirements: not paused; not registered before (a banned worker stays registered);
        /// `gpu_memory_gb` > 0; `max_concurrent_jobs` >= 1; `commission_bps` <= 10,000.
        ///
        /// Emits `WorkerRegistered`.
        fn register_worker(
            ref self: ContractState,
            capabilities: u8,
            gpu_memory_gb: u32,
            max_concurrent_jobs: u8,
            commission_bps: u16,
            metadata_hash: felt252
        ) {
            self.assert_not_paused();
            let worker = get_caller_address();
            let existing = self.workers.read(worker);
            assert(existing.status == WorkerStatus::Unregistered, errors::ALREADY_REGISTERED);
            assert(gpu_memory_gb != 0, errors::GPU_MEMORY_IS_ZERO);
            assert(max_concurrent_jobs != 0, errors::MAX_JOBS_IS_ZERO);
            assert(commission_bps <= BPS_DENOMINATOR, errors::COMMISSION_TOO_HIGH);
            self
                ._write_worker(
                    worker,
                    WorkerInfo {
                        status: WorkerStatus::Active,
                        capabilities,
                        gpu_memory_gb,
                        max_concurrent_jobs,
                        active_jobs: 0,
                        metadata_hash,
                        stake: 0,
                        pending_unstake: 0,
                        unstake_unlock_at: 0,
                        tier: TIER_NONE,
                        reputation: REPUTATION_INITIAL,
                        commission_bps,
                        delegated: 0,
                        delegation_shares: 0,
                        jobs_completed: 0,
                    }
                );
            let index = self.worker_count.read();
            self.worker_list.write(index, worker);
            self.worker_count.write(index + 1);
            self
                .emit(
                    WorkerRegistered {
                        worker,
                        index,
                        capabilities,
                        gpu_memory_gb,
                        max_concurrent_jobs,
                        commission_bps,
                        metadata_hash
                    }
                );
        }

        /// Pulls `amount` CIRO from the caller (`transfer_from`, in this call) into its stake.
        /// The tier becomes the higher of the current tier and the tier of the new total stake at
        /// the current price.
        ///
        /// Requirements: not paused; `amount` > 0; the caller is a registered, not banned worker; the price is
        /// fresh (updated at most `max_price_age` seconds ago); the caller approved the pool.
        ///
        /// Emits `WorkerStaked`.
        fn stake(ref self: ContractState, amount: u256) {
            self.assert_not_paused();
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let worker = get_caller_address();
            let mut info = self._registered_worker(worker);
            assert(info.status != WorkerStatus::Banned, errors::WORKER_BANNED);
            let price = self._fresh_price();
            info.stake = info.stake + amount;
            let new_tier = tier_for_usd(usd_value_e8(info.stake, price));
            if new_tier > info.tier {
                info.tier = new_tier;
            }
            self._write_worker(worker, info);
            self.total_stake.write(self.total_stake.read() + amount);
            self.emit(WorkerStaked { worker, amount, stake: info.stake, tier: info.tier });
            self._pull(worker, amount);
        }

        /// Moves `amount` of the caller's stake to its pending unstake, withdrawable after the
        /// cooldown; a new request adds to the pending amount and restarts the cooldown. The tier
        /// becomes the lower of the current tier and the tier of the remaining stake at the last
        /// price (stale or not: an exit never waits for the oracle).
        ///
        /// Requirements: `amount` > 0; the caller is registered; `amount` <= its stake.
        ///
        /// Emits `UnstakeRequested`.
        fn request_unstake(ref self: ContractState, amount: u256) {
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let worker = get_caller_address();
            let mut info = self._registered_worker(worker);
            assert(amount <= info.stake, errors::INSUFFICIENT_STAKE);
            info.stake = info.stake - amount;
            info.pending_unstake = info.pending_unstake + amount;
            info.unstake_unlock_at = get_block_timestamp() + self.unstake_cooldown.read();
            info.tier = self._lowered_tier(info.tier, info.stake);
            self._write_worker(worker, info);
            self.total_stake.write(self.total_stake.read() - amount);
            self.total_pending_unstake.write(self.total_pending_unstake.read() + amount);
            self
                .emit(
                    UnstakeRequested {
                        worker,
                        amount,
                        pending_unstake: info.pending_unstake,
                        unlock_at: info.unstake_unlock_at,
                        tier: info.tier
                    }
                );
        }

        /// Pays the caller its whole pending unstake.
        ///
        /// Requirements: the caller is registered; it has a pending unstake; the cooldown is over;
        /// it holds no assigned job.
        ///
        /// Emits `UnstakeWithdrawn`.
        fn withdraw(ref self: ContractState) -> u256 {
            let worker = get_caller_address();
            let mut info = self._registered_worker(worker);
            let amount = info.pending_unstake;
            assert(amount != 0, errors::NOTHING_TO_WITHDRAW);
            assert(get_block_timestamp() >= info.unstake_unlock_at, errors::COOLDOWN_NOT_OVER);
            assert(info.active_jobs == 0, errors::HAS_ACTIVE_JOBS);
            info.pending_unstake = 0;
            info.unstake_unlock_at = 0;
            self._write_worker(worker, info);
            self.total_pending_unstake.write(self.total_pending_unstake.read() - amount);
            self.emit(UnstakeWithdrawn { worker, amount });
            self._pay(worker, amount);
            amount
        }

        /// Pays the caller its accrued worker rewards (own share of job rewards and commissions).
        ///
        /// Requirements: not paused; the caller has rewards to claim.
        ///
        /// Emits `WorkerRewardsClaimed`.
        fn claim_rewards(ref self: ContractState) -> u256 {
            self.assert_not_paused();
            let worker = get_caller_address();
            let amount = self.worker_rewards.read(worker);
            assert(amount != 0, errors::NO_REWARDS);
            self.worker_rewards.write(worker, 0);
            self.total_unclaimed_rewards.write(self.total_unclaimed_rewards.read() - amount);
            self.emit(WorkerRewardsClaimed { worker, amount });
            self._pay(worker, amount);
            amount
        }

        fn get_worker(self: @ContractState, worker: ContractAddress) -> WorkerInfo {
            self.workers.read(worker)
        }

        fn pending_rewards(self: @ContractState, worker: ContractAddress) -> u256 {
            self.worker_rewards.read(worker)
        }

        fn worker_count(self: @ContractState) -> u32 {
            self.worker_count.read()
        }

        /// Requirements: `index` < `worker_count()`.
        fn worker_at(self: @ContractState, index: u32) -> ContractAddress {
            assert(index < self.worker_count.read(), errors::INDEX_OUT_OF_RANGE);
            self.worker_list.read(index)
        }

        fn candidate_count(self: @ContractState) -> u32 {
            self.candidate_count.read()
        }

        /// Requirements: `index` < `candidate_count()`.
        fn candidate_at(self: @ContractState, index: u32) -> ContractAddress {
            assert(index < self.candidate_count.read(), errors::INDEX_OUT_OF_RANGE);
            self.candidate_list.read(index)
        }

        /// The tier of `amount` at the last price (whether or not it is fresh).
        fn tier_for_amount(self: @ContractState, amount: u256) -> u8 {
            tier_for_usd(usd_value_e8(amount, self.price.read().price_usd_e8))
        }
    }

    #[external(v0)]
    impl CDCPoolDelegationImpl of ICDCPoolDelegation<ContractState> {
        /// Pulls `amount` CIRO from the caller (`transfer_from`, in this call) into its queue of
        /// delegations to `worker`, which become shares when the warm-up is over (at once when
        /// the warm-up is zero). An earlier amount whose warm-up is over becomes shares first;
        /// one still warming up waits, with the new amount, for a full warm-up from now.
        /// Shares: `amount` for the first deposit, else `amount × total_shares / delegated`
        /// (floor), at activation. The caller's rewards are settled before its shares change.
        ///
        /// Requirements: not paused; `amount` > 0; `worker` is registered and not banned; its
        /// delegation pool was not slashed to zero while shares remain; `amount` is worth at least
        /// one share now; the caller approved the pool.
        ///
        /// Emits `DelegationQueued` (with a warm-up), `StakeDelegated` (for each amount that
        /// becomes shares).
        fn delegate_stake(ref self: ContractState, worker: ContractAddress, amount: u256) -> u256 {
            self.assert_not_paused();
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let delegator = get_caller_address();
            let info = self._registered_worker(worker);
            assert(info.status != WorkerStatus::Banned, errors::WORKER_BANNED);
            assert(
                info.delegation_shares == 0 || info.delegated != 0, errors::DELEGATION_POOL_WIPED
            );
            assert(shares_for(info, amount) != 0, errors::SHARES_ARE_ZERO);
            let key = (delegator, worker);
            let mut delegation = self.delegations.read(key);
            let mut shares = self._activate(delegator, worker, ref delegation);
            let warmup = self.delegation_warmup.read();
            if warmup == 0 {
                shares += self._mint_shares(delegator, worker, ref delegation, amount);
            } else {
                delegation.activating_amount = delegation.activating_amount + amount;
                delegation.activates_at = get_block_timestamp() + warmup;
                self
                    .total_activating_delegation
                    .write(self.total_activating_delegation.read() + amount);
                self
                    .emit(
                        DelegationQueued {
                            delegator,
                            worker,
                            amount,
                            activating_amount: delegation.activating_amount,
                            activates_at: delegation.activates_at
                        }
                    );
            }
            self.delegations.write(key, delegation);
            self._pull(delegator, amount);
            shares
        }

        /// Turns `delegator`'s delegation to `worker` that finished its warm-up into shares at the
        /// pool's value now, or pays it back if `worker` was banned, its pool wiped, or the
        /// amount is now worth less than one share. Anyone may call it (allowed while paused: it
        /// moves no tokens in).
        ///
        /// Requirements: the delegation has an amount warming up; its warm-up is over.
        ///
        /// Emits `StakeDelegated` or `DelegationRefunded`.
        fn activate_delegation(
            ref self: ContractState, delegator: ContractAddress, worker: ContractAddress
        ) -> u256 {
            let mut delegation = self.delegations.read((delegator, worker));
            assert(delegation.activating_amount != 0, errors::NOTHING_TO_ACTIVATE);
            assert(get_block_timestamp() >= delegation.activates_at, errors::WARMUP_NOT_OVER);
            self._activate(delegator, worker, ref delegation)
        }

        /// Redeems `shares` of the caller's delegation to `worker` for
        /// `shares × delegated / total_shares` (floor) CIRO, moved to its pending undelegation,
        /// withdrawable after the cooldown (a new request adds to it and restarts the cooldown).
        /// The pending amount stays at the worker's risk until withdrawn. A delegation whose
        /// warm-up is over becomes shares first; the caller's rewards are settled.
        ///
        /// Requirements: `shares` > 0 and at most the caller's shares.
        ///
        /// Emits `UndelegateRequested` (after `StakeDelegated` or `DelegationRefunded` for an
        /// activation).
        fn request_undelegate(ref self: ContractState, worker: ContractAddress, shares: u256) {
            assert(shares != 0, errors::SHARES_ARE_ZERO);
            let delegator = get_caller_address();
            let key = (delegator, worker);
            let mut delegation = self.delegations.read(key);
            self._activate(delegator, worker, ref delegation);
            assert(shares <= delegation.shares, errors::INSUFFICIENT_SHARES);
            self._settle_delegator(delegator, worker, delegation.shares);
            let mut info = self.workers.read(worker);
            let amount = shares * info.delegated / info.delegation_shares;
            delegation.pending_amount = self._bring_pending_up_to_date(delegator, worker, delegation);
            delegation.shares = delegation.shares - shares;
            delegation.pending_amount = delegation.pending_amount + amount;
            delegation.unlock_at = get_block_timestamp() + self.unstake_cooldown.read();
            self.delegations.write(key, delegation);
            info.delegated = info.delegated - amount;
            info.delegation_shares = info.delegation_shares - shares;
            self._write_worker(worker, info);
            self.undelegating.write(worker, self.undelegating.read(worker) + amount);
            self.total_delegated.write(self.total_delegated.read() - amount);
            self
                .total_pending_undelegation
                .write(self.total_pending_undelegation.read() + amount);
            self
                .emit(
                    UndelegateRequested {
                        delegator,
                        worker,
                        shares,
                        amount,
                        pending_amount: delegation.pending_amount,
                        unlock_at: delegation.unlock_at
                    }
                );
        }

        /// Pays the caller its whole pending undelegation from `worker`, after the slashes since
        /// it was requested.
        ///
        /// Requirements: there is a pending amount (after slashes); the cooldown is over.
        ///
        /// Emits `DelegationWithdrawn`.
        fn withdraw_delegation(ref self: ContractState, worker: ContractAddress) -> u256 {
            let delegator = get_caller_address();
            let key = (delegator, worker);
            let mut delegation = self.delegations.read(key);
            let amount = self._pending_after_slashes(delegator, worker, delegation);
            assert(amount != 0, errors::NOTHING_TO_WITHDRAW);
            assert(get_block_timestamp() >= delegation.unlock_at, errors::COOLDOWN_NOT_OVER);
            delegation.pending_amount = 0;
            delegation.unlock_at = 0;
            self.delegations.write(key, delegation);
            self.undelegating.write(worker, self.undelegating.read(worker) - amount);
            self
                .total_pending_undelegation
                .write(self.total_pending_undelegation.read() - amount);
            self.emit(DelegationWithdrawn { delegator, worker, amount });
            self._pay(delegator, amount);
            amount
        }

        /// Pays the caller the whole CIRO part of its rewards as a delegator of `worker`; the
        /// fraction of a base unit below it stays accrued.
        ///
        /// Requirements: at least one base unit to claim.
        ///
        /// Emits `DelegationRewardsClaimed`.
        fn claim_delegation_rewards(ref self: ContractState, worker: ContractAddress) -> u256 {
            let delegator = get_caller_address();
            let key = (delegator, worker);
            let shares = self.delegations.read(key).shares;
            self._settle_delegator(delegator, worker, shares);
            let scaled = self.delegator_rewards_scaled.read(key);
            let scale = u256 { low: SCALE, high: 0 };
            let amount = scaled / scale;
            assert(amount != 0, errors::NO_REWARDS);
            self.delegator_rewards_scaled.write(key, scaled - amount * scale);
            self.total_unclaimed_rewards.write(self.total_unclaimed_rewards.read() - amount);
            self.emit(DelegationRewardsClaimed { delegator, worker, amount });
            self._pay(delegator, amount);
            amount
        }

        /// The position, with its pending undelegation after the slashes since it was requested
        /// (what `withdraw_delegation` would pay).
        fn get_delegation(
            self: @ContractState, delegator: ContractAddress, worker: ContractAddress
        ) -> DelegationInfo {
            let mut delegation = self.delegations.read((delegator, worker));
            delegation.pending_amount = self._pending_after_slashes(delegator, worker, delegation);
            delegation
        }

        /// The CIRO `claim_delegation_rewards` would pay now.
        fn pending_delegation_rewards(
            self: @ContractState, delegator: ContractAddress, worker: ContractAddress
        ) -> u256 {
            let key = (delegator, worker);
            let shares = self.delegations.read(key).shares;
            let accrued = shares
                * (self.reward_per_share.read(worker) - self.delegator_reward_checkpoint.read(key));
            (self.delegator_rewards_scaled.read(key) + accrued) / u256 { low: SCALE, high: 0 }
        }

        fn pending_undelegations_of(self: @ContractState, worker: ContractAddress) -> u256 {
            self.undelegating.read(worker)
        }
    }

    #[external(v0)]
    impl CDCPoolJobsImpl of ICDCPoolJobs<ContractState> {
        /// Picks a worker for a job and counts the job against its concurrency. Looks at up to 64
        /// candidates (active, staked, tier ≥ Basic), from an offset derived from `seed` (wrapping). Eligible: active
        /// (not banned), own stake > 0, tier >= max(1, `min_tier`), capabilities ⊇ required, GPU
        /// memory >= required, active jobs < its maximum. The three best by reputation × own
        /// stake are kept (ties: first seen first); `poseidon(seed, candidates) mod candidates`
        /// picks one of them.
        ///
        /// Requirements: not paused; the caller is JobManager; an eligible worker is found.
        ///
        /// Emits `WorkerSelected`.
        fn select_worker(
            ref self: ContractState, requirements: WorkerRequirements, seed: felt252
        ) -> ContractAddress {
            self.assert_not_paused();
            self.assert_only_job_manager();
            let count = self.candidate_count.read();
            assert(count != 0, errors::NO_ELIGIBLE_WORKER);
            let scan = if count < MAX_SCAN {
                count
            } else {
                MAX_SCAN
            };
            let seed_value: u256 = seed.into();
            let start: u32 = (seed_value % count.into()).try_into().unwrap();
            let mut best_1: ContractAddress = Zeroable::zero();
            let mut best_2: ContractAddress = Zeroable::zero();
            let mut best_3: ContractAddress = Zeroable::zero();
            let mut score_1: u256 = 0;
            let mut score_2: u256 = 0;
            let mut score_3: u256 = 0;
            let mut kept: u32 = 0;
            let mut offset: u32 = 0;
            loop {
                if offset == scan {
                    break;
                }
                // `start` < `count` and `offset` < 64: no overflow below 2^32 - 64 workers.
                let candidate = self.candidate_list.read((start + offset) % count);
                let profile = unpack_profile(self.selection_profiles.read(candidate));
                if is_eligible(profile, requirements) {
                    let score: u256 = u256 { low: profile.stake, high: 0 }
                        * profile.reputation.into();
                    if kept == 0 || score > score_1 {
                        best_3 = best_2;
                        score_3 = score_2;
                        best_2 = best_1;
                        score_2 = score_1;
                        best_1 = candidate;
                        score_1 = score;
                    } else if kept == 1 || score > score_2 {
                        best_3 = best_2;
                        score_3 = score_2;
                        best_2 = candidate;
                        score_2 = score;
                    } else if kept == 2 || score > score_3 {
                        best_3 = candidate;
                        score_3 = score;
                    }
                    if kept < 3 {
                        kept += 1;
                    };
                }
                offset += 1;
            };
            assert(kept != 0, errors::NO_ELIGIBLE_WORKER);
            let draw: u256 = poseidon_hash_span(array![seed, kept.into()].span()).into();
            let pick = draw % kept.into();
            let chosen = if pick == 0 {
                best_1
            } else if pick == 1 {
                best_2
            } else {
                best_3
            };
            let mut info = self.workers.read(chosen);
            info.active_jobs += 1;
            self._write_worker(chosen, info);
            self
                .emit(
                    WorkerSelected {
                        worker: chosen, seed, candidates: kept, active_jobs: info.active_jobs
                    }
                );
            chosen
        }

        /// Frees one of `worker`'s job slots and applies `outcome`: Completed, one more completed
        /// job and reputation +10 (at most 1000; only the first `MAX_RATED_JOBS_PER_DAY` of a day
        /// count); CompletedUnrated, one more completed job; Abandoned, reputation −5 (not below
        /// 0); TimedOut, nothing more (the slash lowers reputation).
        ///
        /// Requirements: the caller is JobManager or a former JobManager; `worker` is registered
        /// and holds a job.
        ///
        /// Emits `WorkerReleased`.
        fn release_worker(ref self: ContractState, worker: ContractAddress, outcome: JobOutcome) {
            self.assert_known_job_manager();
            let mut info = self._registered_worker(worker);
            assert(info.active_jobs != 0, errors::NO_ACTIVE_JOB);
            info.active_jobs -= 1;
            let succeeded = outcome == JobOutcome::Completed || outcome == JobOutcome::CompletedUnrated;
            if succeeded {
                info.jobs_completed += 1;
            }
            if outcome == JobOutcome::Completed && self._take_rated_slot(worker) {
                info.reputation =
                    if REPUTATION_MAX - info.reputation < REPUTATION_PER_SUCCESS {
                        REPUTATION_MAX
                    } else {
                        info.reputation + REPUTATION_PER_SUCCESS
                    };
            }
            if outcome == JobOutcome::Abandoned {
                info.reputation =
                    if info.reputation < REPUTATION_PER_ABANDON {
                        0
                    } else {
                        info.reputation - REPUTATION_PER_ABANDON
                    };
            }
            self._write_worker(worker, info);
            self
                .emit(
                    WorkerReleased {
                        worker,
                        succeeded,
                        active_jobs: info.active_jobs,
                        reputation: info.reputation
                    }
                );
        }

        /// Credits `amount` CIRO, already transferred to the pool by the caller, to `worker`:
        /// split by own active stake vs delegated value (each part floored), the worker keeps
        /// `commission_bps` of the delegators' part (floored), the rest goes to the delegators'
        /// accumulator (floored). All of `amount` is counted as unclaimed rewards; the rounding
        /// dust stays there unclaimable. A worker with no delegated value gets all of `amount`.
        ///
        /// Requirements: the caller is JobManager or a former JobManager; `amount` > 0; `worker` is
        /// registered; the pool's CIRO balance covers all its totals including `amount`.
        ///
        /// Emits `RewardCredited`.
        fn credit_reward(ref self: ContractState, worker: ContractAddress, amount: u256) {
            self.assert_known_job_manager();
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let info = self._registered_worker(worker);
            let backing = info.stake + info.delegated;
            let mut worker_share = amount;
            let mut delegators_share: u256 = 0;
            if info.delegated != 0 {
                let own_part = amount * info.stake / backing;
                let delegators_part = amount * info.delegated / backing;
                let commission = utils::bps_of(delegators_part, info.commission_bps.into());
                worker_share = own_part + commission;
                delegators_share = delegators_part - commission;
                let increment = delegators_share
                    * u256 { low: SCALE, high: 0 }
                    / info.delegation_shares;
                if increment != 0 {
                    self
                        .reward_per_share
                        .write(worker, self.reward_per_share.read(worker) + increment);
                }
            }
            if worker_share != 0 {
                self.worker_rewards.write(worker, self.worker_rewards.read(worker) + worker_share);
            }
            self.total_unclaimed_rewards.write(self.total_unclaimed_rewards.read() + amount);
            self.emit(RewardCredited { worker, amount, worker_share, delegators_share });
            let balance = IERC20Dispatcher { contract_address: self.token.read() }
                .balance_of(get_contract_address());
            assert(balance >= self._totals_sum(), errors::REWARD_NOT_FUNDED);
        }

        /// Slashes `worker` for `reason`: Malicious 50%, Unavailability 10%, PoorPerformance 20%,
        /// ProtocolViolation 30%, Fraud 100% of its own stake, its pending unstake, its
        /// delegation pool's value and its delegators' pending undelegations, each rounded up
        /// (never above what is there); reputation −75,
        /// −10, −25, −50 (not below 0); Fraud sets reputation to 0 and bans. The tier drops to
        /// what the remaining stake reaches at the last price. The slashed tokens go to the
        /// treasury. A banned worker can be slashed again; nothing is left to take.
        ///
        /// Requirements: the caller is JobManager, a former JobManager or the slasher; `worker` is
        /// registered.
        ///
        /// Emits `UndelegationsSlashed` (when it takes pending undelegations), `WorkerSlashed`.
        fn slash(
            ref self: ContractState,
            worker: ContractAddress,
            reason: SlashReason,
            evidence_hash: felt252
        ) -> u256 {
            let caller = get_caller_address();
            let slasher = self.slasher.read();
            assert(
                self.known_job_managers.read(caller) || (!slasher.is_zero() && caller == slasher),
                errors::CALLER_NOT_SLASHER
            );
            let mut info = self._registered_worker(worker);
            let (share_bps, reputation_penalty) = slash_terms(reason);
            let stake_slashed = utils::bps_of_rounded_up(info.stake, share_bps.into());
            let pending_unstake_slashed = utils::bps_of_rounded_up(info.pending_unstake, share_bps.into());
            let delegated_slashed = utils::bps_of_rounded_up(info.delegated, share_bps.into());
            let undelegations_slashed = self._slash_undelegations(worker, reason, share_bps);
            let total_slashed = stake_slashed
                + pending_unstake_slashed
                + delegated_slashed
                + undelegations_slashed;
            info.stake = info.stake - stake_slashed;
            info.pending_unstake = info.pending_unstake - pending_unstake_slashed;
            info.delegated = info.delegated - delegated_slashed;
            info.tier = self._lowered_tier(info.tier, info.stake);
            let banned = reason == SlashReason::Fraud;
            if banned {
                info.status = WorkerStatus::Banned;
                info.reputation = 0;
            } else if info.reputation > reputation_penalty {
                info.reputation -= reputation_penalty;
            } else {
                info.reputation = 0;
            }
            self._write_worker(worker, info);
            self.total_stake.write(self.total_stake.read() - stake_slashed);
            self
                .total_pending_unstake
                .write(self.total_pending_unstake.read() - pending_unstake_slashed);
            self.total_delegated.write(self.total_delegated.read() - delegated_slashed);
            self
                .emit(
                    WorkerSlashed {
                        worker,
                        reason,
                        evidence_hash,
                        stake_slashed,
                        pending_unstake_slashed,
                        delegated_slashed,
                        total_slashed,
                        reputation: info.reputation,
                        banned: info.status == WorkerStatus::Banned
                    }
                );
            if total_slashed != 0 {
                self._pay(self.treasury.read(), total_slashed);
            }
            total_slashed
        }
    }

    #[external(v0)]
    impl CDCPoolAdminImpl of ICDCPoolAdmin<ContractState> {
        /// Sets the CIRO/USD price (8 decimals), dated now.
        ///
        /// Requirements: the caller is the oracle; the price is within the bounds.
        ///
        /// Emits `PriceUpdated`.
        fn set_ciro_price(ref self: ContractState, price_usd_e8: u128) {
            let oracle = self.oracle.read();
            assert(get_caller_address() == oracle, errors::CALLER_NOT_ORACLE);
            self._set_price(price_usd_e8);
        }

        fn get_price(self: @ContractState) -> PriceInfo {
            self.price.read()
        }

        /// Emits `JobManagerChanged`. Governance only; not zero. The previous JobManager can no
        /// longer assign, but may still end (complete, pay, time out) the jobs it holds, so a
        /// migration traps no escrow.
        fn set_job_manager(ref self: ContractState, job_manager: ContractAddress) {
            self.assert_only_governance();
            assert(!job_manager.is_zero(), errors::ADDRESS_IS_ZERO);
            let previous_job_manager = self.job_manager.read();
            self.job_manager.write(job_manager);
            self.known_job_managers.write(job_manager, true);
            self.emit(JobManagerChanged { previous_job_manager, new_job_manager: job_manager });
        }

        /// Emits `SlasherChanged`. Governance only; zero removes the role.
        fn set_slasher(ref self: ContractState, slasher: ContractAddress) {
            self.assert_only_governance();
            let previous_slasher = self.slasher.read();
            self.slasher.write(slasher);
            self.emit(SlasherChanged { previous_slasher, new_slasher: slasher });
        }

        /// Emits `OracleChanged`. Governance only; not zero.
        fn set_oracle(ref self: ContractState, oracle: ContractAddress) {
            self.assert_only_governance();
            self._set_oracle(oracle);
        }

        /// Emits `TreasuryChanged`. Governance only; not zero.
        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.assert_only_governance();
            self._set_treasury(treasury);
        }

        /// Emits `PriceBoundsChanged`. Governance only; 0 < min <= max. The stored price is not
        /// re-checked: the next `set_ciro_price` must be within the new bounds.
        fn set_price_bounds(
            ref self: ContractState, min_price_usd_e8: u128, max_price_usd_e8: u128
        ) {
            self.assert_only_governance();
            self._set_price_bounds(min_price_usd_e8, max_price_usd_e8);
        }

        /// Emits `MaxPriceAgeChanged`. Governance only; `seconds` > 0.
        fn set_max_price_age(ref self: ContractState, seconds: u64) {
            self.assert_only_governance();
            self._set_max_price_age(seconds);
        }

        /// Emits `UnstakeCooldownChanged`. Governance only; at most 365 days. Applies to requests
        /// made from now on.
        fn set_unstake_cooldown(ref self: ContractState, seconds: u64) {
            self.assert_only_governance();
            self._set_unstake_cooldown(seconds);
        }

        fn unstake_cooldown(self: @ContractState) -> u64 {
            self.unstake_cooldown.read()
        }

        /// Emits `DelegationWarmupChanged`. Governance only; at most 30 days. Applies to
        /// delegations made from now on.
        fn set_delegation_warmup(ref self: ContractState, seconds: u64) {
            self.assert_only_governance();
            self._set_delegation_warmup(seconds);
        }

        fn delegation_warmup(self: @ContractState) -> u64 {
            self.delegation_warmup.read()
        }

        fn job_manager(self: @ContractState) -> ContractAddress {
            self.job_manager.read()
        }

        fn is_known_job_manager(self: @ContractState, job_manager: ContractAddress) -> bool {
            self.known_job_managers.read(job_manager)
        }

        fn treasury(self: @ContractState) -> ContractAddress {
            self.treasury.read()
        }

        fn totals(self: @ContractState) -> PoolTotals {
            PoolTotals {
                stakes: self.total_stake.read(),
                pending_unstakes: self.total_pending_unstake.read(),
                delegated: self.total_delegated.read(),
                pending_undelegations: self.total_pending_undelegation.read(),
                unclaimed_rewards: self.total_unclaimed_rewards.read(),
                activating_delegations: self.total_activating_delegation.read()
            }
        }
    }

    #[external(v0)]
    impl GovernedImpl of IGoverned<ContractState> {
        fn governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::governance(@governed)
        }

        fn pending_governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::pending_governance(@governed)
        }

        fn transfer_governance(ref self: ContractState, new_governance: ContractAddress) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::transfer_governance(ref governed, new_governance);
        }

        fn accept_governance(ref self: ContractState) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::accept_governance(ref governed);
        }

        fn upgrade(ref self: ContractState, new_class_hash: ClassHash) {
            let mut governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::upgrade(ref governed, new_class_hash);
        }
    }

    /// Paused: no registration, staking, delegation, selection or worker reward claims.
    /// Unstaking, undelegation, withdrawals (behind their cooldowns) and delegators' reward claims
    /// stay open, so stakers can always get out.
    #[external(v0)]
    impl PausableImpl of IPausable<ContractState> {
        fn is_paused(self: @ContractState) -> bool {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::is_paused(@pausable)
        }

        fn paused_until(self: @ContractState) -> u64 {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::paused_until(@pausable)
        }

        fn paused_seconds(self: @ContractState) -> u64 {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::paused_seconds(@pausable)
        }

        fn emergency_council(self: @ContractState) -> ContractAddress {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::emergency_council(@pausable)
        }

        fn pause(ref self: ContractState) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::pause(ref pausable);
        }

        fn extend_pause(ref self: ContractState, until: u64) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::extend_pause(ref pausable, until);
        }

        fn unpause(ref self: ContractState) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::unpause(ref pausable);
        }

        fn set_emergency_council(ref self: ContractState, council: ContractAddress) {
            let mut pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::set_emergency_council(ref pausable, council);
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_only_governance(self: @ContractState) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
        }

        fn assert_not_paused(self: @ContractState) {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::assert_not_paused(@pausable);
        }

        fn assert_only_job_manager(self: @ContractState) {
            let job_manager = self.job_manager.read();
            assert(
                !job_manager.is_zero() && get_caller_address() == job_manager,
                errors::CALLER_NOT_JOB_MANAGER
            );
        }

        fn assert_known_job_manager(self: @ContractState) {
            assert(
                self.known_job_managers.read(get_caller_address()), errors::CALLER_NOT_JOB_MANAGER
            );
        }

        /// Stores `info`, the selection profile derived from it, and whether the worker is a
        /// candidate: the only way workers are written.
        fn _write_worker(ref self: ContractState, worker: ContractAddress, info: WorkerInfo) {
            self.workers.write(worker, info);
            self.selection_profiles.write(worker, pack_profile(info));
            let position = self.candidate_position.read(worker);
            let candidate = is_candidate(info);
            if candidate && position == 0 {
                let count = self.candidate_count.read();
                self.candidate_list.write(count, worker);
                self.candidate_position.write(worker, count + 1);
                self.candidate_count.write(count + 1);
            } else if !candidate && position != 0 {
                // Swap-remove: the last candidate takes the leaving one's place.
                let last_index = self.candidate_count.read() - 1;
                let last = self.candidate_list.read(last_index);
                self.candidate_list.write(position - 1, last);
                self.candidate_position.write(last, position);
                self.candidate_position.write(worker, 0);
                self.candidate_count.write(last_index);
            }
        }

        /// Counts a reputation gain for `worker` today; false when it already had
        /// `MAX_RATED_JOBS_PER_DAY` of them.
        fn _take_rated_slot(ref self: ContractState, worker: ContractAddress) -> bool {
            let today = get_block_timestamp() / SECONDS_PER_DAY;
            let used = if self.rated_day.read(worker) == today {
                self.rated_jobs_on_day.read(worker)
            } else {
                0
            };
            if used >= MAX_RATED_JOBS_PER_DAY {
                return false;
            }
            self.rated_day.write(worker, today);
            self.rated_jobs_on_day.write(worker, used + 1);
            true
        }

        /// `worker`'s record; reverts if it never registered.
        fn _registered_worker(self: @ContractState, worker: ContractAddress) -> WorkerInfo {
            let info = self.workers.read(worker);
            assert(info.status != WorkerStatus::Unregistered, errors::WORKER_NOT_REGISTERED);
            info
        }

        /// The price, if updated at most `max_price_age` seconds ago.
        fn _fresh_price(self: @ContractState) -> u128 {
            let price = self.price.read();
            let now = get_block_timestamp();
            assert(
                now <= price.updated_at || now - price.updated_at <= self.max_price_age.read(),
                errors::PRICE_IS_STALE
            );
            price.price_usd_e8
        }

        /// min(`tier`, tier of `stake` at the last price).
        fn _lowered_tier(self: @ContractState, tier: u8, stake: u256) -> u8 {
            let reachable = tier_for_usd(usd_value_e8(stake, self.price.read().price_usd_e8));
            if reachable < tier {
                reachable
            } else {
                tier
            }
        }

        /// Adds `delegator`'s rewards on `shares` since its last settlement (scaled by 10^18) and
        /// moves its checkpoint to the current accumulator.
        fn _settle_delegator(
            ref self: ContractState,
            delegator: ContractAddress,
            worker: ContractAddress,
            shares: u256
        ) {
            let key = (delegator, worker);
            let current = self.reward_per_share.read(worker);
            let checkpoint = self.delegator_reward_checkpoint.read(key);
            if current != checkpoint {
                if shares != 0 {
                    self
                        .delegator_rewards_scaled
                        .write(
                            key,
                            self.delegator_rewards_scaled.read(key) + shares * (current - checkpoint)
                        );
                }
                self.delegator_reward_checkpoint.write(key, current);
            }
        }

        /// Mints shares of `worker`'s pool for `amount` (see `shares_for`; the caller checked they
        /// are not zero), after settling the delegator's rewards on its old shares.
        fn _mint_shares(
            ref self: ContractState,
            delegator: ContractAddress,
            worker: ContractAddress,
            ref delegation: DelegationInfo,
            amount: u256
        ) -> u256 {
            let mut info = self.workers.read(worker);
            let shares = shares_for(info, amount);
            self._settle_delegator(delegator, worker, delegation.shares);
            delegation.shares = delegation.shares + shares;
            info.delegated = info.delegated + amount;
            info.delegation_shares = info.delegation_shares + shares;
            self._write_worker(worker, info);
            self.total_delegated.write(self.total_delegated.read() + amount);
            self.emit(StakeDelegated { delegator, worker, amount, shares });
            shares
        }

        /// If `delegation`'s warm-up is over: turns its activating amount into shares, or pays it
        /// back when the worker is banned or the amount is worth no share (wiped pool). Writes
        /// the delegation when it changes; returns the shares minted.
        fn _activate(
            ref self: ContractState,
            delegator: ContractAddress,
            worker: ContractAddress,
            ref delegation: DelegationInfo
        ) -> u256 {
            let amount = delegation.activating_amount;
            if amount == 0 || get_block_timestamp() < delegation.activates_at {
                return 0;
            }
            delegation.activating_amount = 0;
            delegation.activates_at = 0;
            self
                .total_activating_delegation
                .write(self.total_activating_delegation.read() - amount);
            let info = self.workers.read(worker);
            if info.status == WorkerStatus::Banned || shares_for(info, amount) == 0 {
                self.delegations.write((delegator, worker), delegation);
                self.emit(DelegationRefunded { delegator, worker, amount });
                self._pay(delegator, amount);
                return 0;
            }
            let shares = self._mint_shares(delegator, worker, ref delegation, amount);
            self.delegations.write((delegator, worker), delegation);
            shares
        }

        /// `delegation`'s pending undelegation after the slashes since its last request: floor of
        /// pending × factor now / factor then, at most the worker's pending total.
        fn _pending_after_slashes(
            self: @ContractState,
            delegator: ContractAddress,
            worker: ContractAddress,
            delegation: DelegationInfo
        ) -> u256 {
            if delegation.pending_amount == 0 {
                return 0;
            }
            let scale = u256 { low: LOSS_SCALE, high: 0 };
            let loss_now = self.undelegation_loss.read(worker);
            let loss_then = self.undelegation_loss_at.read((delegator, worker));
            let mut amount = delegation.pending_amount;
            if loss_now != loss_then {
                let factor_then = scale - loss_then;
                amount =
                    if factor_then == 0 {
                        0
                    } else {
                        amount * (scale - loss_now) / factor_then
                    };
            }
            let worker_total = self.undelegating.read(worker);
            if amount > worker_total {
                worker_total
            } else {
                amount
            }
        }

        /// `_pending_after_slashes`, and records that the delegation is now up to date.
        fn _bring_pending_up_to_date(
            ref self: ContractState,
            delegator: ContractAddress,
            worker: ContractAddress,
            delegation: DelegationInfo
        ) -> u256 {
            let amount = self._pending_after_slashes(delegator, worker, delegation);
            let loss_now = self.undelegation_loss.read(worker);
            if self.undelegation_loss_at.read((delegator, worker)) != loss_now {
                self.undelegation_loss_at.write((delegator, worker), loss_now);
            }
            amount
        }

        /// Takes ceil(`share_bps`) of `worker`'s delegators' pending undelegations and lowers
        /// the factor they keep; returns the amount taken.
        fn _slash_undelegations(
            ref self: ContractState, worker: ContractAddress, reason: SlashReason, share_bps: u16
        ) -> u256 {
            let pending = self.undelegating.read(worker);
            if pending == 0 {
                return 0;
            }
            let amount = utils::bps_of_rounded_up(pending, share_bps.into());
            let scale = u256 { low: LOSS_SCALE, high: 0 };
            let factor = scale - self.undelegation_loss.read(worker);
            let kept: u256 = (BPS_DENOMINATOR - share_bps).into();
            self
                .undelegation_loss
                .write(worker, scale - utils::bps_of(factor, kept));
            self.undelegating.write(worker, pending - amount);
            self
                .total_pending_undelegation
                .write(self.total_pending_undelegation.read() - amount);
            self
                .emit(
                    UndelegationsSlashed {
                        worker, reason, amount, pending_undelegations: pending - amount
                    }
                );
            amount
        }

        fn _totals_sum(self: @ContractState) -> u256 {
            self.total_stake.read()
                + self.total_pending_unstake.read()
                + self.total_delegated.read()
                + self.total_pending_undelegation.read()
                + self.total_unclaimed_rewards.read()
                + self.total_activating_delegation.read()
        }

        /// Pulls `amount` CIRO from `from` into the pool.
        fn _pull(ref self: ContractState, from: ContractAddress, amount: u256) {
            utils::pull_or_revert(self.token.read(), from, amount, errors::TRANSFER_FAILED);
        }

        /// Sends `amount` CIRO from the pool to `to`.
        fn _pay(ref self: ContractState, to: ContractAddress, amount: u256) {
            utils::transfer_or_revert(self.token.read(), to, amount, errors::TRANSFER_FAILED);
        }

        fn _set_price(ref self: ContractState, price_usd_e8: u128) {
            assert(
                price_usd_e8 >= self.min_price_usd_e8.read()
                    && price_usd_e8 <= self.max_price_usd_e8.read(),
                errors::PRICE_OUT_OF_BOUNDS
            );
            let updated_at = get_block_timestamp();
            self.price.write(PriceInfo { price_usd_e8, updated_at });
            self.emit(PriceUpdated { price_usd_e8, updated_at });
        }

        fn _set_oracle(ref self: ContractState, oracle: ContractAddress) {
            assert(!oracle.is_zero(), errors::ADDRESS_IS_ZERO);
            let previous_oracle = self.oracle.read();
            self.oracle.write(oracle);
            self.emit(OracleChanged { previous_oracle, new_oracle: oracle });
        }

        fn _set_treasury(ref self: ContractState, treasury: ContractAddress) {
            assert(!treasury.is_zero(), errors::ADDRESS_IS_ZERO);
            let previous_treasury = self.treasury.read();
            self.treasury.write(treasury);
            self.emit(TreasuryChanged { previous_treasury, new_treasury: treasury });
        }

        fn _set_price_bounds(
            ref self: ContractState, min_price_usd_e8: u128, max_price_usd_e8: u128
        ) {
            assert(
                min_price_usd_e8 != 0 && min_price_usd_e8 <= max_price_usd_e8,
                errors::INVALID_PRICE_BOUNDS
            );
            self.min_price_usd_e8.write(min_price_usd_e8);
            self.max_price_usd_e8.write(max_price_usd_e8);
            self.emit(PriceBoundsChanged { min_price_usd_e8, max_price_usd_e8 });
        }

        fn _set_max_price_age(ref self: ContractState, seconds: u64) {
            assert(seconds != 0, errors::MAX_PRICE_AGE_IS_ZERO);
            self.max_price_age.write(seconds);
            self.emit(MaxPriceAgeChanged { seconds });
        }

        fn _set_delegation_warmup(ref self: ContractState, seconds: u64) {
            assert(seconds <= MAX_DELEGATION_WARMUP, errors::WARMUP_TOO_LONG);
            self.delegation_warmup.write(seconds);
            self.emit(DelegationWarmupChanged { seconds });
        }

        fn _set_unstake_cooldown(ref self: ContractState, seconds: u64) {
            assert(seconds <= MAX_UNSTAKE_COOLDOWN, errors::COOLDOWN_TOO_LONG);
            self.unstake_cooldown.write(seconds);
            self.emit(UnstakeCooldownChanged { seconds });
        }
    }

    /// USD value, 8 decimals, of `amount` CIRO base units at `price_usd_e8`: floor.
    fn usd_value_e8(amount: u256, price_usd_e8: u128) -> u256 {
        amount * price_usd_e8.into() / u256 { low: SCALE, high: 0 }
    }

    /// The tier of a USD value with 8 decimals: $100, $500, $2,500, $10,000, $50,000, $100,000,
    /// $250,000, $500,000 for tiers 1 to 8.
    fn tier_for_usd(usd_e8: u256) -> u8 {
        if usd_e8 >= 50000000000000 {
            8
        } else if usd_e8 >= 25000000000000 {
            7
        } else if usd_e8 >= 10000000000000 {
            6
        } else if usd_e8 >= 5000000000000 {
            5
        } else if usd_e8 >= 1000000000000 {
            4
        } else if usd_e8 >= 250000000000 {
            3
        } else if usd_e8 >= 50000000000 {
            2
        } else if usd_e8 >= 10000000000 {
            TIER_BASIC
        } else {
            TIER_NONE
        }
    }

    /// The fields of `WorkerInfo` that selection reads, unpacked from one storage slot.
    #[derive(Copy, Drop)]
    struct SelectionProfile {
        active: bool,
        capabilities: u128,
        gpu_memory_gb: u128,
        max_concurrent_jobs: u128,
        active_jobs: u128,
        tier: u128,
        reputation: u128,
        /// Own stake, saturated at 2^128 - 1 (CIRO's whole supply is below 2^90).
        stake: u128,
    }

    // Bit positions in the high 128 bits of a packed profile; the low 128 bits hold the stake.
    const SHIFT_CAPABILITIES: u128 = 0x2; // bit 1, 8 bits
    const SHIFT_GPU_MEMORY: u128 = 0x200; // bit 9, 32 bits
    const SHIFT_MAX_JOBS: u128 = 0x20000000000; // bit 41, 8 bits
    const SHIFT_ACTIVE_JOBS: u128 = 0x2000000000000; // bit 49, 8 bits
    const SHIFT_TIER: u128 = 0x200000000000000; // bit 57, 8 bits
    const SHIFT_REPUTATION: u128 = 0x20000000000000000; // bit 65, 16 bits

    /// One felt (under 2^209): stake in the low 128 bits; above it the status bit (1 = Active),
    /// capabilities, GPU memory, maximum and active jobs, tier and reputation.
    fn pack_profile(info: WorkerInfo) -> felt252 {
        let active: u128 = if info.status == WorkerStatus::Active {
            1
        } else {
            0
        };
        let fields: u128 = active
            + info.capabilities.into() * SHIFT_CAPABILITIES
            + info.gpu_memory_gb.into() * SHIFT_GPU_MEMORY
            + info.max_concurrent_jobs.into() * SHIFT_MAX_JOBS
            + info.active_jobs.into() * SHIFT_ACTIVE_JOBS
            + info.tier.into() * SHIFT_TIER
            + info.reputation.into() * SHIFT_REPUTATION;
        let stake = if info.stake.high == 0 {
            info.stake.low
        } else {
            0xffffffffffffffffffffffffffffffff
        };
        u256 { low: stake, high: fields }.try_into().unwrap()
    }

    fn unpack_profile(packed: felt252) -> SelectionProfile {
        let value: u256 = packed.into();
        let fields = value.high;
        SelectionProfile {
            active: fields % 2 == 1,
            capabilities: (fields / SHIFT_CAPABILITIES) % 0x100,
            gpu_memory_gb: (fields / SHIFT_GPU_MEMORY) % 0x100000000,
            max_concurrent_jobs: (fields / SHIFT_MAX_JOBS) % 0x100,
            active_jobs: (fields / SHIFT_ACTIVE_JOBS) % 0x100,
            tier: (fields / SHIFT_TIER) % 0x100,
            reputation: fields / SHIFT_REPUTATION,
            stake: value.low,
        }
    }

    /// Shares of `info`'s delegation pool worth `amount` now: `amount` for an empty pool, zero
    /// for a wiped one (shares left, no value), else floor(`amount` × shares / value).
    fn shares_for(info: WorkerInfo, amount: u256) -> u256 {
        if info.delegation_shares == 0 {
            amount
        } else if info.delegated == 0 {
            0
        } else {
            amount * info.delegation_shares / info.delegated
        }
    }

    /// Whether selection should scan `info`: active, staked, tier ≥ Basic (the minimum stake).
    fn is_candidate(info: WorkerInfo) -> bool {
        info.status == WorkerStatus::Active && info.stake != 0 && info.tier >= TIER_BASIC
    }

    fn is_eligible(profile: SelectionProfile, requirements: WorkerRequirements) -> bool {
        let required_capabilities: u128 = requirements.required_capabilities.into();
        profile.active
            && profile.stake != 0
            && profile.tier >= TIER_BASIC.into()
            && profile.tier >= requirements.min_tier.into()
            && (profile.capabilities & required_capabilities) == required_capabilities
            && profile.gpu_memory_gb >= requirements.min_gpu_memory_gb.into()
            && profile.active_jobs < profile.max_concurrent_jobs
    }

    /// (share of the stake in basis points, reputation penalty) for `reason`.
    fn slash_terms(reason: SlashReason) -> (u16, u16) {
        match reason {
            SlashReason::Malicious => (5000, 75),
            SlashReason::Unavailability => (1000, 10),
            SlashReason::PoorPerformance => (2000, 25),
            SlashReason::ProtocolViolation => (3000, 50),
            SlashReason::Fraud => (10000, 1000),
        }
    }

}
