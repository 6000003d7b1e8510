/// Pausable: the emergency stop shared by JobManager and CDC_Pool.
///
/// A library contract in the style of `Governed`: a host contract reaches it through
/// `Pausable::unsafe_new_contract_state()`; its storage is prefixed `Pausable_`. The emergency
/// council (the GovernanceTreasury's council multisig) or governance may pause; only governance
/// unpauses, so a compromised council can stop the system but never resume or change it.
#[starknet::contract]
mod Pausable {
    use starknet::{ContractAddress, get_caller_address};
    use zeroable::Zeroable;

    use ciro::access::errors;
    use ciro::access::governed::Governed;

    #[storage]
    struct Storage {
        Pausable_paused: bool,
        Pausable_emergency_council: ContractAddress,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Paused: Paused,
        Unpaused: Unpaused,
        EmergencyCouncilChanged: EmergencyCouncilChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct Paused {
        #[key]
        by: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct Unpaused {
        #[key]
        by: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct EmergencyCouncilChanged {
        #[key]
        council: ContractAddress,
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn is_paused(self: @ContractState) -> bool {
            self.Pausable_paused.read()
        }

        fn emergency_council(self: @ContractState) -> ContractAddress {
            self.Pausable_emergency_council.read()
        }

        fn assert_not_paused(self: @ContractState) {
            assert(!self.Pausable_paused.read(), errors::PAUSED);
        }

        /// Requirements: the caller is the emergency council or governance; not paused.
        ///
        /// Emits `Paused`.
        fn pause(ref self: ContractState) {
            let caller = get_caller_address();
            let council = self.Pausable_emergency_council.read();
            let governed = Governed::unsafe_new_contract_state();
            let is_council = !council.is_zero() && caller == council;
            assert(
                is_council || caller == Governed::InternalImpl::governance(@governed),
                errors::CALLER_NOT_COUNCIL
            );
            assert(!self.Pausable_paused.read(), errors::PAUSED);
            self.Pausable_paused.write(true);
            self.emit(Paused { by: caller });
        }

        /// Requirements: governance only; paused.
        ///
        /// Emits `Unpaused`.
        fn unpause(ref self: ContractState) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
            assert(self.Pausable_paused.read(), errors::NOT_PAUSED);
            self.Pausable_paused.write(false);
            self.emit(Unpaused { by: get_caller_address() });
        }

        /// Requirements: governance only. Zero removes the council (governance can still pause).
        ///
        /// Emits `EmergencyCouncilChanged`.
        fn set_emergency_council(ref self: ContractState, council: ContractAddress) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
            self.Pausable_emergency_council.write(council);
            self.emit(EmergencyCouncilChanged { council });
        }
    }
}
