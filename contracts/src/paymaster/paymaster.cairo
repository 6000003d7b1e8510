/// Paymaster: users whose accounts hold no fee token act on-chain through relayers, and sponsors
/// pay for it.
///
/// The mechanism is SNIP-9 v2 outside execution. The user signs an `OutsideExecution` naming this
/// contract as its caller; a relayer (the keeper) sends it to `sponsor_execution`, which checks
/// the policy — every call's `(to, selector)` allowlisted by governance, the request inside its
/// time window and never relayed before, the account under its daily quota, the relayer under the
/// daily request limit its sponsor set for it and the sponsor's budget covering the reimbursement
/// — then pays the relayer a
/// governance-set reimbursement out of the sponsor's budget and has the account execute the calls
/// (`execute_from_outside_v2`: the account checks the signature with its own `is_valid_signature`,
/// the caller, the window and its nonce, and makes the calls as the user). All in one transaction:
/// a refused request or a failing call reverts the reimbursement with it.
///
/// Money: every fee token deposited belongs to a sponsor's budget,
/// `balance_of(this) = total_budgets() = Σ budget_of(sponsor)` (plus whatever is sent to this
/// contract directly, which nobody can take out); budgets change only by deposits, withdrawals and
/// reimbursements.
///
/// Sponsors' exposure: the relayer chooses the accounts it relays for, and accounts cost nothing to
/// create, so the per-account quota alone bounds nothing a sponsor pays. What binds a sponsor's
/// spending is its own intent: it gives each relayer it pays a daily request limit
/// (`set_relayer_allowance`), and every sponsored request counts against `(sponsor, relayer, day)`
/// as well as against the account's quota. A sponsor's worst case per day is therefore
/// `Σ limits × reimbursement()`, however many accounts its relayers bring; a request over the
/// limit reverts and costs it nothing.
///
/// Choices PROTOCOL.md left open: the quota counts sponsored requests (not calls) per account per
/// aligned day (block time / 86,400), and so do the relayer limits; a sponsor approves the relayers
/// its budget pays, so nobody else can spend it; replays are refused twice, here (`(account,
/// nonce)` pairs relayed) and by the account (its SNIP-9 nonces).
#[starknet::contract]
mod Paymaster {
    use array::{ArrayTrait, SpanTrait};
    use starknet::{
        ClassHash, ContractAddress, get_block_timestamp, get_caller_address, get_contract_address
    };
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::IGoverned;
    use super::super::errors;
    use super::super::interface::{
        Call, IPaymaster, IPaymasterAdmin, IPaymasterSponsor, ISRC9_V2Dispatcher,
        ISRC9_V2DispatcherTrait, OutsideExecution, SECONDS_PER_DAY
    };
    use super::super::super::token::interface::{IERC20Dispatcher, IERC20DispatcherTrait};
    use super::super::super::utils;

    #[storage]
    struct Storage {
        token: ContractAddress,
        budgets: LegacyMap<ContractAddress, u256>,
        total_budgets: u256,
        /// `(sponsor, relayer)` → sponsored requests per day the sponsor pays that relayer for (0:
        /// none).
        relayer_allowances: LegacyMap<(ContractAddress, ContractAddress), u32>,
        /// `(sponsor, relayer, day)` → sponsored requests that relayer made that day out of the
        /// sponsor's budget.
        relayer_requests: LegacyMap<(ContractAddress, ContractAddress, u64), u32>,
        /// `(target, selector)` → whether a sponsored request may make that call.
        allowed: LegacyMap<(ContractAddress, felt252), bool>,
        daily_quota: u32,
        reimbursement: u256,
        /// `(account, day)` → sponsored requests made that day.
        requests: LegacyMap<(ContractAddress, u64), u32>,
        /// `(account, nonce)` → whether that request was relayed here.
        relayed: LegacyMap<(ContractAddress, felt252), bool>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Deposited: Deposited,
        Withdrawn: Withdrawn,
        RelayerAllowanceSet: RelayerAllowanceSet,
        AllowedCallSet: AllowedCallSet,
        DailyQuotaSet: DailyQuotaSet,
        ReimbursementSet: ReimbursementSet,
        ExecutionSponsored: ExecutionSponsored,
    }

    #[derive(Drop, starknet::Event)]
    struct Deposited {
        #[key]
        sponsor: ContractAddress,
        amount: u256,
        /// The sponsor's budget after the deposit.
        budget: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct Withdrawn {
        #[key]
        sponsor: ContractAddress,
        amount: u256,
        /// The sponsor's budget after the withdrawal.
        budget: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct RelayerAllowanceSet {
        #[key]
        sponsor: ContractAddress,
        #[key]
        relayer: ContractAddress,
        /// Sponsored requests per day the sponsor now pays the relayer for (0: none).
        daily_requests: u32,
    }

    #[derive(Drop, starknet::Event)]
    struct AllowedCallSet {
        #[key]
        target: ContractAddress,
        #[key]
        selector: felt252,
        allowed: bool,
    }

    #[derive(Drop, starknet::Event)]
    struct DailyQuotaSet {
        quota: u32,
    }

    #[derive(Drop, starknet::Event)]
    struct ReimbursementSet {
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct ExecutionSponsored {
        #[key]
        sponsor: ContractAddress,
        #[key]
        account: ContractAddress,
        nonce: felt252,
        #[key]
        relayer: ContractAddress,
        /// Paid to the relayer out of the sponsor's budget.
        reimbursement: u256,
    }

    /// Requirements: neither address is zero.
    ///
    /// Emits `DailyQuotaSet` and `ReimbursementSet`.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        governance: ContractAddress,
        token: ContractAddress,
        daily_quota: u32,
        reimbursement: u256
    ) {
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        assert(!token.is_zero(), errors::TOKEN_IS_ZERO);
        self.token.write(token);
        self._set_daily_quota(daily_quota);
        self._set_reimbursement(reimbursement);
    }

    #[external(v0)]
    impl PaymasterImpl of IPaymaster<ContractState> {
        /// Relays a signed request to `account` and reimburses the caller out of `sponsor`'s
        /// budget.
        ///
        /// Requirements: `outside_execution.caller` is this contract; `execute_after < now <
        /// execute_before`; at least one call, each to an allowed `(to, selector)`; `(account,
        /// nonce)` not relayed before; `account` under its daily quota; the caller approved by
        /// `sponsor` (a non-zero allowance) and under the daily request limit `sponsor` gave it;
        /// `sponsor`'s budget ≥ `reimbursement()`. The account then checks the
        /// signature, the caller, the window and its own nonce; if it refuses the request or any
        /// of the calls fails, everything reverts, the reimbursement included.
        ///
        /// Emits `ExecutionSponsored`.
        fn sponsor_execution(
            ref self: ContractState,
            sponsor: ContractAddress,
            account: ContractAddress,
            outside_execution: OutsideExecution,
            signature: Array<felt252>
        ) -> Array<Span<felt252>> {
            assert(
                outside_execution.caller == get_contract_address(), errors::CALLER_NOT_PAYMASTER
            );
            let now = get_block_timestamp();
            assert(outside_execution.execute_after < now, errors::NOT_YET_VALID);
            assert(now < outside_execution.execute_before, errors::REQUEST_EXPIRED);
            self._assert_calls_allowed(outside_execution.calls);
            let nonce = outside_execution.nonce;
            assert(!self.relayed.read((account, nonce)), errors::ALREADY_RELAYED);
            let relayer = get_caller_address();
            let allowance = self.relayer_allowances.read((sponsor, relayer));
            assert(allowance != 0, errors::RELAYER_NOT_APPROVED);
            let day = now / SECONDS_PER_DAY;
            let relayed_today = self.relayer_requests.read((sponsor, relayer, day));
            assert(relayed_today < allowance, errors::RELAYER_LIMIT_REACHED);
            let used = self.requests.read((account, day));
            assert(used < self.daily_quota.read(), errors::QUOTA_EXHAUSTED);
            let reimbursement = self.reimbursement.read();
            let budget = self.budgets.read(sponsor);
            assert(reimbursement <= budget, errors::BUDGET_EXHAUSTED);

            self.relayed.write((account, nonce), true);
            self.requests.write((account, day), used + 1);
            self.relayer_requests.write((sponsor, relayer, day), relayed_today + 1);
            self.budgets.write(sponsor, budget - reimbursement);
            self.total_budgets.write(self.total_budgets.read() - reimbursement);
            self.emit(ExecutionSponsored { sponsor, account, nonce, relayer, reimbursement });
            if reimbursement != 0 {
                self._pay(relayer, reimbursement);
            }

            ISRC9_V2Dispatcher { contract_address: account }
                .execute_from_outside_v2(outside_execution, signature.span())
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }

        fn budget_of(self: @ContractState, sponsor: ContractAddress) -> u256 {
            self.budgets.read(sponsor)
        }

        fn total_budgets(self: @ContractState) -> u256 {
            self.total_budgets.read()
        }

        fn is_relayer_approved(
            self: @ContractState, sponsor: ContractAddress, relayer: ContractAddress
        ) -> bool {
            self.relayer_allowances.read((sponsor, relayer)) != 0
        }

        fn relayer_allowance(
            self: @ContractState, sponsor: ContractAddress, relayer: ContractAddress
        ) -> u32 {
            self.relayer_allowances.read((sponsor, relayer))
        }

        fn relayer_requests_on(
            self: @ContractState, sponsor: ContractAddress, relayer: ContractAddress, day: u64
        ) -> u32 {
            self.relayer_requests.read((sponsor, relayer, day))
        }

        fn is_allowed(self: @ContractState, target: ContractAddress, selector: felt252) -> bool {
            self.allowed.read((target, selector))
        }

        fn daily_quota(self: @ContractState) -> u32 {
            self.daily_quota.read()
        }

        fn reimbursement(self: @ContractState) -> u256 {
            self.reimbursement.read()
        }

        fn requests_on(self: @ContractState, account: ContractAddress, day: u64) -> u32 {
            self.requests.read((account, day))
        }

        fn remaining_quota(self: @ContractState, account: ContractAddress) -> u32 {
            let used = self.requests.read((account, get_block_timestamp() / SECONDS_PER_DAY));
            let quota = self.daily_quota.read();
            if used >= quota {
                0
            } else {
                quota - used
            }
        }

        fn is_relayed(self: @ContractState, account: ContractAddress, nonce: felt252) -> bool {
            self.relayed.read((account, nonce))
        }
    }

    #[external(v0)]
    impl PaymasterSponsorImpl of IPaymasterSponsor<ContractState> {
        /// Adds `amount` to the caller's budget, pulling it from the caller.
        ///
        /// Requirements: `amount` > 0; the caller approved this contract for `amount` and holds it.
        ///
        /// Emits `Deposited`.
        fn deposit(ref self: ContractState, amount: u256) {
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let sponsor = get_caller_address();
            let budget = self.budgets.read(sponsor) + amount;
            self.budgets.write(sponsor, budget);
            self.total_budgets.write(self.total_budgets.read() + amount);
            self.emit(Deposited { sponsor, amount, budget });
            let pulled = IERC20Dispatcher { contract_address: self.token.read() }
                .transfer_from(sponsor, get_contract_address(), amount);
            assert(pulled, errors::TRANSFER_FAILED);
        }

        /// Pays `amount` of the caller's budget back to the caller.
        ///
        /// Requirements: 0 < `amount` ≤ the caller's budget.
        ///
        /// Emits `Withdrawn`.
        fn withdraw(ref self: ContractState, amount: u256) {
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let sponsor = get_caller_address();
            let budget = self.budgets.read(sponsor);
            assert(amount <= budget, errors::AMOUNT_EXCEEDS_BUDGET);
            let budget = budget - amount;
            self.budgets.write(sponsor, budget);
            self.total_budgets.write(self.total_budgets.read() - amount);
            self.emit(Withdrawn { sponsor, amount, budget });
            self._pay(sponsor, amount);
        }

        /// Lets `relayer` be reimbursed from the caller's budget for at most `daily_requests`
        /// sponsored requests per day (for any accounts), or stops it (`daily_requests` = 0). The
        /// new limit applies at once, to the requests already relayed today included.
        ///
        /// Requirements: none; each caller manages its own relayers.
        ///
        /// Emits `RelayerAllowanceSet`.
        fn set_relayer_allowance(
            ref self: ContractState, relayer: ContractAddress, daily_requests: u32
        ) {
            let sponsor = get_caller_address();
            self.relayer_allowances.write((sponsor, relayer), daily_requests);
            self.emit(RelayerAllowanceSet { sponsor, relayer, daily_requests });
        }
    }

    #[external(v0)]
    impl PaymasterAdminImpl of IPaymasterAdmin<ContractState> {
        /// Allows (or disallows) sponsored requests to call `selector` on `target`.
        ///
        /// Requirements: governance only; `target` is not this contract.
        ///
        /// Emits `AllowedCallSet`.
        fn set_allowed(
            ref self: ContractState, target: ContractAddress, selector: felt252, allowed: bool
        ) {
            self.assert_only_governance();
            assert(target != get_contract_address(), errors::TARGET_IS_PAYMASTER);
            self.allowed.write((target, selector), allowed);
            self.emit(AllowedCallSet { target, selector, allowed });
        }

        /// Requirements: governance only.
        ///
        /// Emits `DailyQuotaSet`.
        fn set_daily_quota(ref self: ContractState, quota: u32) {
            self.assert_only_governance();
            self._set_daily_quota(quota);
        }

        /// Requirements: governance only.
        ///
        /// Emits `ReimbursementSet`.
        fn set_reimbursement(ref self: ContractState, amount: u256) {
            self.assert_only_governance();
            self._set_reimbursement(amount);
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

        /// Requirements: `calls` is not empty and each `(to, selector)` is allowed.
        fn _assert_calls_allowed(self: @ContractState, calls: Span<Call>) {
            assert(calls.len() != 0, errors::NO_CALLS);
            let mut remaining = calls;
            loop {
                match remaining.pop_front() {
                    Option::Some(call) => {
                        assert(
                            self.allowed.read((*call.to, *call.selector)), errors::CALL_NOT_ALLOWED
                        );
                    },
                    Option::None => {
                        break;
                    },
                };
            };
        }

        fn _set_daily_quota(ref self: ContractState, quota: u32) {
            self.daily_quota.write(quota);
            self.emit(DailyQuotaSet { quota });
        }

        fn _set_reimbursement(ref self: ContractState, amount: u256) {
            self.reimbursement.write(amount);
            self.emit(ReimbursementSet { amount });
        }

        fn _pay(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            utils::transfer_or_revert(self.token.read(), recipient, amount, errors::TRANSFER_FAILED);
        }
    }
}
