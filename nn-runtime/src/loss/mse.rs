//! Mean squared error.

use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::Targets;
use super::targets::LabelMeaning;
use crate::{Float, Result};

const CONTEXT: &str = "mean_squared_error";

/// Mean squared error over every element of the batch: `L = Σ (p - y)² / (batch · width)`,
/// with the gradient `2 (p - y) / (batch · width)` written into `grad` (`[batch, width]`, the
/// predictions' shape; nothing is allocated).
///
/// Keras (`keras.losses.MeanSquaredError`, a mean over the last axis then over the batch) and
/// PyTorch (`nn.MSELoss(reduction="mean")`, a mean over all elements) agree. Class labels
/// ([`Targets::Classes`]) are read as one-hot rows.
///
/// # Errors
/// [`crate::Error::LengthMismatch`] if targets and predictions differ in rows,
/// [`crate::Error::EmptyBatch`] for no rows, [`crate::Error::ShapeMismatch`] if dense targets
/// or `grad` do not have the predictions' shape, [`crate::Error::LabelOutOfRange`] for a label
/// `>= width`, [`crate::Error::NonFinite`] for a NaN or infinity in predictions or targets.
///
/// ```
/// use nn_runtime::loss::{Targets, mean_squared_error};
/// let p = ndarray::array![[1.0f64, 2.0], [3.0, 4.0]];
/// let y = ndarray::array![[1.0, 0.0], [3.0, 6.0]];
/// let mut grad = ndarray::Array2::zeros((2, 2));
/// let loss = mean_squared_error(p.view(), Targets::from(&y), grad.view_mut()).unwrap();
/// assert_eq!(loss, (0.0 + 4.0 + 0.0 + 4.0) / 4.0);
/// assert_eq!(grad, ndarray::array![[0.0, 1.0], [0.0, -1.0]]);
/// ```
pub fn mean_squared_error<T: Float>(
    predictions: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    mut grad: ArrayViewMut2<'_, T>,
) -> Result<T> {
    let targets = targets.check(CONTEXT, &predictions, grad.shape(), LabelMeaning::OneHot)?;
    let count = T::cast(predictions.len() as f64);
    let scale = T::cast(2.0) / count;
    let mut sum = T::zero();
    Zip::indexed(&mut grad)
        .and(&predictions)
        .for_each(|(row, column), g, &p| {
            let difference = p - targets.get(row, column);
            sum += difference * difference;
            *g = scale * difference;
        });
    Ok(sum / count)
}
