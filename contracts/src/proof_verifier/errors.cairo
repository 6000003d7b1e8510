//! ProofVerifier revert messages. A revert means the calldata is not a well-formed
//! `CIRO_STARK_V2` proof with supported parameters (PROOF_FORMAT.md §3, §4.1–4.3); every check a
//! well-formed proof can fail makes `verify_inference` return false instead.

const CALLDATA_TOO_SHORT: felt252 = 'PV: calldata too short';
const TRAILING_FELTS: felt252 = 'PV: trailing felts';
const VALUE_NOT_SMALL: felt252 = 'PV: value not small';
const POW_NONCE_NOT_U64: felt252 = 'PV: pow nonce not u64';
const BAD_LOG_BLOWUP: felt252 = 'PV: log_blowup not 2..=6';
const BAD_LOG_FOLD: felt252 = 'PV: log_fold must be 3';
const TOO_FEW_QUERIES: felt252 = 'PV: queries*log_blowup < 80';
const TOO_MANY_QUERIES: felt252 = 'PV: more than 128 queries';
const BELOW_SECURITY_BITS: felt252 = 'PV: below 100 security bits';
const TOO_MANY_GRINDING_BITS: felt252 = 'PV: more than 64 grinding bits';
const BAD_LOG_TRACE_ROWS: felt252 = 'PV: log_trace_rows not 8..=24';
const DOMAIN_TOO_LARGE: felt252 = 'PV: log_rows+log_blowup > 27';
const BAD_SCALE_BITS: felt252 = 'PV: scale_bits not 8 or 16';
const BAD_OUTPUT_SCALE_BITS: felt252 = 'PV: output scale above scale';
const BAD_MODEL_LAYOUT: felt252 = 'PV: unsupported model layout';
const BAD_OOD_LENGTH: felt252 = 'PV: ood length not 94';
const BAD_FRI_ROOTS_LENGTH: felt252 = 'PV: bad fri_roots length';
const BAD_LAST_LAYER_LENGTH: felt252 = 'PV: bad last_layer length';
const BAD_TREE_VALUES_LENGTH: felt252 = 'PV: bad tree values length';
const BAD_FRI_VALUES_LENGTH: felt252 = 'PV: bad fri values length';
