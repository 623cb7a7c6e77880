use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// The hyperbolic tangent: `tanh(z)`, with derivative `1 - a²`.
///
/// Pairs with the Glorot initializers (Glorot & Bengio 2010 derived them for it).
///
/// ```
/// use nn_runtime::activation::{Pointwise, Tanh};
/// assert_eq!(Tanh.value(0.0f32), 0.0);
/// assert_eq!(Tanh.derivative(0.0f64, 0.0), 1.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tanh;

impl Pointwise for Tanh {
    const KIND: ActivationKind = ActivationKind::Tanh;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Tanh
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        z.tanh()
    }

    #[inline]
    fn derivative<T: Float>(&self, _z: T, a: T) -> T {
        T::one() - a * a
    }
}
