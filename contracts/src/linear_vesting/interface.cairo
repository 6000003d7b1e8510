use starknet::ContractAddress;

/// A grant of `total` CIRO to `beneficiary`, vesting linearly from `start` over `duration` seconds
/// with nothing vested before `start + cliff_duration`.
///
/// Vested at time `t` (floor, so rounding favours the schedule):
/// - `0` for `t < start + cliff_duration`;
/// - `total · (t − start) / duration` for `start + cliff_duration ≤ t < start + duration`;
/// - `total` for `t ≥ start + duration`.
///
/// Once revoked at `revoked_at`, the schedule is frozen: vesting stops at `revoked_at`, the part
/// vested by then stays releasable by the beneficiary, and the unvested rest (`returned`) went
/// back to the funder at revocation.
#[derive(Copy, Drop, Serde, starknet::Store)]
struct Schedule {
    beneficiary: ContractAddress,
    /// The account the tokens were pulled from; receives the unvested part on revocation.
    funder: ContractAddress,
    start: u64,
    cliff_duration: u64,
    duration: u64,
    total: u256,
    /// Paid to the beneficiary so far.
    released: u256,
    /// Returned to the funder on revocation (zero unless revoked).
    returned: u256,
    revocable: bool,
    revoked: bool,
    /// Block time of the revocation (zero unless revoked).
    revoked_at: u64,
}

/// Entry points for funders, beneficiaries and readers.
#[starknet::interface]
trait ILinearVesting<TContractState> {
    /// Creates a schedule funded by the caller (`total` pulled with `transfer_from`, so the caller
    /// must have approved this contract); returns its id (from 1).
    fn create_schedule(
        ref self: TContractState,
        beneficiary: ContractAddress,
        start: u64,
        cliff_duration: u64,
        duration: u64,
        total: u256,
        revocable: bool
    ) -> u64;
    /// Pays the beneficiary of `schedule_id` everything vested and not yet released; returns the
    /// amount. Anyone may call it: the tokens only ever go to the beneficiary.
    fn release(ref self: TContractState, schedule_id: u64) -> u256;
    fn get_schedule(self: @TContractState, schedule_id: u64) -> Schedule;
    fn schedule_count(self: @TContractState) -> u64;
    /// Amount of `schedule_id` vested at block time `at` (released or not).
    fn vested_amount(self: @TContractState, schedule_id: u64, at: u64) -> u256;
    /// Amount `release` would pay now: vested now minus released.
    fn releasable(self: @TContractState, schedule_id: u64) -> u256;
    /// CIRO this contract holds for its schedules: the sum of `total − released − returned`.
    fn total_locked(self: @TContractState) -> u256;
    /// The CIRO token.
    fn token(self: @TContractState) -> ContractAddress;
}

/// Governance only.
#[starknet::interface]
trait ILinearVestingAdmin<TContractState> {
    /// Revokes a revocable schedule: vesting stops now, the vested part stays releasable by the
    /// beneficiary and the unvested part is returned to the schedule's funder; returns that part.
    fn revoke(ref self: TContractState, schedule_id: u64) -> u256;
}
