//! Packed inputs: how a statement's quantized inputs travel in calldata and what the input
//! commitment hashes (PROOF_FORMAT.md §3, "packed inputs").
//!
//! Every input is a signed integer `x` with `|x| < 2^40`. It is carried as the 41-bit chunk
//! `c = x + 2^40`, which lies in `[1, 2^41)`; a chunk of 0 marks an unused position. Six chunks
//! make one felt, three in each 128-bit half so that the Cairo verifier unpacks them with `u128`
//! division alone:
//!
//! `felt = (c0 + c1·2^41 + c2·2^82) + 2^128·(c3 + c4·2^41 + c5·2^82)`.
//!
//! Each half is below `2^123`, so a packed felt is below `2^251 < p` and its integer value is
//! unique. The last felt's unused chunks are 0. A 784-pixel image takes 131 felts instead of 784.
//! The input commitment is `poseidon_hash_many(packed)`: six times fewer hashes as well.

use crate::field::Felt;
use crate::model::quantize::PARAM_BOUND;
use starknet_crypto::poseidon_hash_many;

/// Bits per input chunk.
pub const INPUT_CHUNK_BITS: u32 = 41;
/// Chunks per 128-bit half of a packed felt.
pub const CHUNKS_PER_HALF: usize = 3;
/// Inputs per packed felt.
pub const INPUTS_PER_FELT: usize = 2 * CHUNKS_PER_HALF;

const CHUNK_MASK: u128 = (1 << INPUT_CHUNK_BITS) - 1;
const HALF_BOUND: u128 = 1 << (INPUT_CHUNK_BITS as usize * CHUNKS_PER_HALF);

/// Number of packed felts for `n_inputs` inputs.
pub fn packed_len(n_inputs: usize) -> usize {
    n_inputs.div_ceil(INPUTS_PER_FELT)
}

/// Packs inputs, six per felt.
///
/// For inputs with `|x| < 2^40` (which `MlpAir::new` and quantization enforce) this is the
/// canonical packing that [`unpack_inputs`] inverts. The arithmetic is done in the field, so any
/// felts give some packing: a value out of range packs into felts that unpack to other values or
/// are refused, never into the packing of an in-range input list.
pub fn pack_inputs(inputs: &[Felt]) -> Vec<Felt> {
    let offset = Felt::from(PARAM_BOUND as u64);
    let half_shift = Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
    inputs
        .chunks(INPUTS_PER_FELT)
        .map(|group| {
            group.iter().enumerate().fold(Felt::ZERO, |acc, (k, x)| {
                let half = if k < CHUNKS_PER_HALF { Felt::ONE } else { half_shift };
                let within = Felt::from(1u128 << (INPUT_CHUNK_BITS as usize * (k % CHUNKS_PER_HALF)));
                acc + (*x + offset) * half * within
            })
        })
        .collect()
}

/// The input commitment: `poseidon_hash_many(pack_inputs(inputs))`.
pub fn input_commitment_of(inputs: &[Felt]) -> Felt {
    poseidon_hash_many(&pack_inputs(inputs))
}

/// Unpacks `n_inputs` inputs from `packed`, refusing any felt that is not the canonical packing
/// of inputs with `|x| < 2^40` (a half at or above `2^123`, a used chunk of 0, an unused chunk
/// that is not 0, or the wrong number of felts).
///
/// # Errors
/// A message naming the first bad felt.
pub fn unpack_inputs(packed: &[Felt], n_inputs: usize) -> Result<Vec<Felt>, String> {
    if packed.len() != packed_len(n_inputs) {
        return Err(format!(
            "{} packed input felts, {} inputs need {}",
            packed.len(),
            n_inputs,
            packed_len(n_inputs)
        ));
    }
    let offset = PARAM_BOUND as i128;
    let mut inputs = Vec::with_capacity(n_inputs);
    for (f, felt) in packed.iter().enumerate() {
        let digits = felt.to_le_digits();
        let halves = [
            digits[0] as u128 | (digits[1] as u128) << 64,
            digits[2] as u128 | (digits[3] as u128) << 64,
        ];
        for (h, half) in halves.into_iter().enumerate() {
            if half >= HALF_BOUND {
                return Err(format!("packed input felt {f}: half {h} is not below 2^123"));
            }
            for k in 0..CHUNKS_PER_HALF {
                let position = f * INPUTS_PER_FELT + h * CHUNKS_PER_HALF + k;
                let chunk = (half >> (INPUT_CHUNK_BITS as usize * k)) & CHUNK_MASK;
                match (position < n_inputs, chunk) {
                    (true, 0) => {
                        return Err(format!("packed input felt {f}: input {position} is empty"))
                    }
                    (true, c) => inputs.push(Felt::from(c as i128 - offset)),
                    (false, 0) => {}
                    (false, _) => {
                        return Err(format!(
                            "packed input felt {f}: position {position} is past the last input"
                        ))
                    }
                }
            }
        }
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{felt_from_i64, felt_to_i128};

    fn felts(values: &[i64]) -> Vec<Felt> {
        values.iter().map(|v| felt_from_i64(*v)).collect()
    }

    #[test]
    fn packing_round_trips_at_the_range_ends() {
        let max = PARAM_BOUND - 1;
        for n in [1usize, 5, 6, 7, 12, 13, 784] {
            let values: Vec<i64> = (0..n as i64)
                .map(|i| match i % 4 {
                    0 => max,
                    1 => -max,
                    2 => 0,
                    _ => i * 7919 - 40_000,
                })
                .collect();
            let packed = pack_inputs(&felts(&values));
            assert_eq!(packed.len(), packed_len(n));
            let back = unpack_inputs(&packed, n).unwrap();
            let back: Vec<i64> = back.iter().map(|x| felt_to_i128(*x).unwrap() as i64).collect();
            assert_eq!(back, values);
        }
        assert_eq!(packed_len(784), 131);
    }

    #[test]
    fn the_layout_is_three_chunks_per_half() {
        // Inputs -2^40 + 1 .. give chunks 1, 2, ...: the felt's digits show where each lands.
        let values: Vec<i64> = (1..=6).map(|c| c - PARAM_BOUND).collect();
        let packed = pack_inputs(&felts(&values))[0];
        let expected_half = |a: u128, b: u128, c: u128| a | b << 41 | c << 82;
        let low = expected_half(1, 2, 3);
        let high = expected_half(4, 5, 6);
        let expected = Felt::from(low) + Felt::from(high) * Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
        assert_eq!(packed, expected);
    }

    #[test]
    fn non_canonical_packings_are_refused() {
        let packed = pack_inputs(&felts(&[3, -4, 5, 6, 7]));
        let refuse = |p: &[Felt], n: usize, what: &str| {
            let error = unpack_inputs(p, n).unwrap_err();
            assert!(error.contains(what), "{error}");
        };
        // Too few or too many felts.
        refuse(&[], 5, "need 1");
        refuse(&[packed[0], packed[0]], 5, "need 1");
        // The unused sixth position holds something.
        refuse(&[packed[0] + Felt::from(1u128 << 64) * Felt::from(1u128 << 64) * Felt::from(1u128 << 82)], 5, "past the last input");
        // A used position is empty (an input of -2^40).
        refuse(&pack_inputs(&felts(&[-PARAM_BOUND])), 1, "input 0 is empty");
        // A half at 2^123 or above.
        refuse(&[Felt::from(HALF_BOUND)], 1, "half 0");
        let two_128 = Felt::from(1u128 << 64) * Felt::from(1u128 << 64);
        refuse(&[Felt::ONE + two_128 * Felt::from(HALF_BOUND)], 1, "half 1");
        refuse(&[-Felt::ONE], 1, "");
        // A value of magnitude 2^40 does not pack into an in-range input.
        let over = pack_inputs(&felts(&[PARAM_BOUND]));
        assert!(unpack_inputs(&over, 1).is_err());
    }
}
