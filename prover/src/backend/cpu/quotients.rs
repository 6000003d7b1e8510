//! [`QuotientOps`] for the CPU.

use super::{CpuBackend, PAR_MIN};
use crate::field::{batch_inverse, inverse, pow, Felt, FieldError};
use crate::poly::Coset;
use crate::quotients::{DeepSample, QuotientOps};
use rayon::prelude::*;

/// All points of a coset, in order.
fn domain_points(domain: Coset) -> Result<Vec<Felt>, FieldError> {
    let omega = domain.generator()?;
    const CHUNK: usize = 1 << 12;
    let mut points = vec![Felt::ZERO; domain.size()];
    points
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut x = domain.shift * pow(omega, (c * CHUNK) as u64);
            for p in chunk.iter_mut() {
                *p = x;
                x *= omega;
            }
        });
    Ok(points)
}

impl QuotientOps for CpuBackend {
    fn divide_by_vanishing(
        numerators: &Vec<Felt>,
        domain: Coset,
        log_trace: u32,
    ) -> Result<Vec<Felt>, FieldError> {
        // x^n - 1 on shift·<ω_N> takes N/n distinct values: shift^n · ω_{N/n}^i - 1.
        let ratio_log = domain.log_size.saturating_sub(log_trace);
        let period = 1usize << ratio_log;
        let shift_n = pow(domain.shift, 1u64 << log_trace);
        let root = crate::field::root_of_unity(ratio_log)?;
        let inverses = (0..period)
            .map(|i| inverse(shift_n * pow(root, i as u64) - Felt::ONE))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(numerators
            .par_iter()
            .with_min_len(PAR_MIN)
            .enumerate()
            .map(|(i, v)| *v * inverses[i % period])
            .collect())
    }

    fn deep_quotient(
        columns: &[&Vec<Felt>],
        domain: Coset,
        samples: &[DeepSample],
        rho: Felt,
    ) -> Result<Vec<Felt>, FieldError> {
        let points = domain_points(domain)?;
        let denominators = samples
            .iter()
            .map(|s| {
                let diffs: Vec<Felt> = points
                    .par_iter()
                    .with_min_len(PAR_MIN)
                    .map(|x| *x - s.point)
                    .collect();
                batch_inverse(&diffs)
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Coefficients ρ^k in sample order, column order.
        let mut coefficients = Vec::with_capacity(samples.len());
        let mut c = Felt::ONE;
        for sample in samples {
            let mut row = Vec::with_capacity(sample.columns.len());
            for _ in &sample.columns {
                row.push(c);
                c *= rho;
            }
            coefficients.push(row);
        }
        // Constant part per sample: Σ ρ^k · value.
        let constants: Vec<Felt> = samples
            .iter()
            .zip(&coefficients)
            .map(|(s, coeffs)| {
                s.values
                    .iter()
                    .zip(coeffs)
                    .fold(Felt::ZERO, |acc, (v, k)| acc + *v * *k)
            })
            .collect();
        Ok((0..domain.size())
            .into_par_iter()
            .with_min_len(PAR_MIN / 4)
            .map(|i| {
                let mut total = Felt::ZERO;
                for (s, sample) in samples.iter().enumerate() {
                    let mut numerator = -constants[s];
                    for (&col, k) in sample.columns.iter().zip(&coefficients[s]) {
                        numerator += *k * columns[col][i];
                    }
                    total += numerator * denominators[s][i];
                }
                total
            })
            .collect())
    }
}
