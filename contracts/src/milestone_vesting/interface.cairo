use starknet::ContractAddress;

/// `Pending → Approved → Claimed`, or `Pending → Reclaimed` after the deadline. `None` is what an
/// id that was never created reads as (storage indicator 0).
#[derive(Copy, Drop, Serde, PartialEq, starknet::Store)]
enum MilestoneStatus {
    #[default]
    None,
    /// Funded, waiting for governance's approval until the deadline.
    Pending,
    /// Approved before the deadline: the beneficiary may claim, at any time.
    Approved,
    /// Paid to the beneficiary.
    Claimed,
    /// Not approved by the deadline; the amount went back to the funder.
    Reclaimed,
}

#[derive(Copy, Drop, Serde, starknet::Store)]
struct Milestone {
    beneficiary: ContractAddress,
    /// The account the amount was pulled from; receives it back on reclaim.
    funder: ContractAddress,
    amount: u256,
    /// Last block time at which governance may approve; reclaimable strictly after it.
    deadline: u64,
    status: MilestoneStatus,
}

/// Entry points for funders, beneficiaries and readers.
#[starknet::interface]
trait IMilestoneVesting<TContractState> {
    /// Creates a Pending milestone of `amount` for `beneficiary`, pulled from the caller with
    /// `transfer_from`; returns its id (from 1).
    fn add_milestone(
        ref self: TContractState, beneficiary: ContractAddress, amount: u256, deadline: u64
    ) -> u64;
    /// Pays an Approved milestone to its beneficiary (the caller), once.
    fn claim_milestone(ref self: TContractState, milestone_id: u64);
    /// Returns a Pending milestone's amount to its funder once its deadline has passed. Governance
    /// or the funder.
    fn reclaim_milestone(ref self: TContractState, milestone_id: u64);
    fn get_milestone(self: @TContractState, milestone_id: u64) -> Milestone;
    fn milestone_count(self: @TContractState) -> u64;
    /// CIRO this contract holds: the amounts of the Pending and Approved milestones.
    fn total_locked(self: @TContractState) -> u256;
    /// The CIRO token.
    fn token(self: @TContractState) -> ContractAddress;
}

/// Governance only.
#[starknet::interface]
trait IMilestoneVestingAdmin<TContractState> {
    /// Approves a Pending milestone, at the latest at its deadline.
    fn approve_milestone(ref self: TContractState, milestone_id: u64);
}
