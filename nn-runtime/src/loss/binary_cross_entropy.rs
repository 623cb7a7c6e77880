//! Binary cross-entropy: on probabilities (Keras' clipping) or fused with the sigmoid.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::targets::LabelMeaning;
use super::{PROBABILITY_EPSILON, Targets};
use crate::activation::{Pointwise, Sigmoid};
use crate::{Float, Result};

/// Binary cross-entropy on probabilities, averaged over every element of the batch, as Keras'
/// `BinaryCrossentropy(from_logits=False)` computes it: `p` is clipped to `[1e-7, 1 - 1e-7]`
/// ([`PROBABILITY_EPSILON`]), then `L = -mean(y log p + (1 - y) log(1 - p))`.
///
/// The gradient with respect to `p`, `(p - y) / (p (1 - p)) / n` with `n = batch · width`
/// (zero where `p` is clipped), is written into `grad` (`[batch, width]`).
///
/// On a width-1 output, class labels ([`Targets::Classes`]) are the targets themselves (0 or
/// 1); on wider outputs they are one-hot rows.
///
/// PyTorch: `nn.BCELoss()` clamps `log` at -100 instead of clipping `p`, so the two agree
/// except for saturated probabilities. For training a sigmoid output prefer
/// [`binary_cross_entropy_with_logits`].
///
/// # Errors
/// [`crate::Error::LengthMismatch`] if targets and predictions differ in rows,
/// [`crate::Error::EmptyBatch`] for no rows, [`crate::Error::ShapeMismatch`] if dense targets
/// or `grad` do not have the predictions' shape, [`crate::Error::LabelOutOfRange`] for a label
/// above 1 on a width-1 output (or `>= width` on a wider one), [`crate::Error::NonFinite`] for
/// a NaN or infinity in predictions or targets.
///
/// ```
/// use nn_runtime::loss::{Targets, binary_cross_entropy};
/// let p = ndarray::array![[0.8f64], [0.4]];
/// let mut grad = ndarray::Array2::zeros((2, 1));
/// let loss = binary_cross_entropy(p.view(), Targets::Classes(&[1, 0]), grad.view_mut()).unwrap();
/// assert!((loss - -(0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-12);
/// ```
pub fn binary_cross_entropy<T: Float>(
    probs: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    mut grad: ArrayViewMut2<'_, T>,
) -> Result<T> {
    const CONTEXT: &str = "binary_cross_entropy";
    let targets = targets.check(CONTEXT, &probs, grad.shape(), LabelMeaning::Binary)?;
    let low = T::cast(PROBABILITY_EPSILON);
    let high = T::one() - low;
    let count = T::cast(probs.len() as f64);
    let mut total = T::zero();
    Zip::indexed(&mut grad)
        .and(&probs)
        .for_each(|(row, column), g, &p| {
            let y = targets.get(row, column);
            let clipped = p.max(low).min(high);
            total -= y * clipped.ln() + (T::one() - y) * (T::one() - clipped).ln();
            *g = if p >= low && p <= high {
                (clipped - y) / (clipped * (T::one() - clipped) * count)
            } else {
                T::zero()
            };
        });
    Ok(total / count)
}

/// Binary cross-entropy on logits, fused with the sigmoid and averaged over every element:
/// per element `max(z, 0) - z y + log(1 + exp(-|z|))`, which never overflows, with the
/// gradient `(sigmoid(z) - y) / n` (`n = batch · width`) written into `grad`.
///
/// This is the form that enters the network at the output layer's pre-activation
/// ([`crate::Layer::backward_from_pre_activation`]). Keras:
/// `BinaryCrossentropy(from_logits=True)`; PyTorch: `nn.BCEWithLogitsLoss()` (same values).
/// Labels are read as in [`binary_cross_entropy`].
///
/// # Errors
/// As [`binary_cross_entropy`].
///
/// ```
/// use nn_runtime::loss::{Targets, binary_cross_entropy_with_logits};
/// let z = ndarray::array![[0.0f64], [1e4]];
/// let mut grad = ndarray::Array2::zeros((2, 1));
/// let loss = binary_cross_entropy_with_logits(z.view(), Targets::Classes(&[1, 1]), grad.view_mut())
///     .unwrap();
/// assert!((loss - 2f64.ln() / 2.0).abs() < 1e-12);
/// assert_eq!(grad, ndarray::array![[-0.25], [0.0]]);
/// ```
pub fn binary_cross_entropy_with_logits<T: Float>(
    logits: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    mut grad: ArrayViewMut2<'_, T>,
) -> Result<T> {
    const CONTEXT: &str = "binary_cross_entropy_with_logits";
    let targets = targets.check(CONTEXT, &logits, grad.shape(), LabelMeaning::Binary)?;
    let count = T::cast(logits.len() as f64);
    let mut total = T::zero();
    Zip::indexed(&mut grad)
        .and(&logits)
        .for_each(|(row, column), g, &z| {
            let y = targets.get(row, column);
            total += z.max(T::zero()) - z * y + (-z.abs()).exp().ln_1p();
            *g = (Sigmoid.value(z) - y) / count;
        });
    Ok(total / count)
}
