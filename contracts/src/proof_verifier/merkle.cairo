//! The batched Merkle multiproof of PROOF_FORMAT.md §8.

use array::{ArrayTrait, SpanTrait};
use option::OptionTrait;
use poseidon::hades_permutation;
use traits::{DivRem, TryInto};
use zeroable::NonZero;

/// `H2(a, b)`.
fn hash_pair(a: felt252, b: felt252) -> felt252 {
    let (h, _, _) = hades_permutation(a, b, 2);
    h
}

/// Whether the leaves (`indices` strictly increasing, `hashes` their leaf hashes) open `root` of
/// a tree of depth `depth`, using every sibling of `siblings` exactly once.
fn verify_multiproof(
    root: felt252, depth: u32, indices: Span<u32>, hashes: Span<felt252>, siblings: Span<felt252>
) -> bool {
    let mut level_indices = indices;
    let mut level_hashes = hashes;
    let mut remaining = siblings;
    let two: NonZero<u32> = 2_u32.try_into().unwrap();
    let mut level: u32 = 0;
    let complete = loop {
        if level == depth {
            break true;
        }
        let mut next_indices: Array<u32> = ArrayTrait::new();
        let mut next_hashes: Array<felt252> = ArrayTrait::new();
        let mut indices_left = level_indices;
        let mut hashes_left = level_hashes;
        let level_ok = loop {
            let index = match indices_left.pop_front() {
                Option::Some(index) => *index,
                Option::None => {
                    break true;
                },
            };
            let hash = match hashes_left.pop_front() {
                Option::Some(hash) => *hash,
                Option::None => {
                    break false;
                },
            };
            let (half, bit) = DivRem::div_rem(index, two);
            let is_even = bit == 0;
            // An even node whose odd sibling is also known is merged with it.
            let mut merged = false;
            if is_even && indices_left.len() != 0 {
                merged = *indices_left.at(0) == index + 1;
            }
            if merged {
                indices_left.pop_front();
                let right = match hashes_left.pop_front() {
                    Option::Some(right) => *right,
                    Option::None => {
                        break false;
                    },
                };
                next_hashes.append(hash_pair(hash, right));
            } else {
                let sibling = match remaining.pop_front() {
                    Option::Some(s) => *s,
                    Option::None => {
                        break false;
                    },
                };
                if is_even {
                    next_hashes.append(hash_pair(hash, sibling));
                } else {
                    next_hashes.append(hash_pair(sibling, hash));
                }
            }
            next_indices.append(half);
        };
        if !level_ok {
            break false;
        }
        level_indices = next_indices.span();
        level_hashes = next_hashes.span();
        level = level + 1;
    };
    if !complete {
        return false;
    }
    if remaining.len() != 0 {
        return false;
    }
    if level_indices.len() != 1 {
        return false;
    }
    let top_index = *level_indices.at(0);
    let top_hash = *level_hashes.at(0);
    top_index == 0 && top_hash == root
}
