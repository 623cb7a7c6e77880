//! The error type of the runtime.

/// What went wrong, where, and what was expected.
///
/// Every message names the place (`context`: a layer, a loss, a function), what was expected
/// and what came instead.
///
/// ```
/// let err = nn_runtime::Error::WidthMismatch { context: "dense_0".into(), expected: 784, actual: 783 };
/// assert_eq!(err.to_string(), "dense_0: expected inputs of width 784, got width 783");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input's feature width differs from what the layer or network takes.
    #[error("{context}: expected inputs of width {expected}, got width {actual}")]
    WidthMismatch {
        /// Where the mismatch was found.
        context: String,
        /// The width that was expected.
        expected: usize,
        /// The width that came.
        actual: usize,
    },
    /// Two arrays that must have the same shape do not.
    #[error("{context}: expected shape {expected:?}, got shape {actual:?}")]
    ShapeMismatch {
        /// Where the mismatch was found.
        context: String,
        /// The shape that was expected.
        expected: Vec<usize>,
        /// The shape that came.
        actual: Vec<usize>,
    },
    /// A NaN or an infinity where a finite number is needed.
    #[error("{context}: non-finite value {value} at row {row}, column {column}")]
    NonFinite {
        /// Where the value was found.
        context: String,
        /// Row (sample) index of the value.
        row: usize,
        /// Column (feature) index of the value.
        column: usize,
        /// The offending value.
        value: f64,
    },
    /// A class label outside `0..classes`.
    #[error(
        "{context}: label {label} at row {row} is out of range for {classes} classes (expected 0..{classes})"
    )]
    LabelOutOfRange {
        /// Where the label was found.
        context: String,
        /// Row (sample) index of the label.
        row: usize,
        /// The offending label.
        label: usize,
        /// The number of classes the output has.
        classes: usize,
    },
    /// A batch with no rows.
    #[error("{context}: the batch is empty; expected at least {minimum} row(s)")]
    EmptyBatch {
        /// Where the empty batch was found.
        context: String,
        /// The smallest batch size this place accepts.
        minimum: usize,
    },
    /// A batch too small for what is asked of it (batch norm needs two rows in training).
    #[error("{context}: batch of {actual} row(s) is too small; expected at least {minimum}")]
    BatchTooSmall {
        /// Where the batch was found.
        context: String,
        /// The smallest batch size this place accepts.
        minimum: usize,
        /// The batch size that came.
        actual: usize,
    },
    /// Features and targets (or two related inputs) disagree in their number of rows.
    #[error("{context}: {left_name} has {left} rows but {right_name} has {right}")]
    LengthMismatch {
        /// Where the disagreement was found.
        context: String,
        /// What the first count is of.
        left_name: &'static str,
        /// The first count.
        left: usize,
        /// What the second count is of.
        right_name: &'static str,
        /// The second count.
        right: usize,
    },
    /// A hyperparameter outside its valid range (a dropout rate of 1.5, a negative learning rate).
    #[error("{context}: {name} = {value} is out of range; expected {expected}")]
    InvalidHyperparameter {
        /// Where the value was given.
        context: String,
        /// The hyperparameter's name.
        name: &'static str,
        /// The value that was given.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// A loss paired with an output activation it does not fit (cross-entropy after a sigmoid).
    ///
    /// ```
    /// let err = nn_runtime::Error::LossMismatch {
    ///     loss: "cross_entropy",
    ///     activation: "sigmoid",
    ///     hint: "cross-entropy needs a softmax output",
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "the cross_entropy loss does not fit a sigmoid output: cross-entropy needs a softmax output"
    /// );
    /// ```
    #[error("the {loss} loss does not fit a {activation} output: {hint}")]
    LossMismatch {
        /// The loss's name.
        loss: &'static str,
        /// The output activation's name.
        activation: &'static str,
        /// What fits instead.
        hint: &'static str,
    },
    /// A method was called in a state where it cannot run (backward before a training forward).
    #[error("{context}: {message}")]
    InvalidState {
        /// Where it was called.
        context: String,
        /// What is wrong.
        message: String,
    },
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
