//! A dataset: a feature matrix and its class labels or real-valued targets, checked once.

use std::collections::BTreeMap;
use std::iter::FusedIterator;

use ndarray::{Array2, ArrayView2, Axis};
use rand::seq::SliceRandom;

use crate::loss::Targets;
use crate::validate::{check_finite, check_hyperparameter};
use crate::{Error, Float, Result, SeededRng, seeded_rng};

/// What a dataset's rows are labelled with: class labels or real-valued targets.
///
/// ```
/// use nn_runtime::data::Labels;
/// let labels: Labels = Labels::Classes { labels: vec![0, 2, 1], classes: 3 };
/// assert_eq!(labels.len(), 3);
/// let targets = Labels::Real(ndarray::array![[0.5f32], [1.5]]);
/// assert_eq!(targets.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Labels<T: Float = f32> {
    /// One class label per row, each in `0..classes` (classification).
    Classes {
        /// The label of each row.
        labels: Vec<usize>,
        /// The number of classes (the width of a softmax output).
        classes: usize,
    },
    /// One row of real-valued targets per sample, `[samples, outputs]` (regression).
    Real(Array2<T>),
}

impl<T: Float> Labels<T> {
    /// The number of rows (samples) labelled.
    pub fn len(&self) -> usize {
        match self {
            Self::Classes { labels, .. } => labels.len(),
            Self::Real(targets) => targets.nrows(),
        }
    }

    /// Whether no row is labelled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// What these labels are called in error messages.
    fn noun(&self) -> &'static str {
        match self {
            Self::Classes { .. } => "labels",
            Self::Real(_) => "targets",
        }
    }

    /// The labels of the rows at `indices`, which must all be in range.
    fn select(&self, indices: &[usize]) -> Self {
        match self {
            Self::Classes { labels, classes } => Self::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                classes: *classes,
            },
            Self::Real(targets) => Self::Real(targets.select(Axis(0), indices)),
        }
    }
}

/// Features `[samples, features]` with one label (or row of targets) per sample.
///
/// Every constructor checks its input once, so a `Dataset` always has at least one row and
/// one feature, finite features and targets, as many labels as rows, and every class label in
/// `0..classes`. The methods that build new datasets from it ([`Dataset::select`],
/// [`Dataset::split`], [`Dataset::batches`], ...) keep those properties.
///
/// All randomness (shuffles, splits) comes from a seed or a [`SeededRng`], so the same seed
/// gives the same rows on every machine.
///
/// ```
/// use nn_runtime::Dataset;
/// let x = ndarray::array![[0.0f32, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
/// let data = Dataset::classification(x, vec![1, 1, 0, 0], 2).unwrap();
/// assert_eq!((data.len(), data.n_features()), (4, 2));
/// assert_eq!(data.classes(), Some(2));
///
/// let (train, test) = data.split(0.25, 7).unwrap();
/// assert_eq!((train.len(), test.len()), (3, 1));
/// for batch in train.batches(2).unwrap() {
///     assert!(batch.len() <= 2);
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T: Float = f32> {
    features: Array2<T>,
    labels: Labels<T>,
}

const CONTEXT: &str = "dataset";

impl<T: Float> Dataset<T> {
    /// A dataset of `features` `[samples, features]` and their `labels`.
    ///
    /// # Errors
    /// In order: [`Error::LengthMismatch`] if the labels do not cover exactly the feature rows,
    /// [`Error::EmptyBatch`] for zero rows, [`Error::WidthMismatch`] for zero feature (or
    /// target) columns, [`Error::NonFinite`] for a NaN or infinite feature or target,
    /// [`Error::LabelOutOfRange`] for a class label not below `classes`.
    ///
    /// ```
    /// use nn_runtime::{Dataset, Error, data::Labels};
    /// let x = ndarray::array![[1.0f32], [2.0]];
    /// let err = Dataset::new(x, Labels::Classes { labels: vec![0], classes: 2 }).unwrap_err();
    /// assert!(matches!(err, Error::LengthMismatch { left: 2, right: 1, .. }));
    /// ```
    pub fn new(features: Array2<T>, labels: Labels<T>) -> Result<Self> {
        let rows = features.nrows();
        if labels.len() != rows {
            return Err(Error::LengthMismatch {
                context: CONTEXT.to_owned(),
                left_name: "features",
                left: rows,
                right_name: labels.noun(),
                right: labels.len(),
            });
        }
        if rows == 0 {
            return Err(Error::EmptyBatch {
                context: CONTEXT.to_owned(),
                minimum: 1,
            });
        }
        if features.ncols() == 0 {
            return Err(Error::WidthMismatch {
                context: "dataset features".to_owned(),
                expected: 1,
                actual: 0,
            });
        }
        check_finite("dataset features", &features.view())?;
        match &labels {
            Labels::Classes { labels, classes } => {
                if let Some((row, &label)) = labels
                    .iter()
                    .enumerate()
                    .find(|&(_, &label)| label >= *classes)
                {
                    return Err(Error::LabelOutOfRange {
                        context: CONTEXT.to_owned(),
                        row,
                        label,
                        classes: *classes,
                    });
                }
            }
            Labels::Real(targets) => {
                if targets.ncols() == 0 {
                    return Err(Error::WidthMismatch {
                        context: "dataset targets".to_owned(),
                        expected: 1,
                        actual: 0,
                    });
                }
                check_finite("dataset targets", &targets.view())?;
            }
        }
        Ok(Self::from_checked(features, labels))
    }

    /// A classification dataset: one label in `0..classes` per row of `features`.
    ///
    /// # Errors
    /// As [`Dataset::new`].
    ///
    /// ```
    /// use nn_runtime::{Dataset, Error};
    /// let x = ndarray::array![[1.0f32, 2.0], [3.0, 4.0]];
    /// let err = Dataset::classification(x, vec![0, 3], 3).unwrap_err();
    /// assert!(matches!(err, Error::LabelOutOfRange { row: 1, label: 3, classes: 3, .. }));
    /// ```
    pub fn classification(features: Array2<T>, labels: Vec<usize>, classes: usize) -> Result<Self> {
        Self::new(features, Labels::Classes { labels, classes })
    }

    /// A regression dataset: one row of real-valued `targets` `[samples, outputs]` per row of
    /// `features`.
    ///
    /// # Errors
    /// As [`Dataset::new`].
    ///
    /// ```
    /// use nn_runtime::{Dataset, Error};
    /// let x = ndarray::array![[1.0f64], [2.0]];
    /// let err = Dataset::regression(x, ndarray::array![[0.5], [f64::NAN]]).unwrap_err();
    /// assert!(matches!(err, Error::NonFinite { row: 1, column: 0, .. }));
    /// ```
    pub fn regression(features: Array2<T>, targets: Array2<T>) -> Result<Self> {
        Self::new(features, Labels::Real(targets))
    }

    /// A dataset from parts already known to satisfy every check of [`Dataset::new`].
    pub(crate) fn from_checked(features: Array2<T>, labels: Labels<T>) -> Self {
        let features = if features.is_standard_layout() {
            features
        } else {
            features.as_standard_layout().into_owned()
        };
        Self { features, labels }
    }

    /// The number of rows (samples); at least 1.
    pub fn len(&self) -> usize {
        self.features.nrows()
    }

    /// Whether the dataset has no rows: always `false`, since every constructor rejects an
    /// empty dataset (kept for the `len`/`is_empty` convention).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of features per sample (the width of a network's input).
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// The features, `[samples, features]`.
    pub fn features(&self) -> &Array2<T> {
        &self.features
    }

    /// The labels or targets, as stored.
    pub fn labels(&self) -> &Labels<T> {
        &self.labels
    }

    /// The class labels, for a classification dataset.
    pub fn class_labels(&self) -> Option<&[usize]> {
        match &self.labels {
            Labels::Classes { labels, .. } => Some(labels),
            Labels::Real(_) => None,
        }
    }

    /// The number of classes, for a classification dataset.
    pub fn classes(&self) -> Option<usize> {
        match &self.labels {
            Labels::Classes { classes, .. } => Some(*classes),
            Labels::Real(_) => None,
        }
    }

    /// The real-valued targets `[samples, outputs]`, for a regression dataset.
    pub fn real_targets(&self) -> Option<&Array2<T>> {
        match &self.labels {
            Labels::Classes { .. } => None,
            Labels::Real(targets) => Some(targets),
        }
    }

    /// The labels or targets as a loss takes them: [`Targets::Classes`] or
    /// [`Targets::Dense`].
    ///
    /// ```
    /// use nn_runtime::{Dataset, Targets};
    /// let data = Dataset::classification(ndarray::array![[1.0f32], [2.0]], vec![1, 0], 2).unwrap();
    /// assert!(matches!(data.targets(), Targets::Classes(&[1, 0])));
    /// ```
    pub fn targets(&self) -> Targets<'_, T> {
        match &self.labels {
            Labels::Classes { labels, .. } => Targets::Classes(labels),
            Labels::Real(targets) => Targets::Dense(targets.view()),
        }
    }

    /// The features as a view, for a network's `forward`.
    pub fn features_view(&self) -> ArrayView2<'_, T> {
        self.features.view()
    }

    /// The number of rows of each class present, for a classification dataset (`None` for a
    /// regression dataset). Classes with no rows are left out, so a huge `classes` costs
    /// nothing.
    ///
    /// ```
    /// use nn_runtime::Dataset;
    /// let data = Dataset::classification(ndarray::array![[1.0f32], [2.0], [3.0]], vec![2, 0, 2], 5).unwrap();
    /// let counts = data.class_counts().unwrap();
    /// assert_eq!(counts.into_iter().collect::<Vec<_>>(), [(0, 1), (2, 2)]);
    /// ```
    pub fn class_counts(&self) -> Option<BTreeMap<usize, usize>> {
        let labels = self.class_labels()?;
        let mut counts = BTreeMap::new();
        for &label in labels {
            *counts.entry(label).or_insert(0) += 1;
        }
        Some(counts)
    }

    /// Takes the dataset apart into its features and labels.
    pub fn into_parts(self) -> (Array2<T>, Labels<T>) {
        (self.features, self.labels)
    }

    /// The rows at `indices`, in that order (an index may repeat).
    ///
    /// # Errors
    /// [`Error::EmptyBatch`] for no indices, [`Error::IndexOutOfRange`] for an index not below
    /// [`Dataset::len`].
    ///
    /// ```
    /// use nn_runtime::Dataset;
    /// let data = Dataset::classification(ndarray::array![[1.0f32], [2.0], [3.0]], vec![0, 1, 0], 2).unwrap();
    /// let subset = data.select(&[2, 0]).unwrap();
    /// assert_eq!(subset.features(), &ndarray::array![[3.0], [1.0]]);
    /// assert_eq!(subset.class_labels(), Some(&[0, 0][..]));
    /// assert!(data.select(&[3]).is_err());
    /// ```
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        if indices.is_empty() {
            return Err(Error::EmptyBatch {
                context: "dataset select".to_owned(),
                minimum: 1,
            });
        }
        if let Some(&index) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(Error::IndexOutOfRange {
                context: "dataset select".to_owned(),
                index,
                len: self.len(),
            });
        }
        Ok(self.select_checked(indices))
    }

    /// The rows at `indices`, which must be non-empty and in range.
    fn select_checked(&self, indices: &[usize]) -> Self {
        Self::from_checked(
            self.features.select(Axis(0), indices),
            self.labels.select(indices),
        )
    }

    /// A copy with the rows in a random order drawn from `seed`.
    ///
    /// ```
    /// use nn_runtime::Dataset;
    /// let x = ndarray::Array2::from_shape_fn((10, 1), |(i, _)| i as f32);
    /// let data = Dataset::classification(x, vec![0; 10], 1).unwrap();
    /// assert_eq!(data.shuffled(3), data.shuffled(3));
    /// assert_ne!(data.shuffled(3), data);
    /// ```
    pub fn shuffled(&self, seed: u64) -> Self {
        self.shuffled_with(&mut seeded_rng(seed))
    }

    /// A copy with the rows in a random order drawn from `rng`.
    pub fn shuffled_with(&self, rng: &mut SeededRng) -> Self {
        self.select_checked(&permutation(self.len(), rng))
    }

    /// The rows in order, in batches of `batch_size` (the last one may be smaller).
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] for a batch size of 0.
    ///
    /// ```
    /// use nn_runtime::Dataset;
    /// let x = ndarray::Array2::from_shape_fn((5, 2), |(i, j)| (i + j) as f32);
    /// let data = Dataset::classification(x, vec![0, 1, 0, 1, 0], 2).unwrap();
    /// let sizes: Vec<usize> = data.batches(2).unwrap().map(|batch| batch.len()).collect();
    /// assert_eq!(sizes, [2, 2, 1]);
    /// ```
    pub fn batches(&self, batch_size: usize) -> Result<Batches<'_, T>> {
        check_batch_size(batch_size)?;
        Ok(Batches::new(self, (0..self.len()).collect(), batch_size))
    }

    /// The rows in a random order drawn from `rng`, in batches of `batch_size` (the last one
    /// may be smaller): one epoch of mini-batch training. Every row comes exactly once.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] for a batch size of 0.
    pub fn shuffled_batches(
        &self,
        batch_size: usize,
        rng: &mut SeededRng,
    ) -> Result<Batches<'_, T>> {
        check_batch_size(batch_size)?;
        Ok(Batches::new(self, permutation(self.len(), rng), batch_size))
    }

    /// Splits the rows at random (drawn from `seed`) into a training and a test set, the test
    /// set taking `test_fraction` of them (rounded, and at least one row in each part).
    ///
    /// A classification dataset is split stratified: each class goes to the test set in the
    /// same proportion, up to rounding (the remainders are shared out so that the total is
    /// exact). Both parts keep the rows in their original order; shuffle each epoch
    /// ([`Dataset::shuffled_batches`]) when training.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] unless `0 < test_fraction < 1`;
    /// [`Error::BatchTooSmall`] for a dataset of one row, which cannot be split.
    ///
    /// ```
    /// use nn_runtime::Dataset;
    /// let x = ndarray::Array2::from_shape_fn((100, 3), |(i, j)| (i * 3 + j) as f32);
    /// let labels = (0..100).map(|i| i % 4).collect();
    /// let data = Dataset::classification(x, labels, 4).unwrap();
    /// let (train, test) = data.split(0.2, 42).unwrap();
    /// assert_eq!((train.len(), test.len()), (80, 20));
    /// assert!(test.class_counts().unwrap().values().all(|&count| count == 5));
    /// assert_eq!(data.split(0.2, 42).unwrap(), (train, test));
    /// ```
    pub fn split(&self, test_fraction: f64, seed: u64) -> Result<(Self, Self)> {
        let context = "dataset split";
        check_hyperparameter(
            context,
            "test_fraction",
            test_fraction,
            "0 < test_fraction < 1",
            |f| f > 0.0 && f < 1.0,
        )?;
        let n = self.len();
        if n < 2 {
            return Err(Error::BatchTooSmall {
                context: context.to_owned(),
                minimum: 2,
                actual: n,
            });
        }
        // `n * test_fraction` is below `n`, so the cast cannot overflow.
        let n_test = ((n as f64 * test_fraction).round() as usize).clamp(1, n - 1);
        let mut rng = seeded_rng(seed);
        let mut in_test = vec![false; n];
        match &self.labels {
            Labels::Classes { labels, .. } => {
                stratified_pick(labels, n_test, &mut rng, &mut in_test);
            }
            Labels::Real(_) => {
                for i in permutation(n, &mut rng).into_iter().take(n_test) {
                    in_test[i] = true;
                }
            }
        }
        let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| in_test[i]);
        Ok((self.select_checked(&train), self.select_checked(&test)))
    }
}

/// `0..n` in a random order.
fn permutation(n: usize, rng: &mut SeededRng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

fn check_batch_size(batch_size: usize) -> Result<()> {
    check_hyperparameter(
        "dataset batches",
        "batch_size",
        batch_size as f64,
        "batch_size >= 1",
        |b| b >= 1.0,
    )
}

/// Marks `n_test` rows in `in_test`, each class in proportion to its size.
///
/// Class `c` with `n_c` of the `n` rows gets `floor(n_c · n_test / n)` test rows; the rows
/// left over go one each to the classes with the largest remainders (ties: smaller label
/// first). The remainders add up to the leftover count times `n`, each below `n`, so there are
/// enough classes with a positive remainder, and no class gets more rows than it has.
fn stratified_pick(labels: &[usize], n_test: usize, rng: &mut SeededRng, in_test: &mut [bool]) {
    let n = labels.len() as u128;
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (row, &label) in labels.iter().enumerate() {
        by_class.entry(label).or_default().push(row);
    }
    let mut quotas: Vec<(usize, usize, u128)> = by_class
        .iter()
        .map(|(&label, rows)| {
            let share = rows.len() as u128 * n_test as u128;
            // `share / n` is at most `rows.len()`, so it fits a usize.
            (label, (share / n) as usize, share % n)
        })
        .collect();
    let assigned: usize = quotas.iter().map(|&(_, quota, _)| quota).sum();
    let mut by_remainder: Vec<usize> = (0..quotas.len()).collect();
    by_remainder.sort_by(|&a, &b| quotas[b].2.cmp(&quotas[a].2).then(a.cmp(&b)));
    for &k in by_remainder.iter().take(n_test - assigned) {
        quotas[k].1 += 1;
    }
    for ((_, quota, _), rows) in quotas.into_iter().zip(by_class.into_values()) {
        let mut rows = rows;
        rows.shuffle(rng);
        for &row in &rows[..quota.min(rows.len())] {
            in_test[row] = true;
        }
    }
}

/// Batches of a [`Dataset`], each a new dataset of at most `batch_size` rows, made by
/// [`Dataset::batches`] and [`Dataset::shuffled_batches`]. Every row comes exactly once.
///
/// ```
/// use nn_runtime::{Dataset, seeded_rng};
/// let x = ndarray::Array2::from_shape_fn((7, 1), |(i, _)| i as f32);
/// let data = Dataset::regression(x.clone(), x).unwrap();
/// let batches = data.shuffled_batches(3, &mut seeded_rng(1)).unwrap();
/// assert_eq!(batches.len(), 3);
/// let mut order = batches.order().to_vec();
/// order.sort();
/// assert_eq!(order, (0..7).collect::<Vec<_>>());
/// ```
#[derive(Debug, Clone)]
pub struct Batches<'a, T: Float = f32> {
    dataset: &'a Dataset<T>,
    order: Vec<usize>,
    batch_size: usize,
    next: usize,
}

impl<'a, T: Float> Batches<'a, T> {
    /// Batches over `order`; `batch_size` must be at least 1.
    fn new(dataset: &'a Dataset<T>, order: Vec<usize>, batch_size: usize) -> Self {
        Self {
            dataset,
            order,
            batch_size,
            next: 0,
        }
    }

    /// The order the rows come in: the row indices of all batches, concatenated.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The batch size (the last batch may be smaller).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }
}

impl<T: Float> Iterator for Batches<'_, T> {
    type Item = Dataset<T>;

    fn next(&mut self) -> Option<Dataset<T>> {
        if self.next >= self.order.len() {
            return None;
        }
        let end = self.order.len().min(self.next + self.batch_size);
        let batch = self.dataset.select_checked(&self.order[self.next..end]);
        self.next = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.order.len() - self.next).div_ceil(self.batch_size);
        (left, Some(left))
    }
}

impl<T: Float> ExactSizeIterator for Batches<'_, T> {}

impl<T: Float> FusedIterator for Batches<'_, T> {}
