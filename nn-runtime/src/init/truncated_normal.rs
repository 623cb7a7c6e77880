use rand_distr::{Distribution, StandardNormal};

use crate::SeededRng;

/// The standard deviation of a unit normal truncated to [-2, 2]: dividing a target standard
/// deviation by it makes the truncated draw's variance exactly the target (as Keras does).
pub const TRUNCATED_NORMAL_STDDEV: f64 = 0.879_625_661_034_239_8;

/// One draw from a unit normal truncated to [-2, 2], by rejection (about 95% of draws are kept).
///
/// ```
/// let mut rng = nn_runtime::seeded_rng(1);
/// let x = nn_runtime::init::sample_truncated_normal(&mut rng);
/// assert!(x.abs() <= 2.0);
/// ```
pub fn sample_truncated_normal(rng: &mut SeededRng) -> f64 {
    loop {
        let z: f64 = StandardNormal.sample(rng);
        if z.abs() <= 2.0 {
            return z;
        }
    }
}
