use starknet::{ClassHash, ContractAddress};

/// Entry points every core contract exposes for its governance (the deployer at first, then the
/// GovernanceTreasury's timelock).
#[starknet::interface]
trait IGoverned<TContractState> {
    /// The address allowed to change parameters and upgrade the contract.
    fn governance(self: @TContractState) -> ContractAddress;
    /// The address that may accept governance, or zero.
    fn pending_governance(self: @TContractState) -> ContractAddress;
    /// Starts a governance transfer; `new_governance` must accept it. Governance only.
    fn transfer_governance(ref self: TContractState, new_governance: ContractAddress);
    /// Completes a governance transfer. Pending governance only.
    fn accept_governance(ref self: TContractState);
    /// Replaces the contract's class, keeping its storage. Governance only.
    fn upgrade(ref self: TContractState, new_class_hash: ClassHash);
}

/// The emergency stop of JobManager and CDC_Pool. A pause ends by itself after 14 days unless
/// governance extends it.
#[starknet::interface]
trait IPausable<TContractState> {
    /// Whether the contract is paused.
    fn is_paused(self: @TContractState) -> bool;
    /// When the pause in force ends (in the past when none is).
    fn paused_until(self: @TContractState) -> u64;
    /// Seconds the contract has been paused, in total, up to now.
    fn paused_seconds(self: @TContractState) -> u64;
    /// The address that may pause besides governance (zero: none).
    fn emergency_council(self: @TContractState) -> ContractAddress;
    /// Stops the pausable entry points for 14 days. Emergency council or governance.
    fn pause(ref self: TContractState);
    /// Keeps the pause in force until `until` (at most 90 days ahead). Governance only.
    fn extend_pause(ref self: TContractState, until: u64);
    /// Resumes them. Governance only.
    fn unpause(ref self: TContractState);
    /// Sets the emergency council. Governance only.
    fn set_emergency_council(ref self: TContractState, council: ContractAddress);
}
