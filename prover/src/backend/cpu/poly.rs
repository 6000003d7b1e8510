//! [`PolyOps`] for the CPU: an iterative radix-2 NTT, parallel within stages.

use super::{CpuBackend, PAR_MIN};
use crate::field::{inverse, pow, Felt};
use crate::poly::{horner, Coset, PolyError, PolyOps};
use rayon::prelude::*;

/// Powers `root^0 .. root^(n/2 - 1)` of an `n`-th root of unity.
#[derive(Clone, Debug)]
pub struct Twiddles {
    powers: Vec<Felt>,
}

impl Twiddles {
    /// Twiddles for a transform of size `n` with the given primitive `n`-th root.
    pub fn new(root: Felt, n: usize) -> Self {
        let half = (n / 2).max(1);
        let mut powers = vec![Felt::ONE; half];
        const CHUNK: usize = 1 << 12;
        powers
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| {
                let mut w = pow(root, (c * CHUNK) as u64);
                for p in chunk.iter_mut() {
                    *p = w;
                    w *= root;
                }
            });
        Self { powers }
    }
}

fn bit_reverse(values: &mut [Felt]) {
    let n = values.len();
    let log = n.trailing_zeros();
    if log == 0 {
        return;
    }
    for i in 0..n {
        let j = i.reverse_bits() >> (usize::BITS - log);
        if i < j {
            values.swap(i, j);
        }
    }
}

/// In-place NTT of a power-of-two length: `values[k] <- Σ_j values[j] · root^(j·k)`.
pub fn ntt_in_place(values: &mut [Felt], twiddles: &Twiddles) {
    let n = values.len();
    if n <= 1 {
        return;
    }
    bit_reverse(values);
    let mut len = 2;
    while len <= n {
        let half = len / 2;
        let step = n / len;
        let tw = &twiddles.powers;
        let butterfly_block = |block: &mut [Felt]| {
            let (lo, hi) = block.split_at_mut(half);
            for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                let t = *b * tw[j * step];
                *b = *a - t;
                *a += t;
            }
        };
        if n / len >= 16 || n < PAR_MIN {
            if n < PAR_MIN {
                values.chunks_mut(len).for_each(butterfly_block);
            } else {
                values.par_chunks_mut(len).for_each(butterfly_block);
            }
        } else {
            const CHUNK: usize = 1 << 9;
            for block in values.chunks_mut(len) {
                let (lo, hi) = block.split_at_mut(half);
                lo.par_chunks_mut(CHUNK)
                    .zip(hi.par_chunks_mut(CHUNK))
                    .enumerate()
                    .for_each(|(c, (lo, hi))| {
                        for (j, (a, b)) in lo.iter_mut().zip(hi.iter_mut()).enumerate() {
                            let t = *b * tw[(c * CHUNK + j) * step];
                            *b = *a - t;
                            *a += t;
                        }
                    });
            }
        }
        len *= 2;
    }
}

/// Multiplies `values[i]` by `factor^i`.
fn scale_by_powers(values: &mut [Felt], factor: Felt) {
    if factor == Felt::ONE {
        return;
    }
    const CHUNK: usize = 1 << 12;
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut w = pow(factor, (c * CHUNK) as u64);
            for v in chunk.iter_mut() {
                *v *= w;
                w *= factor;
            }
        });
}

impl PolyOps for CpuBackend {
    fn interpolate(evals: &Vec<Felt>, domain: Coset) -> Result<Vec<Felt>, PolyError> {
        let n = domain.size();
        if evals.len() != n {
            return Err(PolyError::LengthMismatch {
                expected: n,
                got: evals.len(),
            });
        }
        let omega = domain.generator()?;
        let omega_inv = pow(omega, (n - 1) as u64);
        let mut coefficients = evals.clone();
        ntt_in_place(&mut coefficients, &Twiddles::new(omega_inv, n));
        let n_inv = inverse(Felt::from(n as u64))?;
        let shift_inv = inverse(domain.shift)?;
        // c_i = n^-1 · shift^-i · ntt_i
        scale_by_powers(&mut coefficients, shift_inv);
        coefficients
            .par_iter_mut()
            .with_min_len(PAR_MIN)
            .for_each(|c| *c *= n_inv);
        Ok(coefficients)
    }

    fn evaluate(coefficients: &Vec<Felt>, domain: Coset) -> Result<Vec<Felt>, PolyError> {
        let n = domain.size();
        if coefficients.len() > n {
            return Err(PolyError::LengthMismatch {
                expected: n,
                got: coefficients.len(),
            });
        }
        let mut values = coefficients.clone();
        values.resize(n, Felt::ZERO);
        scale_by_powers(&mut values, domain.shift);
        ntt_in_place(&mut values, &Twiddles::new(domain.generator()?, n));
        Ok(values)
    }

    fn evaluate_at_point(coefficients: &Vec<Felt>, point: Felt) -> Felt {
        const CHUNK: usize = 1 << 12;
        if coefficients.len() <= CHUNK {
            return horner(coefficients, point);
        }
        let chunk_shift = pow(point, CHUNK as u64);
        let partial: Vec<Felt> = coefficients
            .par_chunks(CHUNK)
            .map(|chunk| horner(chunk, point))
            .collect();
        horner(&partial, chunk_shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::root_of_unity;

    fn naive_dft(coefficients: &[Felt], domain: Coset) -> Vec<Felt> {
        (0..domain.size())
            .map(|i| horner(coefficients, domain.at(i).unwrap()))
            .collect()
    }

    fn sample(n: usize, seed: u64) -> Vec<Felt> {
        (0..n as u64)
            .map(|i| Felt::from(((i + 1) * 0x9e37_79b9) ^ seed) * Felt::from(seed + 3))
            .collect()
    }

    #[test]
    fn ntt_matches_naive_dft_on_small_sizes() {
        for log in 0..=6u32 {
            let n = 1usize << log;
            let coefficients = sample(n, log as u64);
            for domain in [
                Coset::subgroup(log),
                Coset {
                    log_size: log,
                    shift: Felt::THREE,
                },
            ] {
                let fast = CpuBackend::evaluate(&coefficients, domain).unwrap();
                assert_eq!(fast, naive_dft(&coefficients, domain), "log {log}");
            }
        }
    }

    #[test]
    fn raw_ntt_matches_definition() {
        let n = 8;
        let root = root_of_unity(3).unwrap();
        let input = sample(n, 11);
        let mut out = input.clone();
        ntt_in_place(&mut out, &Twiddles::new(root, n));
        for (k, value) in out.iter().enumerate() {
            let expected = input.iter().enumerate().fold(Felt::ZERO, |acc, (j, a)| {
                acc + *a * pow(root, (j * k) as u64)
            });
            assert_eq!(*value, expected);
        }
    }

    #[test]
    fn interpolate_inverts_evaluate_and_extends() {
        let coefficients = sample(1 << 11, 5);
        let domain = Coset {
            log_size: 11,
            shift: Felt::THREE,
        };
        let evals = CpuBackend::evaluate(&coefficients, domain).unwrap();
        assert_eq!(
            CpuBackend::interpolate(&evals, domain).unwrap(),
            coefficients
        );
        // Low-degree extension: evaluating 2^11 coefficients on a 2^14 coset agrees with Horner.
        let lde = Coset::lde(11, 3);
        let extended = CpuBackend::evaluate(&coefficients, lde).unwrap();
        for i in [0usize, 1, 777, (1 << 14) - 1] {
            assert_eq!(extended[i], horner(&coefficients, lde.at(i).unwrap()));
        }
        let point = Felt::from(123456789u64);
        assert_eq!(
            CpuBackend::evaluate_at_point(&coefficients, point),
            horner(&coefficients, point)
        );
        assert!(CpuBackend::interpolate(&evals[..3].to_vec(), domain).is_err());
    }
}
