//! Categorical cross-entropy: fused with the softmax on logits, or on probabilities.

use ndarray::{ArrayView2, ArrayViewMut2, Axis, Zip};

use super::targets::LabelMeaning;
use super::{PROBABILITY_EPSILON, Targets};
use crate::{Error, Float, Result};

/// Softmax cross-entropy on logits, averaged over the batch: per row
/// `-Σ_j y_j log softmax(z)_j`, computed as `Σ_j y_j (logsumexp(z) - z_j)` with the row maximum
/// taken out first, so logits of any size (`1e4`, `-1e4`) give a finite, exact loss.
///
/// The gradient with respect to the logits, written into `grad_logits` (`[batch, classes]`),
/// is `(s · softmax(z) - y) / batch` with `s = Σ_j y_j` the row's target sum: `(p - y) / batch`
/// for one-hot rows, labels and any other targets that sum to 1. This is the fused form that
/// enters the network at the output layer's pre-activation
/// ([`crate::Layer::backward_from_pre_activation`]), skipping the softmax's Jacobian.
///
/// Keras: `CategoricalCrossentropy(from_logits=True)` (or `SparseCategoricalCrossentropy`
/// for labels), `sum_over_batch_size`. PyTorch: `nn.CrossEntropyLoss()` with class indices or
/// probabilities as targets.
///
/// # Errors
/// [`crate::Error::LengthMismatch`] if targets and logits differ in rows,
/// [`crate::Error::EmptyBatch`] for no rows, [`crate::Error::ShapeMismatch`] if dense targets
/// or `grad_logits` do not have the logits' shape, [`crate::Error::LabelOutOfRange`] for a
/// label `>= classes`, [`crate::Error::NonFinite`] for a NaN or infinity in logits or targets.
///
/// ```
/// use nn_runtime::loss::{Targets, softmax_cross_entropy};
/// let logits = ndarray::array![[0.0f64, 0.0, 0.0, 0.0], [1e4, 0.0, -1e4, 0.0]];
/// let mut grad = ndarray::Array2::zeros((2, 4));
/// let loss = softmax_cross_entropy(logits.view(), Targets::Classes(&[2, 0]), grad.view_mut())
///     .unwrap();
/// // Uniform logits cost ln(4); a confident right answer costs nothing.
/// assert!((loss - 4f64.ln() / 2.0).abs() < 1e-12);
/// assert!((grad[[0, 2]] - (0.25 - 1.0) / 2.0).abs() < 1e-12);
/// ```
pub fn softmax_cross_entropy<T: Float>(
    logits: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    mut grad_logits: ArrayViewMut2<'_, T>,
) -> Result<T> {
    const CONTEXT: &str = "softmax_cross_entropy";
    let targets = targets.check(CONTEXT, &logits, grad_logits.shape(), LabelMeaning::OneHot)?;
    let inv_batch = T::one() / T::cast(logits.nrows() as f64);
    let mut total = T::zero();
    for (row, (z, mut g)) in logits
        .axis_iter(Axis(0))
        .zip(grad_logits.axis_iter_mut(Axis(0)))
        .enumerate()
    {
        let max = z.fold(T::neg_infinity(), |m, &v| m.max(v));
        let mut sum = T::zero();
        Zip::from(&mut g).and(&z).for_each(|g, &z| {
            *g = (z - max).exp();
            sum += *g;
        });
        let log_sum = sum.ln();
        let target_sum = targets.row_sum(row);
        Zip::indexed(&mut g).and(&z).for_each(|column, g, &z| {
            let y = targets.get(row, column);
            // logsumexp(z) - z_j, with the large terms cancelled exactly first.
            total += y * ((max - z) + log_sum);
            *g = (target_sum * *g / sum - y) * inv_batch;
        });
    }
    Ok(total * inv_batch)
}

/// Categorical cross-entropy on probabilities, averaged over the batch, exactly as Keras'
/// `CategoricalCrossentropy(from_logits=False)` computes it: each row is first divided by its
/// sum, then clipped to `[1e-7, 1 - 1e-7]` ([`PROBABILITY_EPSILON`]), then
/// `L_row = -Σ_j y_j log q_j`.
///
/// The gradient with respect to the probabilities `p` is written into `grad_probs`
/// (`[batch, classes]`); it includes the normalization (`dq_j/dp_k = (δ_jk - q_j) / Σp`) and is
/// zero through a clipped entry. For training a softmax output prefer
/// [`softmax_cross_entropy`] on the logits: it is exact where this clips, and cheaper.
///
/// PyTorch has no cross-entropy on probabilities (`F.cross_entropy` takes logits);
/// `F.nll_loss(torch.log(p), y)` matches this for rows that sum to 1 and need no clipping.
///
/// # Errors
/// As [`softmax_cross_entropy`], and [`crate::Error::InvalidState`] for a row of
/// probabilities whose sum is not positive (it cannot be normalized).
///
/// ```
/// use nn_runtime::loss::{Targets, cross_entropy};
/// let probs = ndarray::array![[0.25f64, 0.25, 0.5]];
/// let mut grad = ndarray::Array2::zeros((1, 3));
/// let loss = cross_entropy(probs.view(), Targets::Classes(&[2]), grad.view_mut()).unwrap();
/// assert!((loss - 2f64.ln()).abs() < 1e-12);
/// ```
pub fn cross_entropy<T: Float>(
    probs: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    mut grad_probs: ArrayViewMut2<'_, T>,
) -> Result<T> {
    const CONTEXT: &str = "cross_entropy";
    let targets = targets.check(CONTEXT, &probs, grad_probs.shape(), LabelMeaning::OneHot)?;
    let low = T::cast(PROBABILITY_EPSILON);
    let high = T::one() - low;
    let inv_batch = T::one() / T::cast(probs.nrows() as f64);
    let mut total = T::zero();
    for (row, (p, mut g)) in probs
        .axis_iter(Axis(0))
        .zip(grad_probs.axis_iter_mut(Axis(0)))
        .enumerate()
    {
        let sum = p.sum();
        if !(sum > T::zero() && sum.is_finite()) {
            return Err(Error::InvalidState {
                context: CONTEXT.to_owned(),
                message: format!(
                    "row {row} of the probabilities sums to {sum:?}, which cannot be \
                     normalized; expected non-negative probabilities with a positive sum \
                     (use softmax_cross_entropy for logits)"
                ),
            });
        }
        // First pass: the loss, and dL/dq_j (zero where q_j is clipped) into the gradient.
        let mut dot = T::zero();
        Zip::indexed(&mut g).and(&p).for_each(|column, g, &p| {
            let q = p / sum;
            let clipped = q.max(low).min(high);
            let y = targets.get(row, column);
            total -= y * clipped.ln();
            *g = if q >= low && q <= high {
                -y / clipped
            } else {
                T::zero()
            };
            dot += *g * q;
        });
        // Second pass: through the normalization q = p / Σp.
        let scale = inv_batch / sum;
        g.map_inplace(|g| *g = (*g - dot) * scale);
    }
    Ok(total * inv_batch)
}
