/// Burns the CIRO it receives (JobManager sends it the burn share of each platform fee) and keeps
/// the burn schedule: the share of the fee to burn starts at 30% and rises, up to 80%, as the
/// cumulative revenue reported by JobManager reaches governance-set thresholds.
#[starknet::contract]
mod BurnManager {
    use array::{ArrayTrait, SpanTrait};
    use starknet::{ClassHash, ContractAddress, get_caller_address, get_contract_address};
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::IGoverned;
    use super::super::errors;
    use super::super::interface::{
        BASE_BURN_SHARE_BPS, BurnTier, IBurnManager, IBurnManagerAdmin, MAX_BURN_SHARE_BPS,
        MAX_BURN_TIERS
    };
    use super::super::super::token::interface::{
        ICiroTokenDispatcher, ICiroTokenDispatcherTrait, IERC20Dispatcher, IERC20DispatcherTrait
    };

    #[storage]
    struct Storage {
        token: ContractAddress,
        reporter: ContractAddress,
        cumulative_burned: u256,
        cumulative_revenue: u256,
        burn_tiers: LegacyMap<u32, BurnTier>,
        burn_tier_count: u32,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        TokensBurned: TokensBurned,
        RevenueRecorded: RevenueRecorded,
        BurnScheduleSet: BurnScheduleSet,
        ReporterChanged: ReporterChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct TokensBurned {
        #[key]
        caller: ContractAddress,
        amount: u256,
        cumulative_burned: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct RevenueRecorded {
        #[key]
        reporter: ContractAddress,
        amount: u256,
        cumulative_revenue: u256,
        /// The burn share that applies from now on.
        burn_share_bps: u16,
    }

    #[derive(Drop, starknet::Event)]
    struct BurnScheduleSet {
        thresholds: Span<u256>,
        shares_bps: Span<u16>,
    }

    #[derive(Drop, starknet::Event)]
    struct ReporterChanged {
        #[key]
        previous_reporter: ContractAddress,
        #[key]
        new_reporter: ContractAddress,
    }

    /// Starts with an empty schedule (a constant 3,000 bps) and no reporter.
    ///
    /// Requirements: neither address is zero.
    #[constructor]
    fn constructor(ref self: ContractState, governance: ContractAddress, token: ContractAddress) {
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        assert(!token.is_zero(), errors::ADDRESS_IS_ZERO);
        self.token.write(token);
    }

    #[external(v0)]
    impl BurnManagerImpl of IBurnManager<ContractState> {
        /// Burns this contract's whole CIRO balance with the token's `burn`, so the total supply
        /// falls by exactly that amount.
        ///
        /// Requirements: the balance is not zero; the token is not paused.
        ///
        /// Emits `TokensBurned` (and the token's `Transfer` to zero).
        fn burn_received(ref self: ContractState) -> u256 {
            let amount = IERC20Dispatcher { contract_address: self.token.read() }
                .balance_of(get_contract_address());
            assert(amount != 0, errors::NOTHING_TO_BURN);
            let cumulative_burned = self.cumulative_burned.read() + amount;
            self.cumulative_burned.write(cumulative_burned);
            self.emit(TokensBurned { caller: get_caller_address(), amount, cumulative_burned });
            ICiroTokenDispatcher { contract_address: self.token.read() }.burn(amount);
            amount
        }

        /// Adds `amount` to the cumulative revenue, which may move the burn share up.
        ///
        /// Requirements: the caller is the reporter; `amount` > 0.
        ///
        /// Emits `RevenueRecorded`.
        fn record_revenue(ref self: ContractState, amount: u256) {
            let reporter = get_caller_address();
            assert(reporter == self.reporter.read(), errors::CALLER_NOT_REPORTER);
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let cumulative_revenue = self.cumulative_revenue.read() + amount;
            self.cumulative_revenue.write(cumulative_revenue);
            let burn_share_bps = self._share_at(cumulative_revenue);
            self.emit(RevenueRecorded { reporter, amount, cumulative_revenue, burn_share_bps });
        }

        fn current_burn_share_bps(self: @ContractState) -> u16 {
            self._share_at(self.cumulative_revenue.read())
        }

        fn burn_share_bps_at(self: @ContractState, revenue: u256) -> u16 {
            self._share_at(revenue)
        }

        fn burn_schedule(self: @ContractState) -> Array<BurnTier> {
            let count = self.burn_tier_count.read();
            let mut tiers = ArrayTrait::new();
            let mut i: u32 = 0;
            loop {
                if i == count {
                    break;
                }
                tiers.append(self.burn_tiers.read(i));
                i += 1;
            };
            tiers
        }

        fn cumulative_burned(self: @ContractState) -> u256 {
            self.cumulative_burned.read()
        }

        fn cumulative_revenue(self: @ContractState) -> u256 {
            self.cumulative_revenue.read()
        }

        fn reporter(self: @ContractState) -> ContractAddress {
            self.reporter.read()
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }
    }

    #[external(v0)]
    impl BurnManagerAdminImpl of IBurnManagerAdmin<ContractState> {
        /// Replaces the burn schedule: from `thresholds[i]` of cumulative revenue on, the share is
        /// `shares_bps[i]`.
        ///
        /// Requirements: governance only; both spans have the same length, at most 16; thresholds
        /// strictly ascending, the first above zero; every share within [3,000, 8,000] bps and
        /// none below the one before it.
        ///
        /// Emits `BurnScheduleSet`.
        fn set_burn_schedule(
            ref self: ContractState, thresholds: Span<u256>, shares_bps: Span<u16>
        ) {
            self.assert_only_governance();
            let count = thresholds.len();
            assert(count == shares_bps.len(), errors::LENGTH_MISMATCH);
            assert(count <= MAX_BURN_TIERS, errors::TOO_MANY_THRESHOLDS);
            let mut previous_threshold: u256 = 0;
            let mut previous_share: u16 = BASE_BURN_SHARE_BPS;
            let mut i: u32 = 0;
            loop {
                if i == count {
                    break;
                }
                let threshold = *thresholds.at(i);
                let share_bps = *shares_bps.at(i);
                assert(threshold != 0, errors::THRESHOLD_IS_ZERO);
                assert(threshold > previous_threshold, errors::THRESHOLDS_NOT_ASCENDING);
                assert(
                    share_bps >= BASE_BURN_SHARE_BPS && share_bps <= MAX_BURN_SHARE_BPS,
                    errors::SHARE_OUT_OF_RANGE
                );
                assert(share_bps >= previous_share, errors::SHARES_DECREASING);
                self.burn_tiers.write(i, BurnTier { threshold, share_bps });
                previous_threshold = threshold;
                previous_share = share_bps;
                i += 1;
            };
            self.burn_tier_count.write(count);
            self.emit(BurnScheduleSet { thresholds, shares_bps });
        }

        /// Sets the reporter allowed to call `record_revenue`.
        ///
        /// Requirements: governance only; `reporter` is not zero.
        ///
        /// Emits `ReporterChanged`.
        fn set_reporter(ref self: ContractState, reporter: ContractAddress) {
            self.assert_only_governance();
            assert(!reporter.is_zero(), errors::ADDRESS_IS_ZERO);
            let previous_reporter = self.reporter.read();
            self.reporter.write(reporter);
            self.emit(ReporterChanged { previous_reporter, new_reporter: reporter });
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

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_only_governance(self: @ContractState) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
        }

        /// The share of the highest tier whose threshold `revenue` reaches, else the base share.
        fn _share_at(self: @ContractState, revenue: u256) -> u16 {
            let count = self.burn_tier_count.read();
            let mut share_bps = BASE_BURN_SHARE_BPS;
            let mut i: u32 = 0;
            loop {
                if i == count {
                    break;
                }
                let tier = self.burn_tiers.read(i);
                if revenue < tier.threshold {
                    break;
                }
                share_bps = tier.share_bps;
                i += 1;
            };
            share_bps
        }
    }
}
