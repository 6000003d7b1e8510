//! The MLP AIR (`CIRO_MLP_AIR_V3`) at the out-of-domain point: PROOF_FORMAT.md §4.4 and §6.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::poseidon_hash_span;
use traits::Into;

use super::field::div;

/// 'CIRO_MLP_AIR_V3'.
const MLP_AIR_TAG: felt252 = 'CIRO_MLP_AIR_V3';
/// Number of trace columns (preprocessed, main, interaction).
const N_COLUMNS: u32 = 46;
/// Number of out-of-domain values: the columns at `z`, `h0(z)`, `h1(z)`, the columns at `z·g`.
const N_OOD: u32 = 94;
/// Neurons per block (the accumulators of a MAC row).
const BLOCK_NEURONS: u32 = 8;

/// `Hmany([MLP_AIR_TAG, log_n, scale_bits, output_scale_bits, n_inputs, n_outputs, R, NT, kind,
/// preprocessed_root])`; `kind` is 0 for an MLP, 1 for a CNN. JobManager computes it too, from the
/// layout a model is registered with.
fn model_commitment(
    log_n: u32,
    scale_bits: u32,
    output_scale_bits: u32,
    n_inputs: u32,
    n_outputs: u32,
    input_reads: u32,
    nt: u32,
    kind: u32,
    preprocessed_root: felt252
) -> felt252 {
    let mut items = ArrayTrait::new();
    items.append(MLP_AIR_TAG);
    items.append(log_n.into());
    items.append(scale_bits.into());
    items.append(output_scale_bits.into());
    items.append(n_inputs.into());
    items.append(n_outputs.into());
    items.append(input_reads.into());
    items.append(nt.into());
    items.append(kind.into());
    items.append(preprocessed_root);
    poseidon_hash_span(items.span())
}

/// A sum of inverses `Σ 1/d_k` kept as one fraction `numerator / denominator`: adding a term
/// costs three multiplications, and the sum one inverse at the end instead of one per term.
#[derive(Copy, Drop)]
struct InverseSum {
    numerator: felt252,
    denominator: felt252,
}

/// The empty sum.
fn inverse_sum_new() -> InverseSum {
    InverseSum { numerator: 0, denominator: 1 }
}

/// `sum + 1/d`. A zero `d` makes the denominator zero for good, so [`inverse_sum_value`] is None.
fn add_inverse(sum: InverseSum, d: felt252) -> InverseSum {
    InverseSum { numerator: sum.numerator * d + sum.denominator, denominator: sum.denominator * d }
}

/// The sum's value, or None when one of its terms had a zero denominator.
fn inverse_sum_value(sum: InverseSum) -> Option<felt252> {
    div(sum.numerator, sum.denominator)
}

/// The input part of §6.2's `T`, one input at a time: `Σ_k 1/(β − (1+k) − γ·x_k)`.
fn add_input_term(sum: InverseSum, beta: felt252, gamma: felt252, address: felt252, value: felt252) -> InverseSum {
    add_inverse(sum, beta - address - gamma * value)
}

/// The public LogUp sum `T` of §6.2 from the inputs' part `inputs_sum` (see [`add_input_term`]),
/// or None when a denominator is zero.
fn public_logup_sum(
    beta: felt252,
    gamma: felt252,
    input_reads: u32,
    nt: u32,
    n_inputs: u32,
    inputs_sum: InverseSum,
    outputs: Span<felt252>
) -> Option<felt252> {
    let n_in: felt252 = n_inputs.into();
    let n_out: felt252 = outputs.len().into();
    let nt_felt: felt252 = nt.into();
    let mut address = 1 + n_in + nt_felt - n_out;
    let mut outputs_sum = inverse_sum_new();
    let mut rest = outputs;
    loop {
        match rest.pop_front() {
            Option::Some(y) => {
                outputs_sum = add_inverse(outputs_sum, beta - address - gamma * *y);
                address = address + 1;
            },
            Option::None => {
                break;
            },
        };
    };
    let inputs_value = inverse_sum_value(inputs_sum)?;
    let outputs_value = inverse_sum_value(outputs_sum)?;
    Option::Some(input_reads.into() * inputs_value - outputs_value)
}

/// `(U, Y)` of §6.3 from the limbs `l0..l4` at `ood[35..40]`: all limbs, and the limbs above
/// `scale_limbs`.
fn magnitudes(ood: Span<felt252>, scale_limbs: u32) -> (felt252, felt252) {
    let mut u = 0;
    let mut y = 0;
    let mut k: u32 = 5;
    loop {
        if k == 0 {
            break;
        }
        k = k - 1;
        let limb = *ood.at(35 + k);
        u = u * 256 + limb;
        if k >= scale_limbs {
            y = y * 256 + limb;
        };
    };
    (u, y)
}

/// The accumulator constraints 0..8 of §6.3, appended to `constraints`. Column `c` at `z` is
/// `ood[c]`, at `z·g` it is `ood[next + c]`.
fn append_accumulator_constraints(ref constraints: Array<felt252>, ood: Span<felt252>, next: u32) {
    let keep_next = *ood.at(next + 20);
    let shift_next = (*ood.at(next + 21) + *ood.at(next + 22)) * (1 - keep_next);
    let xa_next = *ood.at(next + 24);
    let xb_next = *ood.at(next + 25);
    let mut k: u32 = 0;
    loop {
        if k == BLOCK_NEURONS {
            break;
        }
        let below = if k + 1 == BLOCK_NEURONS {
            0
        } else {
            *ood.at(27 + k)
        };
        constraints
            .append(
                *ood.at(next + 26 + k)
                    - keep_next * *ood.at(26 + k)
                    - shift_next * below
                    - *ood.at(next + 2 * k) * xa_next
                    - *ood.at(next + 2 * k + 1) * xb_next
            );
        k = k + 1;
    };
}

/// §6.4: `Σ α^i·C_i == (h0(z) + z^n·h1(z))·(z^n − 1)`, with `T·n^-1` given as `t_over_n`.
fn composition_matches(
    ood: Span<felt252>,
    beta: felt252,
    gamma: felt252,
    alpha: felt252,
    t_over_n: felt252,
    scale_bits: u32,
    z_pow_n: felt252
) -> bool {
    let next = N_COLUMNS + 2;
    let mut constraints: Array<felt252> = ArrayTrait::new();
    append_accumulator_constraints(ref constraints, ood, next);

    // Current row (at z).
    let bias = *ood.at(16);
    let addr = *ood.at(17);
    let m_a = *ood.at(18);
    let m_b = *ood.at(19);
    let relu = *ood.at(21);
    let lin = *ood.at(22);
    let table = *ood.at(23);
    let x_a = *ood.at(24);
    let x_b = *ood.at(25);
    let acc = *ood.at(26);
    let neg = *ood.at(34);
    let rcm = *ood.at(40);
    let i1 = *ood.at(41);
    let i2 = *ood.at(42);
    let i3 = *ood.at(43);
    let i4 = *ood.at(44);
    let s = *ood.at(45);
    let h0 = *ood.at(46);
    let h1 = *ood.at(47);

    let (u, y) = magnitudes(ood, scale_bits / 8);
    let sign = 1 - 2 * neg;
    constraints.append((relu + lin) * (acc + bias - sign * u));
    constraints.append(relu * (x_a - (1 - neg) * y) + lin * (x_a - sign * y));
    constraints.append(neg * (1 - neg));
    let d0 = beta - gamma * *ood.at(35);
    let d1 = beta - gamma * *ood.at(36);
    let d2 = beta - gamma * *ood.at(37);
    let d3 = beta - gamma * *ood.at(38);
    let d4 = beta - gamma * *ood.at(39);
    constraints.append(i1 * d0 * d1 - (d0 + d1));
    constraints.append(i2 * d2 * d3 - (d2 + d3));
    let da = beta - addr - gamma * x_a;
    let db = beta - addr - 1 - gamma * x_b;
    constraints.append(i3 * da * db - m_a * db - m_b * da);
    let dt = beta - gamma * table;
    constraints.append(i4 * d4 * dt - dt + rcm * d4);
    constraints
        .append(
            *ood.at(next + 45)
                - s
                - *ood.at(next + 41)
                - *ood.at(next + 42)
                - *ood.at(next + 43)
                - *ood.at(next + 44)
                + t_over_n
        );

    // Σ α^i·C_i by Horner's rule from the last constraint.
    let constraints = constraints.span();
    let mut combined = 0;
    let mut i = constraints.len();
    loop {
        if i == 0 {
            break;
        }
        i = i - 1;
        combined = combined * alpha + *constraints.at(i);
    };
    combined == (h0 + z_pow_n * h1) * (z_pow_n - 1)
}
