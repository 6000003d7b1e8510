#[starknet::contract]
mod OwnedCounter {
    use starknet::{ContractAddress, get_caller_address};
    use zeroable::Zeroable;

    use super::super::errors;
    use super::super::interface::IOwnedCounter;

    #[storage]
    struct Storage {
        owner: ContractAddress,
        value: u128,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        CounterIncreased: CounterIncreased,
        CounterReset: CounterReset,
    }

    #[derive(Drop, starknet::Event)]
    struct CounterIncreased {
        #[key]
        caller: ContractAddress,
        amount: u128,
        value: u128,
    }

    #[derive(Drop, starknet::Event)]
    struct CounterReset {
        #[key]
        owner: ContractAddress,
        previous_value: u128,
    }

    /// Requirements: `owner` is not zero.
    #[constructor]
    fn constructor(ref self: ContractState, owner: ContractAddress) {
        assert(!owner.is_zero(), errors::OWNER_IS_ZERO);
        self.owner.write(owner);
    }

    #[external(v0)]
    impl OwnedCounterImpl of IOwnedCounter<ContractState> {
        /// Adds `amount` to the counter.
        ///
        /// Requirements: `amount` is not zero.
        ///
        /// Emits a `CounterIncreased` event.
        fn increase(ref self: ContractState, amount: u128) {
            assert(amount != 0, errors::AMOUNT_IS_ZERO);
            let value = self.value.read() + amount;
            self.value.write(value);
            self.emit(CounterIncreased { caller: get_caller_address(), amount, value });
        }

        /// Sets the counter to zero.
        ///
        /// Requirements: the caller is the owner.
        ///
        /// Emits a `CounterReset` event.
        fn reset(ref self: ContractState) {
            self.assert_only_owner();
            let previous_value = self.value.read();
            self.value.write(0);
            self.emit(CounterReset { owner: get_caller_address(), previous_value });
        }

        fn get_value(self: @ContractState) -> u128 {
            self.value.read()
        }

        fn get_owner(self: @ContractState) -> ContractAddress {
            self.owner.read()
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_only_owner(self: @ContractState) {
            assert(get_caller_address() == self.owner.read(), errors::CALLER_NOT_OWNER);
        }
    }
}
