use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// Scaled exponential linear unit (Klambauer et al. 2017):
/// `λ · z` for `z > 0`, `λ · α · (exp(z) - 1)` otherwise.
///
/// With the paper's exact constants [`Selu::ALPHA`] and [`Selu::LAMBDA`] (the same in Keras and
/// PyTorch), a stack of dense SELU layers initialized with `lecun_normal` keeps activations near
/// mean 0 and variance 1 (self-normalization). The derivative is `λ` for `z > 0` and
/// `a + λ·α` otherwise.
///
/// ```
/// use nn_runtime::activation::{Pointwise, Selu};
/// assert_eq!(Selu.value(1.0f64), Selu::LAMBDA);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Selu;

impl Selu {
    /// α of Klambauer et al. (2017).
    pub const ALPHA: f64 = 1.673_263_242_354_377_284_817_042_991_671_7;
    /// λ (the scale) of Klambauer et al. (2017).
    pub const LAMBDA: f64 = 1.050_700_987_355_480_493_419_334_985_294_6;
}

impl Pointwise for Selu {
    const KIND: ActivationKind = ActivationKind::Selu;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Selu
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        let lambda = T::cast(Self::LAMBDA);
        if z > T::zero() {
            lambda * z
        } else {
            lambda * T::cast(Self::ALPHA) * z.exp_m1()
        }
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, a: T) -> T {
        if z > T::zero() {
            T::cast(Self::LAMBDA)
        } else {
            a + T::cast(Self::LAMBDA * Self::ALPHA)
        }
    }
}
