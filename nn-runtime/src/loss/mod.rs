//! Losses: each gives the batch's loss and writes its gradient into a buffer the caller owns.
//!
//! Every loss is a mean over the batch (Keras' `sum_over_batch_size`, PyTorch's
//! `reduction="mean"`), generic over [`Float`], takes [`Targets`] (class labels or a dense
//! matrix) and allocates nothing. The fused forms ([`softmax_cross_entropy`],
//! [`binary_cross_entropy_with_logits`]) take the output layer's pre-activation (the logits)
//! and give the gradient with respect to it; [`Loss::evaluate`] picks the right form for an
//! output activation.

mod binary_cross_entropy;
mod cross_entropy;
mod mse;
mod targets;

pub use binary_cross_entropy::{binary_cross_entropy, binary_cross_entropy_with_logits};
pub use cross_entropy::{cross_entropy, softmax_cross_entropy};
pub use mse::mean_squared_error;
pub use targets::Targets;

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::activation::ActivationKind;
use crate::validate::check_same_shape;
use crate::{Error, Float, Result};

/// The clipping bound of the losses on probabilities: Keras' `backend.epsilon()`.
/// Probabilities are clipped to `[PROBABILITY_EPSILON, 1 - PROBABILITY_EPSILON]` before `log`.
pub const PROBABILITY_EPSILON: f64 = 1e-7;

/// Which tensor a loss gradient is taken with respect to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GradientOf {
    /// The output layer's output (its activation's result): enter the network with
    /// [`crate::Layer::backward`].
    Output,
    /// The output layer's pre-activation (the logits), from a loss fused with the activation:
    /// enter the network with [`crate::Layer::backward_from_pre_activation`].
    PreActivation,
}

/// The losses a network can be trained with, matched to its output activation.
///
/// ```
/// use nn_runtime::activation::ActivationKind;
/// use nn_runtime::loss::{GradientOf, Loss, Targets};
/// let logits = ndarray::array![[2.0f64, -1.0, 0.5]];
/// let mut probs = logits.clone();
/// nn_runtime::activation::Activation::<f64>::infer_in_place(
///     &nn_runtime::activation::Softmax,
///     probs.view_mut(),
/// );
/// let mut grad = ndarray::Array2::zeros((1, 3));
/// let (loss, of) = Loss::CrossEntropy
///     .evaluate(
///         ActivationKind::Softmax,
///         probs.view(),
///         logits.view(),
///         Targets::Classes(&[0]),
///         grad.view_mut(),
///     )
///     .unwrap();
/// assert_eq!(of, GradientOf::PreActivation);
/// assert!((loss + probs[[0, 0]].ln()).abs() < 1e-12);
/// assert!(!Loss::CrossEntropy.fits(ActivationKind::Sigmoid));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loss {
    /// [`mean_squared_error`] on the output; fits any output activation.
    MeanSquaredError,
    /// Categorical cross-entropy; fits a softmax output and is computed fused with it
    /// ([`softmax_cross_entropy`] on the logits).
    CrossEntropy,
    /// Binary cross-entropy; fits a sigmoid output and is computed fused with it
    /// ([`binary_cross_entropy_with_logits`] on the logits).
    BinaryCrossEntropy,
}

impl Loss {
    /// The loss's name (`"mean_squared_error"`, `"cross_entropy"`, `"binary_cross_entropy"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MeanSquaredError => "mean_squared_error",
            Self::CrossEntropy => "cross_entropy",
            Self::BinaryCrossEntropy => "binary_cross_entropy",
        }
    }

    /// Whether this loss fits an output layer with activation `output`: cross-entropy needs a
    /// softmax, binary cross-entropy a sigmoid, mean squared error takes anything.
    pub fn fits(self, output: ActivationKind) -> bool {
        match self {
            Self::MeanSquaredError => true,
            Self::CrossEntropy => output == ActivationKind::Softmax,
            Self::BinaryCrossEntropy => output == ActivationKind::Sigmoid,
        }
    }

    /// The loss of a batch and its gradient, for an output layer with activation `output_kind`
    /// whose last training forward gave `output` and `pre_activation` (both `[batch, width]`).
    ///
    /// Cross-entropy (softmax output) and binary cross-entropy (sigmoid output) are computed
    /// from `pre_activation` in their fused, overflow-free forms, and the gradient written
    /// into `grad` is with respect to the pre-activation ([`GradientOf::PreActivation`]);
    /// mean squared error uses `output` and gives the gradient with respect to it
    /// ([`GradientOf::Output`]).
    ///
    /// The fused values equal Keras' `from_logits=True` losses; Keras' `from_logits=False`
    /// on the same softmax/sigmoid output clips probabilities to `[1e-7, 1 - 1e-7]` and so
    /// differs only where the output saturates ([`cross_entropy`] and
    /// [`binary_cross_entropy`] reproduce it).
    ///
    /// # Errors
    /// [`Error::LossMismatch`] if the loss does not [fit](Loss::fits) the activation,
    /// [`Error::ShapeMismatch`] if `output` and `pre_activation` differ in shape, and the
    /// errors of the loss function used.
    pub fn evaluate<T: Float>(
        self,
        output_kind: ActivationKind,
        output: ArrayView2<'_, T>,
        pre_activation: ArrayView2<'_, T>,
        targets: Targets<'_, T>,
        grad: ArrayViewMut2<'_, T>,
    ) -> Result<(T, GradientOf)> {
        if !self.fits(output_kind) {
            return Err(Error::LossMismatch {
                loss: self.name(),
                activation: output_kind.dsl_name(),
                hint: self.hint(),
            });
        }
        match self {
            Self::MeanSquaredError => {
                mean_squared_error(output, targets, grad).map(|loss| (loss, GradientOf::Output))
            }
            Self::CrossEntropy => {
                check_same_shape(self.name(), output.shape(), pre_activation.shape())?;
                softmax_cross_entropy(pre_activation, targets, grad)
                    .map(|loss| (loss, GradientOf::PreActivation))
            }
            Self::BinaryCrossEntropy => {
                check_same_shape(self.name(), output.shape(), pre_activation.shape())?;
                binary_cross_entropy_with_logits(pre_activation, targets, grad)
                    .map(|loss| (loss, GradientOf::PreActivation))
            }
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Self::MeanSquaredError => "mean squared error fits every output",
            Self::CrossEntropy => {
                "cross-entropy needs a softmax output layer; use binary_cross_entropy for a \
                 sigmoid output, mean_squared_error for a regression output"
            }
            Self::BinaryCrossEntropy => {
                "binary cross-entropy needs a sigmoid output layer; use cross_entropy for a \
                 softmax output, mean_squared_error for a regression output"
            }
        }
    }
}
