use starknet::ContractAddress;

/// Seconds in a quota day. Days are aligned: day `d` is `[d · 86,400, (d + 1) · 86,400)` of block
/// time.
const SECONDS_PER_DAY: u64 = 86400;

/// One call an account makes on its user's behalf (SNIP-9's `Call`, serialized as
/// `core::starknet::account::Call` with a `Span` of calldata, as OpenZeppelin accounts take it).
#[derive(Copy, Drop, Serde)]
struct Call {
    to: ContractAddress,
    selector: felt252,
    calldata: Span<felt252>,
}

/// A request signed by an account's owner for someone else to submit (SNIP-9 v2).
///
/// The account checks that its caller is `caller` (unless `caller` is `'ANY_CALLER'`), that
/// `execute_after < now < execute_before`, that `nonce` was never used, and that the signature is
/// its owner's over the SNIP-12 (revision 1, Poseidon) hash of this struct with the domain
/// `{ name: 'Account.execute_from_outside', version: 2, chainId, revision: 1 }`.
#[derive(Copy, Drop, Serde)]
struct OutsideExecution {
    caller: ContractAddress,
    nonce: felt252,
    execute_after: u64,
    execute_before: u64,
    calls: Span<Call>,
}

/// SNIP-9 v2 outside execution, as the accounts Paymaster relays to implement it.
#[starknet::interface]
trait ISRC9_V2<TContractState> {
    /// Executes `outside_execution.calls` as the account when the request is valid (caller, time
    /// window, unused nonce, owner's signature); returns each call's result.
    fn execute_from_outside_v2(
        ref self: TContractState, outside_execution: OutsideExecution, signature: Span<felt252>
    ) -> Array<Span<felt252>>;
    /// Whether `nonce` is still unused.
    fn is_valid_outside_execution_nonce(self: @TContractState, nonce: felt252) -> bool;
}

/// Entry points for relayers and readers.
#[starknet::interface]
trait IPaymaster<TContractState> {
    /// Relays `outside_execution`, signed by `account`'s owner and naming this contract as caller,
    /// to `account`'s `execute_from_outside_v2`, and reimburses the caller (the relayer)
    /// `reimbursement()` fee tokens out of `sponsor`'s budget; returns the calls' results.
    fn sponsor_execution(
        ref self: TContractState,
        sponsor: ContractAddress,
        account: ContractAddress,
        outside_execution: OutsideExecution,
        signature: Array<felt252>
    ) -> Array<Span<felt252>>;
    /// The fee token budgets are held and reimbursements paid in.
    fn token(self: @TContractState) -> ContractAddress;
    /// What is left of `sponsor`'s deposits.
    fn budget_of(self: @TContractState, sponsor: ContractAddress) -> u256;
    /// The sum of every sponsor's budget: what this contract owes, and holds, in the fee token.
    fn total_budgets(self: @TContractState) -> u256;
    /// Whether `sponsor` lets `relayer` be reimbursed from its budget at all: its
    /// `relayer_allowance` is not zero.
    fn is_relayer_approved(
        self: @TContractState, sponsor: ContractAddress, relayer: ContractAddress
    ) -> bool;
    /// Sponsored requests per day `sponsor` pays `relayer` for, whatever accounts they are for
    /// (0: none).
    fn relayer_allowance(
        self: @TContractState, sponsor: ContractAddress, relayer: ContractAddress
    ) -> u32;
    /// Sponsored requests `relayer` relayed on `day` (block time / 86,400) out of `sponsor`'s
    /// budget.
    fn relayer_requests_on(
        self: @TContractState, sponsor: ContractAddress, relayer: ContractAddress, day: u64
    ) -> u32;
    /// Whether a sponsored request may call `selector` on `target`.
    fn is_allowed(self: @TContractState, target: ContractAddress, selector: felt252) -> bool;
    /// Sponsored requests each account may make per day.
    fn daily_quota(self: @TContractState) -> u32;
    /// Paid to the relayer per sponsored request, out of the sponsor's budget.
    fn reimbursement(self: @TContractState) -> u256;
    /// Sponsored requests `account` made on `day` (block time / 86,400).
    fn requests_on(self: @TContractState, account: ContractAddress, day: u64) -> u32;
    /// Sponsored requests `account` may still make today.
    fn remaining_quota(self: @TContractState, account: ContractAddress) -> u32;
    /// Whether this contract already relayed `account`'s request with `nonce`.
    fn is_relayed(self: @TContractState, account: ContractAddress, nonce: felt252) -> bool;
}

/// Entry points for sponsors: each manages its own budget.
#[starknet::interface]
trait IPaymasterSponsor<TContractState> {
    /// Adds `amount` to the caller's budget, pulling it with `transfer_from` (approve first).
    fn deposit(ref self: TContractState, amount: u256);
    /// Takes `amount` of the caller's budget back.
    fn withdraw(ref self: TContractState, amount: u256);
    /// Lets `relayer` be reimbursed from the caller's budget for at most `daily_requests`
    /// sponsored requests per day, whatever accounts they are for; 0 stops it. The caller's
    /// worst-case spend per day is the sum of its relayers' limits times `reimbursement()`.
    fn set_relayer_allowance(ref self: TContractState, relayer: ContractAddress, daily_requests: u32);
}

/// Policy, governance only.
#[starknet::interface]
trait IPaymasterAdmin<TContractState> {
    /// Allows or disallows sponsored requests to call `selector` on `target`.
    fn set_allowed(
        ref self: TContractState, target: ContractAddress, selector: felt252, allowed: bool
    );
    /// Sponsored requests per account per day.
    fn set_daily_quota(ref self: TContractState, quota: u32);
    /// Paid to the relayer per sponsored request.
    fn set_reimbursement(ref self: TContractState, amount: u256);
}
