/// Milestone grants: anyone funds a milestone for a beneficiary; governance approves it (by its
/// deadline) once the work is done; the beneficiary then claims it. A milestone still unapproved
/// after its deadline can be reclaimed by governance or its funder, and the amount goes back to
/// the funder. `balance_of(this) = total_locked()` = the amounts of Pending and Approved milestones.
#[starknet::contract]
mod MilestoneVesting {
    use starknet::{
        ClassHash, ContractAddress, get_block_timestamp, get_caller_address, get_contract_address
    };
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::IGoverned;
    use super::super::errors;
    use super::super::interface::{
        IMilestoneVesting, IMilestoneVestingAdmin, Milestone, MilestoneStatus
    };
    use super::super::super::token::interface::{IERC20Dispatcher, IERC20DispatcherTrait};
    use super::super::super::utils;

    #[storage]
    struct Storage {
        token: ContractAddress,
        milestones: LegacyMap<u64, Milestone>,
        milestone_count: u64,
        total_locked: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        MilestoneAdded: MilestoneAdded,
        MilestoneApproved: MilestoneApproved,
        MilestoneClaimed: MilestoneClaimed,
        MilestoneReclaimed: MilestoneReclaimed,
    }

    #[derive(Drop, starknet::Event)]
    struct MilestoneAdded {
        #[key]
        milestone_id: u64,
        #[key]
        beneficiary: ContractAddress,
        #[key]
        funder: ContractAddress,
        amount: u256,
        deadline: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct MilestoneApproved {
        #[key]
        milestone_id: u64,
        #[key]
        beneficiary: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct MilestoneClaimed {
        #[key]
        milestone_id: u64,
        #[key]
        beneficiary: ContractAddress,
        amount: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct MilestoneReclaimed {
        #[key]
        milestone_id: u64,
        #[key]
        funder: ContractAddress,
        amount: u256,
    }

    /// Requirements: neither address is zero.
    #[constructor]
    fn constructor(ref self: ContractState, governance: ContractAddress, token: ContractAddress) {
        let mut governed = Governed::unsafe_new_contract_state();
        Governed::InternalImpl::initialize(ref governed, governance);
        assert(!token.is_zero(), errors::TOKEN_IS_ZERO);
        self.token.write(token);
    }

    #[external(v0)]
    impl MilestoneVestingImpl of IMilestoneVesting<ContractState> {
        /// Creates a Pending milestone and pulls `amount` from the caller, its funder.
        ///
        /// Requirements: `beneficiary` is not zero; `amount` > 0; `deadline` is after the current
        /// block time; the caller approved this contract for `amount` and holds it.
        ///
        /// Emits `MilestoneAdded`.
        fn add_milestone(
            ref self: ContractState, beneficiary: ContractAddress, amount: u256, deadline: u64
        ) -> u64 {
            assert(!beneficiary.is_zero(), errors::BENEFICIARY_IS_ZERO);
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            assert(deadline > get_block_timestamp(), errors::DEADLINE_NOT_IN_FUTURE);

            let funder = get_caller_address();
            let milestone_id = self.milestone_count.read() + 1;
            self
                .milestones
                .write(
                    milestone_id,
                    Milestone {
                        beneficiary, funder, amount, deadline, status: MilestoneStatus::Pending
                    }
                );
            self.milestone_count.write(milestone_id);
            self.total_locked.write(self.total_locked.read() + amount);
            self.emit(MilestoneAdded { milestone_id, beneficiary, funder, amount, deadline });
            let pulled = IERC20Dispatcher { contract_address: self.token.read() }
                .transfer_from(funder, get_contract_address(), amount);
            assert(pulled, errors::TRANSFER_FAILED);
            milestone_id
        }

        /// Pays an Approved milestone's amount to its beneficiary; it becomes Claimed.
        ///
        /// Requirements: the milestone exists and is Approved (not Pending, Claimed or
        /// Reclaimed); the caller is its beneficiary. The deadline does not matter once approved.
        ///
        /// Emits `MilestoneClaimed`.
        fn claim_milestone(ref self: ContractState, milestone_id: u64) {
            let mut milestone = self._milestone(milestone_id);
            assert(get_caller_address() == milestone.beneficiary, errors::CALLER_NOT_BENEFICIARY);
            assert_not_closed(milestone.status);
            assert(milestone.status == MilestoneStatus::Approved, errors::NOT_APPROVED);
            milestone.status = MilestoneStatus::Claimed;
            self.milestones.write(milestone_id, milestone);
            self.total_locked.write(self.total_locked.read() - milestone.amount);
            self
                .emit(
                    MilestoneClaimed {
                        milestone_id, beneficiary: milestone.beneficiary, amount: milestone.amount
                    }
                );
            self._pay(milestone.beneficiary, milestone.amount);
        }

        /// Returns a milestone that was not approved by its deadline to its funder; it becomes
        /// Reclaimed.
        ///
        /// Requirements: the caller is governance or the milestone's funder; the milestone exists
        /// and is Pending (not Approved, Claimed or Reclaimed); its deadline has passed.
        ///
        /// Emits `MilestoneReclaimed`.
        fn reclaim_milestone(ref self: ContractState, milestone_id: u64) {
            let mut milestone = self._milestone(milestone_id);
            let caller = get_caller_address();
            assert(
                caller == milestone.funder || caller == self._governance(),
                errors::CALLER_NOT_OWNER_OR_FUNDER
            );
            assert_not_closed(milestone.status);
            assert(milestone.status == MilestoneStatus::Pending, errors::ALREADY_APPROVED);
            assert(get_block_timestamp() > milestone.deadline, errors::DEADLINE_NOT_PASSED);
            milestone.status = MilestoneStatus::Reclaimed;
            self.milestones.write(milestone_id, milestone);
            self.total_locked.write(self.total_locked.read() - milestone.amount);
            self
                .emit(
                    MilestoneReclaimed {
                        milestone_id, funder: milestone.funder, amount: milestone.amount
                    }
                );
            self._pay(milestone.funder, milestone.amount);
        }

        fn get_milestone(self: @ContractState, milestone_id: u64) -> Milestone {
            self._milestone(milestone_id)
        }

        fn milestone_count(self: @ContractState) -> u64 {
            self.milestone_count.read()
        }

        fn total_locked(self: @ContractState) -> u256 {
            self.total_locked.read()
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }
    }

    #[external(v0)]
    impl MilestoneVestingAdminImpl of IMilestoneVestingAdmin<ContractState> {
        /// Approves a Pending milestone: its beneficiary may claim it from now on.
        ///
        /// Requirements: governance only; the milestone exists and is Pending; its deadline has
        /// not passed (approval at the deadline itself is allowed).
        ///
        /// Emits `MilestoneApproved`.
        fn approve_milestone(ref self: ContractState, milestone_id: u64) {
            self.assert_only_governance();
            let mut milestone = self._milestone(milestone_id);
            assert_not_closed(milestone.status);
            assert(milestone.status == MilestoneStatus::Pending, errors::ALREADY_APPROVED);
            assert(get_block_timestamp() <= milestone.deadline, errors::DEADLINE_PASSED);
            milestone.status = MilestoneStatus::Approved;
            self.milestones.write(milestone_id, milestone);
            self.emit(MilestoneApproved { milestone_id, beneficiary: milestone.beneficiary });
        }
    }

    #[external(v0)]
    impl GovernedImpl of IGoverned<ContractState> {
        fn governance(self: @ContractState) -> ContractAddress {
            self._governance()
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

        fn _governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::governance(@governed)
        }

        fn _milestone(self: @ContractState, milestone_id: u64) -> Milestone {
            assert(
                milestone_id != 0 && milestone_id <= self.milestone_count.read(),
                errors::MILESTONE_NOT_FOUND
            );
            self.milestones.read(milestone_id)
        }

        fn _pay(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            utils::transfer_or_revert(self.token.read(), recipient, amount, errors::TRANSFER_FAILED);
        }
    }

    /// Fails with the message of a finished milestone (Claimed or Reclaimed).
    fn assert_not_closed(status: MilestoneStatus) {
        assert(status != MilestoneStatus::Claimed, errors::ALREADY_CLAIMED);
        assert(status != MilestoneStatus::Reclaimed, errors::ALREADY_RECLAIMED);
    }
}
