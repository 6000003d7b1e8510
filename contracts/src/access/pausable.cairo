/// Pausable: the emergency stop shared by CIROToken, JobManager and CDC_Pool.
///
/// A library contract in the style of `Governed`: a host contract reaches it through
/// `Pausable::unsafe_new_contract_state()`; its storage is prefixed `Pausable_`. The emergency
/// council (the GovernanceTreasury's council multisig) or governance may pause; only governance
/// unpauses, so a compromised council can stop the system but never resume or change it.
///
/// A pause lasts `PAUSE_DURATION` and then ends by itself unless governance extends it
/// (`extend_pause`): a council alone can never freeze a contract for longer. The pause clock
/// (`paused_seconds`) counts every second the contract has been paused since deployment, so a host
/// can keep deadlines from running while it is paused (JobManager does).
#[starknet::contract]
mod Pausable {
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address};
    use zeroable::Zeroable;

    use super::super::errors;
    use super::super::governed::Governed;

    /// How long a pause lasts unless governance extends it: 14 days, longer than governance needs
    /// to decide (voting delay, voting period and timelock) so that it can extend or unpause.
    const PAUSE_DURATION: u64 = 1209600;
    /// The longest extension governance may give at once: 90 days.
    const MAX_PAUSE_EXTENSION: u64 = 7776000;

    #[storage]
    struct Storage {
        /// The pause is in force while block time < this.
        Pausable_paused_until: u64,
        /// When the current (or last) pause started.
        Pausable_paused_at: u64,
        /// Seconds paused before the current (or last) pause started.
        Pausable_paused_before: u64,
        Pausable_emergency_council: ContractAddress,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        Paused: Paused,
        Unpaused: Unpaused,
        PauseExtended: PauseExtended,
        EmergencyCouncilChanged: EmergencyCouncilChanged,
    }

    #[derive(Drop, starknet::Event)]
    struct Paused {
        #[key]
        by: ContractAddress,
        until: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct Unpaused {
        #[key]
        by: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    struct PauseExtended {
        until: u64,
    }

    #[derive(Drop, starknet::Event)]
    struct EmergencyCouncilChanged {
        #[key]
        council: ContractAddress,
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        /// Sets the first emergency council. Called once, from the host's constructor.
        ///
        /// Emits `EmergencyCouncilChanged`.
        fn initialize(ref self: ContractState, council: ContractAddress) {
            self.Pausable_emergency_council.write(council);
            self.emit(EmergencyCouncilChanged { council });
        }

        fn is_paused(self: @ContractState) -> bool {
            get_block_timestamp() < self.Pausable_paused_until.read()
        }

        /// When the pause in force ends (in the past when none is).
        fn paused_until(self: @ContractState) -> u64 {
            self.Pausable_paused_until.read()
        }

        /// Seconds the contract has been paused, in total, up to now.
        fn paused_seconds(self: @ContractState) -> u64 {
            let now = get_block_timestamp();
            let started = self.Pausable_paused_at.read();
            let until = self.Pausable_paused_until.read();
            let end = if now < until {
                now
            } else {
                until
            };
            let current = if end > started {
                end - started
            } else {
                0
            };
            self.Pausable_paused_before.read() + current
        }

        fn emergency_council(self: @ContractState) -> ContractAddress {
            self.Pausable_emergency_council.read()
        }

        fn assert_not_paused(self: @ContractState) {
            assert(!self.is_paused(), errors::PAUSED);
        }

        /// Pauses for `PAUSE_DURATION`.
        ///
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
            assert(!self.is_paused(), errors::PAUSED);
            let now = get_block_timestamp();
            // The previous pause is over: fold it into the clock before starting a new one.
            self.Pausable_paused_before.write(self.paused_seconds());
            self.Pausable_paused_at.write(now);
            let until = now + PAUSE_DURATION;
            self.Pausable_paused_until.write(until);
            self.emit(Paused { by: caller, until });
        }

        /// Keeps the pause in force until `until`.
        ///
        /// Requirements: governance only; paused; now < `until` ≤ now + 90 days.
        ///
        /// Emits `PauseExtended`.
        fn extend_pause(ref self: ContractState, until: u64) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
            assert(self.is_paused(), errors::NOT_PAUSED);
            let now = get_block_timestamp();
            assert(until > now && until - now <= MAX_PAUSE_EXTENSION, errors::INVALID_PAUSE_END);
            self.Pausable_paused_until.write(until);
            self.emit(PauseExtended { until });
        }

        /// Requirements: governance only; paused.
        ///
        /// Emits `Unpaused`.
        fn unpause(ref self: ContractState) {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::assert_only_governance(@governed);
            assert(self.is_paused(), errors::NOT_PAUSED);
            self.Pausable_paused_until.write(get_block_timestamp());
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
