/// GovernanceTreasury: CIRO holders govern the protocol through proposals that carry calls, and the
/// contract holds the treasury (platform fees and slashed stakes are sent to its address).
///
/// Lifecycle: `propose` → Pending until the snapshot (`created + voting_delay`) → Active while
/// `snapshot < now ≤ deadline` (`deadline = snapshot + voting_period`) → Succeeded or Defeated →
/// `queue` (eta = now + timelock_delay) → `execute` from the eta for `GRACE_PERIOD` (then Expired).
/// A proposal may be canceled by its proposer while Pending, or by the council at any time
/// before execution (unless the proposal only unpauses or replaces the council, see below).
///
/// Decisions (PROTOCOL.md left these open):
/// - Proposal threshold: the proposer's votes one second before the proposal
///   (`get_past_votes(proposer, now − 1)`), so votes borrowed within the same block do not count.
/// - Vote weight: `get_past_votes(voter, snapshot)`; tokens moved after the snapshot add nothing.
///   A voter with no votes at the snapshot is rejected.
/// - Quorum: `quorum_bps` (fixed per proposal at its creation) of the CIRO total supply at the
///   snapshot, rounded down; `for + abstain` votes count towards it.
/// - Majority: normal proposals need `for > against`; critical ones also need `for` ≥ 67% of
///   `for + against` (abstentions count for quorum only).
/// - Critical: decided by what the calls can do, critical by default. A proposal is critical when
///   the proposer marks it, or when any call is not *normal*, or when the `transfer`/`approve` calls
///   together move more than `critical_treasury_threshold`. A call is normal only if (a) it does not
///   target this contract and (b) its selector is on a short allowlist of parameter setters that can
///   neither move funds nor change roles, wiring or code: `set_platform_fee_bps` (capped at 20% by
///   JobManager), `set_burn_share_bps`, `set_min_completion_window`, `set_min_reputation_payment`
///   (JobManager), `set_max_price_age` (CDC_Pool), `set_daily_quota`, `set_reimbursement`,
///   `set_allowed` (Paymaster), `pause`, `unpause`, `extend_pause`; or (c) it is a
///   `transfer`/`approve` whose calldata reads as `(address, u256)`. Everything else is critical:
///   unknown selectors, every other governance-only setter (`set_slasher`, `set_treasury`,
///   `set_oracle`, `set_minter`, `set_proof_verifier`, `set_emergency_council`,
///   `set_unstake_cooldown`, ...), `upgrade`, `transfer_governance`, `transfer_from`,
///   `increase_allowance`, and any call to this contract. The amounts of all `transfer`/`approve`
///   calls of a proposal are summed (whatever their targets), so a payout split into small
///   transfers counts as one; unreadable calldata is critical. The treasury's funds only move
///   through its own calls, so such calls move treasury funds.
/// - The treasury's tokens never vote: a proposal with a `delegate` call (any target) is refused
///   at `propose`, and such a call is refused again when executed. Otherwise a simple majority
///   could delegate the treasury's CIRO to itself and then pass critical proposals alone.
/// - Treasury: no entry point moves tokens; only an executed proposal's calls do (e.g.
///   `token.transfer(recipient, amount)` with `to = token`).
/// - Emergency council: an M-of-N multisig inside this contract, so this address is the
///   `emergency_council` of the token, JobManager and CDC_Pool (as well as their governance). Its
///   fixed menu: `Pause(target)` for a registered pausable target (the token at construction;
///   others by a proposal's `set_pausable_target`, or by anyone's `register_pausable_target` once
///   the target names this contract as its emergency council), and `CancelProposal(id)`. The
///   council cannot cancel a proposal all of whose calls unpause (`unpause`), replace a contract's
///   emergency council (`set_emergency_council`, any target) or change this contract's council or
///   pausable targets (`set_council`, `set_pausable_target` on this contract): otherwise it could
///   pause the token and then cancel every proposal that undoes the pause or replaces it. (A
///   proposal that bundles such a call with any other call stays cancellable, so that one such call
///   cannot shield an arbitrary payload.) This is checked when the cancellation is proposed and
///   again when it executes. The proposing member's
///   confirmation counts; the confirmation that reaches M executes the action in the same
///   transaction. Replacing the council (`set_council`) starts a new epoch: actions of the
///   previous council can no longer be confirmed.
#[starknet::contract]
mod GovernanceTreasury {
    use array::{ArrayTrait, SpanTrait};
    use option::OptionTrait;
    use starknet::{
        ClassHash, ContractAddress, call_contract_syscall, get_block_timestamp, get_caller_address,
        get_contract_address, replace_class_syscall
    };
    use starknet::class_hash::ClassHashZeroable;
    use traits::{Into, TryInto};
    use zeroable::Zeroable;

    use super::super::super::access::interface::{
        IGovernedDispatcher, IGovernedDispatcherTrait, IPausableDispatcher, IPausableDispatcherTrait
    };
    use super::super::errors;
    use super::super::interface::{
        Call, CouncilAction, CouncilActionInfo, IEmergencyCouncil, IGovernanceTreasury,
        IGovernanceTreasuryAdmin, Parameters, Proposal, ProposalState, VoteReceipt
    };
    use super::super::super::token::interface::{
        IERC20Dispatcher, IERC20DispatcherTrait, IVotesDispatcher, IVotesDispatcherTrait
    };
    use super::super::super::utils;

    /// Critical proposals need `for · 10000 ≥ 6700 · (for + against)`.
    const CRITICAL_APPROVAL_BPS: u128 = 6700;
    const MAX_BPS: u128 = 10000;
    /// Calls per proposal, so that execution stays within one transaction.
    const MAX_CALLS: u32 = 16;
    /// A queued proposal can be executed for 14 days after its eta.
    const GRACE_PERIOD: u64 = 1209600;

    const SUPPORT_AGAINST: u8 = 0;
    const SUPPORT_FOR: u8 = 1;
    const SUPPORT_ABSTAIN: u8 = 2;

    /// sn_keccak("transfer"), sn_keccak("approve"), sn_keccak("upgrade"),
    /// sn_keccak("transfer_governance"): Cairo 2.1 has no `selector!`.
    const SELECTOR_TRANSFER: felt252 =
        0x83afd3f4caedc6eebf44246fe54e38c95e3179a5ec9ea81740eca5b482d12e;
    const SELECTOR_APPROVE: felt252 =
        0x219209e083275171774dab1df80982e9df2096516f06319c5c6d71ae0a8480c;
    const SELECTOR_UPGRADE: felt252 =
        0xf2f7c15cbe06c8d94597cd91fd7f3369eae842359235712def5584f8d270cd;
    const SELECTOR_TRANSFER_GOVERNANCE: felt252 =
        0x147026cdf8ba0c11bfb6caccbfcb94c9f4d3c0952a0a35757c222ad6cce39d5;

    /// The allowlist of normal parameter setters (see the module documentation): sn_keccak of
    /// `set_platform_fee_bps`, `set_burn_share_bps`, `set_min_completion_window`,
    /// `set_min_reputation_payment`, `set_max_price_age`, `set_daily_quota`, `set_reimbursement`,
    /// `set_allowed`, `pause`, `unpause`, `extend_pause`.
    const SELECTOR_SET_PLATFORM_FEE_BPS: felt252 =
        0x389e3df26428d7003f65461061490ae4f0d2bfa33bb942cad4e83cba88a4e2b;
    const SELECTOR_SET_BURN_SHARE_BPS: felt252 =
        0x301c1aa86281970efc49d714f1a34060bdbfdfe04fd6b5fffef9224c274c0fe;
    const SELECTOR_SET_MIN_COMPLETION_WINDOW: felt252 =
        0x18dea3d05660af65fbf86ffbc5bd0250cf6138ba7a5e40a7e5a91e593aea196;
    const SELECTOR_SET_MIN_REPUTATION_PAYMENT: felt252 =
        0x1fefbfb472d7c4970e8b16042d9f348cbf5142b68b03a19ce7b275361b2c2a0;
    const SELECTOR_SET_MAX_PRICE_AGE: felt252 =
        0x36f3c437aa6624c26a41dd585b2e7511b8543b097f4303245075e2d2f4f145;
    const SELECTOR_SET_DAILY_QUOTA: felt252 =
        0x1f7019ba9f72c5e4be878a8cc7c4281763727488dcf3fdc2d23a3511e25f68f;
    const SELECTOR_SET_REIMBURSEMENT: felt252 =
        0x2dc45544691f3e5e8958bf77cb7a344fb69887bc8b6f6f7fffd631ec7a5698a;
    const SELECTOR_SET_ALLOWED: felt252 =
        0x30dd30432af706ab273e742b0e56bbf7919ce6131233e3fc47373af2c5c9bc2;
    const SELECTOR_PAUSE: felt252 =
        0x3f618718f1cde37d9c527a9237b04e6ac0489a8647d0517bb15827758ece720;
    const SELECTOR_UNPAUSE: felt252 =
        0xc148ef471f6869f253bc8f5eaf00f651d0c021e8cb747704211d110d5e9b00;
    const SELECTOR_EXTEND_PAUSE: felt252 =
        0x25235a070b5c57929c7b0a0d858197f5a5c6465fb1acc0f9cb55b874a0abba3;
    /// sn_keccak("delegate"): never performed (the treasury's tokens never vote).
    const SELECTOR_DELEGATE: felt252 =
        0x3dcb8fff5ef717a847d344b0a6ae7be40a2656cce2c3881dd009fc855b9d1ec;
    /// sn_keccak of `set_emergency_council`, `set_council`, `set_pausable_target`: with
    /// `unpause`, the calls that shield a proposal from the council's `CancelProposal`.
    const SELECTOR_SET_EMERGENCY_COUNCIL: felt252 =
        0x3955bcf68c132f82966c3b1f3423c89e08a5d2cdb3e2bcf2755ae2a2517319e;
    const SELECTOR_SET_COUNCIL: felt252 =
        0x8bd9b8a30858d71b03ba58a3ee94d7bc3b966c1b3977467b3868fa114eda47;
    const SELECTOR_SET_PAUSABLE_TARGET: felt252 =
        0x79df82b4b0093d7689072027a2d2d5b40bd04bf58fe81323f491690c60ea1f;

    const ACTION_PAUSE: u8 = 0;
    const ACTION_CANCEL_PROPOSAL: u8 = 1;

    /// A council action as stored: `kind` selects which of `target`/`proposal_id` is meaningful.
    #[derive(Copy, Drop, Serde, starknet::Store)]
    struct StoredCouncilAction {
        kind: u8,
        target: ContractAddress,
        proposal_id: u64,
        proposer: ContractAddress,
        council_epoch: u32,
        confirmations: u32,
        executed: bool,
    }

    #[storage]
    struct Storage {
        token: ContractAddress,
        parameters: Parameters,
        proposal_count: u64,
        proposals: LegacyMap<u64, Proposal>,
        // A proposal's calls, flattened: (proposal, call index) and (proposal, call, felt index).
        call_to: LegacyMap<(u64, u32), ContractAddress>,
        call_selector: LegacyMap<(u64, u32), felt252>,
        call_calldata_len: LegacyMap<(u64, u32), u32>,
        call_calldata: LegacyMap<(u64, u32, u32), felt252>,
        receipts: LegacyMap<(u64, ContractAddress), VoteReceipt>,
        // The council of each epoch: members by (epoch, index), membership by (epoch, account).
        council_epoch: u32,
        council_size: u32,
        council_threshold: u32,
        council_members: LegacyMap<(u32, u32), ContractAddress>,
        council_is_member: LegacyMap<(u32, ContractAddress), bool>,
        council_action_count: u64,
        council_actions: LegacyMap<u64, StoredCouncilAction>,
        council_confirmed: LegacyMap<(u64, ContractAddress), bool>,
        pausable_targets: LegacyMap<ContractAddress, bool>,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        ProposalCreated: ProposalCreated,
        VoteCast: VoteCast,
        ProposalQueued: ProposalQueued,
        ProposalExecuted: ProposalExecuted,
        ProposalCanceled: ProposalCanceled,
        CouncilActionProposed: CouncilActionProposed,
        CouncilActionConfirmed: CouncilActionConfirmed,
        CouncilActionExecuted: CouncilActionExecuted,
        ParametersChanged: ParametersChanged,
        CouncilChanged: CouncilChanged,
        PausableTargetSet: PausableTargetSet,
        Upgraded: Upgraded,
    }

    #[derive(Drop, starknet::Event)]
    struct ProposalCreated {
        #[key]
        proposal_id: u64,
        #[key]
        proposer: ContractAddress,
        /// The calls are read with `get_proposal_calls`: an event carries at most 300 data felts.
        call_count: u32,
        description_hash: felt252,
        /// Marked by the proposer or detected from the calls.
        critical: bool,
        snapshot: u64,
        deadline: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct VoteCast {
        #[key]
        proposal_id: u64,
        #[key]
        voter: ContractAddress,
        support: u8,
        weight: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct ProposalQueued {
        #[key]
        proposal_id: u64,
        eta: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct ProposalExecuted {
        #[key]
        proposal_id: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct ProposalCanceled {
        #[key]
        proposal_id: u64,
        /// The proposer, or the council member whose confirmation executed the cancellation.
        #[key]
        canceled_by: ContractAddress,
        by_council: bool,
    }

    #[derive(Drop, starknet::Event)]
    struct CouncilActionProposed {
        #[key]
        action_id: u64,
        #[key]
        proposer: ContractAddress,
        action: CouncilAction,
    }

    #[derive(Drop, starknet::Event)]
    struct CouncilActionConfirmed {
        #[key]
        action_id: u64,
        #[key]
        member: ContractAddress,
        /// Confirmations so far, this one included.
        confirmations: u32,
    }

    #[derive(Drop, starknet::Event)]
    struct CouncilActionExecuted {
        #[key]
        action_id: u64,
        action: CouncilAction,
    }

    #[derive(Drop, starknet::Event)]
    struct ParametersChanged {
        parameters: Parameters,
    }

    #[derive(Drop, starknet::Event)]
    struct CouncilChanged {
        #[key]
        council_epoch: u32,
        members: Span<ContractAddress>,
        threshold: u32,
    }

    #[derive(Drop, starknet::Event)]
    struct PausableTargetSet {
        #[key]
        target: ContractAddress,
        pausable: bool,
    }

    #[derive(Drop, starknet::Event)]
    struct Upgraded {
        class_hash: ClassHash,
    }

    /// Sets the token, the voting parameters and the first council (epoch 1), and registers the
    /// token as a pausable target.
    ///
    /// Requirements: `token` is not zero; the parameters are valid (see `set_parameters`); the
    /// council is valid (see `set_council`).
    ///
    /// Emits `ParametersChanged`, `CouncilChanged`, `PausableTargetSet`.
    #[constructor]
    fn constructor(
        ref self: ContractState,
        token: ContractAddress,
        parameters: Parameters,
        council_members: Span<ContractAddress>,
        council_threshold: u32
    ) {
        assert(!token.is_zero(), errors::TOKEN_IS_ZERO);
        self.token.write(token);
        self._set_parameters(parameters);
        self._set_council(council_members, council_threshold);
        self._set_pausable_target(token, true);
    }

    #[external(v0)]
    impl GovernanceTreasuryImpl of IGovernanceTreasury<ContractState> {
        /// Creates a proposal to perform `calls` from this contract once it has passed.
        ///
        /// The proposal is critical if `critical` is set or its calls make it so (see the module
        /// documentation).
        ///
        /// Requirements: 1 to 16 calls; no call has the selector `delegate` (the treasury's tokens
        /// never vote); the caller had at least `proposal_threshold` votes one second ago.
        ///
        /// Emits `ProposalCreated`.
        fn propose(
            ref self: ContractState, calls: Array<Call>, description_hash: felt252, critical: bool
        ) -> u64 {
            assert(calls.len() != 0, errors::NO_CALLS);
            assert(calls.len() <= MAX_CALLS, errors::TOO_MANY_CALLS);
            assert(!has_delegation(calls.span()), errors::TREASURY_CANNOT_VOTE);
            let proposer = get_caller_address();
            self._assert_proposer_votes(proposer);

            let critical = critical || self._calls_are_critical(calls.span());
            let parameters = self.parameters.read();
            let snapshot = get_block_timestamp() + parameters.voting_delay;
            let deadline = snapshot + parameters.voting_period;
            let proposal_id = self.proposal_count.read() + 1;
            self.proposal_count.write(proposal_id);
            self
                .proposals
                .write(
                    proposal_id,
                    Proposal {
                        proposer,
                        description_hash,
                        critical,
                        snapshot,
                        deadline,
                        eta: 0,
                        quorum_bps: parameters.quorum_bps,
                        for_votes: 0,
                        against_votes: 0,
                        abstain_votes: 0,
                        call_count: calls.len(),
                        executed: false,
                        canceled: false,
                    }
                );
            self._store_calls(proposal_id, calls.span());
            self
                .emit(
                    ProposalCreated {
                        proposal_id,
                        proposer,
                        call_count: calls.len(),
                        description_hash,
                        critical,
                        snapshot,
                        deadline
                    }
                );
            proposal_id
        }

        /// Votes with the caller's votes at the proposal's snapshot.
        ///
        /// Requirements: the proposal is Active; `support` is 0 (against), 1 (for) or 2 (abstain);
        /// the caller has not voted on it and had votes at the snapshot.
        ///
        /// Emits `VoteCast`.
        fn cast_vote(ref self: ContractState, proposal_id: u64, support: u8) -> u256 {
            assert(support <= SUPPORT_ABSTAIN, errors::INVALID_SUPPORT);
            assert(self._state(proposal_id) == ProposalState::Active, errors::VOTING_NOT_ACTIVE);
            let voter = get_caller_address();
            assert(!self.receipts.read((proposal_id, voter)).has_voted, errors::ALREADY_VOTED);
            let weight = self._votes_at_snapshot(proposal_id, voter);
            assert(weight != 0, errors::NO_VOTES_AT_SNAPSHOT);
            self._count_vote(proposal_id, get_caller_address(), support, weight);
            weight
        }

        /// Queues a proposal that passed: it becomes executable after the timelock delay.
        ///
        /// Requirements: the proposal is Succeeded. Anyone may call.
        ///
        /// Emits `ProposalQueued`.
        fn queue(ref self: ContractState, proposal_id: u64) -> u64 {
            assert(self._state(proposal_id) == ProposalState::Succeeded, errors::NOT_SUCCEEDED);
            let mut proposal = self.proposals.read(proposal_id);
            let eta = get_block_timestamp() + self.parameters.read().timelock_delay;
            proposal.eta = eta;
            self.proposals.write(proposal_id, proposal);
            self.emit(ProposalQueued { proposal_id, eta });
            eta
        }

        /// Performs every call of the proposal, in order, from this contract. A failing call
        /// reverts the whole execution, which can then be retried until the proposal expires.
        ///
        /// Requirements: the proposal is Queued and its eta has passed; no call has the selector
        /// `delegate` (refused at `propose` already). Anyone may call.
        ///
        /// Emits `ProposalExecuted` (and whatever the calls emit).
        fn execute(ref self: ContractState, proposal_id: u64) {
            assert(self._state(proposal_id) == ProposalState::Queued, errors::NOT_QUEUED);
            let mut proposal = self.proposals.read(proposal_id);
            assert(get_block_timestamp() >= proposal.eta, errors::TIMELOCK_NOT_EXPIRED);
            proposal.executed = true;
            self.proposals.write(proposal_id, proposal);
            self.emit(ProposalExecuted { proposal_id });
            self._perform_calls(proposal_id, proposal.call_count);
        }

        /// Cancels a proposal before voting opens.
        ///
        /// Requirements: the caller is the proposer; the proposal is Pending.
        ///
        /// Emits `ProposalCanceled`.
        fn cancel(ref self: ContractState, proposal_id: u64) {
            let state = self._state(proposal_id);
            assert(
                get_caller_address() == self.proposals.read(proposal_id).proposer,
                errors::CALLER_NOT_PROPOSER
            );
            assert(state != ProposalState::Canceled, errors::CANNOT_CANCEL);
            assert(state == ProposalState::Pending, errors::VOTING_STARTED);
            self._cancel(proposal_id, false);
        }

        /// Requirements: the proposal exists.
        fn state(self: @ContractState, proposal_id: u64) -> ProposalState {
            self._state(proposal_id)
        }

        /// Requirements: the proposal exists.
        fn get_proposal(self: @ContractState, proposal_id: u64) -> Proposal {
            self._proposal(proposal_id)
        }

        /// Requirements: the proposal exists.
        fn get_proposal_calls(self: @ContractState, proposal_id: u64) -> Array<Call> {
            let call_count = self._proposal(proposal_id).call_count;
            let mut calls = ArrayTrait::new();
            let mut index: u32 = 0;
            loop {
                if index == call_count {
                    break;
                }
                calls
                    .append(
                        Call {
                            to: self.call_to.read((proposal_id, index)),
                            selector: self.call_selector.read((proposal_id, index)),
                            calldata: self._calldata(proposal_id, index),
                        }
                    );
                index += 1;
            };
            calls
        }

        fn get_receipt(
            self: @ContractState, proposal_id: u64, voter: ContractAddress
        ) -> VoteReceipt {
            self.receipts.read((proposal_id, voter))
        }

        /// Requirements: the proposal exists and its snapshot is in the past.
        fn proposal_quorum(self: @ContractState, proposal_id: u64) -> u256 {
            self._proposal(proposal_id);
            self._quorum(proposal_id)
        }

        fn proposal_count(self: @ContractState) -> u64 {
            self.proposal_count.read()
        }

        /// Whether a proposal of `calls` is critical without the proposer's mark (see the module
        /// documentation). A `delegate` call, refused by `propose`, is critical.
        fn is_critical(self: @ContractState, calls: Array<Call>) -> bool {
            self._calls_are_critical(calls.span())
        }

        fn get_parameters(self: @ContractState) -> Parameters {
            self.parameters.read()
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }

        fn treasury_balance(self: @ContractState) -> u256 {
            IERC20Dispatcher { contract_address: self.token.read() }
                .balance_of(get_contract_address())
        }

        /// Registers `target` as a pausable target because it names this contract as its
        /// emergency council: the target's governance chose this council, so no proposal is
        /// needed. Anyone may call it.
        ///
        /// Requirements: `target.emergency_council()` is this contract.
        ///
        /// Emits `PausableTargetSet`.
        fn register_pausable_target(ref self: ContractState, target: ContractAddress) {
            let council = IPausableDispatcher { contract_address: target }.emergency_council();
            assert(council == get_contract_address(), errors::TARGET_NOT_PAUSABLE);
            self._set_pausable_target(target, true);
        }

        /// Completes a governance transfer to this contract: calls `target.accept_governance()`.
        /// Anyone may call it — it succeeds only if the target's governance already chose this
        /// contract as its pending governance — so a deployment hands its contracts over without
        /// waiting for a proposal.
        ///
        /// Requirements: `target`'s pending governance is this contract.
        fn accept_governance_of(ref self: ContractState, target: ContractAddress) {
            IGovernedDispatcher { contract_address: target }.accept_governance();
        }
    }

    #[external(v0)]
    impl EmergencyCouncilImpl of IEmergencyCouncil<ContractState> {
        /// Proposes `action`, with the caller's confirmation; executes it at once if the council's
        /// threshold is 1.
        ///
        /// Requirements: the caller is a member of the current council; a `Pause` target is
        /// registered as pausable; a `CancelProposal` proposal exists, is neither executed nor
        /// canceled, and has a call that does not shield it from the council (not all its calls
        /// unpause or replace or constrain the council, see the module documentation); both are
        /// checked again when the action executes.
        ///
        /// Emits `CouncilActionProposed`, `CouncilActionConfirmed` (and `CouncilActionExecuted`).
        fn propose_council_action(ref self: ContractState, action: CouncilAction) -> u64 {
            self.assert_only_council_member();
            let proposer = get_caller_address();
            let stored = match action {
                CouncilAction::Pause(target) => {
                    assert(self.pausable_targets.read(target), errors::TARGET_NOT_PAUSABLE);
                    StoredCouncilAction {
                        kind: ACTION_PAUSE,
                        target,
                        proposal_id: 0,
                        proposer,
                        council_epoch: self.council_epoch.read(),
                        confirmations: 0,
                        executed: false,
                    }
                },
                CouncilAction::CancelProposal(proposal_id) => {
                    let proposal = self._proposal(proposal_id);
                    assert(!proposal.executed && !proposal.canceled, errors::CANNOT_CANCEL);
                    assert(
                        self._council_may_cancel(proposal_id), errors::COUNCIL_CANNOT_CANCEL
                    );
                    StoredCouncilAction {
                        kind: ACTION_CANCEL_PROPOSAL,
                        target: Zeroable::zero(),
                        proposal_id,
                        proposer,
                        council_epoch: self.council_epoch.read(),
                        confirmations: 0,
                        executed: false,
                    }
                },
            };
            let action_id = self.council_action_count.read() + 1;
            self.council_action_count.write(action_id);
            self.council_actions.write(action_id, stored);
            self.emit(CouncilActionProposed { action_id, proposer, action });
            self._confirm(action_id, proposer);
            action_id
        }

        /// Confirms `action_id`; the confirmation that reaches the threshold executes it.
        ///
        /// Requirements: the caller is a member of the current council and has not confirmed the
        /// action; the action exists, is not executed and belongs to the current council; when it
        /// executes, a `CancelProposal` still meets the requirements of `propose_council_action`.
        ///
        /// Emits `CouncilActionConfirmed` (and `CouncilActionExecuted` with the action's effects).
        fn confirm_council_action(ref self: ContractState, action_id: u64) {
            self.assert_only_council_member();
            let stored = self._council_action(action_id);
            assert(!stored.executed, errors::ACTION_EXECUTED);
            assert(stored.council_epoch == self.council_epoch.read(), errors::ACTION_STALE);
            self._confirm(action_id, get_caller_address());
        }

        /// Requirements: the action exists.
        fn get_council_action(self: @ContractState, action_id: u64) -> CouncilActionInfo {
            let stored = self._council_action(action_id);
            CouncilActionInfo {
                action: decode_action(stored),
                proposer: stored.proposer,
                council_epoch: stored.council_epoch,
                confirmations: stored.confirmations,
                executed: stored.executed,
            }
        }

        fn council_action_count(self: @ContractState) -> u64 {
            self.council_action_count.read()
        }

        fn has_confirmed(self: @ContractState, action_id: u64, member: ContractAddress) -> bool {
            self.council_confirmed.read((action_id, member))
        }

        fn council_members(self: @ContractState) -> Array<ContractAddress> {
            let epoch = self.council_epoch.read();
            let size = self.council_size.read();
            let mut members = ArrayTrait::new();
            let mut index: u32 = 0;
            loop {
                if index == size {
                    break;
                }
                members.append(self.council_members.read((epoch, index)));
                index += 1;
            };
            members
        }

        fn council_threshold(self: @ContractState) -> u32 {
            self.council_threshold.read()
        }

        fn council_epoch(self: @ContractState) -> u32 {
            self.council_epoch.read()
        }

        fn is_council_member(self: @ContractState, account: ContractAddress) -> bool {
            self.council_is_member.read((self.council_epoch.read(), account))
        }

        fn is_pausable_target(self: @ContractState, target: ContractAddress) -> bool {
            self.pausable_targets.read(target)
        }
    }

    #[external(v0)]
    impl GovernanceTreasuryAdminImpl of IGovernanceTreasuryAdmin<ContractState> {
        /// Requirements: called by this contract (an executed proposal); `voting_period` > 0;
        /// 0 < `quorum_bps` ≤ 10000. Proposals already created keep their snapshot, deadline and
        /// quorum fraction.
        ///
        /// Emits `ParametersChanged`.
        fn set_parameters(ref self: ContractState, parameters: Parameters) {
            self.assert_only_self();
            self._set_parameters(parameters);
        }

        /// Requirements: called by this contract; 1 ≤ `threshold` ≤ number of members; no member
        /// is zero or listed twice.
        ///
        /// Emits `CouncilChanged`.
        fn set_council(ref self: ContractState, members: Span<ContractAddress>, threshold: u32) {
            self.assert_only_self();
            self._set_council(members, threshold);
        }

        /// Requirements: called by this contract.
        ///
        /// Emits `PausableTargetSet`.
        fn set_pausable_target(ref self: ContractState, target: ContractAddress, pausable: bool) {
            self.assert_only_self();
            self._set_pausable_target(target, pausable);
        }

        /// Requirements: called by this contract; `new_class_hash` is not zero.
        ///
        /// Emits `Upgraded`.
        fn upgrade(ref self: ContractState, new_class_hash: ClassHash) {
            self.assert_only_self();
            assert(!new_class_hash.is_zero(), errors::CLASS_HASH_IS_ZERO);
            match replace_class_syscall(new_class_hash) {
                Result::Ok(()) => {},
                Result::Err(revert_reason) => panic(revert_reason),
            };
            self.emit(Upgraded { class_hash: new_class_hash });
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_only_self(self: @ContractState) {
            assert(get_caller_address() == get_contract_address(), errors::CALLER_NOT_SELF);
        }

        fn assert_only_council_member(self: @ContractState) {
            assert(
                self.council_is_member.read((self.council_epoch.read(), get_caller_address())),
                errors::CALLER_NOT_MEMBER
            );
        }

        fn _proposal(self: @ContractState, proposal_id: u64) -> Proposal {
            assert(
                proposal_id != 0 && proposal_id <= self.proposal_count.read(),
                errors::PROPOSAL_NOT_FOUND
            );
            self.proposals.read(proposal_id)
        }

        fn _council_action(self: @ContractState, action_id: u64) -> StoredCouncilAction {
            assert(
                action_id != 0 && action_id <= self.council_action_count.read(),
                errors::ACTION_NOT_FOUND
            );
            self.council_actions.read(action_id)
        }

        /// The proposal's state at the current block time. Reads the token (quorum) only once
        /// voting has ended.
        fn _state(self: @ContractState, proposal_id: u64) -> ProposalState {
            let proposal = self._proposal(proposal_id);
            if proposal.canceled {
                return ProposalState::Canceled;
            }
            if proposal.executed {
                return ProposalState::Executed;
            }
            let now = get_block_timestamp();
            if now <= proposal.snapshot {
                return ProposalState::Pending;
            }
            if now <= proposal.deadline {
                return ProposalState::Active;
            }
            if !self._vote_succeeded(proposal_id) {
                return ProposalState::Defeated;
            }
            // Read again: nothing is kept across the token call.
            let eta = self.proposals.read(proposal_id).eta;
            if eta == 0 {
                return ProposalState::Succeeded;
            }
            if get_block_timestamp() >= eta + GRACE_PERIOD {
                return ProposalState::Expired;
            }
            ProposalState::Queued
        }

        /// Quorum reached (`for + abstain ≥ quorum`) and the majority the proposal needs.
        fn _vote_succeeded(self: @ContractState, proposal_id: u64) -> bool {
            let quorum = self._quorum(proposal_id);
            let proposal = self.proposals.read(proposal_id);
            let for_votes = proposal.for_votes;
            let against_votes = proposal.against_votes;
            if for_votes + proposal.abstain_votes < quorum {
                return false;
            }
            if for_votes <= against_votes {
                return false;
            }
            if !proposal.critical {
                return true;
            }
            let max_bps: u256 = MAX_BPS.into();
            let critical_bps: u256 = CRITICAL_APPROVAL_BPS.into();
            for_votes * max_bps >= (for_votes + against_votes) * critical_bps
        }

        /// `quorum_bps` of the total supply at the snapshot, rounded down.
        fn _quorum(self: @ContractState, proposal_id: u64) -> u256 {
            let snapshot = self.proposals.read(proposal_id).snapshot;
            let supply = IVotesDispatcher { contract_address: self.token.read() }
                .get_past_total_supply(snapshot);
            utils::bps_of(supply, self.proposals.read(proposal_id).quorum_bps.into())
        }

        fn _assert_proposer_votes(self: @ContractState, proposer: ContractAddress) {
            let votes = IVotesDispatcher { contract_address: self.token.read() }
                .get_past_votes(proposer, get_block_timestamp() - 1);
            assert(
                votes >= self.parameters.read().proposal_threshold,
                errors::BELOW_PROPOSAL_THRESHOLD
            );
        }

        fn _votes_at_snapshot(
            self: @ContractState, proposal_id: u64, voter: ContractAddress
        ) -> u256 {
            let snapshot = self.proposals.read(proposal_id).snapshot;
            IVotesDispatcher { contract_address: self.token.read() }.get_past_votes(voter, snapshot)
        }

        fn _count_vote(
            ref self: ContractState,
            proposal_id: u64,
            voter: ContractAddress,
            support: u8,
            weight: u256
        ) {
            let mut proposal = self.proposals.read(proposal_id);
            if support == SUPPORT_FOR {
                proposal.for_votes += weight;
            } else if support == SUPPORT_AGAINST {
                proposal.against_votes += weight;
            } else {
                proposal.abstain_votes += weight;
            }
            self.proposals.write(proposal_id, proposal);
            self.receipts.write((proposal_id, voter), VoteReceipt { has_voted: true, support, weight });
            self.emit(VoteCast { proposal_id, voter, support, weight });
        }

        fn _cancel(ref self: ContractState, proposal_id: u64, by_council: bool) {
            let mut proposal = self._proposal(proposal_id);
            assert(!proposal.executed && !proposal.canceled, errors::CANNOT_CANCEL);
            proposal.canceled = true;
            self.proposals.write(proposal_id, proposal);
            self
                .emit(
                    ProposalCanceled {
                        proposal_id, canceled_by: get_caller_address(), by_council
                    }
                );
        }

        fn _store_calls(ref self: ContractState, proposal_id: u64, calls: Span<Call>) {
            let mut calls = calls;
            let mut index: u32 = 0;
            loop {
                match calls.pop_front() {
                    Option::Some(call) => {
                        self.call_to.write((proposal_id, index), *call.to);
                        self.call_selector.write((proposal_id, index), *call.selector);
                        let mut calldata = call.calldata.span();
                        self.call_calldata_len.write((proposal_id, index), calldata.len());
                        let mut position: u32 = 0;
                        loop {
                            match calldata.pop_front() {
                                Option::Some(value) => {
                                    self.call_calldata.write((proposal_id, index, position), *value);
                                    position += 1;
                                },
                                Option::None => {
                                    break;
                                },
                            };
                        };
                        index += 1;
                    },
                    Option::None => {
                        break;
                    },
                };
            };
        }

        fn _calldata(self: @ContractState, proposal_id: u64, index: u32) -> Array<felt252> {
            let length = self.call_calldata_len.read((proposal_id, index));
            let mut calldata = ArrayTrait::new();
            let mut position: u32 = 0;
            loop {
                if position == length {
                    break;
                }
                calldata.append(self.call_calldata.read((proposal_id, index, position)));
                position += 1;
            };
            calldata
        }

        /// Performs the stored calls in order; a failing call reverts everything.
        fn _perform_calls(ref self: ContractState, proposal_id: u64, call_count: u32) {
            let mut index: u32 = 0;
            loop {
                if index == call_count {
                    break;
                }
                self._perform_call(proposal_id, index);
                index += 1;
            };
        }

        fn _perform_call(ref self: ContractState, proposal_id: u64, index: u32) {
            let to = self.call_to.read((proposal_id, index));
            let selector = self.call_selector.read((proposal_id, index));
            // Defence in depth: `propose` refuses delegations already.
            assert(selector != SELECTOR_DELEGATE, errors::TREASURY_CANNOT_VOTE);
            let calldata = self._calldata(proposal_id, index);
            match call_contract_syscall(to, selector, calldata.span()) {
                Result::Ok(_) => {},
                Result::Err(revert_reason) => {
                    let mut reason = revert_reason;
                    reason.append(errors::CALL_FAILED);
                    panic(reason)
                },
            };
        }

        /// Whether any call is critical by itself, or the `transfer`/`approve` amounts of all the
        /// calls together exceed `critical_treasury_threshold`.
        fn _calls_are_critical(self: @ContractState, calls: Span<Call>) -> bool {
            let this = get_contract_address();
            let threshold = self.parameters.read().critical_treasury_threshold;
            let mut calls = calls;
            // Invariant: `moved ≤ threshold`, so `threshold - moved` cannot underflow and the sum
            // cannot overflow.
            let mut moved: u256 = 0;
            let mut critical = false;
            loop {
                match calls.pop_front() {
                    Option::Some(call) => {
                        match normal_call_value(call, this) {
                            Option::Some(value) => {
                                if value > threshold - moved {
                                    critical = true;
                                    break;
                                }
                                moved += value;
                            },
                            Option::None => {
                                critical = true;
                                break;
                            },
                        };
                    },
                    Option::None => {
                        break;
                    },
                };
            };
            critical
        }

        /// Whether the council may cancel `proposal_id`: false when every call of the proposal
        /// shields it (see `shields_from_council`).
        fn _council_may_cancel(self: @ContractState, proposal_id: u64) -> bool {
            let this = get_contract_address();
            let call_count = self.proposals.read(proposal_id).call_count;
            let mut index: u32 = 0;
            let mut may_cancel = false;
            loop {
                if index == call_count {
                    break;
                }
                let to = self.call_to.read((proposal_id, index));
                let selector = self.call_selector.read((proposal_id, index));
                if !shields_from_council(to, selector, this) {
                    may_cancel = true;
                    break;
                }
                index += 1;
            };
            may_cancel
        }

        fn _confirm(ref self: ContractState, action_id: u64, member: ContractAddress) {
            assert(!self.council_confirmed.read((action_id, member)), errors::ALREADY_CONFIRMED);
            self.council_confirmed.write((action_id, member), true);
            let mut stored = self.council_actions.read(action_id);
            stored.confirmations += 1;
            let reached = stored.confirmations >= self.council_threshold.read();
            stored.executed = reached;
            self.council_actions.write(action_id, stored);
            self
                .emit(
                    CouncilActionConfirmed {
                        action_id, member, confirmations: stored.confirmations
                    }
                );
            if reached {
                self._execute_council_action(action_id);
            }
        }

        fn _execute_council_action(ref self: ContractState, action_id: u64) {
            let stored = self.council_actions.read(action_id);
            self.emit(CouncilActionExecuted { action_id, action: decode_action(stored) });
            if stored.kind == ACTION_PAUSE {
                IPausableDispatcher { contract_address: stored.target }.pause();
            } else {
                // The proposal's calls do not change, but the check is cheap and keeps the rule
                // local to the place where the cancellation happens.
                assert(
                    self._council_may_cancel(stored.proposal_id), errors::COUNCIL_CANNOT_CANCEL
                );
                self._cancel(stored.proposal_id, true);
            }
        }

        fn _set_parameters(ref self: ContractState, parameters: Parameters) {
            assert(parameters.voting_period != 0, errors::VOTING_PERIOD_IS_ZERO);
            assert(
                parameters.quorum_bps != 0 && parameters.quorum_bps.into() <= MAX_BPS,
                errors::INVALID_QUORUM
            );
            self.parameters.write(parameters);
            self.emit(ParametersChanged { parameters });
        }

        /// Installs `members` as the council of a new epoch.
        fn _set_council(ref self: ContractState, members: Span<ContractAddress>, threshold: u32) {
            assert(threshold != 0 && threshold <= members.len(), errors::INVALID_THRESHOLD);
            let epoch = self.council_epoch.read() + 1;
            let mut remaining = members;
            let mut index: u32 = 0;
            loop {
                match remaining.pop_front() {
                    Option::Some(member) => {
                        let member = *member;
                        assert(!member.is_zero(), errors::MEMBER_IS_ZERO);
                        assert(
                            !self.council_is_member.read((epoch, member)), errors::DUPLICATE_MEMBER
                        );
                        self.council_is_member.write((epoch, member), true);
                        self.council_members.write((epoch, index), member);
                        index += 1;
                    },
                    Option::None => {
                        break;
                    },
                };
            };
            self.council_epoch.write(epoch);
            self.council_size.write(members.len());
            self.council_threshold.write(threshold);
            self.emit(CouncilChanged { council_epoch: epoch, members, threshold });
        }

        fn _set_pausable_target(ref self: ContractState, target: ContractAddress, pausable: bool) {
            self.pausable_targets.write(target, pausable);
            self.emit(PausableTargetSet { target, pausable });
        }
    }

    fn decode_action(stored: StoredCouncilAction) -> CouncilAction {
        if stored.kind == ACTION_PAUSE {
            CouncilAction::Pause(stored.target)
        } else {
            CouncilAction::CancelProposal(stored.proposal_id)
        }
    }

    /// The value a normal call moves: the amount of a readable `transfer`/`approve`, zero for an
    /// allowlisted parameter setter; `None` when the call alone makes a proposal critical (a call
    /// to this contract, an unreadable `transfer`/`approve`, any other selector).
    fn normal_call_value(call: @Call, this: ContractAddress) -> Option<u256> {
        if *call.to == this {
            return Option::None;
        }
        let selector = *call.selector;
        if selector == SELECTOR_TRANSFER || selector == SELECTOR_APPROVE {
            return transfer_amount(call.calldata.span());
        }
        if is_allowlisted_setter(selector) {
            return Option::Some(0);
        }
        Option::None
    }

    /// The parameter setters that can neither move funds nor change roles, wiring or code.
    fn is_allowlisted_setter(selector: felt252) -> bool {
        selector == SELECTOR_SET_PLATFORM_FEE_BPS
            || selector == SELECTOR_SET_BURN_SHARE_BPS
            || selector == SELECTOR_SET_MIN_COMPLETION_WINDOW
            || selector == SELECTOR_SET_MIN_REPUTATION_PAYMENT
            || selector == SELECTOR_SET_MAX_PRICE_AGE
            || selector == SELECTOR_SET_DAILY_QUOTA
            || selector == SELECTOR_SET_REIMBURSEMENT
            || selector == SELECTOR_SET_ALLOWED
            || selector == SELECTOR_PAUSE
            || selector == SELECTOR_UNPAUSE
            || selector == SELECTOR_EXTEND_PAUSE
    }

    /// Whether any call has the selector `delegate`, whatever its target.
    fn has_delegation(calls: Span<Call>) -> bool {
        let mut calls = calls;
        let mut found = false;
        loop {
            match calls.pop_front() {
                Option::Some(call) => {
                    if *call.selector == SELECTOR_DELEGATE {
                        found = true;
                        break;
                    }
                },
                Option::None => {
                    break;
                },
            };
        };
        found
    }

    /// Whether a call unpauses, replaces a contract's emergency council, or changes this
    /// contract's council or pausable targets: a proposal made only of such calls cannot be
    /// canceled by the council.
    fn shields_from_council(to: ContractAddress, selector: felt252, this: ContractAddress) -> bool {
        if selector == SELECTOR_UNPAUSE || selector == SELECTOR_SET_EMERGENCY_COUNCIL {
            return true;
        }
        to == this && (selector == SELECTOR_SET_COUNCIL || selector == SELECTOR_SET_PAUSABLE_TARGET)
    }

    /// The amount of `transfer(recipient, amount)`/`approve(spender, amount)` calldata, or `None`
    /// when the calldata is not `[address, low, high]` with 128-bit halves.
    fn transfer_amount(calldata: Span<felt252>) -> Option<u256> {
        if calldata.len() != 3 {
            return Option::None;
        }
        let low: Option<u128> = (*calldata.at(1)).try_into();
        let high: Option<u128> = (*calldata.at(2)).try_into();
        match low {
            Option::Some(low) => {
                match high {
                    Option::Some(high) => Option::Some(u256 { low, high }),
                    Option::None => Option::None,
                }
            },
            Option::None => Option::None,
        }
    }
}
