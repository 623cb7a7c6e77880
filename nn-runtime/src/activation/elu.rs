use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::validate::check_hyperparameter;
use crate::{Float, Result};

/// Exponential linear unit: `z` for `z > 0`, `alpha · (exp(z) - 1)` otherwise (Clevert et al.
/// 2016). `alpha` defaults to 1 in Keras, PyTorch and here.
///
/// The derivative is 1 for `z > 0` and `a + alpha` otherwise (1 at `z = 0` when `alpha = 1`).
///
/// ```
/// use nn_runtime::activation::{Elu, Pointwise};
/// let elu = Elu::default();
/// assert_eq!(elu.value(2.0f64), 2.0);
/// assert!((elu.value(-1.0f64) - ((-1.0f64).exp() - 1.0)).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elu {
    alpha: f64,
}

impl Elu {
    /// An ELU with saturation value `-alpha`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] if `alpha` is not positive and finite.
    pub fn new(alpha: f64) -> Result<Self> {
        check_hyperparameter("elu", "alpha", alpha, "alpha > 0", |a| a > 0.0)?;
        Ok(Self { alpha })
    }

    /// The scale of the negative part.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Default for Elu {
    fn default() -> Self {
        Self { alpha: 1.0 }
    }
}

impl Pointwise for Elu {
    const KIND: ActivationKind = ActivationKind::Elu;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Elu { alpha: self.alpha }
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            T::cast(self.alpha) * z.exp_m1()
        }
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            a + T::cast(self.alpha)
        }
    }
}
