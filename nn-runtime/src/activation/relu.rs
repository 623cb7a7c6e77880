use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// Rectified linear unit: `relu(z) = max(0, z)`.
///
/// The derivative is 1 for `z > 0` and 0 otherwise (0 at the kink, as in Keras and PyTorch).
/// Pairs with the He initializers (Var(W) = 2 / fan_in), since it zeroes half its inputs.
///
/// ```
/// use nn_runtime::activation::{Pointwise, Relu};
/// assert_eq!(Relu.value(-2.0f32), 0.0);
/// assert_eq!(Relu.value(3.0f32), 3.0);
/// assert_eq!(Relu.derivative(3.0f64, 3.0), 1.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Relu;

impl Pointwise for Relu {
    const KIND: ActivationKind = ActivationKind::Relu;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Relu
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        if z > T::zero() { z } else { T::zero() }
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        if z > T::zero() { T::one() } else { T::zero() }
    }
}
