use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// The identity: `linear(z) = z`. A dense layer with no activation uses this.
///
/// Pairs with the Glorot initializers.
///
/// ```
/// use nn_runtime::activation::{Linear, Pointwise};
/// assert_eq!(Linear.value(-2.5f32), -2.5);
/// assert_eq!(Linear.derivative(-2.5f64, -2.5), 1.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Linear;

impl Pointwise for Linear {
    const KIND: ActivationKind = ActivationKind::Linear;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Linear
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        z
    }

    #[inline]
    fn derivative<T: Float>(&self, _z: T, _a: T) -> T {
        T::one()
    }
}
