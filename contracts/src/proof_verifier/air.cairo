//! The MLP AIR (`CIRO_MLP_AIR_V1`) at the out-of-domain point: PROOF_FORMAT.md §4.4 and §6.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::poseidon_hash_span;
use traits::Into;

use super::field::div;

/// 'CIRO_MLP_AIR_V1'.
const MLP_AIR_TAG: felt252 = 'CIRO_MLP_AIR_V1';
/// Number of trace columns (preprocessed, main, interaction).
const N_COLUMNS: u32 = 20;
/// Number of out-of-domain values: the columns at `z`, `h0(z)`, `h1(z)`, the columns at `z·g`.
const N_OOD: u32 = 42;

/// `Hmany([MLP_AIR_TAG, log_n, scale_bits, n_inputs, n_outputs, m1, NT, preprocessed_root])`.
fn model_commitment(
    log_n: u32,
    scale_bits: u32,
    n_inputs: u32,
    n_outputs: u32,
    m1: u32,
    nt: u32,
    preprocessed_root: felt252
) -> felt252 {
    let mut items = ArrayTrait::new();
    items.append(MLP_AIR_TAG);
    items.append(log_n.into());
    items.append(scale_bits.into());
    items.append(n_inputs.into());
    items.append(n_outputs.into());
    items.append(m1.into());
    items.append(nt.into());
    items.append(preprocessed_root);
    poseidon_hash_span(items.span())
}

/// `Σ_k 1/(β − (base + k) − γ·values[k])`, or None when a denominator is zero.
fn logup_terms(beta: felt252, gamma: felt252, base: felt252, values: Span<felt252>) -> Option<felt252> {
    let mut sum = 0;
    let mut k: u32 = 0;
    let mut ok = true;
    loop {
        if k == values.len() {
            break;
        }
        let address: felt252 = base + k.into();
        match div(1, beta - address - gamma * *values.at(k)) {
            Option::Some(inv) => {
                sum = sum + inv;
            },
            Option::None => {
                ok = false;
                break;
            },
        };
        k = k + 1;
    };
    if ok {
        Option::Some(sum)
    } else {
        Option::None
    }
}

/// The public LogUp sum `T` of §6.2, or None when a denominator is zero.
fn public_logup_sum(
    beta: felt252,
    gamma: felt252,
    m1: u32,
    nt: u32,
    inputs: Span<felt252>,
    outputs: Span<felt252>
) -> Option<felt252> {
    let inputs_sum = logup_terms(beta, gamma, 2, inputs)?;
    let one_term = div(1, beta - 1 - gamma)?;
    let n_in: felt252 = inputs.len().into();
    let n_out: felt252 = outputs.len().into();
    let nt_felt: felt252 = nt.into();
    let a_out = 2 + n_in + nt_felt - n_out;
    let outputs_sum = logup_terms(beta, gamma, a_out, outputs)?;
    let m1_felt: felt252 = m1.into();
    Option::Some(m1_felt * inputs_sum + nt_felt * one_term - outputs_sum)
}

/// `(U, Y)` of §6.3 from the limbs `l0..l4` at `ood[10..15]`: all limbs, and the limbs above
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
        let limb = *ood.at(10 + k);
        u = u * 256 + limb;
        if k >= scale_limbs {
            y = y * 256 + limb;
        };
    };
    (u, y)
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
    // Current row (at z).
    let addr = *ood.at(1);
    let mult = *ood.at(2);
    let relu = *ood.at(4);
    let lin = *ood.at(5);
    let table = *ood.at(6);
    let v = *ood.at(7);
    let acc = *ood.at(8);
    let neg = *ood.at(9);
    let rcm = *ood.at(15);
    let i1 = *ood.at(16);
    let i2 = *ood.at(17);
    let i3 = *ood.at(18);
    let s = *ood.at(19);
    let h0 = *ood.at(20);
    let h1 = *ood.at(21);
    // Next row (at z·g): column c is ood[22 + c].
    let w_next = *ood.at(22);
    let keep_next = *ood.at(25);
    let v_next = *ood.at(29);
    let acc_next = *ood.at(30);
    let l4_next = *ood.at(36);
    let i1_next = *ood.at(38);
    let i2_next = *ood.at(39);
    let i3_next = *ood.at(40);
    let s_next = *ood.at(41);

    let (u, y) = magnitudes(ood, scale_bits / 8);
    let sign = 1 - 2 * neg;
    let c0 = acc_next - keep_next * acc - w_next * v_next;
    let c1 = (relu + lin) * (acc - sign * u);
    let c2 = relu * (v - (1 - neg) * y) + lin * (v - sign * y);
    let c3 = neg * (1 - neg);
    let d0 = beta - gamma * *ood.at(10);
    let d1 = beta - gamma * *ood.at(11);
    let d2 = beta - gamma * *ood.at(12);
    let d3 = beta - gamma * *ood.at(13);
    let c4 = i1 * d0 * d1 - (d0 + d1);
    let c5 = i2 * d2 * d3 - (d2 + d3);
    let dm = beta - addr - gamma * v;
    let dt = beta - gamma * table;
    let c6 = i3 * dm * dt - mult * dt + rcm * dm;
    let d4_next = beta - gamma * l4_next;
    let c7 = (s_next - s - i1_next - i2_next - i3_next + t_over_n) * d4_next - 1;

    let combined = c0
        + alpha
            * (c1
                + alpha
                    * (c2
                        + alpha
                            * (c3
                                + alpha * (c4 + alpha * (c5 + alpha * (c6 + alpha * c7))))));
    combined == (h0 + z_pow_n * h1) * (z_pow_n - 1)
}
