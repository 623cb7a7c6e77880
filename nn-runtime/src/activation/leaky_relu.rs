use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::validate::check_hyperparameter;
use crate::{Float, Result};

/// Leaky ReLU: `z` for `z > 0`, `alpha · z` otherwise (Maas et al. 2013).
///
/// **Default slope.** `LeakyRelu::default()` uses `alpha = 0.01`, as PyTorch's
/// `nn.LeakyReLU` and the original paper. Keras differs: `keras.layers.LeakyReLU` defaults to
/// 0.3 and `keras.activations.leaky_relu` to 0.2; write `LeakyRelu::new(0.3)` (in the DSL,
/// `leaky_relu(0.3)`) to match a Keras model. The derivative at exactly 0 is `alpha` (PyTorch;
/// JAX gives 1).
///
/// ```
/// use nn_runtime::activation::{LeakyRelu, Pointwise};
/// let leaky = LeakyRelu::new(0.2)?;
/// assert_eq!(leaky.value(-1.0f64), -0.2);
/// assert_eq!(leaky.derivative(-1.0f64, -0.2), 0.2);
/// assert_eq!(LeakyRelu::default().alpha(), 0.01);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeakyRelu {
    alpha: f64,
}

impl LeakyRelu {
    /// The default negative slope (PyTorch's).
    pub const DEFAULT_ALPHA: f64 = 0.01;

    /// A leaky ReLU with negative slope `alpha`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] if `alpha` is negative or not finite.
    pub fn new(alpha: f64) -> Result<Self> {
        check_hyperparameter("leaky_relu", "alpha", alpha, "alpha >= 0", |a| a >= 0.0)?;
        Ok(Self { alpha })
    }

    /// The negative slope.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
}

impl Default for LeakyRelu {
    fn default() -> Self {
        Self {
            alpha: Self::DEFAULT_ALPHA,
        }
    }
}

impl Pointwise for LeakyRelu {
    const KIND: ActivationKind = ActivationKind::LeakyRelu;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::LeakyRelu { alpha: self.alpha }
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        if z > T::zero() {
            z
        } else {
            T::cast(self.alpha) * z
        }
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        if z > T::zero() {
            T::one()
        } else {
            T::cast(self.alpha)
        }
    }
}
