const AMOUNT_IS_ZERO: felt252 = 'Counter: amount is zero';
const CALLER_NOT_OWNER: felt252 = 'Counter: caller is not owner';
const OWNER_IS_ZERO: felt252 = 'Counter: owner is zero';
