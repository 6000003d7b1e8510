use starknet::ContractAddress;

/// ERC20, snake_case entry points.
#[starknet::interface]
trait IERC20<TContractState> {
    fn name(self: @TContractState) -> felt252;
    fn symbol(self: @TContractState) -> felt252;
    fn decimals(self: @TContractState) -> u8;
    fn total_supply(self: @TContractState) -> u256;
    fn balance_of(self: @TContractState, account: ContractAddress) -> u256;
    fn allowance(self: @TContractState, owner: ContractAddress, spender: ContractAddress) -> u256;
    fn transfer(ref self: TContractState, recipient: ContractAddress, amount: u256) -> bool;
    fn transfer_from(
        ref self: TContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256
    ) -> bool;
    fn approve(ref self: TContractState, spender: ContractAddress, amount: u256) -> bool;
}

/// ERC20, the camelCase entry points older tools call.
#[starknet::interface]
trait IERC20Camel<TContractState> {
    fn totalSupply(self: @TContractState) -> u256;
    fn balanceOf(self: @TContractState, account: ContractAddress) -> u256;
    fn transferFrom(
        ref self: TContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256
    ) -> bool;
}

/// Supply management: capped, rate-limited minting by the minter role, burning by holders, and an
/// emergency pause.
#[starknet::interface]
trait ICiroToken<TContractState> {
    /// The hard cap: 1,000,000,000 CIRO (10^27 base units).
    fn max_supply(self: @TContractState) -> u256;
    /// Mints `amount` to `recipient`. Minter only; within the rate limit and the cap; not paused.
    fn mint(ref self: TContractState, recipient: ContractAddress, amount: u256);
    /// Burns `amount` of the caller's tokens.
    fn burn(ref self: TContractState, amount: u256);
    /// Burns `amount` of `account`'s tokens, spending the caller's allowance.
    fn burn_from(ref self: TContractState, account: ContractAddress, amount: u256);
    /// The minter role.
    fn minter(self: @TContractState) -> ContractAddress;
    /// `(amount, period_seconds)`: at most `amount` minted per window of `period_seconds`.
    fn mint_rate_limit(self: @TContractState) -> (u256, u64);
    /// Tokens minted in the current window.
    fn minted_in_current_period(self: @TContractState) -> u256;
    /// Whether `account`'s outgoing transfers go through while paused (JobManager and CDC_Pool,
    /// so that refunds and exits stay open). The pause itself is the shared `IPausable`.
    fn is_pause_exempt(self: @TContractState, account: ContractAddress) -> bool;
}

/// Parameters, governance only.
#[starknet::interface]
trait ICiroTokenAdmin<TContractState> {
    fn set_minter(ref self: TContractState, minter: ContractAddress);
    /// At most `amount` minted per `period_seconds` (> 0).
    fn set_mint_rate_limit(ref self: TContractState, amount: u256, period_seconds: u64);
    /// Lets `account`'s outgoing transfers through while paused, or stops that.
    fn set_pause_exempt(ref self: TContractState, account: ContractAddress, exempt: bool);
}

/// Vote delegation with checkpoints, so governance counts votes at a past snapshot.
#[starknet::interface]
trait IVotes<TContractState> {
    /// Delegates the caller's voting power (its whole balance, now and later) to `delegatee`.
    fn delegate(ref self: TContractState, delegatee: ContractAddress);
    /// The account `account` delegates to (zero: none; undelegated tokens carry no votes).
    fn delegates(self: @TContractState, account: ContractAddress) -> ContractAddress;
    /// Current votes of `account`.
    fn get_votes(self: @TContractState, account: ContractAddress) -> u256;
    /// Votes of `account` at the end of block time `timestamp`, which must be in the past.
    fn get_past_votes(self: @TContractState, account: ContractAddress, timestamp: u64) -> u256;
    /// Total supply at the end of block time `timestamp`, which must be in the past.
    fn get_past_total_supply(self: @TContractState, timestamp: u64) -> u256;
}
