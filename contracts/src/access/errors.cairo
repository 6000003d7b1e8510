const CALLER_NOT_GOVERNANCE: felt252 = 'Gov: caller not governance';
const CALLER_NOT_PENDING: felt252 = 'Gov: caller not pending gov';
const GOVERNANCE_IS_ZERO: felt252 = 'Gov: governance is zero';
const CLASS_HASH_IS_ZERO: felt252 = 'Gov: class hash is zero';
const PAUSED: felt252 = 'Pause: paused';
const NOT_PAUSED: felt252 = 'Pause: not paused';
const CALLER_NOT_COUNCIL: felt252 = 'Pause: caller not council';
const INVALID_PAUSE_END: felt252 = 'Pause: invalid end';
