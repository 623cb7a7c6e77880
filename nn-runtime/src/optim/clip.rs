//! Gradient clipping, applied by every optimizer before its update rule.

use crate::validate::check_hyperparameter;
use crate::{Float, Parameters, Result};

/// How an optimizer clips gradients before its update, set with each optimizer's `clip`
/// builder.
///
/// - [`GradientClip::GlobalNorm`]`(c)`: every gradient is scaled by `min(1, c / ‖g‖)`, with
///   `‖g‖` the L2 norm of all gradients of the model together, so the clipped gradients have
///   norm exactly `c` when `‖g‖ > c` and are untouched otherwise. Keras:
///   `global_clipnorm=c`; PyTorch: `clip_grad_norm_(params, c)`, which divides by
///   `‖g‖ + 1e-6` and so scales to slightly less than `c`. A non-finite norm makes every
///   gradient NaN, as in both.
/// - [`GradientClip::Value`]`(c)`: every element is clamped to `[-c, c]`. Keras:
///   `clipvalue=c`; PyTorch: `clip_grad_value_(params, c)`.
///
/// Clipping acts on the gradients as the optimizer reads them; the model's stored gradients
/// are left as the backward pass wrote them.
///
/// ```
/// use nn_runtime::optim::{GradientClip, Sgd};
/// let sgd = Sgd::<f32>::new(0.1).unwrap().clip(GradientClip::GlobalNorm(1.0)).unwrap();
/// assert_eq!(sgd.gradient_clip(), GradientClip::GlobalNorm(1.0));
/// assert!(Sgd::<f32>::new(0.1).unwrap().clip(GradientClip::Value(-1.0)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum GradientClip {
    /// No clipping (the default).
    #[default]
    None,
    /// Scale all gradients together so that their global L2 norm is at most the value.
    GlobalNorm(f64),
    /// Clamp every gradient element to `[-value, value]`.
    Value(f64),
}

impl GradientClip {
    /// Checks that the bound is positive and finite.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] for a bound that is not `> 0` and finite.
    pub fn validate(self, context: &str) -> Result<()> {
        match self {
            Self::None => Ok(()),
            Self::GlobalNorm(c) => {
                check_hyperparameter(context, "global_clipnorm", c, "global_clipnorm > 0", |c| {
                    c > 0.0
                })
            }
            Self::Value(c) => {
                check_hyperparameter(context, "clipvalue", c, "clipvalue > 0", |c| c > 0.0)
            }
        }
    }

    /// Whether this clipping needs the global gradient norm.
    pub(crate) fn needs_norm(self) -> bool {
        matches!(self, Self::GlobalNorm(_))
    }

    /// The per-element clipping for one step, given the global norm (used only by
    /// [`GradientClip::GlobalNorm`]).
    pub(crate) fn resolve<T: Float>(self, norm: f64) -> Clip<T> {
        match self {
            Self::None => Clip::None,
            Self::GlobalNorm(c) => {
                // Keras' clip_by_global_norm: c · min(1/‖g‖, 1/c), NaN for a non-finite norm.
                let scale = if norm.is_finite() {
                    (c / norm).min(1.0)
                } else {
                    f64::NAN
                };
                Clip::Scale(T::cast(scale))
            }
            Self::Value(c) => Clip::Value(T::cast(c)),
        }
    }
}

/// [`GradientClip`] resolved for one step: what to do to each gradient element.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clip<T> {
    None,
    Scale(T),
    Value(T),
}

impl<T: Float> Clip<T> {
    /// The clipped gradient element.
    #[inline]
    pub(crate) fn apply(self, g: T) -> T {
        match self {
            Self::None => g,
            Self::Scale(scale) => g * scale,
            Self::Value(c) => g.max(-c).min(c),
        }
    }
}

/// The global L2 norm of all of a model's gradients, `sqrt(Σ g²)` over every parameter
/// (accumulated in `f64`): the quantity [`GradientClip::GlobalNorm`] bounds.
///
/// ```
/// use nn_runtime::{Dense, Layer, activation::Linear, optim::global_norm, seeded_rng};
/// let kernel = ndarray::array![[1.0f64, 2.0]];
/// let mut dense = Dense::<1, 2, Linear, f64>::from_weights(Linear, kernel, None).unwrap();
/// let x = ndarray::array![[3.0]];
/// dense.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
/// dense.backward(x.view(), ndarray::array![[1.0, 1.0]].view()).unwrap();
/// // kernel gradient = xᵀ · 1 = [3, 3]
/// assert!((global_norm(&mut dense) - 18f64.sqrt()).abs() < 1e-12);
/// ```
pub fn global_norm<T: Float>(model: &mut dyn Parameters<T>) -> f64 {
    let mut squares = 0.0;
    model.visit_params(&mut |p| squares += sum_of_squares(p.grad));
    squares.sqrt()
}

/// `Σ g²` in `f64`.
pub(crate) fn sum_of_squares<T: Float>(grad: &[T]) -> f64 {
    grad.iter().map(|g| g.as_f64() * g.as_f64()).sum()
}
