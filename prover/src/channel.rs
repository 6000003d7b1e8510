//! The Fiat–Shamir channel, on Starknet's Poseidon, recomputable in Cairo with
//! `poseidon_hash_span` and `hades_permutation` only.
//!
//! State: a `digest` felt and a draw counter.
//! - `new(items)`: `digest = poseidon_hash_many(items)`, counter 0.
//! - `mix(items)`: `digest = poseidon_hash_many([digest, ..items])`, counter reset to 0.
//! - `draw_felt()`: `hades_permutation(digest, counter, 2)[0]` (that is `poseidon_hash(digest,
//!   counter)`), then `counter += 1`.
//! - `draw_index(log_size)`: the low `log_size` bits of the low 128 bits of `draw_felt()`.

use crate::field::{low_u128, Felt};
use starknet_crypto::{poseidon_hash, poseidon_hash_many};

/// A Poseidon Fiat–Shamir transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    digest: Felt,
    n_draws: u64,
}

impl Channel {
    /// Starts a transcript from the statement: `digest = poseidon_hash_many(items)`.
    pub fn new(items: &[Felt]) -> Self {
        Self {
            digest: poseidon_hash_many(items),
            n_draws: 0,
        }
    }

    /// The current digest.
    pub fn digest(&self) -> Felt {
        self.digest
    }

    /// Absorbs `items`: `digest = poseidon_hash_many([digest, ..items])`; resets the draw counter.
    pub fn mix(&mut self, items: &[Felt]) {
        let mut input = Vec::with_capacity(items.len() + 1);
        input.push(self.digest);
        input.extend_from_slice(items);
        self.digest = poseidon_hash_many(&input);
        self.n_draws = 0;
    }

    /// Draws a field element: `poseidon_hash(digest, counter)`, then increments the counter.
    pub fn draw_felt(&mut self) -> Felt {
        let out = poseidon_hash(self.digest, Felt::from(self.n_draws));
        self.n_draws += 1;
        out
    }

    /// Draws `count` field elements.
    pub fn draw_felts(&mut self, count: usize) -> Vec<Felt> {
        (0..count).map(|_| self.draw_felt()).collect()
    }

    /// Draws an index in `[0, 2^log_size)`: the low bits of a drawn felt (`log_size ≤ 64`).
    pub fn draw_index(&mut self, log_size: u32) -> usize {
        let bits = low_u128(self.draw_felt());
        let mask: u128 = if log_size >= 64 {
            u64::MAX as u128
        } else {
            (1u128 << log_size) - 1
        };
        (bits & mask) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use starknet_crypto::poseidon_permute_comp;

    #[test]
    fn draw_is_hades_with_capacity_two() {
        let mut channel = Channel::new(&[Felt::from(1u64), Felt::from(2u64)]);
        let digest = channel.digest();
        let first = channel.draw_felt();
        let mut state = [digest, Felt::ZERO, Felt::TWO];
        poseidon_permute_comp(&mut state);
        assert_eq!(first, state[0]);
        let second = channel.draw_felt();
        let mut state = [digest, Felt::ONE, Felt::TWO];
        poseidon_permute_comp(&mut state);
        assert_eq!(second, state[0]);
    }

    #[test]
    fn mix_changes_digest_and_resets_counter() {
        let mut a = Channel::new(&[Felt::from(7u64)]);
        let mut b = a.clone();
        a.draw_felt();
        a.mix(&[Felt::from(9u64)]);
        b.mix(&[Felt::from(9u64)]);
        assert_eq!(a, b, "the counter is reset by mix");
        assert_eq!(
            a.digest(),
            poseidon_hash_many(&[Channel::new(&[Felt::from(7u64)]).digest(), Felt::from(9u64)])
        );
        let mut c = Channel::new(&[Felt::from(7u64)]);
        c.mix(&[Felt::from(10u64)]);
        assert_ne!(a.digest(), c.digest());
    }

    #[test]
    fn draw_index_is_in_range() {
        let mut channel = Channel::new(&[Felt::from(3u64)]);
        for _ in 0..100 {
            assert!(channel.draw_index(5) < 32);
        }
    }
}
