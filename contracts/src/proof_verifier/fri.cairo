//! FRI query phase (PROOF_FORMAT.md §7): layer decommitments, folding by 8, last layer.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use traits::{DivRem, Into, TryInto};
use zeroable::NonZero;

use super::errors;
use super::field::{OMEGA_4_INV, OMEGA_8_INV, pow2};
use super::merkle::verify_multiproof;

/// Width of a FRI leaf: the 8 points that fold into one.
const LEAF_WIDTH: u32 = 8;

/// The sorted distinct values of `values`: a merge sort, `n·log n` comparisons (a selection
/// sort spent ~270k Cairo steps on the queries and FRI leaves of one proof).
fn sorted_unique(values: Span<u32>) -> Array<u32> {
    let n = values.len();
    if n <= 1 {
        let mut out: Array<u32> = ArrayTrait::new();
        if n == 1 {
            out.append(*values[0]);
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
    let mut a = a;
    let mut b = b;
    loop {
        if a.len() == 0 {
            loop {
                match b.pop_front() {
                    Option::Some(y) => out.append(*y),
                    Option::None => {
                        break;
                    },
                };
            };
            break;
        }
        if b.len() == 0 {
            loop {
                match a.pop_front() {
                    Option::Some(x) => out.append(*x),
                    Option::None => {
                        break;
                    },
                };
            };
            break;
        }
        let x = *a[0];
        let y = *b[0];
        if x < y {
            out.append(x);
            a.pop_front();
        } else if y < x {
            out.append(y);
            b.pop_front();
        } else {
            out.append(x);
            a.pop_front();
            b.pop_front();
        };
    };
    out
}

/// Position of `value` in `sorted` (strictly increasing, holding it), by bisection.
fn position_of(sorted: Span<u32>, value: u32) -> u32 {
    let mut low: u32 = 0;
    let mut high: u32 = sorted.len();
    loop {
        if high - low <= 1 {
            break low;
        }
        let middle = (low + high) / 2;
        if *sorted[middle] <= value {
            low = middle;
        } else {
            high = middle;
        };
    }
}

/// `(ω_8)^t` for `t < 8`: the factor from a point of a FRI leaf to the leaf's base point
/// (`b_j^-1 = x^-1·ω_8^t` for the point `x = b_j·ω_8^t`).
fn omega_8_power(t: u32) -> felt252 {
    if t == 0 {
        1
    } else if t == 1 {
        0x63365fe0de874d9c90adb1e2f9c676e98c62155e4412e873ada5e1dee6feebb
    } else if t == 2 {
        0x625023929a2995b533120664329f8c7c5268e56ac8320da2a616626f41337e3
    } else if t == 3 {
        0x3b912c31d6a226e4a15988c6b7ec1915474043aac68553537192090b43635cd
    } else if t == 4 {
        0x800000000000011000000000000000000000000000000000000000000000000
    } else if t == 5 {
        0x1cc9a01f2178b3736f524e1d06398916739deaa1bbed178c525a1e211901146
    } else if t == 6 {
        0x1dafdc6d65d66b5accedf99bcd607383ad971a9537cdf25d59e99d90becc81e
    } else {
        0x446ed3ce295dda2b5ea677394813e6eab8bfbc55397aacac8e6df6f4bc9ca34
    }
}

/// `fold(u[0..8], xi, a)` of §7.4: three binary folds with `a, a², a⁴`.
fn fold8(u: Span<felt252>, xi: felt252, a: felt252) -> felt252 {
    let w1 = OMEGA_8_INV;
    let w2 = OMEGA_4_INV;
    let w3 = w1 * w2;
    let ax = a * xi;
    let v0 = *u[0] + *u[4] + ax * (*u[0] - *u[4]);
    let v1 = *u[1] + *u[5] + ax * w1 * (*u[1] - *u[5]);
    let v2 = *u[2] + *u[6] + ax * w2 * (*u[2] - *u[6]);
    let v3 = *u[3] + *u[7] + ax * w3 * (*u[3] - *u[7]);
    let ax2 = ax * ax;
    let r0 = v0 + v2 + ax2 * (v0 - v2);
    let r1 = v1 + v3 + ax2 * OMEGA_4_INV * (v1 - v3);
    let ax4 = ax2 * ax2;
    r0 + r1 + ax4 * (r0 - r1)
}

/// `x^8`.
fn pow8(x: felt252) -> felt252 {
    let x2 = x * x;
    let x4 = x2 * x2;
    x4 * x4
}

/// The distinct FRI leaves `q mod leaf_count` of the queries, sorted, and each query's slot in
/// its leaf, `(q div leaf_count) mod 8`.
fn leaves_and_slots(queries: Span<u32>, leaf_count: NonZero<u32>) -> (Span<u32>, Span<u32>, Span<u32>) {
    let eight: NonZero<u32> = 8_u32.try_into().unwrap();
    let mut leaf_of_query: Array<u32> = ArrayTrait::new();
    let mut slots: Array<u32> = ArrayTrait::new();
    let mut rest = queries;
    loop {
        match rest.pop_front() {
            Option::Some(q) => {
                let (high, leaf) = DivRem::div_rem(*q, leaf_count);
                let (_, slot) = DivRem::div_rem(high, eight);
                leaf_of_query.append(leaf);
                slots.append(slot);
            },
            Option::None => {
                break;
            },
        };
    };
    let leaf_of_query = leaf_of_query.span();
    (sorted_unique(leaf_of_query).span(), leaf_of_query, slots.span())
}

/// Verifies the FRI layers and the last layer for the queries `queries` (sorted, distinct, in
/// `[0, 2^log_domain)`) whose first-layer values are `evaluations`, with `points` and
/// `point_invs` the queries' points `x = 3·ω^q` of the evaluation domain and their inverses.
/// Reverts when a layer's value count is not 8 per opened leaf.
///
/// The point of query `q` in layer `k` is `x^(8^k)` (§2: `(s_k·ω_{N_k}^i)^8 = s_{k+1}·ω_{N_{k+1}}^i`),
/// so each layer's fold point `b_j^-1 = (x^-1)^(8^k)·ω_8^t` follows from the query's own point by
/// three squarings, and the last layer's point is `x^(8^F)`.
fn verify_fri(
    log_domain: u32,
    queries: Span<u32>,
    evaluations: Span<felt252>,
    points: Span<felt252>,
    point_invs: Span<felt252>,
    roots: Span<felt252>,
    alphas: Span<felt252>,
    layer_values: Span<Span<felt252>>,
    layer_siblings: Span<Span<felt252>>,
    last_layer: Span<felt252>
) -> bool {
    let mut evals = evaluations;
    let mut invs = point_invs;
    let mut leaf_count: u32 = (pow2(log_domain) / 8).try_into().unwrap();
    let mut rest_roots = roots;
    let mut rest_alphas = alphas;
    let mut rest_values = layer_values;
    let mut rest_siblings = layer_siblings;
    let layers_ok = loop {
        let root = match rest_roots.pop_front() {
            Option::Some(root) => *root,
            Option::None => {
                break true;
            },
        };
        let alpha = *rest_alphas.pop_front().unwrap();
        let values = *rest_values.pop_front().unwrap();
        let siblings = *rest_siblings.pop_front().unwrap();
        let leaf_count_nz: NonZero<u32> = leaf_count.try_into().unwrap();
        let (leaves, leaf_of_query, slots) = leaves_and_slots(queries, leaf_count_nz);
        assert(values.len() == leaves.len() * LEAF_WIDTH, errors::BAD_FRI_VALUES_LENGTH);
        if !verify_multiproof(root, leaf_count, leaves, values, LEAF_WIDTH, siblings) {
            break false;
        }

        // Each query's value must be where its leaf says, then folds into the next layer.
        let mut next: Array<felt252> = ArrayTrait::new();
        let mut next_invs: Array<felt252> = ArrayTrait::new();
        let mut query_leaves = leaf_of_query;
        let mut query_slots = slots;
        let mut query_evals = evals;
        let mut query_invs = invs;
        let queries_ok = loop {
            let leaf = match query_leaves.pop_front() {
                Option::Some(leaf) => *leaf,
                Option::None => {
                    break true;
                },
            };
            let slot = *query_slots.pop_front().unwrap();
            let expected = *query_evals.pop_front().unwrap();
            let x_inv = *query_invs.pop_front().unwrap();
            let opened = values.slice(position_of(leaves, leaf) * LEAF_WIDTH, LEAF_WIDTH);
            if *opened[slot] != expected {
                break false;
            }
            next.append(fold8(opened, x_inv * omega_8_power(slot), alpha));
            next_invs.append(pow8(x_inv));
        };
        if !queries_ok {
            break false;
        }
        evals = next.span();
        invs = next_invs.span();
        leaf_count = leaf_count / 8;
    };
    if !layers_ok {
        return false;
    }

    // Last layer: Σ_j last_layer[j]·x^j == e_F(q) at x = (3·ω^q)^(8^F).
    let mut rest_points = points;
    loop {
        let x0 = match rest_points.pop_front() {
            Option::Some(x) => *x,
            Option::None => {
                break true;
            },
        };
        let mut x = x0;
        let mut k = roots.len();
        loop {
            if k == 0 {
                break;
            }
            x = pow8(x);
            k = k - 1;
        };
        let mut coefficients = last_layer;
        let mut value = 0;
        loop {
            match coefficients.pop_back() {
                Option::Some(c) => {
                    value = value * x + *c;
                },
                Option::None => {
                    break;
                },
            };
        };
        if value != *evals.pop_front().unwrap() {
            break false;
        };
    }
}
