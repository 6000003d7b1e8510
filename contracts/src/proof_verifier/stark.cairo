//! Parsing and verification of a `CIRO_STARK_V2` proof (PROOF_FORMAT.md §3–§8).
//!
//! `verify_proof` reverts with a `PV: ...` message when the calldata is malformed or its
//! parameters are unsupported (§3, §4.1–4.3), and returns false when any other check fails: the
//! statement, the commitments, the input ranges, the out-of-domain AIR check, the proof of work,
//! a Merkle multiproof, a FRI layer or the last layer.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::{hades_permutation, poseidon_hash_span};
use integer::u128_safe_divmod;
use traits::{Into, TryInto};
use zeroable::NonZero;

use super::air::{
    InverseSum, N_COLUMNS, N_OOD, add_input_term, composition_matches, inverse_sum_new,
    model_commitment, public_logup_sum
};
use super::channel::{Channel, draw, mix, mix_one, new_channel};
use super::errors;
use super::field::{
    COSET_SHIFT, MAX_LOG_DOMAIN, div, low128, pow2, pow_u32, root_of_unity, square_times
};
use super::fri::{sorted_unique, verify_fri};
use super::interface::InferenceStatement;
use super::merkle::verify_trace_multiproofs;

/// 'CIRO_STARK_V2'.
const PROTOCOL_TAG: felt252 = 'CIRO_STARK_V2';
/// 'CIRO_POW'.
const POW_TAG: felt252 = 'CIRO_POW';
/// Security policy (§4.2).
const MIN_LOG_BLOWUP: u32 = 2;
const MAX_LOG_BLOWUP: u32 = 6;
const MAX_QUERIES: u32 = 128;
/// Security the queries alone must give, `n_queries · log_blowup`: at most
/// `MIN_SECURITY_BITS − MIN_QUERY_BITS` bits may come from grinding.
const MIN_QUERY_BITS: u32 = 80;
/// Conjectured security `n_queries · log_blowup + grinding_bits` of every accepted proof.
const MIN_SECURITY_BITS: u32 = 100;
const MAX_GRINDING_BITS: u32 = 64;
const MIN_LOG_TRACE_ROWS: u32 = 8;
const MAX_LOG_TRACE_ROWS: u32 = 24;
/// Trace-tree widths: preprocessed, main, interaction, composition.
const WIDTH_PREPROCESSED: u32 = 24;
const WIDTH_MAIN: u32 = 17;
const WIDTH_INTERACTION: u32 = 5;
const WIDTH_COMPOSITION: u32 = 2;
/// Packed inputs (§3.1): `2^40` is added to each input, giving a 41-bit chunk; three chunks per
/// 128-bit half, six per felt.
const INPUT_OFFSET: felt252 = 0x10000000000;
const INPUT_CHUNK: u128 = 0x20000000000;
const INPUT_HALF_BOUND: u128 = 0x8000000000000000000000000000000;
const INPUTS_PER_FELT: u32 = 6;

/// The next felt.
fn take(ref data: Span<felt252>) -> felt252 {
    match data.pop_front() {
        Option::Some(x) => *x,
        Option::None => panic_with_felt252(errors::CALLDATA_TOO_SHORT),
    }
}

/// The next felt, which must be below 2^32.
fn take_small(ref data: Span<felt252>) -> u32 {
    let value: Option<u32> = take(ref data).try_into();
    value.expect(errors::VALUE_NOT_SMALL)
}

/// The next `len` felts.
fn take_span(ref data: Span<felt252>, len: u32) -> Span<felt252> {
    assert(len <= data.len(), errors::CALLDATA_TOO_SHORT);
    let taken = data.slice(0, len);
    data = data.slice(len, data.len() - len);
    taken
}

/// A length-prefixed array of any length.
fn take_array(ref data: Span<felt252>) -> Span<felt252> {
    let len = take_small(ref data);
    take_span(ref data, len)
}

/// A length-prefixed array whose length must be `expected`.
fn take_array_of(ref data: Span<felt252>, expected: u32, error: felt252) -> Span<felt252> {
    let len = take_small(ref data);
    assert(len == expected, error);
    take_span(ref data, len)
}

/// Where the unpacking of the inputs is: the next input's address and how many inputs are
/// left, with the inputs' LogUp sum so far (§6.2).
#[derive(Copy, Drop)]
struct InputCursor {
    address: felt252,
    left: felt252,
    sum: InverseSum,
}

/// One 41-bit chunk `c` of a packed felt (§3.1): while inputs are left it must be non-zero and
/// its input `c − 2^40` joins the LogUp sum; past the last input it must be 0.
fn take_chunk(chunk: u128, beta: felt252, gamma: felt252, cursor: InputCursor) -> Option<InputCursor> {
    if cursor.left == 0 {
        return if chunk == 0 {
            Option::Some(cursor)
        } else {
            Option::None
        };
    }
    if chunk == 0 {
        return Option::None;
    }
    let value: felt252 = chunk.into();
    Option::Some(
        InputCursor {
            address: cursor.address + 1,
            left: cursor.left - 1,
            sum: add_input_term(cursor.sum, beta, gamma, cursor.address, value - INPUT_OFFSET),
        }
    )
}

/// Unpacks one 128-bit half of a packed input felt (§3.1): three 41-bit chunks, each taken by
/// [`take_chunk`]. None when the half is at or above `2^123` or a chunk is refused.
fn unpack_half(
    half: u128, chunk: NonZero<u128>, beta: felt252, gamma: felt252, cursor: InputCursor
) -> Option<InputCursor> {
    if half >= INPUT_HALF_BOUND {
        return Option::None;
    }
    let (rest, c0) = u128_safe_divmod(half, chunk);
    let (c2, c1) = u128_safe_divmod(rest, chunk);
    let cursor = take_chunk(c0, beta, gamma, cursor)?;
    let cursor = take_chunk(c1, beta, gamma, cursor)?;
    take_chunk(c2, beta, gamma, cursor)
}

/// The inputs' part of §6.2's LogUp sum, `Σ_k 1/(β − (1+k) − γ·x_k)` over the `n_inputs` inputs
/// of the packed felts (six per felt, §3.1), or None when the packing is not canonical: every
/// input then has magnitude below 2^40.
fn input_logup_sum(packed: Span<felt252>, n_inputs: u32, beta: felt252, gamma: felt252) -> Option<InverseSum> {
    let chunk: NonZero<u128> = INPUT_CHUNK.try_into().unwrap();
    let mut cursor = InputCursor { address: 1, left: n_inputs.into(), sum: inverse_sum_new() };
    let mut rest = packed;
    loop {
        let felt = match rest.pop_front() {
            Option::Some(felt) => *felt,
            Option::None => {
                break Option::Some(cursor.sum);
            },
        };
        let v: u256 = felt.into();
        cursor = match unpack_half(v.low, chunk, beta, gamma, cursor) {
            Option::Some(next) => next,
            Option::None => {
                break Option::None;
            },
        };
        cursor = match unpack_half(v.high, chunk, beta, gamma, cursor) {
            Option::Some(next) => next,
            Option::None => {
                break Option::None;
            },
        };
    }
}

/// The header fields of §3 that the later stages use.
#[derive(Copy, Drop)]
struct Header {
    job_id: felt252,
    model_commitment: felt252,
    input_commitment: felt252,
    output_commitment: felt252,
    log_blowup: u32,
    n_queries: u32,
    grinding_bits: u32,
    log_n: u32,
    scale_bits: u32,
    output_scale_bits: u32,
    input_reads: u32,
    nt: u32,
    kind: u32,
    preprocessed_root: felt252,
}

/// Parses and checks §3 offsets 0..=16 (policy §4.2, layout §4.3); reverts on a violation.
fn parse_header(ref data: Span<felt252>) -> (Header, u32, u32) {
    let job_id = take(ref data);
    let model_commitment = take(ref data);
    let input_commitment = take(ref data);
    let output_commitment = take(ref data);
    let log_blowup = take_small(ref data);
    let log_fold = take_small(ref data);
    let n_queries = take_small(ref data);
    let grinding_bits = take_small(ref data);
    let log_n = take_small(ref data);
    let scale_bits = take_small(ref data);
    let output_scale_bits = take_small(ref data);
    let n_inputs = take_small(ref data);
    let n_outputs = take_small(ref data);
    let input_reads = take_small(ref data);
    let nt = take_small(ref data);
    let kind = take_small(ref data);
    let preprocessed_root = take(ref data);

    assert(log_blowup >= MIN_LOG_BLOWUP, errors::BAD_LOG_BLOWUP);
    assert(log_blowup <= MAX_LOG_BLOWUP, errors::BAD_LOG_BLOWUP);
    assert(log_fold == 3, errors::BAD_LOG_FOLD);
    assert(n_queries * log_blowup >= MIN_QUERY_BITS, errors::TOO_FEW_QUERIES);
    assert(n_queries <= MAX_QUERIES, errors::TOO_MANY_QUERIES);
    assert(grinding_bits <= MAX_GRINDING_BITS, errors::TOO_MANY_GRINDING_BITS);
    assert(n_queries * log_blowup + grinding_bits >= MIN_SECURITY_BITS, errors::BELOW_SECURITY_BITS);
    assert(log_n >= MIN_LOG_TRACE_ROWS, errors::BAD_LOG_TRACE_ROWS);
    assert(log_n <= MAX_LOG_TRACE_ROWS, errors::BAD_LOG_TRACE_ROWS);
    assert(log_n + log_blowup <= MAX_LOG_DOMAIN, errors::DOMAIN_TOO_LARGE);
    assert(scale_bits == 8 || scale_bits == 16, errors::BAD_SCALE_BITS);
    assert(output_scale_bits <= scale_bits, errors::BAD_OUTPUT_SCALE_BITS);
    assert(n_inputs >= 1, errors::BAD_MODEL_LAYOUT);
    assert(n_outputs >= 1, errors::BAD_MODEL_LAYOUT);
    assert(input_reads >= 1, errors::BAD_MODEL_LAYOUT);
    assert(nt >= n_outputs, errors::BAD_MODEL_LAYOUT);
    assert(kind <= 1, errors::BAD_MODEL_LAYOUT);
    (
        Header {
            job_id,
            model_commitment,
            input_commitment,
            output_commitment,
            log_blowup,
            n_queries,
            grinding_bits,
            log_n,
            scale_bits,
            output_scale_bits,
            input_reads,
            nt,
            kind,
            preprocessed_root,
        },
        n_inputs,
        n_outputs
    )
}

/// `F = ceil((log_n − 4)/3)`.
fn fri_layer_count(log_n: u32) -> u32 {
    (log_n - 4 + 2) / 3
}

/// `Σ_k ρ^k·v_k` over the values of `spans` in order (`v_0` the first value of the first
/// span) plus `ρ^len·acc`, by Horner's rule from the last value.
fn horner(spans: Span<Span<felt252>>, rho: felt252, acc: felt252) -> felt252 {
    let mut value = acc;
    let mut rest = spans;
    loop {
        let mut span = match rest.pop_back() {
            Option::Some(span) => *span,
            Option::None => {
                break value;
            },
        };
        loop {
            match span.pop_back() {
                Option::Some(v) => {
                    value = value * rho + *v;
                },
                Option::None => {
                    break;
                },
            };
        };
    }
}

/// `Σ_k ρ^k·(c_k − ood[k])` over the `N_COLUMNS + 2` opened values `c` of one query and
/// `Σ_k ρ^(N_COLUMNS+2+k)·(c_k − ood[N_COLUMNS+2+k])` over its `N_COLUMNS` trace values (§7 DEEP),
/// written `Σ_k ρ^k·c_k − Σ_k ρ^k·ood[k]`: the second sums, the same for every query, are
/// `ood_sums` ([`ood_sums`]), and the next-row sum's opened part is `ρ^(N_COLUMNS+2)` times the
/// first's trace part. `rho_46` and `rho_48` are `ρ^N_COLUMNS` and `ρ^(N_COLUMNS+2)`.
fn deep_sums(
    pre: Span<felt252>,
    main: Span<felt252>,
    inter: Span<felt252>,
    comp: Span<felt252>,
    rho: felt252,
    rho_46: felt252,
    rho_48: felt252,
    ood_sums: (felt252, felt252)
) -> (felt252, felt252) {
    let mut rows: Array<Span<felt252>> = ArrayTrait::new();
    rows.append(pre);
    rows.append(main);
    rows.append(inter);
    let trace_sum = horner(rows.span(), rho, 0);
    let composition_sum = *comp[0] + rho * *comp[1];
    let (ood_z, ood_zg) = ood_sums;
    (trace_sum + rho_46 * composition_sum - ood_z, rho_48 * trace_sum - ood_zg)
}

/// `Σ_k ρ^k·ood[k]` over the `N_COLUMNS + 2` values at z, and `Σ_k ρ^(N_COLUMNS+2+k)·ood[N_COLUMNS+2+k]`
/// over the `N_COLUMNS` values at zg.
fn ood_sums(ood: Span<felt252>, rho: felt252, rho_48: felt252) -> (felt252, felt252) {
    let mut at_z: Array<Span<felt252>> = ArrayTrait::new();
    at_z.append(ood.slice(0, N_COLUMNS + 2));
    let mut at_zg: Array<Span<felt252>> = ArrayTrait::new();
    at_zg.append(ood.slice(N_COLUMNS + 2, N_COLUMNS));
    (horner(at_z.span(), rho, 0), rho_48 * horner(at_zg.span(), rho, 0))
}

/// Verifies `proof` (the full calldata of §3) for `statement`. See the module doc for what
/// reverts and what returns false.
fn verify_proof(statement: InferenceStatement, proof: Span<felt252>) -> bool {
    let mut data = proof;
    let (header, n_inputs, n_outputs) = parse_header(ref data);
    let packed_inputs = take_span(ref data, (n_inputs + INPUTS_PER_FELT - 1) / INPUTS_PER_FELT);
    let outputs = take_span(ref data, n_outputs);
    let main_root = take(ref data);
    let interaction_root = take(ref data);
    let composition_root = take(ref data);
    let ood = take_array_of(ref data, N_OOD, errors::BAD_OOD_LENGTH);
    let n_fri = fri_layer_count(header.log_n);
    let fri_roots = take_array_of(ref data, n_fri, errors::BAD_FRI_ROOTS_LENGTH);
    let last_len: u32 = pow2(header.log_n - 3 * n_fri).try_into().unwrap();
    let last_layer = take_array_of(ref data, last_len, errors::BAD_LAST_LAYER_LENGTH);
    let pow_nonce_felt = take(ref data);
    let pow_nonce: Option<u64> = pow_nonce_felt.try_into();
    pow_nonce.expect(errors::POW_NONCE_NOT_U64);
    let pre_values = take_array(ref data);
    let pre_siblings = take_array(ref data);
    let main_values = take_array(ref data);
    let main_siblings = take_array(ref data);
    let inter_values = take_array(ref data);
    let inter_siblings = take_array(ref data);
    let comp_values = take_array(ref data);
    let comp_siblings = take_array(ref data);
    let mut fri_values: Array<Span<felt252>> = ArrayTrait::new();
    let mut fri_siblings: Array<Span<felt252>> = ArrayTrait::new();
    let mut k: u32 = 0;
    loop {
        if k == n_fri {
            break;
        }
        fri_values.append(take_array(ref data));
        fri_siblings.append(take_array(ref data));
        k = k + 1;
    };
    assert(data.len() == 0, errors::TRAILING_FELTS);

    // The statement the caller asks about must be the one the proof is for (§4.4–4.6).
    let job_id: felt252 = statement.job_id.into();
    if job_id != header.job_id
        || statement.model_commitment != header.model_commitment
        || statement.input_commitment != header.input_commitment
        || statement.output_commitment != header.output_commitment {
        return false;
    }
    if header.model_commitment != model_commitment(
        header.log_n,
        header.scale_bits,
        header.output_scale_bits,
        n_inputs,
        n_outputs,
        header.input_reads,
        header.nt,
        header.kind,
        header.preprocessed_root
    ) {
        return false;
    }
    if header.input_commitment != poseidon_hash_span(packed_inputs) {
        return false;
    }
    if header.output_commitment != poseidon_hash_span(outputs) {
        return false;
    }

    // Channel replay, T1–T5.
    let mut seed: Array<felt252> = ArrayTrait::new();
    seed.append(PROTOCOL_TAG);
    seed.append(header.log_blowup.into());
    seed.append(3);
    seed.append(header.n_queries.into());
    seed.append(header.grinding_bits.into());
    seed.append(header.log_n.into());
    seed.append(header.job_id);
    seed.append(header.model_commitment);
    seed.append(header.input_commitment);
    seed.append(header.output_commitment);
    let channel = new_channel(seed.span());
    let channel = mix_one(channel, header.preprocessed_root);
    let channel = mix_one(channel, main_root);
    let (channel, beta) = draw(channel);
    let (channel, gamma) = draw(channel);
    let channel = mix_one(channel, interaction_root);
    let (channel, alpha) = draw(channel);
    let channel = mix_one(channel, composition_root);
    let (channel, z) = draw(channel);

    // Out-of-domain check (§6).
    let log_domain = header.log_n + header.log_blowup;
    let g = root_of_unity(header.log_n);
    let z_pow_n = square_times(z, header.log_n);
    let z_pow_domain = square_times(z_pow_n, header.log_blowup);
    let shift_pow_domain = square_times(COSET_SHIFT, log_domain);
    let zg_pow_domain = square_times(z * g, log_domain);
    if z_pow_n == 1 || z_pow_domain == shift_pow_domain || zg_pow_domain == shift_pow_domain {
        return false;
    }
    let inputs_sum = match input_logup_sum(packed_inputs, n_inputs, beta, gamma) {
        Option::Some(sum) => sum,
        Option::None => {
            return false;
        },
    };
    let t = match public_logup_sum(beta, gamma, header.input_reads, header.nt, n_inputs, inputs_sum, outputs) {
        Option::Some(t) => t,
        Option::None => {
            return false;
        },
    };
    let n: felt252 = pow2(header.log_n).into();
    let t_over_n = div(t, n).unwrap();
    if !composition_matches(ood, beta, gamma, alpha, t_over_n, header.scale_bits, z_pow_n) {
        return false;
    }

    // T6–T8.
    let channel = mix(channel, ood);
    let (channel, rho) = draw(channel);
    let mut alphas: Array<felt252> = ArrayTrait::new();
    let mut layer_channel = channel;
    let mut k: u32 = 0;
    loop {
        if k == n_fri {
            break;
        }
        let mixed = mix_one(layer_channel, *fri_roots.at(k));
        let (next, alpha_k) = draw(mixed);
        alphas.append(alpha_k);
        layer_channel = next;
        k = k + 1;
    };
    let channel = mix(layer_channel, last_layer);

    // T9: proof of work on the current digest (§5.1).
    let mut pow_seed_items: Array<felt252> = ArrayTrait::new();
    pow_seed_items.append(POW_TAG);
    pow_seed_items.append(channel.digest);
    pow_seed_items.append(header.grinding_bits.into());
    let pow_seed = poseidon_hash_span(pow_seed_items.span());
    let (work, _, _) = hades_permutation(pow_seed, pow_nonce_felt, 2);
    let mask: u128 = pow2(header.grinding_bits) - 1;
    if low128(work) & mask != 0 {
        return false;
    }

    // T10: query positions, then the sorted distinct set Qs.
    let mut channel = mix_one(channel, pow_nonce_felt);
    let domain_mask: u128 = pow2(log_domain) - 1;
    let mut drawn: Array<u32> = ArrayTrait::new();
    let mut i: u32 = 0;
    loop {
        if i == header.n_queries {
            break;
        }
        let (next, value) = draw(channel);
        channel = next;
        drawn.append((low128(value) & domain_mask).try_into().unwrap());
        i = i + 1;
    };
    let queries = sorted_unique(drawn.span()).span();

    // Trace trees (§7.1–7.2), walked together.
    let first_leaf: u32 = pow2(log_domain).try_into().unwrap();
    let n_queries = queries.len();
    assert(pre_values.len() == n_queries * WIDTH_PREPROCESSED, errors::BAD_TREE_VALUES_LENGTH);
    assert(main_values.len() == n_queries * WIDTH_MAIN, errors::BAD_TREE_VALUES_LENGTH);
    assert(inter_values.len() == n_queries * WIDTH_INTERACTION, errors::BAD_TREE_VALUES_LENGTH);
    assert(comp_values.len() == n_queries * WIDTH_COMPOSITION, errors::BAD_TREE_VALUES_LENGTH);
    let mut roots: Array<felt252> = ArrayTrait::new();
    roots.append(header.preprocessed_root);
    roots.append(main_root);
    roots.append(interaction_root);
    roots.append(composition_root);
    let mut tree_values: Array<Span<felt252>> = ArrayTrait::new();
    tree_values.append(pre_values);
    tree_values.append(main_values);
    tree_values.append(inter_values);
    tree_values.append(comp_values);
    let mut widths: Array<u32> = ArrayTrait::new();
    widths.append(WIDTH_PREPROCESSED);
    widths.append(WIDTH_MAIN);
    widths.append(WIDTH_INTERACTION);
    widths.append(WIDTH_COMPOSITION);
    let mut tree_siblings: Array<Span<felt252>> = ArrayTrait::new();
    tree_siblings.append(pre_siblings);
    tree_siblings.append(main_siblings);
    tree_siblings.append(inter_siblings);
    tree_siblings.append(comp_siblings);
    if !verify_trace_multiproofs(
        first_leaf, queries, roots.span(), tree_values.span(), widths.span(), tree_siblings.span()
    ) {
        return false;
    }

    // DEEP values (§7), with each query's point x = 3·ω^q and its inverse for FRI.
    let rho_46 = pow_u32(rho, N_COLUMNS);
    let rho_48 = rho_46 * rho * rho;
    let ood_at = ood_sums(ood, rho, rho_48);
    let zg = z * g;
    let omega = root_of_unity(log_domain);
    let mut deep: Array<felt252> = ArrayTrait::new();
    let mut points: Array<felt252> = ArrayTrait::new();
    let mut point_invs: Array<felt252> = ArrayTrait::new();
    let mut rest_queries = queries;
    let mut pre = pre_values;
    let mut main = main_values;
    let mut inter = inter_values;
    let mut comp = comp_values;
    let deep_ok = loop {
        let q = match rest_queries.pop_front() {
            Option::Some(q) => *q,
            Option::None => {
                break true;
            },
        };
        let x = COSET_SHIFT * pow_u32(omega, q);
        let (at_z, at_zg) = deep_sums(
            take_span(ref pre, WIDTH_PREPROCESSED),
            take_span(ref main, WIDTH_MAIN),
            take_span(ref inter, WIDTH_INTERACTION),
            take_span(ref comp, WIDTH_COMPOSITION),
            rho,
            rho_46,
            rho_48,
            ood_at
        );
        let first = match div(at_z, x - z) {
            Option::Some(v) => v,
            Option::None => {
                break false;
            },
        };
        let second = match div(at_zg, x - zg) {
            Option::Some(v) => v,
            Option::None => {
                break false;
            },
        };
        deep.append(first + second);
        points.append(x);
        point_invs.append(div(1, x).unwrap());
    };
    if !deep_ok {
        return false;
    }

    // FRI (§7).
    verify_fri(
        log_domain,
        queries,
        deep.span(),
        points.span(),
        point_invs.span(),
        fri_roots,
        alphas.span(),
        fri_values.span(),
        fri_siblings.span(),
        last_layer
    )
}
