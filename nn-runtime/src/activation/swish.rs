use super::sigmoid::sigmoid;
use super::{ActivationKind, ActivationSpec, Pointwise};
use crate::Float;

/// Swish, also called SiLU: `z · sigmoid(z)` (Ramachandran et al. 2017; Keras `swish`/`silu`,
/// PyTorch `SiLU`). The derivative is `s · (1 + z · (1 - s))` with `s = sigmoid(z)`.
///
/// ```
/// use nn_runtime::activation::{Pointwise, Swish};
/// assert_eq!(Swish.value(0.0f64), 0.0);
/// assert_eq!(Swish.derivative(0.0f64, 0.0), 0.5);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Swish;

impl Pointwise for Swish {
    const KIND: ActivationKind = ActivationKind::Swish;

    fn spec<'a, T>(&self) -> ActivationSpec<'a, T> {
        ActivationSpec::Swish
    }

    #[inline]
    fn value<T: Float>(&self, z: T) -> T {
        z * sigmoid(z)
    }

    #[inline]
    fn derivative<T: Float>(&self, z: T, _a: T) -> T {
        let s = sigmoid(z);
        s * (T::one() + z * (T::one() - s))
    }
}
