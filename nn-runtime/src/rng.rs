//! The seeded random number generator used for every random draw in the runtime.

use rand::SeedableRng;

/// The runtime's random number generator: ChaCha with 8 rounds.
///
/// ChaCha8 is portable and value-stable: one seed gives the same stream on every machine, which
/// is what makes `new(seed)` reproducible. Initializers, dropout masks and RReLU slopes all draw
/// from a `SeededRng`.
pub type SeededRng = rand_chacha::ChaCha8Rng;

/// Creates a [`SeededRng`] from a `u64` seed.
///
/// ```
/// use rand::RngExt;
/// let mut a = nn_runtime::seeded_rng(7);
/// let mut b = nn_runtime::seeded_rng(7);
/// assert_eq!(a.random::<u64>(), b.random::<u64>());
/// ```
pub fn seeded_rng(seed: u64) -> SeededRng {
    SeededRng::seed_from_u64(seed)
}
