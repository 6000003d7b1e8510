//! FRI query phase (PROOF_FORMAT.md §7): layer decommitments, folding by 8, last layer.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::poseidon_hash_span;
use traits::{Into, TryInto};

use super::errors;
use super::field::{
    COSET_SHIFT, COSET_SHIFT_INV, OMEGA_4_INV, OMEGA_8_INV, pow, pow2, root_of_unity,
    root_of_unity_inv
};
use super::merkle::verify_multiproof;

/// The sorted distinct values of `values`: a merge sort, `n·log n` comparisons (a selection
/// sort spent ~270k Cairo steps on the queries and FRI leaves of one proof).
fn sorted_unique(values: Span<u32>) -> Array<u32> {
    let n = values.len();
    if n <= 1 {
        let mut out: Array<u32> = ArrayTrait::new();
        if n == 1 {
            out.append(*values.at(0));
        }
        return out;
    }
    let half = n / 2;
    let left = sorted_unique(values.slice(0, half));
    let right = sorted_unique(values.slice(half, n - half));
    merge_unique(left.span(), right.span())
}

/// The sorted distinct values of `a` and `b`, each sorted and distinct.
fn merge_unique(a: Span<u32>, b: Span<u32>) -> Array<u32> {
    let mut out: Array<u32> = ArrayTrait::new();
    let mut i: u32 = 0;
    let mut j: u32 = 0;
    loop {
        if i == a.len() {
            if j == b.len() {
                break;
            }
            out.append(*b.at(j));
            j = j + 1;
        } else if j == b.len() {
            out.append(*a.at(i));
            i = i + 1;
        } else {
            let (x, y) = (*a.at(i), *b.at(j));
            if x < y {
                out.append(x);
                i = i + 1;
            } else if y < x {
                out.append(y);
                j = j + 1;
            } else {
                out.append(x);
                i = i + 1;
                j = j + 1;
            }
        };
    };
    out
}

/// Position of `value` in `sorted` (which holds it).
fn position_of(sorted: Span<u32>, value: u32) -> u32 {
    let mut i: u32 = 0;
    loop {
        if *sorted.at(i) == value {
            break;
        }
        i = i + 1;
    };
    i
}

/// `fold(u[0..8], xi, a)` of §7.4: three binary folds with `a, a², a⁴`.
fn fold8(u: Span<felt252>, xi: felt252, a: felt252) -> felt252 {
    let w1 = OMEGA_8_INV;
    let w2 = OMEGA_4_INV;
    let w3 = w1 * w2;
    let ax = a * xi;
    let v0 = *u.at(0) + *u.at(4) + ax * (*u.at(0) - *u.at(4));
    let v1 = *u.at(1) + *u.at(5) + ax * w1 * (*u.at(1) - *u.at(5));
    let v2 = *u.at(2) + *u.at(6) + ax * w2 * (*u.at(2) - *u.at(6));
    let v3 = *u.at(3) + *u.at(7) + ax * w3 * (*u.at(3) - *u.at(7));
    let ax2 = ax * ax;
    let r0 = v0 + v2 + ax2 * (v0 - v2);
    let r1 = v1 + v3 + ax2 * OMEGA_4_INV * (v1 - v3);
    let ax4 = ax2 * ax2;
    r0 + r1 + ax4 * (r0 - r1)
}

/// Verifies the FRI layers and the last layer for the queries `queries` (sorted, distinct, in
/// `[0, 2^log_domain)`) whose first-layer values are `evaluations`. Reverts when a layer's value
/// count is not 8 per opened leaf.
fn verify_fri(
    log_domain: u32,
    queries: Span<u32>,
    evaluations: Span<felt252>,
    roots: Span<felt252>,
    alphas: Span<felt252>,
    layer_values: Span<Span<felt252>>,
    layer_siblings: Span<Span<felt252>>,
    last_layer: Span<felt252>
) -> bool {
    let mut evals = evaluations;
    let mut log_size = log_domain;
    let mut shift: felt252 = COSET_SHIFT;
    let mut shift_inv: felt252 = COSET_SHIFT_INV;
    let n_layers = roots.len();
    let mut k: u32 = 0;
    let layers_ok = loop {
        if k == n_layers {
            break true;
        }
        let size: u32 = pow2(log_size).try_into().unwrap();
        let leaf_count: u32 = size / 8;
        let omega_inv = root_of_unity_inv(log_size);
        let alpha = *alphas.at(k);
        let values = *layer_values.at(k);

        // Opened leaves: the distinct `q mod n_k`, sorted.
        let mut slots: Array<u32> = ArrayTrait::new();
        let mut i: u32 = 0;
        loop {
            if i == queries.len() {
                break;
            }
            slots.append(*queries.at(i) % leaf_count);
            i = i + 1;
        };
        let leaves = sorted_unique(slots.span()).span();
        assert(values.len() == leaves.len() * 8, errors::BAD_FRI_VALUES_LENGTH);
        let mut hashes: Array<felt252> = ArrayTrait::new();
        let mut p: u32 = 0;
        loop {
            if p == leaves.len() {
                break;
            }
            hashes.append(poseidon_hash_span(values.slice(p * 8, 8)));
            p = p + 1;
        };
        if !verify_multiproof(
            *roots.at(k), log_size - 3, leaves, hashes.span(), *layer_siblings.at(k)
        ) {
            break false;
        }

        // Each query's value must be where the leaf says, then folds into the next layer.
        let mut next: Array<felt252> = ArrayTrait::new();
        let mut qi: u32 = 0;
        let queries_ok = loop {
            if qi == queries.len() {
                break true;
            }
            let index = *queries.at(qi) % size;
            let j = index % leaf_count;
            let t = index / leaf_count;
            let leaf = values.slice(position_of(leaves, j) * 8, 8);
            if *leaf.at(t) != *evals.at(qi) {
                break false;
            }
            let xi = shift_inv * pow(omega_inv, j.into());
            next.append(fold8(leaf, xi, alpha));
            qi = qi + 1;
        };
        if !queries_ok {
            break false;
        }
        evals = next.span();
        log_size = log_size - 3;
        shift = pow(shift, 8);
        shift_inv = pow(shift_inv, 8);
        k = k + 1;
    };
    if !layers_ok {
        return false;
    }

    // Last layer: Σ_j last_layer[j]·x^j == e_F(q) at x = s_F·ω_{N_F}^(q mod N_F).
    let size: u32 = pow2(log_size).try_into().unwrap();
    let omega = root_of_unity(log_size);
    let mut qi: u32 = 0;
    loop {
        if qi == queries.len() {
            break true;
        }
        let index = *queries.at(qi) % size;
        let x = shift * pow(omega, index.into());
        let mut value = 0;
        let mut c = last_layer.len();
        loop {
            if c == 0 {
                break;
            }
            c = c - 1;
            value = value * x + *last_layer.at(c);
        };
        if value != *evals.at(qi) {
            break false;
        }
        qi = qi + 1;
    }
}
