//! Grinding (proof of work on the channel, [`GrindOps`]).
//!
//! After the last FRI layer is mixed, with `digest` the channel digest:
//! `seed = poseidon_hash_many([POW_TAG, digest, bits])`; a nonce `n < 2^64` is valid when the
//! low `bits` bits of `poseidon_hash(seed, n)` are zero. The prover takes the smallest valid
//! nonce at or above its start (0), so proofs are deterministic. The nonce is then mixed.

use crate::field::{low_u128, Felt};
use starknet_crypto::{poseidon_hash, poseidon_hash_many};

/// `'CIRO_POW'` as a Cairo short string.
pub const POW_TAG: Felt = Felt::from_hex_unchecked("0x4349524f5f504f57");

/// The grinding stage.
pub trait GrindOps {
    /// The smallest nonce `≥ start` valid for `seed` and `bits`.
    fn grind(seed: Felt, bits: u32, start: u64) -> u64;
}

/// The per-proof grinding seed.
pub fn pow_seed(digest: Felt, bits: u32) -> Felt {
    poseidon_hash_many(&[POW_TAG, digest, Felt::from(bits)])
}

/// Whether `nonce` satisfies the proof of work for `seed` and `bits` (`bits ≤ 128`).
pub fn check_pow(seed: Felt, bits: u32, nonce: u64) -> bool {
    let mask: u128 = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    low_u128(poseidon_hash(seed, Felt::from(nonce))) & mask == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::CpuBackend;
    use crate::field::short_string;

    #[test]
    fn tag_is_the_short_string() {
        assert_eq!(POW_TAG, short_string("CIRO_POW").unwrap());
    }

    #[test]
    fn grind_finds_smallest_valid_nonce() {
        let seed = pow_seed(Felt::from(99u64), 6);
        let nonce = CpuBackend::grind(seed, 6, 0);
        assert!(check_pow(seed, 6, nonce));
        assert!((0..nonce).all(|n| !check_pow(seed, 6, n)));
        assert_eq!(CpuBackend::grind(seed, 6, nonce), nonce);
        assert!(CpuBackend::grind(seed, 6, nonce + 1) > nonce);
    }
}
