use ndarray::ArrayView1;

use super::ActivationKind;

/// An activation together with its settings: what diagnostics and exporters need to know
/// about it, beyond its [`ActivationKind`].
///
/// ```
/// use nn_runtime::activation::{Activation, ActivationKind, ActivationSpec, LeakyRelu};
/// let leaky = LeakyRelu::new(0.2)?;
/// let spec: ActivationSpec<'_, f32> = Activation::<f32>::spec(&leaky);
/// assert_eq!(spec, ActivationSpec::LeakyRelu { alpha: 0.2 });
/// assert_eq!(spec.kind(), ActivationKind::LeakyRelu);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ActivationSpec<'a, T> {
    /// The identity.
    Linear,
    /// The logistic sigmoid.
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
    /// Softmax over the feature axis.
    Softmax,
    /// `max(0, z)`.
    Relu,
    /// `z` for `z > 0`, else `alpha · z`.
    LeakyRelu {
        /// The negative slope.
        alpha: f64,
    },
    /// Leaky ReLU with one learned slope per unit.
    PRelu {
        /// The slopes, one per unit.
        alpha: ArrayView1<'a, T>,
    },
    /// Randomized leaky ReLU: slopes drawn from `U(lower, upper)` in training, their mean at
    /// inference.
    RRelu {
        /// The lower bound of the slopes.
        lower: f64,
        /// The upper bound of the slopes.
        upper: f64,
    },
    /// `z` for `z > 0`, else `alpha · (exp(z) − 1)`.
    Elu {
        /// The scale of the negative part.
        alpha: f64,
    },
    /// Scaled ELU with the constants of Klambauer et al. (2017).
    Selu,
    /// Gaussian error linear unit.
    Gelu {
        /// Whether the tanh approximation is used instead of the exact `erf` form.
        approximate: bool,
    },
    /// `z · sigmoid(z)`.
    Swish,
}

impl<T> ActivationSpec<'_, T> {
    /// Which activation this is.
    pub fn kind(&self) -> ActivationKind {
        match self {
            Self::Linear => ActivationKind::Linear,
            Self::Sigmoid => ActivationKind::Sigmoid,
            Self::Tanh => ActivationKind::Tanh,
            Self::Softmax => ActivationKind::Softmax,
            Self::Relu => ActivationKind::Relu,
            Self::LeakyRelu { .. } => ActivationKind::LeakyRelu,
            Self::PRelu { .. } => ActivationKind::PRelu,
            Self::RRelu { .. } => ActivationKind::RRelu,
            Self::Elu { .. } => ActivationKind::Elu,
            Self::Selu => ActivationKind::Selu,
            Self::Gelu { .. } => ActivationKind::Gelu,
            Self::Swish => ActivationKind::Swish,
        }
    }
}
