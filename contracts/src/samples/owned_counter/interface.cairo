use starknet::ContractAddress;

#[starknet::interface]
trait IOwnedCounter<TContractState> {
    /// Adds `amount` to the counter. Anyone may call it.
    fn increase(ref self: TContractState, amount: u128);
    /// Sets the counter back to zero. Only the owner may call it.
    fn reset(ref self: TContractState);
    /// The counter's value.
    fn get_value(self: @TContractState) -> u128;
    /// The owner's address.
    fn get_owner(self: @TContractState) -> ContractAddress;
}
