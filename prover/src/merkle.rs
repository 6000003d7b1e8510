//! Merkle commitments on Poseidon ([`MerkleOps`]) with batched ("multi-") decommitments.
//!
//! - A leaf is the hash of the values of one row: `poseidon_hash_many([v_0, .., v_{k-1}])`.
//! - An inner node is `poseidon_hash(left, right)` (Cairo: `hades_permutation(l, r, 2).0`).
//! - A tree over `2^depth` leaves is decommitted for a sorted set of distinct leaf indices by
//!   the siblings the verifier cannot compute, level by level from the leaves up, in increasing
//!   index order within a level (see [`verify_multiproof`]).

use crate::backend::ColumnOps;
use crate::field::Felt;
use starknet_crypto::{poseidon_hash, poseidon_hash_many};

/// Errors of Merkle commitment and verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// No columns, or columns of different or non-power-of-two lengths.
    #[error("cannot commit: {0}")]
    BadShape(String),
    /// Leaf indices not strictly increasing or beyond the tree.
    #[error("leaf indices must be strictly increasing and below 2^{depth}")]
    BadIndices {
        /// Tree depth.
        depth: u32,
    },
    /// The decommitment ran out of sibling hashes.
    #[error("authentication path too short")]
    MissingSiblings,
    /// The decommitment has sibling hashes left over.
    #[error("authentication path has {0} unused hashes")]
    UnusedSiblings(usize),
    /// The recomputed root differs from the commitment.
    #[error("recomputed Merkle root does not match the commitment")]
    RootMismatch,
}

/// The hash of one leaf: `poseidon_hash_many(values)`.
pub fn hash_leaf(values: &[Felt]) -> Felt {
    poseidon_hash_many(values)
}

/// The hash of an inner node: `poseidon_hash(left, right)`.
pub fn hash_node(left: Felt, right: Felt) -> Felt {
    poseidon_hash(left, right)
}

/// The Merkle-commitment stage.
pub trait MerkleOps: ColumnOps {
    /// Leaf hashes: leaf `i` is [`hash_leaf`] of `[c[i] for c in columns]`.
    fn hash_leaves(columns: &[&Self::Column]) -> Self::Column;
    /// The next layer up: `parent[i] = hash_node(children[2i], children[2i+1])`.
    fn hash_parents(children: &Self::Column) -> Self::Column;
}

/// A committed tree: every layer, from the leaf hashes to the root.
#[derive(Debug, Clone)]
pub struct MerkleTree<B: MerkleOps> {
    layers: Vec<B::Column>,
}

impl<B: MerkleOps> MerkleTree<B> {
    /// Commits to the rows of `columns` (equal power-of-two lengths).
    ///
    /// # Errors
    /// [`MerkleError::BadShape`] for no columns or bad lengths.
    pub fn commit(columns: &[&B::Column]) -> Result<Self, MerkleError> {
        let first = columns
            .first()
            .ok_or_else(|| MerkleError::BadShape("no columns".into()))?;
        let len = B::column_len(first);
        if !len.is_power_of_two() || columns.iter().any(|c| B::column_len(c) != len) {
            return Err(MerkleError::BadShape(format!(
                "column lengths {:?} are not one power of two",
                columns.iter().map(|c| B::column_len(c)).collect::<Vec<_>>()
            )));
        }
        let mut layers = vec![B::hash_leaves(columns)];
        while let Some(last) = layers.last() {
            if B::column_len(last) == 1 {
                break;
            }
            let parents = B::hash_parents(last);
            layers.push(parents);
        }
        Ok(Self { layers })
    }

    /// The root.
    pub fn root(&self) -> Felt {
        self.layers
            .last()
            .map(|l| B::column_values_at(l, &[0])[0])
            .unwrap_or(Felt::ZERO)
    }

    /// Number of levels above the leaves.
    pub fn depth(&self) -> u32 {
        (self.layers.len() - 1) as u32
    }

    /// The sibling hashes that authenticate the leaves at `indices` (strictly increasing).
    ///
    /// # Errors
    /// [`MerkleError::BadIndices`] when the indices are unsorted, repeated or out of range.
    pub fn decommit(&self, indices: &[usize]) -> Result<Vec<Felt>, MerkleError> {
        let depth = self.depth();
        check_indices(indices, depth)?;
        let mut siblings = Vec::new();
        let mut level: Vec<usize> = indices.to_vec();
        for layer in &self.layers[..self.layers.len() - 1] {
            let (needed, next) = siblings_needed(&level);
            siblings.extend(B::column_values_at(layer, &needed));
            level = next;
        }
        Ok(siblings)
    }
}

/// One level of a batched decommitment: for the sorted node indices `level`, the indices of the
/// siblings that must be sent (those whose pair is not itself in `level`) and the parents' level.
fn siblings_needed(level: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let mut needed = Vec::new();
    let mut next = Vec::with_capacity(level.len());
    let mut i = 0;
    while i < level.len() {
        let idx = level[i];
        if idx.is_multiple_of(2) && i + 1 < level.len() && level[i + 1] == idx + 1 {
            i += 2;
        } else {
            needed.push(idx ^ 1);
            i += 1;
        }
        if next.last() != Some(&(idx / 2)) {
            next.push(idx / 2);
        }
    }
    (needed, next)
}

fn check_indices(indices: &[usize], depth: u32) -> Result<(), MerkleError> {
    let bound = 1usize << depth;
    let sorted = indices.windows(2).all(|w| w[0] < w[1]);
    if !sorted || indices.iter().any(|&i| i >= bound) || indices.is_empty() {
        return Err(MerkleError::BadIndices { depth });
    }
    Ok(())
}

/// Checks a batched decommitment: `leaves` are `(index, leaf hash)` with strictly increasing
/// indices, `siblings` the hashes in the order [`MerkleTree::decommit`] emits them.
///
/// Algorithm (the same in Cairo): for each level from the leaves up, walk the current nodes in
/// increasing index order; a node at even index `i` whose successor in the list is `i + 1` is
/// hashed with it; any other node takes its sibling from the next unused hash of `siblings`
/// (as the left input when the node's index is odd). Parents (index `i / 2`) form the next level.
/// After `depth` levels one node must remain, equal to `root`, and every sibling must be used.
///
/// # Errors
/// [`MerkleError`] on bad indices, a short or long path, or a root mismatch.
pub fn verify_multiproof(
    root: Felt,
    depth: u32,
    leaves: &[(usize, Felt)],
    siblings: &[Felt],
) -> Result<(), MerkleError> {
    let indices: Vec<usize> = leaves.iter().map(|(i, _)| *i).collect();
    check_indices(&indices, depth)?;
    let mut level: Vec<(usize, Felt)> = leaves.to_vec();
    let mut used = 0;
    for _ in 0..depth {
        let mut next: Vec<(usize, Felt)> = Vec::with_capacity(level.len());
        let mut i = 0;
        while i < level.len() {
            let (idx, hash) = level[i];
            let parent =
                if idx.is_multiple_of(2) && i + 1 < level.len() && level[i + 1].0 == idx + 1 {
                    i += 2;
                    hash_node(hash, level[i - 1].1)
                } else {
                    let sibling = *siblings.get(used).ok_or(MerkleError::MissingSiblings)?;
                    used += 1;
                    i += 1;
                    if idx % 2 == 0 {
                        hash_node(hash, sibling)
                    } else {
                        hash_node(sibling, hash)
                    }
                };
            next.push((idx / 2, parent));
        }
        level = next;
    }
    if used != siblings.len() {
        return Err(MerkleError::UnusedSiblings(siblings.len() - used));
    }
    match level.as_slice() {
        [(0, computed)] if *computed == root => Ok(()),
        _ => Err(MerkleError::RootMismatch),
    }
}

/// The number of sibling hashes a batched decommitment of `indices` needs (for size accounting).
pub fn multiproof_len(indices: &[usize], depth: u32) -> usize {
    let mut level: Vec<usize> = indices.to_vec();
    let mut count = 0;
    for _ in 0..depth {
        let (needed, next) = siblings_needed(&level);
        count += needed.len();
        level = next;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;

    fn columns(n: usize) -> Vec<Vec<Felt>> {
        (0..3u64)
            .map(|c| {
                (0..n as u64)
                    .map(|i| Felt::from(i * 31 + c * 7 + 1))
                    .collect()
            })
            .collect()
    }

    fn naive_root(leaves: &[Felt]) -> Felt {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let parents: Vec<Felt> = leaves.chunks(2).map(|p| hash_node(p[0], p[1])).collect();
        naive_root(&parents)
    }

    #[test]
    fn root_matches_naive_tree() {
        let cols = columns(64);
        let refs: Vec<&Vec<Felt>> = cols.iter().collect();
        let tree = MerkleTree::<CpuBackend>::commit(&refs).unwrap();
        let leaves: Vec<Felt> = (0..64)
            .map(|i| hash_leaf(&[cols[0][i], cols[1][i], cols[2][i]]))
            .collect();
        assert_eq!(tree.root(), naive_root(&leaves));
        assert_eq!(tree.depth(), 6);
    }

    #[test]
    fn multiproofs_verify_and_reject_tampering() {
        let cols = columns(256);
        let refs: Vec<&Vec<Felt>> = cols.iter().collect();
        let tree = MerkleTree::<CpuBackend>::commit(&refs).unwrap();
        let leaf = |i: usize| hash_leaf(&[cols[0][i], cols[1][i], cols[2][i]]);
        for indices in [
            vec![0usize],
            vec![255],
            vec![3, 4, 5, 100, 101, 254],
            (0..256).collect(),
        ] {
            let siblings = tree.decommit(&indices).unwrap();
            assert_eq!(siblings.len(), multiproof_len(&indices, 8));
            let leaves: Vec<(usize, Felt)> = indices.iter().map(|&i| (i, leaf(i))).collect();
            verify_multiproof(tree.root(), 8, &leaves, &siblings).unwrap();
            if indices.len() == 256 {
                assert!(siblings.is_empty());
                continue;
            }
            // Every sibling matters.
            for k in 0..siblings.len() {
                let mut bad = siblings.clone();
                bad[k] += Felt::ONE;
                assert_eq!(
                    verify_multiproof(tree.root(), 8, &leaves, &bad),
                    Err(MerkleError::RootMismatch)
                );
            }
            // A wrong leaf value, a short path and a long path are rejected.
            let mut bad_leaves = leaves.clone();
            bad_leaves[0].1 += Felt::ONE;
            assert!(verify_multiproof(tree.root(), 8, &bad_leaves, &siblings).is_err());
            assert_eq!(
                verify_multiproof(tree.root(), 8, &leaves, &siblings[1..]),
                Err(MerkleError::MissingSiblings)
            );
            let mut long = siblings.clone();
            long.push(Felt::ONE);
            assert_eq!(
                verify_multiproof(tree.root(), 8, &leaves, &long),
                Err(MerkleError::UnusedSiblings(1))
            );
        }
        // A single-leaf path has exactly `depth` siblings; unsorted indices are refused.
        assert_eq!(tree.decommit(&[7]).unwrap().len(), 8);
        assert!(tree.decommit(&[5, 4]).is_err());
        assert!(tree.decommit(&[256]).is_err());
    }
}
