use array::ArrayTrait;
use starknet::{ClassHash, ContractAddress};

/// One call a proposal makes when it is executed: `to.selector(calldata)`, sent from the
/// GovernanceTreasury's address (so the treasury's tokens move with `token.transfer(..)` calls, and
/// contracts governed by the treasury accept its governance-only calls).
#[derive(Drop, Serde)]
struct Call {
    to: ContractAddress,
    selector: felt252,
    calldata: Array<felt252>,
}

/// The voting parameters, set at deployment and changed only by an executed proposal
/// (`set_parameters`).
#[derive(Copy, Drop, Serde, starknet::Store)]
struct Parameters {
    /// Votes (CIRO, base units) the proposer needs, read one second before the proposal.
    proposal_threshold: u256,
    /// Seconds from creation to the snapshot; voting opens right after the snapshot.
    voting_delay: u64,
    /// Seconds voting stays open after the snapshot (> 0).
    voting_period: u64,
    /// Quorum in basis points (1..=10000) of the CIRO total supply at the snapshot; `for` and
    /// `abstain` votes count towards it.
    quorum_bps: u16,
    /// Seconds between queueing a succeeded proposal and the earliest execution.
    timelock_delay: u64,
    /// A proposal whose `transfer`/`approve` calls move more than this amount in total (token base
    /// units, summed over all its calls) is critical.
    critical_treasury_threshold: u256,
}

/// A proposal's record, without its calls (`get_proposal_calls`).
#[derive(Copy, Drop, Serde, starknet::Store)]
struct Proposal {
    proposer: ContractAddress,
    description_hash: felt252,
    /// Marked by the proposer or detected from the calls: needs 67% of the for/against votes.
    critical: bool,
    /// Votes are counted as of this block time; voting opens after it.
    snapshot: u64,
    /// The last block time at which votes are accepted: `snapshot + voting_period`.
    deadline: u64,
    /// Earliest execution time; zero until queued.
    eta: u64,
    /// The quorum fraction in force at creation.
    quorum_bps: u16,
    for_votes: u256,
    against_votes: u256,
    abstain_votes: u256,
    call_count: u32,
    executed: bool,
    canceled: bool,
}

/// Where a proposal stands, computed from the block time, its tallies and its flags.
#[derive(Copy, Drop, Serde, PartialEq)]
enum ProposalState {
    /// Created; block time ≤ snapshot.
    Pending,
    /// snapshot < block time ≤ deadline: votes are accepted.
    Active,
    /// Canceled by its proposer (while Pending) or by the council.
    Canceled,
    /// Voting ended without quorum or without the majority it needed.
    Defeated,
    /// Voting ended with quorum and the majority it needed; may be queued.
    Succeeded,
    /// Queued; executable from its eta until eta + the grace period.
    Queued,
    /// Queued but not executed within the grace period.
    Expired,
    Executed,
}

/// A vote: whether `voter` voted, how, and with what weight.
#[derive(Copy, Drop, Serde, starknet::Store)]
struct VoteReceipt {
    has_voted: bool,
    /// 0 against, 1 for, 2 abstain.
    support: u8,
    weight: u256,
}

/// The emergency council's fixed menu.
#[derive(Copy, Drop, Serde, PartialEq)]
enum CouncilAction {
    /// `target.pause()`, for a target registered as pausable (the CIRO token, JobManager, CDC_Pool).
    Pause: ContractAddress,
    /// Cancels a proposal that is not executed yet, unless every call of it unpauses, replaces a
    /// contract's emergency council, or changes the treasury's council or pausable targets.
    CancelProposal: u64,
}

/// A council action and its confirmations.
#[derive(Copy, Drop, Serde)]
struct CouncilActionInfo {
    action: CouncilAction,
    proposer: ContractAddress,
    /// The council generation the action belongs to; a council change makes older actions stale.
    council_epoch: u32,
    confirmations: u32,
    executed: bool,
}

/// Proposals, voting, queueing and execution. Anyone may queue and execute.
#[starknet::interface]
trait IGovernanceTreasury<TContractState> {
    /// Creates a proposal to perform `calls`; returns its id (from 1). A `delegate` call is refused:
    /// the treasury's tokens never vote.
    fn propose(
        ref self: TContractState, calls: Array<Call>, description_hash: felt252, critical: bool
    ) -> u64;
    /// Votes on an Active proposal with the caller's votes at its snapshot: `support` 0 against,
    /// 1 for, 2 abstain. Returns the weight counted.
    fn cast_vote(ref self: TContractState, proposal_id: u64, support: u8) -> u256;
    /// Queues a Succeeded proposal: executable after the timelock delay. Returns the eta.
    fn queue(ref self: TContractState, proposal_id: u64) -> u64;
    /// Performs every call of a Queued proposal whose eta has passed.
    fn execute(ref self: TContractState, proposal_id: u64);
    /// Cancels a Pending proposal. Its proposer only (the council cancels later ones).
    fn cancel(ref self: TContractState, proposal_id: u64);
    fn state(self: @TContractState, proposal_id: u64) -> ProposalState;
    fn get_proposal(self: @TContractState, proposal_id: u64) -> Proposal;
    fn get_proposal_calls(self: @TContractState, proposal_id: u64) -> Array<Call>;
    fn get_receipt(self: @TContractState, proposal_id: u64, voter: ContractAddress) -> VoteReceipt;
    /// Votes a proposal needs (for + abstain): its quorum fraction of the total supply at its
    /// snapshot. The snapshot must be in the past.
    fn proposal_quorum(self: @TContractState, proposal_id: u64) -> u256;
    fn proposal_count(self: @TContractState) -> u64;
    /// Whether a proposal of these calls is critical by itself (without the proposer's mark): true
    /// unless every call is normal — an allowlisted parameter setter (`set_platform_fee_bps`,
    /// `set_burn_share_bps`, `set_min_completion_window`, `set_min_reputation_payment`,
    /// `set_max_price_age`, `set_daily_quota`, `set_reimbursement`, `set_allowed`, `pause`,
    /// `unpause`, `extend_pause`) or a readable `transfer`/`approve`, none to the treasury itself —
    /// and the `transfer`/`approve` amounts together are at most `critical_treasury_threshold`.
    fn is_critical(self: @TContractState, calls: Array<Call>) -> bool;
    fn get_parameters(self: @TContractState) -> Parameters;
    /// The CIRO token (voting power and the treasury's main asset).
    fn token(self: @TContractState) -> ContractAddress;
    /// The treasury's CIRO balance.
    fn treasury_balance(self: @TContractState) -> u256;
    /// Registers `target` as pausable by the council; it must name this contract as its
    /// emergency council. Anyone may call it.
    fn register_pausable_target(ref self: TContractState, target: ContractAddress);
    /// Calls `target.accept_governance()`: completes a governance transfer to this contract that
    /// the target's governance started. Anyone may call it.
    fn accept_governance_of(ref self: TContractState, target: ContractAddress);
}

/// The emergency council: an M-of-N multisig of members with a fixed menu of actions.
#[starknet::interface]
trait IEmergencyCouncil<TContractState> {
    /// Proposes `action` and confirms it as the caller; executes at once when one confirmation
    /// is enough. Returns the action id (from 1). Members only.
    fn propose_council_action(ref self: TContractState, action: CouncilAction) -> u64;
    /// Confirms an action; the confirmation that reaches the threshold executes it. Members only.
    fn confirm_council_action(ref self: TContractState, action_id: u64);
    fn get_council_action(self: @TContractState, action_id: u64) -> CouncilActionInfo;
    fn council_action_count(self: @TContractState) -> u64;
    fn has_confirmed(self: @TContractState, action_id: u64, member: ContractAddress) -> bool;
    fn council_members(self: @TContractState) -> Array<ContractAddress>;
    fn council_threshold(self: @TContractState) -> u32;
    fn council_epoch(self: @TContractState) -> u32;
    fn is_council_member(self: @TContractState, account: ContractAddress) -> bool;
    fn is_pausable_target(self: @TContractState, target: ContractAddress) -> bool;
}

/// Callable only by the contract itself, i.e. through an executed proposal.
#[starknet::interface]
trait IGovernanceTreasuryAdmin<TContractState> {
    fn set_parameters(ref self: TContractState, parameters: Parameters);
    /// Replaces the council (its members and threshold); pending council actions become stale.
    fn set_council(ref self: TContractState, members: Span<ContractAddress>, threshold: u32);
    /// Adds (`pausable`) or removes a target of the council's `Pause` action.
    fn set_pausable_target(ref self: TContractState, target: ContractAddress, pausable: bool);
    /// Replaces this contract's class, keeping its storage.
    fn upgrade(ref self: TContractState, new_class_hash: ClassHash);
}
