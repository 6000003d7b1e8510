// Proposals and voting.
const TOKEN_IS_ZERO: felt252 = 'GT: token is zero';
const NO_CALLS: felt252 = 'GT: no calls';
const TOO_MANY_CALLS: felt252 = 'GT: too many calls';
const BELOW_PROPOSAL_THRESHOLD: felt252 = 'GT: votes below threshold';
const PROPOSAL_NOT_FOUND: felt252 = 'GT: proposal not found';
const VOTING_NOT_ACTIVE: felt252 = 'GT: voting not active';
const INVALID_SUPPORT: felt252 = 'GT: invalid support';
const ALREADY_VOTED: felt252 = 'GT: already voted';
const NO_VOTES_AT_SNAPSHOT: felt252 = 'GT: no votes at snapshot';
const NOT_SUCCEEDED: felt252 = 'GT: not succeeded';
const NOT_QUEUED: felt252 = 'GT: not queued';
const TIMELOCK_NOT_EXPIRED: felt252 = 'GT: timelock not expired';
const CALL_FAILED: felt252 = 'GT: call failed';
const CALLER_NOT_PROPOSER: felt252 = 'GT: caller not proposer';
const VOTING_STARTED: felt252 = 'GT: voting started';
const CANNOT_CANCEL: felt252 = 'GT: cannot cancel';
const TREASURY_CANNOT_VOTE: felt252 = 'GT: treasury cannot vote';
// Parameters and self-calls.
const CALLER_NOT_SELF: felt252 = 'GT: only through a proposal';
const VOTING_PERIOD_IS_ZERO: felt252 = 'GT: voting period is zero';
const INVALID_QUORUM: felt252 = 'GT: invalid quorum';
const CLASS_HASH_IS_ZERO: felt252 = 'GT: class hash is zero';
// Emergency council.
const CALLER_NOT_MEMBER: felt252 = 'GT: caller not council member';
const ACTION_NOT_FOUND: felt252 = 'GT: action not found';
const ACTION_EXECUTED: felt252 = 'GT: action already executed';
const ACTION_STALE: felt252 = 'GT: action from old council';
const ALREADY_CONFIRMED: felt252 = 'GT: already confirmed';
const TARGET_NOT_PAUSABLE: felt252 = 'GT: target not pausable';
const COUNCIL_CANNOT_CANCEL: felt252 = 'GT: council cannot cancel';
const INVALID_THRESHOLD: felt252 = 'GT: invalid council threshold';
const MEMBER_IS_ZERO: felt252 = 'GT: council member is zero';
const DUPLICATE_MEMBER: felt252 = 'GT: duplicate council member';
