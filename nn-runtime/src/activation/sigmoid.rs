use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// The logistic sigmoid: `sigmoid(z) = 1 / (1 + exp(-z))`, computed without overflow for large
/// negative `z`.
///
/// The derivative is `a · (1 - a)`, at most 1/4: stacks of sigmoids shrink gradients, which is
/// why they pair with the Glorot initializers and, when deep, want batch norm.
///
/// ```
/// use nn_runtime::activation::{Pointwise, Sigmoid};
/// assert_eq!(Sigmoid.value(0.0f64), 0.5);
/// assert!(Sigmoid.value(-1000.0f32) >= 0.0);
/// assert_eq!(Sigmoid.derivative(0.0f64, 0.5), 0.25);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sigmoid;

/// The sigmoid of one value, stable for either sign of `z`.
#[inline]
pub(crate) fn sigmoid<T: Float>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + (-z).exp())
    } else {
        let e = z.exp();
        e / (T::one() + e)
    }
}

impl Pointwise for Sigmoid {
    const KIND: ActivationKind = ActivationKind::Sigmoid;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Sigmoid
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        sigmoid(z)
    }

    #[inline]
    fn derivative<T: Float>(&self, _z: T, a: T) -> T {
        a * (T::one() - a)
    }
}
