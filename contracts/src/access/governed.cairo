/// Governance state shared by the core contracts, in the OpenZeppelin v0.7 library-contract style:
/// a host contract reaches it through `Governed::unsafe_new_contract_state()` and forwards its
/// `IGoverned` entry points to `InternalImpl`. Storage names are prefixed `Governed_` so they never
/// collide with the host's. Not meant to be deployed on its own.
#[starknet::contract]
mod Governed {
    use starknet::{ClassHash, ContractAddress, get_caller_address, replace_class_syscall};
    use starknet::class_hash::ClassHashZeroable;
    use zeroable::Zeroable;

    use super::super::errors;

    #[storage]
    struct Storage {
        Governed_governance: ContractAddress,
        Governed_pending_governance: ContractAddress,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        GovernanceTransferStarted: GovernanceTransferStarted,
        GovernanceTransferred: GovernanceTransferred,
        Upgraded: Upgraded,
    }

    #[derive(Drop, starknet::Event)]
    struct GovernanceTransferStarted {
        #[key]
        previous_governance: ContractAddress,
        #[key]
        new_governance: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct GovernanceTransferred {
        #[key]
        previous_governance: ContractAddress,
        #[key]
        new_governance: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct Upgraded {
        class_hash: ClassHash,
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        /// Sets the first governance. Called once, from the host's constructor.
        fn initialize(ref self: ContractState, governance: ContractAddress) {
            assert(!governance.is_zero(), errors::GOVERNANCE_IS_ZERO);
            self.Governed_governance.write(governance);
            self
                .emit(
                    GovernanceTransferred {
                        previous_governance: Zeroable::zero(), new_governance: governance
                    }
                );
        }

        fn governance(self: @ContractState) -> ContractAddress {
            self.Governed_governance.read()
        }

        fn pending_governance(self: @ContractState) -> ContractAddress {
            self.Governed_pending_governance.read()
        }

        fn assert_only_governance(self: @ContractState) {
            assert(
                get_caller_address() == self.Governed_governance.read(),
                errors::CALLER_NOT_GOVERNANCE
            );
        }

        fn transfer_governance(ref self: ContractState, new_governance: ContractAddress) {
            self.assert_only_governance();
            assert(!new_governance.is_zero(), errors::GOVERNANCE_IS_ZERO);
            self.Governed_pending_governance.write(new_governance);
            self
                .emit(
                    GovernanceTransferStarted {
                        previous_governance: self.Governed_governance.read(), new_governance
                    }
                );
        }

        fn accept_governance(ref self: ContractState) {
            let caller = get_caller_address();
            let pending = self.Governed_pending_governance.read();
            assert(!pending.is_zero() && caller == pending, errors::CALLER_NOT_PENDING);
            let previous_governance = self.Governed_governance.read();
            self.Governed_governance.write(caller);
            self.Governed_pending_governance.write(Zeroable::zero());
            self.emit(GovernanceTransferred { previous_governance, new_governance: caller });
        }

        fn upgrade(ref self: ContractState, new_class_hash: ClassHash) {
            self.assert_only_governance();
            assert(!new_class_hash.is_zero(), errors::CLASS_HASH_IS_ZERO);
            match replace_class_syscall(new_class_hash) {
                Result::Ok(()) => {},
                Result::Err(revert_reason) => panic(revert_reason),
            };
            self.emit(Upgraded { class_hash: new_class_hash });
        }
    }
}
