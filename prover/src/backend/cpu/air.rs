//! [`AirProver`] for the CPU: any [`Air`] evaluated point by point, in parallel.

use super::CpuBackend;
use crate::air::{combine_constraints, Air, AirProver, Frame};
use crate::field::Felt;
use crate::poly::Coset;
use rayon::prelude::*;

impl<A: Air> AirProver<CpuBackend> for A {
    fn composition_numerators(
        &self,
        trace: &[&Vec<Felt>],
        domain: Coset,
        log_blowup: u32,
        challenges: &[Felt],
        constants: &[Felt],
        alpha: Felt,
    ) -> Vec<Felt> {
        let n = domain.size();
        let step = 1usize << log_blowup;
        let width = trace.len();
        let n_constraints = self.n_constraints();
        (0..n)
            .into_par_iter()
            .with_min_len(256)
            .map_init(
                || {
                    (
                        vec![Felt::ZERO; width],
                        vec![Felt::ZERO; width],
                        vec![Felt::ZERO; n_constraints],
                    )
                },
                |(current, next, out), i| {
                    let j = (i + step) % n;
                    for (c, column) in trace.iter().enumerate() {
                        current[c] = column[i];
                        next[c] = column[j];
                    }
                    self.evaluate(&Frame { current, next }, challenges, constants, out);
                    combine_constraints(out, alpha)
                },
            )
            .collect()
    }
}
