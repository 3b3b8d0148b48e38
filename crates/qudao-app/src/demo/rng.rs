//! The demo data's own random numbers: SplitMix64, a few lines, so the data set a seed gives never
//! changes with a dependency's version.

/// A deterministic pseudo-random sequence (SplitMix64). Not for anything secret: it only decides
/// which demo names, cities and prices appear, the same ones for the same seed on every machine.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The sequence for `seed`, one of several independent streams (catalog, partners…), so that
    /// a change in how one part uses its numbers does not reshuffle the others.
    pub(crate) fn stream(seed: u64, stream: u64) -> Rng {
        Rng { state: mix(seed ^ mix(stream.wrapping_add(GAMMA))) }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        mix(self.state)
    }

    /// A number in `0..n` (0 when `n` is 0), by multiply-and-shift.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` items.
    pub(crate) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// True with probability `percent` / 100.
    pub(crate) fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One item of a non-empty slice; `None` for an empty one.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.index(items.len())) }
    }

    /// An index chosen with probability proportional to its weight; `None` if every weight is 0.
    pub(crate) fn weighted(&mut self, weights: &[u64]) -> Option<usize> {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return None;
        }
        let mut target = self.below(total);
        for (index, weight) in weights.iter().enumerate() {
            if target < *weight {
                return Some(index);
            }
            target -= weight;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_forever() {
        // Pinned values: if these change, every demo data set changes with them.
        let mut rng = Rng::stream(42, 0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut again = Rng::stream(42, 0);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(first, (0..3).map(|_| Rng::stream(42, 1).next_u64()).collect::<Vec<_>>());
        // SplitMix64's published first output for state 0 after one increment.
        assert_eq!(mix(GAMMA), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn ranges_and_weights_are_respected() {
        let mut rng = Rng::stream(7, 3);
        let mut seen = [0u32; 3];
        for _ in 0..3000 {
            assert!(rng.below(10) < 10);
            let n = rng.between(5, 7);
            assert!((5..=7).contains(&n));
            seen[rng.weighted(&[1, 0, 3]).unwrap_or(1)] += 1;
        }
        assert_eq!(seen[1], 0);
        assert!(seen[2] > seen[0] * 2, "{seen:?}");
        assert_eq!(rng.weighted(&[0, 0]), None);
        assert_eq!(rng.pick::<u8>(&[]), None);
    }
}
