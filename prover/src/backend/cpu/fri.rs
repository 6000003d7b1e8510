//! [`FriOps`] for the CPU: every leaf folded in parallel with [`fold_coset`].

use super::CpuBackend;
use crate::field::{inverse, pow, Felt};
use crate::fri::{fold_coset, FoldConstants, FriError, FriOps};
use crate::poly::{Coset, PolyError};
use rayon::prelude::*;

impl FriOps for CpuBackend {
    fn fold(
        evals: &Vec<Felt>,
        domain: Coset,
        log_fold: u32,
        alpha: Felt,
    ) -> Result<Vec<Felt>, FriError> {
        let n = domain.size();
        if evals.len() != n || log_fold > domain.log_size {
            return Err(PolyError::LengthMismatch {
                expected: n,
                got: evals.len(),
            }
            .into());
        }
        let width = 1usize << log_fold;
        let m = n / width;
        let constants = FoldConstants::new(log_fold)?;
        let omega_inv = pow(domain.generator()?, (n - 1) as u64);
        let shift_inv = inverse(domain.shift)?;
        const CHUNK: usize = 1 << 10;
        let mut out = vec![Felt::ZERO; m];
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let start = c * CHUNK;
                let mut x_inv = shift_inv * pow(omega_inv, start as u64);
                let mut values = vec![Felt::ZERO; width];
                for (offset, slot) in chunk.iter_mut().enumerate() {
                    let j = start + offset;
                    for (t, v) in values.iter_mut().enumerate() {
                        *v = evals[j + t * m];
                    }
                    *slot = fold_coset(&values, x_inv, alpha, &constants);
                    x_inv *= omega_inv;
                }
            });
        Ok(out)
    }
}
