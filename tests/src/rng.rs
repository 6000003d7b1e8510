//! The seeded generator behind the tests' random walks (fastrand's wyrand): a walk printed with
//! its seed is replayed exactly by running it again with that seed.

/// A seeded, reproducible generator.
#[derive(Debug, Clone)]
pub struct Rng(fastrand::Rng);

impl Rng {
    /// The generator that `seed` starts.
    pub fn seeded(seed: u64) -> Self {
        Rng(fastrand::Rng::with_seed(seed))
    }

    /// Any u64.
    pub fn next_u64(&mut self) -> u64 {
        self.0.u64(..)
    }

    /// A number in `0..bound`, or 0 when `bound` is 0.
    pub fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.0.u64(..bound) }
    }

    /// A number in `0..bound`, or 0 when `bound` is 0.
    pub fn below_u128(&mut self, bound: u128) -> u128 {
        if bound == 0 { 0 } else { self.0.u128(..bound) }
    }

    /// One of `items`, or `None` when there are none.
    pub fn pick_any<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.0.usize(..items.len())].clone())
    }

    /// One of `items`, which the caller knows is not empty.
    ///
    /// # Panics
    /// `items` is empty: a bug in the walk, not an outcome.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        self.pick_any(items).expect("the walk picks from a non-empty list")
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn a_seed_replays_its_sequence_and_bounds_hold() {
        let (mut a, mut b) = (Rng::seeded(7), Rng::seeded(7));
        let first: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..8).map(|_| b.next_u64()).collect::<Vec<_>>());
        let mut c = Rng::seeded(8);
        assert_ne!(first, (0..8).map(|_| c.next_u64()).collect::<Vec<_>>());
        assert!((0..100).all(|_| a.below(3) < 3) && a.below(0) == 0 && a.below_u128(0) == 0);
        assert_eq!(a.pick_any::<u8>(&[]), None);
        assert_eq!(a.pick(&[5]), 5);
    }
}
