#[starknet::contract]
mod CIROToken {
    use starknet::{ClassHash, ContractAddress, get_block_timestamp, get_caller_address};
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::{IGoverned, IPausable};
    use super::super::super::access::pausable::Pausable;
    use super::super::errors;
    use super::super::interface::{IERC20, IERC20Camel, ICiroToken, ICiroTokenAdmin, IVotes};

    const DECIMALS: u8 = 18;
    /// 50,000,000 CIRO, minted to the initial holder at deployment.
    const INITIAL_SUPPLY: u128 = 50000000000000000000000000;
    /// 1,000,000,000 CIRO.
    const MAX_SUPPLY: u128 = 1000000000000000000000000000;

    /// A value (votes or supply) from `timestamp` on.
    #[derive(Copy, Drop, Serde, starknet::Store)]
    struct Checkpoint {
        timestamp: u64,
        value: u256,
    }

    #[storage]
    struct Storage {
        name: felt252,
        symbol: felt252,
        total_supply: u256,
        balances: LegacyMap<ContractAddress, u256>,
        allowances: LegacyMap<(ContractAddress, ContractAddress), u256>,
        minter: ContractAddress,
        /// Accounts whose outgoing transfers go through while paused.
        pause_exempt: LegacyMap<ContractAddress, bool>,
        mint_limit: u256,
        mint_period: u64,
        mint_window_start: u64,
        minted_in_window: u256,
        delegates: LegacyMap<ContractAddress, ContractAddress>,
        vote_checkpoints: LegacyMap<(ContractAddress, u32), Checkpoint>,
        vote_checkpoint_count: LegacyMap<ContractAddress, u32>,
        supply_checkpoints: LegacyMap<u32, Checkpoint>,
        supply_checkpoint_count: u32,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Transfer: Transfer,
        Approval: Approval,
        MinterChanged: MinterChanged,
        MintRateLimitChanged: MintRateLimitChanged,
        PauseExemptionChanged: PauseExemptionChanged,
        DelegateChanged: DelegateChanged,
        DelegateVotesChanged: DelegateVotesChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct Transfer {
        #[key]
        from: ContractAddress,
        #[key]
        to: ContractAddress,
        value: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct Approval {
        #[key]
        owner: ContractAddress,
        #[key]
        spender: ContractAddress,
        value: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct MinterChanged {
        previous_minter: ContractAddress,
        new_minter: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct MintRateLimitChanged {
        amount: u256,
        period_seconds: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct PauseExemptionChanged {
        #[key]
        account: ContractAddress,
        exempt: bool,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegateChanged {
        #[key]
        delegator: ContractAddress,
        #[key]
        from_delegate: ContractAddress,
        #[key]
        to_delegate: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct DelegateVotesChanged {
        #[key]
        delegate: ContractAddress,
        previous_votes: u256,
        new_votes: u256,
    }

    /// Mints the initial 50,000,000 CIRO to `initial_holder` and sets the roles.
    ///
    /// Requirements: `initial_holder` and `governance` are not zero; `mint_period_seconds` > 0.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        initial_holder: ContractAddress,
        governance: ContractAddress,
        minter: ContractAddress,
        emergency_council: ContractAddress,
        mint_limit: u256,
        mint_period_seconds: u64
    ) {
        self.name.write('CIRO');
        self.symbol.write('CIRO');
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        self._set_minter(minter);
        let mut pausable = Pausable::unsafe_new_contract_state();
        Pausable::InternalImpl::initialize(ref pausable, emergency_council);
        self._set_mint_rate_limit(mint_limit, mint_period_seconds);
        self._mint(initial_holder, u256 { low: INITIAL_SUPPLY, high: 0 });
    }

    #[external(v0)]
    impl ERC20Impl of IERC20<ContractState> {
        fn name(self: @ContractState) -> felt252 {
            self.name.read()
        }

        fn symbol(self: @ContractState) -> felt252 {
            self.symbol.read()
        }

        fn decimals(self: @ContractState) -> u8 {
            DECIMALS
        }

        fn total_supply(self: @ContractState) -> u256 {
            self.total_supply.read()
        }

        fn balance_of(self: @ContractState, account: ContractAddress) -> u256 {
            self.balances.read(account)
        }

        fn allowance(
            self: @ContractState, owner: ContractAddress, spender: ContractAddress
        ) -> u256 {
            self.allowances.read((owner, spender))
        }

        /// Moves `amount` from the caller to `recipient`.
        ///
        /// Requirements: not paused; `recipient` is not zero; the caller holds `amount`.
        ///
        /// Emits `Transfer` (and `DelegateVotesChanged` for affected delegates).
        fn transfer(ref self: ContractState, recipient: ContractAddress, amount: u256) -> bool {
            self._transfer(get_caller_address(), recipient, amount);
            true
        }

        /// Moves `amount` from `sender` to `recipient`, spending the caller's allowance.
        ///
        /// Requirements: as `transfer`, and an allowance of at least `amount` (an allowance of
        /// 2^256 - 1 is never decreased).
        ///
        /// Emits `Transfer`, `Approval`.
        fn transfer_from(
            ref self: ContractState,
            sender: ContractAddress,
            recipient: ContractAddress,
            amount: u256
        ) -> bool {
            self._spend_allowance(sender, get_caller_address(), amount);
            self._transfer(sender, recipient, amount);
            true
        }

        /// Sets the caller's allowance for `spender` to `amount`.
        ///
        /// Emits `Approval`.
        fn approve(ref self: ContractState, spender: ContractAddress, amount: u256) -> bool {
            self._approve(get_caller_address(), spender, amount);
            true
        }
    }

    #[external(v0)]
    impl ERC20CamelImpl of IERC20Camel<ContractState> {
        fn totalSupply(self: @ContractState) -> u256 {
            self.total_supply.read()
        }

        fn balanceOf(self: @ContractState, account: ContractAddress) -> u256 {
            self.balances.read(account)
        }

        fn transferFrom(
            ref self: ContractState,
            sender: ContractAddress,
            recipient: ContractAddress,
            amount: u256
        ) -> bool {
            ERC20Impl::transfer_from(ref self, sender, recipient, amount)
        }
    }

    #[external(v0)]
    impl CiroTokenImpl of ICiroToken<ContractState> {
        fn max_supply(self: @ContractState) -> u256 {
            u256 { low: MAX_SUPPLY, high: 0 }
        }

        /// Mints `amount` to `recipient`.
        ///
        /// Requirements: the caller is the minter; not paused; `amount` > 0; the current window's
        /// mints stay within the rate limit and the total supply within the cap.
        ///
        /// Emits `Transfer` from zero.
        fn mint(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            assert(get_caller_address() == self.minter.read(), errors::CALLER_NOT_MINTER);
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let minted = self._minted_in_current_window();
            assert(minted + amount <= self.mint_limit.read(), errors::MINT_RATE_EXCEEDED);
            self.minted_in_window.write(minted + amount);
            self.mint_window_start.write(self._current_window_start());
            self._mint(recipient, amount);
        }

        /// Burns `amount` of the caller's tokens.
        ///
        /// Requirements: not paused; the caller holds `amount`.
        ///
        /// Emits `Transfer` to zero.
        fn burn(ref self: ContractState, amount: u256) {
            self._burn(get_caller_address(), amount);
        }

        /// Burns `amount` of `account`'s tokens, spending the caller's allowance.
        ///
        /// Emits `Transfer` to zero, `Approval`.
        fn burn_from(ref self: ContractState, account: ContractAddress, amount: u256) {
            self._spend_allowance(account, get_caller_address(), amount);
            self._burn(account, amount);
        }

        fn minter(self: @ContractState) -> ContractAddress {
            self.minter.read()
        }

        fn mint_rate_limit(self: @ContractState) -> (u256, u64) {
            (self.mint_limit.read(), self.mint_period.read())
        }

        fn minted_in_current_period(self: @ContractState) -> u256 {
            self._minted_in_current_window()
        }

        fn is_pause_exempt(self: @ContractState, account: ContractAddress) -> bool {
            self.pause_exempt.read(account)
        }

    }

    #[external(v0)]
    impl CiroTokenAdminImpl of ICiroTokenAdmin<ContractState> {
        /// Emits `MinterChanged`. Governance only.
        fn set_minter(ref self: ContractState, minter: ContractAddress) {
            self.assert_only_governance();
            self._set_minter(minter);
        }

        /// Emits `MintRateLimitChanged`. Governance only; `period_seconds` > 0.
        fn set_mint_rate_limit(ref self: ContractState, amount: u256, period_seconds: u64) {
            self.assert_only_governance();
            self._set_mint_rate_limit(amount, period_seconds);
        }

        /// Emits `PauseExemptionChanged`. Governance only.
        fn set_pause_exempt(ref self: ContractState, account: ContractAddress, exempt: bool) {
            self.assert_only_governance();
            self.pause_exempt.write(account, exempt);
            self.emit(PauseExemptionChanged { account, exempt });
        }
    }

    #[external(v0)]
    impl VotesImpl of IVotes<ContractState> {
        /// Emits `DelegateChanged`, and `DelegateVotesChanged` for both delegates when the caller
        /// holds tokens.
        fn delegate(ref self: ContractState, delegatee: ContractAddress) {
            let delegator = get_caller_address();
            let from_delegate = self.delegates.read(delegator);
            self.delegates.write(delegator, delegatee);
            self.emit(DelegateChanged { delegator, from_delegate, to_delegate: delegatee });
            self._move_votes(from_delegate, delegatee, self.balances.read(delegator));
        }

        fn delegates(self: @ContractState, account: ContractAddress) -> ContractAddress {
            self.delegates.read(account)
        }

        fn get_votes(self: @ContractState, account: ContractAddress) -> u256 {
            let count = self.vote_checkpoint_count.read(account);
            if count == 0 {
                0
            } else {
                self.vote_checkpoints.read((account, count - 1)).value
            }
        }

        /// Requirements: `timestamp` is before the current block's.
        fn get_past_votes(self: @ContractState, account: ContractAddress, timestamp: u64) -> u256 {
            assert(timestamp < get_block_timestamp(), errors::FUTURE_LOOKUP);
            let count = self.vote_checkpoint_count.read(account);
            // Binary search for the last checkpoint at or before `timestamp`: at most 32 rounds.
            let mut low: u32 = 0;
            let mut high: u32 = count;
            loop {
                if low >= high {
                    break;
                }
                let middle = low + (high - low) / 2;
                if self.vote_checkpoints.read((account, middle)).timestamp > timestamp {
                    high = middle;
                } else {
                    low = middle + 1;
                };
            };
            if high == 0 {
                0
            } else {
                self.vote_checkpoints.read((account, high - 1)).value
            }
        }

        /// Requirements: `timestamp` is before the current block's.
        fn get_past_total_supply(self: @ContractState, timestamp: u64) -> u256 {
            assert(timestamp < get_block_timestamp(), errors::FUTURE_LOOKUP);
            let count = self.supply_checkpoint_count.read();
            let mut low: u32 = 0;
            let mut high: u32 = count;
            loop {
                if low >= high {
                    break;
                }
                let middle = low + (high - low) / 2;
                if self.supply_checkpoints.read(middle).timestamp > timestamp {
                    high = middle;
                } else {
                    low = middle + 1;
                };
            };
            if high == 0 {
                0
            } else {
                self.supply_checkpoints.read(high - 1).value
            }
        }
    }

    /// The shared emergency stop (`Pausable`): while paused, transfers (except from pause-exempt
    /// accounts: refunds and exits stay open), mints and burns revert with `Pause: paused`.
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

        fn assert_not_paused(self: @ContractState) {
            let pausable = Pausable::unsafe_new_contract_state();
            Pausable::InternalImpl::assert_not_paused(@pausable);
        }

        fn _transfer(
            ref self: ContractState,
            sender: ContractAddress,
            recipient: ContractAddress,
            amount: u256
        ) {
            // Refunds and exits stay open while paused: exempt contracts (JobManager, CDC_Pool)
            // still pay out.
            if !self.pause_exempt.read(sender) {
                self.assert_not_paused();
            }
            assert(!sender.is_zero(), errors::TRANSFER_FROM_ZERO);
            assert(!recipient.is_zero(), errors::TRANSFER_TO_ZERO);
            let sender_balance = self.balances.read(sender);
            assert(sender_balance >= amount, errors::INSUFFICIENT_BALANCE);
            self.balances.write(sender, sender_balance - amount);
            self.balances.write(recipient, self.balances.read(recipient) + amount);
            self.emit(Transfer { from: sender, to: recipient, value: amount });
            self._move_votes(self.delegates.read(sender), self.delegates.read(recipient), amount);
        }

        fn _mint(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            self.assert_not_paused();
            assert(!recipient.is_zero(), errors::MINT_TO_ZERO);
            let supply = self.total_supply.read() + amount;
            assert(supply <= u256 { low: MAX_SUPPLY, high: 0 }, errors::CAP_EXCEEDED);
            self.total_supply.write(supply);
            self._push_supply_checkpoint(supply);
            self.balances.write(recipient, self.balances.read(recipient) + amount);
            self.emit(Transfer { from: Zeroable::zero(), to: recipient, value: amount });
            self._move_votes(Zeroable::zero(), self.delegates.read(recipient), amount);
        }

        fn _burn(ref self: ContractState, account: ContractAddress, amount: u256) {
            self.assert_not_paused();
            assert(!account.is_zero(), errors::BURN_FROM_ZERO);
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let balance = self.balances.read(account);
            assert(balance >= amount, errors::INSUFFICIENT_BALANCE);
            self.balances.write(account, balance - amount);
            let supply = self.total_supply.read() - amount;
            self.total_supply.write(supply);
            self._push_supply_checkpoint(supply);
            self.emit(Transfer { from: account, to: Zeroable::zero(), value: amount });
            self._move_votes(self.delegates.read(account), Zeroable::zero(), amount);
        }

        fn _approve(
            ref self: ContractState, owner: ContractAddress, spender: ContractAddress, amount: u256
        ) {
            assert(!owner.is_zero(), errors::APPROVE_FROM_ZERO);
            assert(!spender.is_zero(), errors::APPROVE_TO_ZERO);
            self.allowances.write((owner, spender), amount);
            self.emit(Approval { owner, spender, value: amount });
        }

        fn _spend_allowance(
            ref self: ContractState, owner: ContractAddress, spender: ContractAddress, amount: u256
        ) {
            let current = self.allowances.read((owner, spender));
            let unlimited = u256 { low: 0xffffffffffffffffffffffffffffffff, high: 0xffffffffffffffffffffffffffffffff };
            if current != unlimited {
                assert(current >= amount, errors::INSUFFICIENT_ALLOWANCE);
                self._approve(owner, spender, current - amount);
            }
        }

        fn _set_minter(ref self: ContractState, minter: ContractAddress) {
            let previous_minter = self.minter.read();
            self.minter.write(minter);
            self.emit(MinterChanged { previous_minter, new_minter: minter });
        }

        fn _set_mint_rate_limit(ref self: ContractState, amount: u256, period_seconds: u64) {
            assert(period_seconds != 0, errors::PERIOD_IS_ZERO);
            self.mint_limit.write(amount);
            self.mint_period.write(period_seconds);
            self.emit(MintRateLimitChanged { amount, period_seconds });
        }

        /// Mint windows are aligned: [k·period, (k+1)·period).
        fn _current_window_start(self: @ContractState) -> u64 {
            let now = get_block_timestamp();
            now - now % self.mint_period.read()
        }

        fn _minted_in_current_window(self: @ContractState) -> u256 {
            if self.mint_window_start.read() == self._current_window_start() {
                self.minted_in_window.read()
            } else {
                0
            }
        }

        fn _move_votes(
            ref self: ContractState, from: ContractAddress, to: ContractAddress, amount: u256
        ) {
            if from == to || amount == 0 {
                return;
            }
            if !from.is_zero() {
                let previous_votes = VotesImpl::get_votes(@self, from);
                let new_votes = previous_votes - amount;
                self._push_vote_checkpoint(from, new_votes);
                self.emit(DelegateVotesChanged { delegate: from, previous_votes, new_votes });
            }
            if !to.is_zero() {
                let previous_votes = VotesImpl::get_votes(@self, to);
                let new_votes = previous_votes + amount;
                self._push_vote_checkpoint(to, new_votes);
                self.emit(DelegateVotesChanged { delegate: to, previous_votes, new_votes });
            }
        }

        /// Records `value` from now on; a second change in the same block overwrites the first.
        fn _push_vote_checkpoint(ref self: ContractState, account: ContractAddress, value: u256) {
            let now = get_block_timestamp();
            let count = self.vote_checkpoint_count.read(account);
            if count > 0 && self.vote_checkpoints.read((account, count - 1)).timestamp == now {
                self.vote_checkpoints.write((account, count - 1), Checkpoint { timestamp: now, value });
            } else {
                self.vote_checkpoints.write((account, count), Checkpoint { timestamp: now, value });
                self.vote_checkpoint_count.write(account, count + 1);
            }
        }

        fn _push_supply_checkpoint(ref self: ContractState, value: u256) {
            let now = get_block_timestamp();
            let count = self.supply_checkpoint_count.read();
            if count > 0 && self.supply_checkpoints.read(count - 1).timestamp == now {
                self.supply_checkpoints.write(count - 1, Checkpoint { timestamp: now, value });
            } else {
                self.supply_checkpoints.write(count, Checkpoint { timestamp: now, value });
                self.supply_checkpoint_count.write(count + 1);
            }
        }
    }
}
