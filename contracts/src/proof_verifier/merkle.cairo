//! The batched Merkle multiproof of PROOF_FORMAT.md §8.

use array::{ArrayTrait, SpanTrait};
use poseidon::hades_permutation;

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
    let mut level: u32 = 0;
    let complete = loop {
        if level == depth {
            break true;
        }
        let mut next_indices: Array<u32> = ArrayTrait::new();
        let mut next_hashes: Array<felt252> = ArrayTrait::new();
        let count = level_indices.len();
        let mut i: u32 = 0;
        let level_ok = loop {
            if i >= count {
                break true;
            }
            let index = *level_indices.at(i);
            let hash = *level_hashes.at(i);
            let is_even = index % 2 == 0;
            let mut merged = false;
            if is_even {
                if i + 1 < count {
                    if *level_indices.at(i + 1) == index + 1 {
                        merged = true;
                    }
                }
            }
            if merged {
                next_hashes.append(hash_pair(hash, *level_hashes.at(i + 1)));
                i = i + 2;
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
                i = i + 1;
            }
            next_indices.append(index / 2);
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
