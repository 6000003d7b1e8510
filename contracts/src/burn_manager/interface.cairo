use starknet::ContractAddress;

/// The burn share before any threshold is reached: 30% of the platform fee.
const BASE_BURN_SHARE_BPS: u16 = 3000;
/// The highest burn share a schedule may set: 80%.
const MAX_BURN_SHARE_BPS: u16 = 8000;
/// At most this many thresholds, so reading the share stays cheap.
const MAX_BURN_TIERS: u32 = 16;

/// From `threshold` of cumulative revenue on (inclusive), `share_bps` of the fee is burned.
#[derive(Copy, Drop, Serde, starknet::Store)]
struct BurnTier {
    threshold: u256,
    share_bps: u16,
}

/// Entry points for anyone and for the revenue reporter (JobManager).
#[starknet::interface]
trait IBurnManager<TContractState> {
    /// Burns this contract's whole CIRO balance (the burn shares it received); returns the
    /// amount. Anyone may call it (in practice the keeper).
    fn burn_received(ref self: TContractState) -> u256;
    /// Adds `amount` of platform revenue to the cumulative revenue. Reporter only.
    fn record_revenue(ref self: TContractState, amount: u256);
    /// The burn share that applies now, in basis points: that of the highest threshold the
    /// cumulative revenue has reached, or 3,000 below the first.
    fn current_burn_share_bps(self: @TContractState) -> u16;
    /// The burn share that would apply at a cumulative revenue of `revenue`.
    fn burn_share_bps_at(self: @TContractState, revenue: u256) -> u16;
    /// The schedule, thresholds ascending.
    fn burn_schedule(self: @TContractState) -> Array<BurnTier>;
    /// CIRO burned by this contract so far.
    fn cumulative_burned(self: @TContractState) -> u256;
    /// Revenue recorded so far.
    fn cumulative_revenue(self: @TContractState) -> u256;
    /// The account allowed to record revenue (zero until set).
    fn reporter(self: @TContractState) -> ContractAddress;
    /// The CIRO token.
    fn token(self: @TContractState) -> ContractAddress;
}

/// Governance only.
#[starknet::interface]
trait IBurnManagerAdmin<TContractState> {
    /// Replaces the schedule: thresholds strictly ascending and above zero; shares between 3,000
    /// and 8,000 bps, non-decreasing; at most 16 tiers; empty means a constant 3,000.
    fn set_burn_schedule(ref self: TContractState, thresholds: Span<u256>, shares_bps: Span<u16>);
    /// Sets the account allowed to record revenue (JobManager).
    fn set_reporter(ref self: TContractState, reporter: ContractAddress);
}
