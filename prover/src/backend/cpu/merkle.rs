//! [`MerkleOps`] for the CPU: leaves and layers hashed in parallel.

use super::{CpuBackend, PAR_MIN};
use crate::field::Felt;
use crate::merkle::{hash_leaf, hash_node, MerkleOps};
use rayon::prelude::*;

impl MerkleOps for CpuBackend {
    fn hash_leaves(columns: &[&Vec<Felt>]) -> Vec<Felt> {
        let n = columns.first().map_or(0, |c| c.len());
        (0..n)
            .into_par_iter()
            .with_min_len(PAR_MIN / 8)
            .map_init(
                || Vec::with_capacity(columns.len()),
                |row, i| {
                    row.clear();
                    row.extend(columns.iter().map(|c| c[i]));
                    hash_leaf(row)
                },
            )
            .collect()
    }

    fn hash_parents(children: &Vec<Felt>) -> Vec<Felt> {
        children
            .par_chunks(2)
            .with_min_len(PAR_MIN / 8)
            .map(|p| hash_node(p[0], p[1]))
            .collect()
    }
}
