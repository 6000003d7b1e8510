/// Linear vesting with a cliff. Anyone may fund a schedule for a beneficiary; governance may revoke
/// the schedules created revocable. Every token this contract holds belongs to a schedule:
/// `balance_of(this) = total_locked() = Σ (total − released − returned)`.
///
/// Revocation (the choice PROTOCOL.md left open): the part vested at the revocation stays with the
/// beneficiary, who releases it as usual; the unvested part goes back at once to the funder (the
/// account the tokens came from, in practice the treasury); the schedule then vests no more.
#[starknet::contract]
mod LinearVesting {
    use starknet::{
        ClassHash, ContractAddress, get_block_timestamp, get_caller_address, get_contract_address
    };
    use traits::Into;
    use zeroable::Zeroable;

    use super::super::super::access::governed::Governed;
    use super::super::super::access::interface::IGoverned;
    use super::super::errors;
    use super::super::interface::{ILinearVesting, ILinearVestingAdmin, Schedule};
    use super::super::super::token::interface::{IERC20Dispatcher, IERC20DispatcherTrait};
    use super::super::super::utils;

    const U64_MAX: u64 = 0xffffffffffffffff;

    #[storage]
    struct Storage {
        token: ContractAddress,
        schedules: LegacyMap<u64, Schedule>,
        schedule_count: u64,
        total_locked: u256,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    enum Event {
        ScheduleCreated: ScheduleCreated,
        TokensReleased: TokensReleased,
        ScheduleRevoked: ScheduleRevoked,
    }

    #[derive(Drop, starknet::Event)]
    struct ScheduleCreated {
        #[key]
        schedule_id: u64,
        #[key]
        beneficiary: ContractAddress,
        #[key]
        funder: ContractAddress,
        start: u64,
        cliff_duration: u64,
        duration: u64,
        total: u256,
        revocable: bool,
    }

    #[derive(Drop, starknet::Event)]
    struct TokensReleased {
        #[key]
        schedule_id: u64,
        #[key]
        beneficiary: ContractAddress,
        amount: u256,
        /// Released by this schedule so far, this amount included.
        released_total: u256,
    }

    #[derive(Drop, starknet::Event)]
    struct ScheduleRevoked {
        #[key]
        schedule_id: u64,
        #[key]
        beneficiary: ContractAddress,
        #[key]
        funder: ContractAddress,
        /// Vested at the revocation: stays releasable by the beneficiary (minus what was released).
        vested: u256,
        /// Unvested: transferred back to the funder.
        returned: u256,
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
    impl LinearVestingImpl of ILinearVesting<ContractState> {
        /// Creates a schedule of `total` for `beneficiary`, pulling `total` from the caller.
        ///
        /// Requirements: `beneficiary` is not zero; `total` > 0; `duration` > 0;
        /// `cliff_duration` ≤ `duration`; `start + duration` fits a u64; the caller approved this
        /// contract for `total` and holds it. `start` may be in the past.
        ///
        /// Emits `ScheduleCreated`.
        fn create_schedule(
            ref self: ContractState,
            beneficiary: ContractAddress,
            start: u64,
            cliff_duration: u64,
            duration: u64,
            total: u256,
            revocable: bool
        ) -> u64 {
            assert(!beneficiary.is_zero(), errors::BENEFICIARY_IS_ZERO);
            assert(total != 0, errors::AMOUNT_IS_ZERO);
            assert(duration != 0, errors::DURATION_IS_ZERO);
            assert(cliff_duration <= duration, errors::CLIFF_EXCEEDS_DURATION);
            assert(duration <= U64_MAX - start, errors::END_OVERFLOWS);

            let funder = get_caller_address();
            let schedule_id = self.schedule_count.read() + 1;
            self
                .schedules
                .write(
                    schedule_id,
                    Schedule {
                        beneficiary,
                        funder,
                        start,
                        cliff_duration,
                        duration,
                        total,
                        released: 0,
                        returned: 0,
                        revocable,
                        revoked: false,
                        revoked_at: 0,
                    }
                );
            self.schedule_count.write(schedule_id);
            self.total_locked.write(self.total_locked.read() + total);
            self
                .emit(
                    ScheduleCreated {
                        schedule_id,
                        beneficiary,
                        funder,
                        start,
                        cliff_duration,
                        duration,
                        total,
                        revocable
                    }
                );
            let pulled = IERC20Dispatcher { contract_address: self.token.read() }
                .transfer_from(funder, get_contract_address(), total);
            assert(pulled, errors::TRANSFER_FAILED);
            schedule_id
        }

        /// Pays the beneficiary everything vested by now and not yet released.
        ///
        /// Requirements: the schedule exists; the amount is not zero.
        ///
        /// Emits `TokensReleased`.
        fn release(ref self: ContractState, schedule_id: u64) -> u256 {
            let mut schedule = self._schedule(schedule_id);
            let amount = vested_at(schedule, get_block_timestamp()) - schedule.released;
            assert(amount != 0, errors::NOTHING_TO_RELEASE);
            schedule.released += amount;
            self.schedules.write(schedule_id, schedule);
            self.total_locked.write(self.total_locked.read() - amount);
            self
                .emit(
                    TokensReleased {
                        schedule_id,
                        beneficiary: schedule.beneficiary,
                        amount,
                        released_total: schedule.released
                    }
                );
            self._pay(schedule.beneficiary, amount);
            amount
        }

        fn get_schedule(self: @ContractState, schedule_id: u64) -> Schedule {
            self._schedule(schedule_id)
        }

        fn schedule_count(self: @ContractState) -> u64 {
            self.schedule_count.read()
        }

        /// Requirements: the schedule exists.
        fn vested_amount(self: @ContractState, schedule_id: u64, at: u64) -> u256 {
            vested_at(self._schedule(schedule_id), at)
        }

        /// Requirements: the schedule exists.
        fn releasable(self: @ContractState, schedule_id: u64) -> u256 {
            let schedule = self._schedule(schedule_id);
            vested_at(schedule, get_block_timestamp()) - schedule.released
        }

        fn total_locked(self: @ContractState) -> u256 {
            self.total_locked.read()
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }
    }

    #[external(v0)]
    impl LinearVestingAdminImpl of ILinearVestingAdmin<ContractState> {
        /// Revokes a schedule now: what is vested stays releasable by the beneficiary, the unvested
        /// rest is transferred back to the funder, and the schedule vests no more.
        ///
        /// Requirements: governance only; the schedule exists, was created revocable and is not
        /// revoked yet.
        ///
        /// Emits `ScheduleRevoked`.
        fn revoke(ref self: ContractState, schedule_id: u64) -> u256 {
            self.assert_only_governance();
            let mut schedule = self._schedule(schedule_id);
            assert(schedule.revocable, errors::NOT_REVOCABLE);
            assert(!schedule.revoked, errors::ALREADY_REVOKED);
            let now = get_block_timestamp();
            let vested = vested_at(schedule, now);
            let returned = schedule.total - vested;
            schedule.revoked = true;
            schedule.revoked_at = now;
            schedule.returned = returned;
            self.schedules.write(schedule_id, schedule);
            self.total_locked.write(self.total_locked.read() - returned);
            self
                .emit(
                    ScheduleRevoked {
                        schedule_id,
                        beneficiary: schedule.beneficiary,
                        funder: schedule.funder,
                        vested,
                        returned
                    }
                );
            if returned != 0 {
                self._pay(schedule.funder, returned);
            }
            returned
        }
    }

    #[external(v0)]
    impl GovernedImpl of IGoverned<ContractState> {
        fn governance(self: @ContractState) -> ContractAddress {
            let governed = Governed::unsafe_new_contract_state();
            Governed::InternalImpl::governance(@governed)
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

        fn _schedule(self: @ContractState, schedule_id: u64) -> Schedule {
            assert(
                schedule_id != 0 && schedule_id <= self.schedule_count.read(),
                errors::SCHEDULE_NOT_FOUND
            );
            self.schedules.read(schedule_id)
        }

        fn _pay(ref self: ContractState, recipient: ContractAddress, amount: u256) {
            utils::transfer_or_revert(self.token.read(), recipient, amount, errors::TRANSFER_FAILED);
        }
    }

    /// Vested amount of `schedule` at block time `at`; a revoked schedule stopped vesting at
    /// `revoked_at`.
    fn vested_at(schedule: Schedule, at: u64) -> u256 {
        let t = if schedule.revoked && schedule.revoked_at < at {
            schedule.revoked_at
        } else {
            at
        };
        if t < schedule.start + schedule.cliff_duration {
            return 0;
        }
        let elapsed = t - schedule.start;
        if elapsed >= schedule.duration {
            return schedule.total;
        }
        schedule.total
            * u256 { low: elapsed.into(), high: 0 }
            / u256 { low: schedule.duration.into(), high: 0 }
    }
}
