//! What a loss compares predictions with: class labels or a dense matrix, checked once.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// The targets of a batch, for predictions of shape `[batch, classes]`.
///
/// ```
/// use nn_runtime::loss::{Targets, mean_squared_error};
/// let predictions = ndarray::array![[0.8f64, 0.2], [0.3, 0.7]];
/// let mut grad = ndarray::Array2::zeros((2, 2));
/// // Class labels are one-hot rows: these two calls compute the same loss.
/// let one_hot = ndarray::array![[1.0, 0.0], [0.0, 1.0]];
/// let a = mean_squared_error(predictions.view(), Targets::Classes(&[0, 1]), grad.view_mut()).unwrap();
/// let b = mean_squared_error(predictions.view(), Targets::from(&one_hot), grad.view_mut()).unwrap();
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone, Copy)]
pub enum Targets<'a, T> {
    /// One class label per row, in `0..classes`. Every loss reads a label as a one-hot row,
    /// except the binary cross-entropies on a width-1 output, where the label itself (0 or 1)
    /// is the target.
    Classes(&'a [usize]),
    /// One target per prediction, `[batch, classes]`: one-hot rows, probabilities (smoothed
    /// labels), or real values for regression.
    Dense(ArrayView2<'a, T>),
}

impl<T> Targets<'_, T> {
    /// The number of rows (samples) the targets cover.
    pub fn rows(&self) -> usize {
        match self {
            Self::Classes(labels) => labels.len(),
            Self::Dense(values) => values.nrows(),
        }
    }
}

impl<'a, T> From<&'a [usize]> for Targets<'a, T> {
    fn from(labels: &'a [usize]) -> Self {
        Self::Classes(labels)
    }
}

impl<'a, T> From<&'a Vec<usize>> for Targets<'a, T> {
    fn from(labels: &'a Vec<usize>) -> Self {
        Self::Classes(labels)
    }
}

impl<'a, T> From<ArrayView2<'a, T>> for Targets<'a, T> {
    fn from(values: ArrayView2<'a, T>) -> Self {
        Self::Dense(values)
    }
}

impl<'a, T> From<&'a Array2<T>> for Targets<'a, T> {
    fn from(values: &'a Array2<T>) -> Self {
        Self::Dense(values.view())
    }
}

/// How a loss reads class labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelMeaning {
    /// A label is a one-hot row.
    OneHot,
    /// On a width-1 output a label is the target value (0 or 1); on wider outputs, one-hot.
    Binary,
}

/// Targets that passed [`Targets::check`]: every label in range, every value finite, the shape
/// that of the predictions.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Checked<'a, T> {
    /// Labels read as one-hot rows.
    OneHot(&'a [usize]),
    /// Labels 0/1 that are the targets of a width-1 output.
    Binary(&'a [usize]),
    /// Dense targets of the predictions' shape.
    Dense(ArrayView2<'a, T>),
}

impl<T: Float> Checked<'_, T> {
    /// The target of the prediction at `(row, column)`.
    #[inline]
    pub(crate) fn get(&self, row: usize, column: usize) -> T {
        match self {
            Self::OneHot(labels) => indicator(labels[row] == column),
            Self::Binary(labels) => indicator(labels[row] == 1),
            Self::Dense(values) => values[[row, column]],
        }
    }

    /// The sum of the targets in `row` (1 for labels).
    #[inline]
    pub(crate) fn row_sum(&self, row: usize) -> T {
        match self {
            Self::OneHot(_) => T::one(),
            Self::Binary(labels) => indicator(labels[row] == 1),
            Self::Dense(values) => values.row(row).sum(),
        }
    }
}

#[inline]
fn indicator<T: Float>(condition: bool) -> T {
    if condition { T::one() } else { T::zero() }
}

impl<'a, T: Float> Targets<'a, T> {
    /// Checks the targets, the predictions and the gradient buffer of a loss together.
    ///
    /// In order: the row counts agree ([`Error::LengthMismatch`]), the batch is not empty
    /// ([`Error::EmptyBatch`]), the predictions have at least one column
    /// ([`Error::WidthMismatch`]), the gradient has the predictions' shape and dense targets
    /// their width ([`Error::ShapeMismatch`]), labels are in range
    /// ([`Error::LabelOutOfRange`]), predictions and dense targets are finite
    /// ([`Error::NonFinite`]).
    pub(crate) fn check(
        self,
        context: &'static str,
        predictions: &ArrayView2<'_, T>,
        grad_shape: &[usize],
        meaning: LabelMeaning,
    ) -> Result<Checked<'a, T>> {
        let (rows, columns) = predictions.dim();
        if self.rows() != rows {
            let right_name = match self {
                Self::Classes(_) => "labels",
                Self::Dense(_) => "targets",
            };
            return Err(Error::LengthMismatch {
                context: context.to_owned(),
                left_name: "predictions",
                left: rows,
                right_name,
                right: self.rows(),
            });
        }
        if rows == 0 {
            return Err(Error::EmptyBatch {
                context: context.to_owned(),
                minimum: 1,
            });
        }
        if columns == 0 {
            return Err(Error::WidthMismatch {
                context: format!("{context} predictions"),
                expected: 1,
                actual: 0,
            });
        }
        if grad_shape != predictions.shape() {
            return Err(Error::ShapeMismatch {
                context: format!("{context} gradient"),
                expected: predictions.shape().to_vec(),
                actual: grad_shape.to_vec(),
            });
        }
        check_finite(context, "predictions", predictions)?;
        match self {
            Self::Classes(labels) => {
                let binary = meaning == LabelMeaning::Binary && columns == 1;
                let classes = if binary { 2 } else { columns };
                if let Some((row, &label)) = labels
                    .iter()
                    .enumerate()
                    .find(|&(_, &label)| label >= classes)
                {
                    return Err(Error::LabelOutOfRange {
                        context: context.to_owned(),
                        row,
                        label,
                        classes,
                    });
                }
                Ok(if binary {
                    Checked::Binary(labels)
                } else {
                    Checked::OneHot(labels)
                })
            }
            Self::Dense(values) => {
                if values.shape() != predictions.shape() {
                    return Err(Error::ShapeMismatch {
                        context: format!("{context} targets"),
                        expected: predictions.shape().to_vec(),
                        actual: values.shape().to_vec(),
                    });
                }
                check_finite(context, "targets", &values)?;
                Ok(Checked::Dense(values))
            }
        }
    }
}

/// Like [`crate::validate::check_finite`], naming what was checked, and allocating only to
/// report an error.
fn check_finite<T: Float>(context: &str, what: &str, values: &ArrayView2<'_, T>) -> Result<()> {
    match values.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((row, column), &value)) => Err(Error::NonFinite {
            context: format!("{context} {what}"),
            row,
            column,
            value: value.as_f64(),
        }),
    }
}
