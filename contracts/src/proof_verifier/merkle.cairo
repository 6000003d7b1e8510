//! The batched Merkle multiproof of PROOF_FORMAT.md §8, and the leaf hashes of §7.

use array::{ArrayTrait, SpanTrait};
use box::BoxTrait;
use option::OptionTrait;
use poseidon::hades_permutation;
use integer::u32_safe_divmod;
use traits::{Into, TryInto};
use zeroable::NonZero;

/// `H2(a, b)`.
fn hash_pair(a: felt252, b: felt252) -> felt252 {
    let (h, _, _) = hades_permutation(a, b, 2);
    h
}

/// `Hmany(values)` (Starknet's `poseidon_hash_many`), eight values a permutation round trip
/// fewer than the core library's pair-by-pair loop: a leaf of 24 values takes 3 iterations
/// instead of 12.
fn hash_values(values: Span<felt252>) -> felt252 {
    let mut rest = values;
    let mut s0 = 0;
    let mut s1 = 0;
    let mut s2 = 0;
    loop {
        if rest.len() < 8 {
            break;
        }
        let (a0, a1, a2) = hades_permutation(s0 + *rest[0], s1 + *rest[1], s2);
        let (b0, b1, b2) = hades_permutation(a0 + *rest[2], a1 + *rest[3], a2);
        let (c0, c1, c2) = hades_permutation(b0 + *rest[4], b1 + *rest[5], b2);
        let (d0, d1, d2) = hades_permutation(c0 + *rest[6], c1 + *rest[7], c2);
        s0 = d0;
        s1 = d1;
        s2 = d2;
        rest = rest.slice(8, rest.len() - 8);
    };
    loop {
        match rest.pop_front() {
            Option::Some(x) => {
                match rest.pop_front() {
                    Option::Some(y) => {
                        let (t0, t1, t2) = hades_permutation(s0 + *x, s1 + *y, s2);
                        s0 = t0;
                        s1 = t1;
                        s2 = t2;
                    },
                    Option::None => {
                        // Odd length: the last value with the padding 1.
                        let (t0, _, _) = hades_permutation(s0 + *x, s1 + 1, s2);
                        break t0;
                    },
                };
            },
            Option::None => {
                // Even length: the padding pair (1, 0).
                let (t0, _, _) = hades_permutation(s0 + 1, s1, s2);
                break t0;
            },
        };
    }
}

/// The leaves `(first_leaf + index, Hmany(row))` of the rows of `values` (`width` felts each)
/// at the strictly increasing `indices`, as the queue [`verify_multiproof`] starts from.
fn leaf_queue(
    first_leaf: u32, indices: Span<u32>, values: Span<felt252>, width: u32
) -> (Array<u32>, Array<felt252>) {
    let mut nodes: Array<u32> = ArrayTrait::new();
    let mut hashes: Array<felt252> = ArrayTrait::new();
    let mut rest_indices = indices;
    let mut rest_values = values;
    loop {
        match rest_indices.pop_front() {
            Option::Some(index) => {
                nodes.append(first_leaf + *index);
                hashes.append(hash_values(rest_values.slice(0, width)));
                rest_values = rest_values.slice(width, rest_values.len() - width);
            },
            Option::None => {
                break;
            },
        };
    };
    (nodes, hashes)
}

/// Whether the leaves of `values` (`width` felts a row) at the strictly increasing `indices`
/// (each below `2^depth`, `first_leaf = 2^depth`) open `root`, using every sibling of
/// `siblings` exactly once, in the order of §8. The caller checks `values` holds one row per
/// index.
///
/// The nodes are numbered as in a heap (the root 1, leaf `i` at `2^depth + i`) and kept in one
/// queue, deepest first and left to right within a level: the front node is merged with the
/// next one when that is its right sibling, or else with the next sibling of the proof, and its
/// parent joins the back of the queue. This visits exactly the nodes and consumes exactly the
/// siblings of §8's level-by-level walk.
fn verify_multiproof(
    root: felt252,
    first_leaf: u32,
    indices: Span<u32>,
    values: Span<felt252>,
    width: u32,
    siblings: Span<felt252>
) -> bool {
    let (mut nodes, mut hashes) = leaf_queue(first_leaf, indices, values, width);
    let mut remaining = siblings;
    let two: NonZero<u32> = 2_u32.try_into().unwrap();
    loop {
        let node = match nodes.pop_front() {
            Option::Some(node) => node,
            Option::None => {
                break false;
            },
        };
        let hash = hashes.pop_front().unwrap();
        if node == 1 {
            break hash == root && nodes.len() == 0 && remaining.len() == 0;
        }
        let (parent, bit) = u32_safe_divmod(node, two);
        if bit == 0 {
            // Compared as felts: a u32 addition would check for an overflow that cannot happen.
            let mut merged = false;
            match nodes.get(0) {
                Option::Some(next) => {
                    let next: felt252 = (*next.unbox()).into();
                    let node: felt252 = node.into();
                    merged = next == node + 1;
                },
                Option::None => {},
            };
            if merged {
                nodes.pop_front();
                let right = hashes.pop_front().unwrap();
                hashes.append(hash_pair(hash, right));
            } else {
                match remaining.pop_front() {
                    Option::Some(sibling) => {
                        hashes.append(hash_pair(hash, *sibling));
                    },
                    Option::None => {
                        break false;
                    },
                };
            }
        } else {
            match remaining.pop_front() {
                Option::Some(sibling) => {
                    hashes.append(hash_pair(*sibling, hash));
                },
                Option::None => {
                    break false;
                },
            };
        }
        nodes.append(parent);
    }
}

/// The four trace trees' openings at one set of queries (§7.1–7.2), walked together: the trees
/// have the same depth and are opened at the same leaves, so [`verify_multiproof`]'s queue of
/// nodes, its merges and its order of siblings are the same for all four. One queue of nodes,
/// with the four trees' hashes of each node side by side, checks them for the bookkeeping of
/// one. Each tree's rows are `width` felts a query, the caller having checked their counts.
fn verify_trace_multiproofs(
    first_leaf: u32,
    indices: Span<u32>,
    roots: Span<felt252>,
    values: Span<Span<felt252>>,
    widths: Span<u32>,
    siblings: Span<Span<felt252>>
) -> bool {
    let (root_0, root_1, root_2, root_3) = (*roots[0], *roots[1], *roots[2], *roots[3]);
    let (width_0, width_1, width_2, width_3) = (*widths[0], *widths[1], *widths[2], *widths[3]);
    let mut values_0 = *values[0];
    let mut values_1 = *values[1];
    let mut values_2 = *values[2];
    let mut values_3 = *values[3];
    let mut siblings_0 = *siblings[0];
    let mut siblings_1 = *siblings[1];
    let mut siblings_2 = *siblings[2];
    let mut siblings_3 = *siblings[3];
    let mut nodes: Array<u32> = ArrayTrait::new();
    let mut hashes: Array<felt252> = ArrayTrait::new();
    let mut rest = indices;
    loop {
        match rest.pop_front() {
            Option::Some(index) => {
                nodes.append(first_leaf + *index);
                hashes.append(hash_values(values_0.slice(0, width_0)));
                hashes.append(hash_values(values_1.slice(0, width_1)));
                hashes.append(hash_values(values_2.slice(0, width_2)));
                hashes.append(hash_values(values_3.slice(0, width_3)));
                values_0 = values_0.slice(width_0, values_0.len() - width_0);
                values_1 = values_1.slice(width_1, values_1.len() - width_1);
                values_2 = values_2.slice(width_2, values_2.len() - width_2);
                values_3 = values_3.slice(width_3, values_3.len() - width_3);
            },
            Option::None => {
                break;
            },
        };
    };
    let two: NonZero<u32> = 2_u32.try_into().unwrap();
    loop {
        let node = match nodes.pop_front() {
            Option::Some(node) => node,
            Option::None => {
                break false;
            },
        };
        let h_0 = hashes.pop_front().unwrap();
        let h_1 = hashes.pop_front().unwrap();
        let h_2 = hashes.pop_front().unwrap();
        let h_3 = hashes.pop_front().unwrap();
        if node == 1 {
            break h_0 == root_0
                && h_1 == root_1
                && h_2 == root_2
                && h_3 == root_3
                && nodes.len() == 0
                && siblings_0.len() == 0
                && siblings_1.len() == 0
                && siblings_2.len() == 0
                && siblings_3.len() == 0;
        }
        let (parent, bit) = u32_safe_divmod(node, two);
        let mut merged = false;
        if bit == 0 {
            match nodes.get(0) {
                Option::Some(next) => {
                    let next: felt252 = (*next.unbox()).into();
                    let node: felt252 = node.into();
                    merged = next == node + 1;
                },
                Option::None => {},
            };
        }
        if merged {
            nodes.pop_front();
            hashes.append(hash_pair(h_0, hashes.pop_front().unwrap()));
            hashes.append(hash_pair(h_1, hashes.pop_front().unwrap()));
            hashes.append(hash_pair(h_2, hashes.pop_front().unwrap()));
            hashes.append(hash_pair(h_3, hashes.pop_front().unwrap()));
        } else {
            if siblings_0.len() == 0
                || siblings_1.len() == 0
                || siblings_2.len() == 0
                || siblings_3.len() == 0 {
                break false;
            }
            let s_0 = *siblings_0.pop_front().unwrap();
            let s_1 = *siblings_1.pop_front().unwrap();
            let s_2 = *siblings_2.pop_front().unwrap();
            let s_3 = *siblings_3.pop_front().unwrap();
            if bit == 0 {
                hashes.append(hash_pair(h_0, s_0));
                hashes.append(hash_pair(h_1, s_1));
                hashes.append(hash_pair(h_2, s_2));
                hashes.append(hash_pair(h_3, s_3));
            } else {
                hashes.append(hash_pair(s_0, h_0));
                hashes.append(hash_pair(s_1, h_1));
                hashes.append(hash_pair(s_2, h_2));
                hashes.append(hash_pair(s_3, h_3));
            }
        }
        nodes.append(parent);
    }
}
