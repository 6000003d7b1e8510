//! Parsing and verification of a `CIRO_STARK_V2` proof (PROOF_FORMAT.md §3–§8).
//!
//! `verify_proof` reverts with a `PV: ...` message when the calldata is malformed or its
//! parameters are unsupported (§3, §4.1–4.3), and returns false when any other check fails: the
//! statement, the commitments, the input ranges, the out-of-domain AIR check, the proof of work,
//! a Merkle multiproof, a FRI layer or the last layer.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::{hades_permutation, poseidon_hash_span};
use traits::{DivRem, Into, TryInto};
use zeroable::NonZero;

use super::air::{N_COLUMNS, N_OOD, composition_matches, model_commitment, public_logup_sum};
use super::channel::{Channel, draw, mix, mix_one, new_channel};
use super::errors;
use super::field::{COSET_SHIFT, div, low128, pow, pow2, root_of_unity, square_times};
use super::fri::{sorted_unique, verify_fri};
use super::interface::InferenceStatement;
use super::merkle::verify_multiproof;

/// 'CIRO_STARK_V2'.
const PROTOCOL_TAG: felt252 = 'CIRO_STARK_V2';
/// 'CIRO_POW'.
const POW_TAG: felt252 = 'CIRO_POW';
/// Security policy (§4.2).
const MIN_QUERIES: u32 = 27;
const MAX_QUERIES: u32 = 128;
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
const INPUTS_PER_HALF: u32 = 3;
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

/// Unpacks one 128-bit half of a packed input felt (§3.1): three 41-bit chunks, each `x + 2^40`,
/// appended as `x` to `inputs` while fewer than `n_inputs` are there. None when the half is at or
/// above `2^123`, a used chunk is 0 (an input of `-2^40`) or an unused chunk is not 0.
fn unpack_half(half: u128, n_inputs: u32, chunk: NonZero<u128>, ref inputs: Array<felt252>) -> Option<()> {
    if half >= INPUT_HALF_BOUND {
        return Option::None;
    }
    let mut rest = half;
    let mut k: u32 = 0;
    loop {
        if k == INPUTS_PER_HALF {
            break Option::Some(());
        }
        let (quotient, value) = DivRem::div_rem(rest, chunk);
        rest = quotient;
        if inputs.len() < n_inputs {
            if value == 0 {
                break Option::None;
            }
            let value: felt252 = value.into();
            inputs.append(value - INPUT_OFFSET);
        } else if value != 0 {
            break Option::None;
        }
        k = k + 1;
    }
}

/// The `n_inputs` signed inputs of the packed felts (six per felt, §3.1), or None when the
/// packing is not canonical: every input then has magnitude below 2^40.
fn unpack_inputs(packed: Span<felt252>, n_inputs: u32) -> Option<Array<felt252>> {
    let mut inputs: Array<felt252> = ArrayTrait::new();
    let chunk: NonZero<u128> = INPUT_CHUNK.try_into().unwrap();
    let mut i: u32 = 0;
    let canonical = loop {
        if i == packed.len() {
            break true;
        }
        let v: u256 = (*packed.at(i)).into();
        if unpack_half(v.low, n_inputs, chunk, ref inputs).is_none() {
            break false;
        }
        if unpack_half(v.high, n_inputs, chunk, ref inputs).is_none() {
            break false;
        }
        i = i + 1;
    };
    if canonical {
        Option::Some(inputs)
    } else {
        Option::None
    }
}

/// The header fields of §3 that the later stages use.
#[derive(Copy, Drop)]
struct Header {
    job_id: felt252,
    model_commitment: felt252,
    input_commitment: felt252,
    output_commitment: felt252,
    n_queries: u32,
    grinding_bits: u32,
    log_n: u32,
    scale_bits: u32,
    m1: u32,
    nt: u32,
    preprocessed_root: felt252,
}

/// Parses and checks §3 offsets 0..=14 (policy §4.2, layout §4.3); reverts on a violation.
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
    let n_inputs = take_small(ref data);
    let n_outputs = take_small(ref data);
    let m1 = take_small(ref data);
    let nt = take_small(ref data);
    let preprocessed_root = take(ref data);

    assert(log_blowup == 3, errors::BAD_LOG_BLOWUP);
    assert(log_fold == 3, errors::BAD_LOG_FOLD);
    assert(n_queries >= MIN_QUERIES, errors::TOO_FEW_QUERIES);
    assert(n_queries <= MAX_QUERIES, errors::TOO_MANY_QUERIES);
    assert(grinding_bits <= MAX_GRINDING_BITS, errors::TOO_MANY_GRINDING_BITS);
    assert(3 * n_queries + grinding_bits >= MIN_SECURITY_BITS, errors::BELOW_SECURITY_BITS);
    assert(log_n >= MIN_LOG_TRACE_ROWS, errors::BAD_LOG_TRACE_ROWS);
    assert(log_n <= MAX_LOG_TRACE_ROWS, errors::BAD_LOG_TRACE_ROWS);
    assert(scale_bits == 8 || scale_bits == 16, errors::BAD_SCALE_BITS);
    assert(n_inputs >= 1, errors::BAD_MODEL_LAYOUT);
    assert(n_outputs >= 1, errors::BAD_MODEL_LAYOUT);
    assert(m1 >= 1, errors::BAD_MODEL_LAYOUT);
    assert(nt >= m1, errors::BAD_MODEL_LAYOUT);
    assert(nt >= n_outputs, errors::BAD_MODEL_LAYOUT);
    (
        Header {
            job_id,
            model_commitment,
            input_commitment,
            output_commitment,
            n_queries,
            grinding_bits,
            log_n,
            scale_bits,
            m1,
            nt,
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

/// Leaf hashes `Hmany(row)` of the rows of `values` (`width` felts per row).
fn row_hashes(values: Span<felt252>, width: u32) -> Array<felt252> {
    let mut hashes: Array<felt252> = ArrayTrait::new();
    let mut offset: u32 = 0;
    loop {
        if offset == values.len() {
            break;
        }
        hashes.append(poseidon_hash_span(values.slice(offset, width)));
        offset = offset + width;
    };
    hashes
}

/// Checks one trace tree (§7.1–7.2): `Q·width` values, reverting otherwise, and the multiproof.
fn tree_opens(
    root: felt252,
    depth: u32,
    queries: Span<u32>,
    values: Span<felt252>,
    siblings: Span<felt252>,
    width: u32
) -> bool {
    assert(values.len() == queries.len() * width, errors::BAD_TREE_VALUES_LENGTH);
    verify_multiproof(root, depth, queries, row_hashes(values, width).span(), siblings)
}

/// `Σ_k ρ^k·(c_k − ood[k])` over the `N_COLUMNS + 2` opened values `c` of query `qi` and
/// `Σ_k ρ^(N_COLUMNS+2+k)·(c_k − ood[N_COLUMNS+2+k])` over its `N_COLUMNS` trace values (§7 DEEP),
/// written `Σ_k ρ^k·c_k − Σ_k ρ^k·ood[k]`: the second sums, the same for every query, are
/// `ood_sums` ([`ood_sums`]), and the next-row sum's opened part is `ρ^(N_COLUMNS+2)` times the
/// first's trace part.
fn deep_sums(
    qi: u32,
    pre: Span<felt252>,
    main: Span<felt252>,
    inter: Span<felt252>,
    comp: Span<felt252>,
    rho_powers: Span<felt252>,
    ood_sums: (felt252, felt252)
) -> (felt252, felt252) {
    let mut rho = rho_powers.slice(0, N_COLUMNS + 2);
    let trace_sum = weighted_sum(pre.slice(qi * WIDTH_PREPROCESSED, WIDTH_PREPROCESSED), ref rho)
        + weighted_sum(main.slice(qi * WIDTH_MAIN, WIDTH_MAIN), ref rho)
        + weighted_sum(inter.slice(qi * WIDTH_INTERACTION, WIDTH_INTERACTION), ref rho);
    let composition_sum = weighted_sum(comp.slice(qi * WIDTH_COMPOSITION, WIDTH_COMPOSITION), ref rho);
    let (ood_z, ood_zg) = ood_sums;
    (trace_sum + composition_sum - ood_z, *rho_powers.at(N_COLUMNS + 2) * trace_sum - ood_zg)
}

/// `Σ_k ρ^k·ood[k]` over the `N_COLUMNS + 2` values at z, and `Σ_k ρ^(N_COLUMNS+2+k)·ood[N_COLUMNS+2+k]`
/// over the `N_COLUMNS` values at zg.
fn ood_sums(ood: Span<felt252>, rho_powers: Span<felt252>) -> (felt252, felt252) {
    let mut rho_z = rho_powers.slice(0, N_COLUMNS + 2);
    let mut rho_zg = rho_powers.slice(N_COLUMNS + 2, N_COLUMNS);
    let at_z = weighted_sum(ood.slice(0, N_COLUMNS + 2), ref rho_z);
    let at_zg = weighted_sum(ood.slice(N_COLUMNS + 2, N_COLUMNS), ref rho_zg);
    (at_z, at_zg)
}

/// `Σ_k w_k·v_k` over `values`, taking the weights `w` from the front of `weights`.
fn weighted_sum(values: Span<felt252>, ref weights: Span<felt252>) -> felt252 {
    let mut values = values;
    let mut sum = 0;
    loop {
        match values.pop_front() {
            Option::Some(v) => {
                sum = sum + *weights.pop_front().unwrap() * *v;
            },
            Option::None => {
                break;
            },
        };
    };
    sum
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
        header.log_n, header.scale_bits, n_inputs, n_outputs, header.m1, header.nt, header.preprocessed_root
    ) {
        return false;
    }
    if header.input_commitment != poseidon_hash_span(packed_inputs) {
        return false;
    }
    if header.output_commitment != poseidon_hash_span(outputs) {
        return false;
    }
    let inputs = match unpack_inputs(packed_inputs, n_inputs) {
        Option::Some(inputs) => inputs.span(),
        Option::None => {
            return false;
        },
    };

    // Channel replay, T1–T5.
    let mut seed: Array<felt252> = ArrayTrait::new();
    seed.append(PROTOCOL_TAG);
    seed.append(3);
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
    let log_domain = header.log_n + 3;
    let g = root_of_unity(header.log_n);
    let z_pow_n = square_times(z, header.log_n);
    let z_pow_domain = square_times(z_pow_n, 3);
    let shift_pow_domain = square_times(COSET_SHIFT, log_domain);
    let zg_pow_domain = square_times(z * g, log_domain);
    if z_pow_n == 1 || z_pow_domain == shift_pow_domain || zg_pow_domain == shift_pow_domain {
        return false;
    }
    let t = match public_logup_sum(beta, gamma, header.m1, header.nt, inputs, outputs) {
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

    // Trace trees (§7.1–7.2).
    if !tree_opens(header.preprocessed_root, log_domain, queries, pre_values, pre_siblings, WIDTH_PREPROCESSED) {
        return false;
    }
    if !tree_opens(main_root, log_domain, queries, main_values, main_siblings, WIDTH_MAIN) {
        return false;
    }
    if !tree_opens(interaction_root, log_domain, queries, inter_values, inter_siblings, WIDTH_INTERACTION) {
        return false;
    }
    if !tree_opens(composition_root, log_domain, queries, comp_values, comp_siblings, WIDTH_COMPOSITION) {
        return false;
    }

    // DEEP values (§7).
    let mut rho_powers: Array<felt252> = ArrayTrait::new();
    let mut power: felt252 = 1;
    let mut k: u32 = 0;
    loop {
        if k == N_OOD {
            break;
        }
        rho_powers.append(power);
        power = power * rho;
        k = k + 1;
    };
    let rho_powers = rho_powers.span();
    let ood_at = ood_sums(ood, rho_powers);
    let zg = z * g;
    let omega = root_of_unity(log_domain);
    let mut deep: Array<felt252> = ArrayTrait::new();
    let mut qi: u32 = 0;
    let deep_ok = loop {
        if qi == queries.len() {
            break true;
        }
        let x = COSET_SHIFT * pow(omega, (*queries.at(qi)).into());
        let (at_z, at_zg) = deep_sums(
            qi, pre_values, main_values, inter_values, comp_values, rho_powers, ood_at
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
        qi = qi + 1;
    };
    if !deep_ok {
        return false;
    }

    // FRI (§7).
    verify_fri(
        log_domain,
        queries,
        deep.span(),
        fri_roots,
        alphas.span(),
        fri_values.span(),
        fri_siblings.span(),
        last_layer
    )
}
