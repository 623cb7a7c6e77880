use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// Gaussian error linear unit (Hendrycks & Gimpel 2016): `z · Φ(z)`, Φ the standard normal CDF.
///
/// **Exact or approximate.** `Gelu::default()` is the exact form `0.5 · z · (1 + erf(z / √2))`,
/// the default of PyTorch's `F.gelu` and of `keras.activations.gelu`. Note that `keras.ops.gelu`
/// and `jax.nn.gelu` default to the tanh approximation
/// `0.5 · z · (1 + tanh(√(2/π) · (z + 0.044715 z³)))`; [`Gelu::tanh_approximation`] gives it
/// (PyTorch: `approximate="tanh"`).
///
/// ```
/// use nn_runtime::activation::{Gelu, Pointwise};
/// assert_eq!(Gelu::default().value(0.0f64), 0.0);
/// let (exact, approx) = (Gelu::default().value(1.0f64), Gelu::tanh_approximation().value(1.0f64));
/// assert!((exact - 0.8413447460685429).abs() < 1e-12);
/// assert!((exact - approx).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Gelu {
    approximate: bool,
}

const SQRT_2_OVER_PI: f64 = 0.797_884_560_802_865_4;
const COEFF: f64 = 0.044_715;

impl Gelu {
    /// √(2/π): the tanh approximation's scale.
    pub const SQRT_2_OVER_PI: f64 = SQRT_2_OVER_PI;
    /// 0.044715: the tanh approximation's cubic coefficient.
    pub const CUBIC: f64 = COEFF;

    /// The exact GELU (the default).
    pub fn exact() -> Self {
        Self { approximate: false }
    }

    /// The tanh approximation (the default of `keras.ops.gelu` and `jax.nn.gelu`).
    pub fn tanh_approximation() -> Self {
        Self { approximate: true }
    }

    /// Whether this is the tanh approximation.
    pub fn is_approximate(&self) -> bool {
        self.approximate
    }
}

impl Pointwise for Gelu {
    const KIND: ActivationKind = ActivationKind::Gelu;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Gelu {
            approximate: self.is_approximate(),
        }
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        let half = T::cast(0.5);
        if self.approximate {
            let inner = T::cast(SQRT_2_OVER_PI) * (z + T::cast(COEFF) * z * z * z);
            half * z * (T::one() + inner.tanh())
        } else {
            half * z * (T::one() + (z * T::cast(std::f64::consts::FRAC_1_SQRT_2)).erf())
        }
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        let half = T::cast(0.5);
        if self.approximate {
            let inner = T::cast(SQRT_2_OVER_PI) * (z + T::cast(COEFF) * z * z * z);
            let t = inner.tanh();
            let d_inner = T::cast(SQRT_2_OVER_PI) * (T::one() + T::cast(3.0 * COEFF) * z * z);
            half * (T::one() + t) + half * z * (T::one() - t * t) * d_inner
        } else {
            let cdf = half * (T::one() + (z * T::cast(std::f64::consts::FRAC_1_SQRT_2)).erf());
            let pdf = (-half * z * z).exp() * T::cast(0.398_942_280_401_432_7);
            cdf + z * pdf
        }
    }
}
