//! [`GrindOps`] for the CPU: nonces searched in parallel batches, smallest valid one wins.

use super::CpuBackend;
use crate::field::Felt;
use crate::proof_of_work::{check_pow, GrindOps};
use rayon::prelude::*;

impl GrindOps for CpuBackend {
    fn grind(seed: Felt, bits: u32, start: u64) -> u64 {
        const BATCH: usize = 1 << 12;
        let mut base = start;
        loop {
            let found = (0..BATCH)
                .into_par_iter()
                .with_min_len(64)
                .filter_map(|offset| base.checked_add(offset as u64))
                .find_first(|&nonce| check_pow(seed, bits, nonce));
            if let Some(nonce) = found {
                return nonce;
            }
            base = base.saturating_add(BATCH as u64);
        }
    }
}
