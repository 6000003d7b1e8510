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
