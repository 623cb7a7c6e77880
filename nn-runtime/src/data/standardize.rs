//! Per-feature standardization: fitted on the training set, applied to every set.

use ndarray::{Array1, Array2, ArrayView2, Axis, Zip};

use crate::validate::{check_finite, check_same_shape};
use crate::{Dataset, Error, Float, Result};

/// Rescales each feature to mean 0 and standard deviation 1, with the statistics of the
/// training set: `z = (x - mean) / std`.
///
/// Fit it on the training set only and apply the same statistics to the validation and test
/// sets (fitting on all the data leaks the test set into training). The standard deviation is
/// the population one (dividing by `n`, as scikit-learn's `StandardScaler`); the statistics
/// are computed in `f64` whatever `T` is.
///
/// A constant feature (every training value the same) has standard deviation 0: it is only
/// centered (divided by 1), so it becomes 0 in the training set instead of NaN, and other sets
/// keep their distance from the training constant.
///
/// SELU networks need this: self-normalization (Klambauer et al. 2017) assumes standardized
/// inputs, mean 0 and variance 1 per feature, and does not hold on raw pixels in `[0, 1]` or
/// on features of different scales. Other activations train faster on standardized inputs too.
///
/// ```
/// use nn_runtime::{Dataset, Standardizer};
/// let train = Dataset::classification(ndarray::array![[1.0f64, 5.0], [3.0, 5.0]], vec![0, 1], 2).unwrap();
/// let (scaler, train) = Standardizer::fit_transform(&train);
/// assert_eq!(train.features(), &ndarray::array![[-1.0, 0.0], [1.0, 0.0]]);
/// assert_eq!(scaler.mean(), &ndarray::array![2.0, 5.0]);
/// assert_eq!(scaler.std(), &ndarray::array![1.0, 0.0]);
///
/// let test = Dataset::classification(ndarray::array![[4.0f64, 6.0]], vec![1], 2).unwrap();
/// let test = scaler.transform(&test).unwrap();
/// assert_eq!(test.features(), &ndarray::array![[2.0, 1.0]]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer<T: Float = f32> {
    mean: Array1<T>,
    std: Array1<T>,
}

const CONTEXT: &str = "standardizer";

impl<T: Float> Standardizer<T> {
    /// Fits the per-feature mean and standard deviation of a (training) dataset's features.
    pub fn fit(dataset: &Dataset<T>) -> Self {
        Self::fit_checked(dataset.features().view())
    }

    /// Fits the per-feature mean and standard deviation of a feature matrix
    /// `[samples, features]`.
    ///
    /// # Errors
    /// [`Error::EmptyBatch`] for zero rows, [`Error::WidthMismatch`] for zero columns,
    /// [`Error::NonFinite`] for a NaN or infinite value.
    ///
    /// ```
    /// use nn_runtime::{Error, Standardizer};
    /// let x = ndarray::array![[1.0f32], [f32::NAN]];
    /// let err = Standardizer::fit_features(x.view()).unwrap_err();
    /// assert!(matches!(err, Error::NonFinite { row: 1, column: 0, .. }));
    /// ```
    pub fn fit_features(features: ArrayView2<'_, T>) -> Result<Self> {
        if features.nrows() == 0 {
            return Err(Error::EmptyBatch {
                context: CONTEXT.to_owned(),
                minimum: 1,
            });
        }
        if features.ncols() == 0 {
            return Err(Error::WidthMismatch {
                context: CONTEXT.to_owned(),
                expected: 1,
                actual: 0,
            });
        }
        check_finite(CONTEXT, &features)?;
        Ok(Self::fit_checked(features))
    }

    /// Fits a non-empty, finite feature matrix.
    fn fit_checked(features: ArrayView2<'_, T>) -> Self {
        let n = features.nrows() as f64;
        let mut mean = Array1::zeros(features.ncols());
        let mut std = Array1::zeros(features.ncols());
        for (column, (mean, std)) in features
            .axis_iter(Axis(1))
            .zip(mean.iter_mut().zip(std.iter_mut()))
        {
            let first = column[0];
            if column.iter().all(|&x| x == first) {
                // Exactly constant: the mean is the value itself, so centering gives exact 0.
                *mean = first;
                *std = T::zero();
                continue;
            }
            let mean64 = column.iter().map(|x| x.as_f64()).sum::<f64>() / n;
            let variance = column
                .iter()
                .map(|x| (x.as_f64() - mean64).powi(2))
                .sum::<f64>()
                / n;
            *mean = T::cast(mean64);
            *std = T::cast(variance.sqrt());
        }
        Self { mean, std }
    }

    /// A standardizer with the given per-feature `mean` and standard deviation `std` (saved
    /// from an earlier fit, say). A standard deviation of 0 marks a constant feature.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the two differ in length, [`Error::WidthMismatch`] if they
    /// are empty, [`Error::NonFinite`] for a NaN or infinite value, and
    /// [`Error::InvalidHyperparameter`] for a negative standard deviation.
    pub fn from_parts(mean: Array1<T>, std: Array1<T>) -> Result<Self> {
        check_same_shape("standardizer std", mean.shape(), std.shape())?;
        if mean.is_empty() {
            return Err(Error::WidthMismatch {
                context: CONTEXT.to_owned(),
                expected: 1,
                actual: 0,
            });
        }
        check_finite("standardizer mean", &mean.view().insert_axis(Axis(0)))?;
        check_finite("standardizer std", &std.view().insert_axis(Axis(0)))?;
        if let Some(&negative) = std.iter().find(|&&s| s < T::zero()) {
            return Err(Error::InvalidHyperparameter {
                context: CONTEXT.to_owned(),
                name: "std",
                value: negative.as_f64(),
                expected: "std >= 0",
            });
        }
        Ok(Self { mean, std })
    }

    /// Fits on a (training) dataset and standardizes it: the standardizer and the new dataset.
    pub fn fit_transform(dataset: &Dataset<T>) -> (Self, Dataset<T>) {
        let scaler = Self::fit(dataset);
        // Training data standardized with its own statistics stays within ±sqrt(n): finite.
        let features = scaler.apply(dataset.features().view());
        let dataset = Dataset::from_checked(features, dataset.labels().clone());
        (scaler, dataset)
    }

    /// The per-feature means.
    pub fn mean(&self) -> &Array1<T> {
        &self.mean
    }

    /// The per-feature standard deviations (0 for a constant feature, which is divided by 1).
    pub fn std(&self) -> &Array1<T> {
        &self.std
    }

    /// The number of features this standardizer was fitted on.
    pub fn width(&self) -> usize {
        self.mean.len()
    }

    /// A new dataset with the features standardized and the labels unchanged.
    ///
    /// # Errors
    /// [`Error::WidthMismatch`] if the dataset has another number of features than the
    /// training set; [`Error::NonFinite`] if a standardized value overflows `T`.
    pub fn transform(&self, dataset: &Dataset<T>) -> Result<Dataset<T>> {
        let features = self.transform_features(dataset.features().view())?;
        Ok(Dataset::from_checked(features, dataset.labels().clone()))
    }

    /// Standardizes a feature matrix `[samples, features]`.
    ///
    /// # Errors
    /// [`Error::WidthMismatch`] if it has another number of columns than the training set;
    /// [`Error::NonFinite`] for a NaN or infinite input, or a standardized value that overflows
    /// `T`.
    ///
    /// ```
    /// use nn_runtime::{Error, Standardizer};
    /// let scaler = Standardizer::fit_features(ndarray::array![[0.0f32, 1.0], [2.0, 3.0]].view()).unwrap();
    /// let err = scaler.transform_features(ndarray::array![[1.0f32]].view()).unwrap_err();
    /// assert_eq!(err, Error::WidthMismatch { context: "standardizer".into(), expected: 2, actual: 1 });
    /// ```
    pub fn transform_features(&self, features: ArrayView2<'_, T>) -> Result<Array2<T>> {
        self.check_width(&features)?;
        check_finite(CONTEXT, &features)?;
        let standardized = self.apply(features);
        check_finite("standardizer output", &standardized.view())?;
        Ok(standardized)
    }

    /// Undoes [`Standardizer::transform_features`]: `x = z · std + mean` (`z + mean` for a
    /// constant feature). Useful on a regression network's predictions when the targets were
    /// standardized.
    ///
    /// # Errors
    /// As [`Standardizer::transform_features`].
    pub fn inverse_transform_features(&self, standardized: ArrayView2<'_, T>) -> Result<Array2<T>> {
        self.check_width(&standardized)?;
        check_finite(CONTEXT, &standardized)?;
        let mut features = standardized.to_owned();
        for mut row in features.axis_iter_mut(Axis(0)) {
            Zip::from(&mut row)
                .and(&self.mean)
                .and(&self.std)
                .for_each(|x, &mean, &std| {
                    *x = T::cast(x.as_f64() * scale(std) + mean.as_f64());
                });
        }
        check_finite("standardizer inverse output", &features.view())?;
        Ok(features)
    }

    fn check_width(&self, features: &ArrayView2<'_, T>) -> Result<()> {
        if features.ncols() != self.width() {
            return Err(Error::WidthMismatch {
                context: CONTEXT.to_owned(),
                expected: self.width(),
                actual: features.ncols(),
            });
        }
        Ok(())
    }

    /// `(x - mean) / std` per element, in `f64`, with `std` 0 read as 1.
    fn apply(&self, features: ArrayView2<'_, T>) -> Array2<T> {
        let mut standardized = features.to_owned();
        for mut row in standardized.axis_iter_mut(Axis(0)) {
            Zip::from(&mut row)
                .and(&self.mean)
                .and(&self.std)
                .for_each(|x, &mean, &std| {
                    *x = T::cast((x.as_f64() - mean.as_f64()) / scale(std));
                });
        }
        standardized
    }
}

/// The divisor of a feature: its standard deviation, or 1 for a constant feature (and for a
/// standard deviation so small that it rounded to 0 in `T`).
fn scale<T: Float>(std: T) -> f64 {
    if std > T::zero() { std.as_f64() } else { 1.0 }
}
