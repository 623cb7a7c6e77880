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
    /// A convolution or pooling layer whose window, stride and padding do not turn the input
    /// shape into the output shape its type declares (or fit no window at all).
    ///
    /// ```
    /// let err = nn_runtime::Error::InvalidGeometry {
    ///     context: "conv2d".into(),
    ///     message: "kernel 3x3, stride 1x1, padding valid on 8x8x1 gives 6x6; the type says 8x8".into(),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "conv2d: kernel 3x3, stride 1x1, padding valid on 8x8x1 gives 6x6; the type says 8x8"
    /// );
    /// ```
    #[error("{context}: {message}")]
    InvalidGeometry {
        /// The layer.
        context: String,
        /// The geometry that was asked for and what it gives.
        message: String,
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
    /// Training diverged: a loss or gradient went non-finite, or a gradient norm passed the
    /// guard's threshold ([`crate::train::Guard`]). The weights were restored.
    #[error(
        "{context}: training diverged in epoch {epoch}, step {step} (both counted from 0): \
         {what}; {restored}"
    )]
    Diverged {
        /// Where (`"fit"`).
        context: String,
        /// The epoch of the step that found it, counted from 0.
        epoch: usize,
        /// The step within the epoch (the batch), counted from 0.
        step: usize,
        /// The first layer (in network order) whose gradient went bad, or `"the loss"`.
        layer: String,
        /// What went wrong, naming the layer and the value.
        what: String,
        /// Which weights the network holds now.
        restored: String,
    },
    /// Something this version cannot do yet, such as exporting a layer kind to a format that
    /// has no mapping for it.
    #[error("{context}: {message}")]
    Unsupported {
        /// What was asked (`"to_onnx"`, `"PyTorch weights"`).
        context: String,
        /// What is not supported, and what is.
        message: String,
    },
    /// A row index outside a dataset (in [`crate::data::Dataset::select`]).
    #[error("{context}: index {index} is out of range for {len} rows (expected 0..{len})")]
    IndexOutOfRange {
        /// Where the index was given.
        context: String,
        /// The offending index.
        index: usize,
        /// The number of rows there are.
        len: usize,
    },
    /// A text file (a CSV table) that does not hold what was expected, at a line and column.
    ///
    /// Lines and columns count from 1, as editors and spreadsheets show them.
    ///
    /// ```
    /// let err = nn_runtime::Error::Parse {
    ///     context: "iris.csv".into(),
    ///     line: 7,
    ///     column: Some(2),
    ///     column_name: Some("sepal_width".into()),
    ///     message: "expected a number, got \"abc\"".into(),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "iris.csv: line 7, column 2 (\"sepal_width\"): expected a number, got \"abc\""
    /// );
    /// ```
    #[error("{context}: line {line}{}: {message}", column_suffix(*.column, .column_name.as_deref()))]
    Parse {
        /// The file (or the name given to a reader).
        context: String,
        /// The line, counting from 1.
        line: usize,
        /// The column (field), counting from 1, when the error is about one field.
        column: Option<usize>,
        /// The column's name from the header, when there is a header.
        column_name: Option<String>,
        /// What was found and what was expected.
        message: String,
    },
    /// A binary file (an IDX file of MNIST) whose content does not fit its format.
    ///
    /// ```
    /// let err = nn_runtime::Error::Format {
    ///     context: "train-labels-idx1-ubyte".into(),
    ///     message: "magic number 0x00000803; expected 0x00000801 (IDX labels)".into(),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "train-labels-idx1-ubyte: magic number 0x00000803; expected 0x00000801 (IDX labels)"
    /// );
    /// ```
    #[error("{context}: {message}")]
    Format {
        /// The file (or the name given to the bytes).
        context: String,
        /// What was found and what was expected.
        message: String,
    },
    /// A file that could not be opened or read.
    #[error("{context}: {message}")]
    Io {
        /// The file's path.
        context: String,
        /// The kind of I/O error (`NotFound` for a missing file).
        kind: std::io::ErrorKind,
        /// What went wrong, and what to do about it where the runtime knows.
        message: String,
    },
    /// A saved file lacks a tensor the model has.
    ///
    /// ```
    /// let err = nn_runtime::Error::MissingTensor {
    ///     context: "model.safetensors".into(),
    ///     name: "dense_1.kernel".into(),
    ///     expected: "dtype F32, shape [4, 2]".into(),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "model.safetensors: tensor dense_1.kernel is missing; expected dtype F32, shape [4, 2]"
    /// );
    /// ```
    #[error("{context}: tensor {name} is missing; expected {expected}")]
    MissingTensor {
        /// The file (or the name given to the bytes).
        context: String,
        /// The missing tensor's key (`layer.name`).
        name: String,
        /// The dtype and shape the model expects, in words.
        expected: String,
    },
    /// A saved file holds a tensor the model does not have.
    ///
    /// ```
    /// let err = nn_runtime::Error::UnexpectedTensor {
    ///     context: "model.safetensors".into(),
    ///     name: "dense_2.bias".into(),
    /// };
    /// assert_eq!(
    ///     err.to_string(),
    ///     "model.safetensors: unexpected tensor dense_2.bias; expected only the model's tensors"
    /// );
    /// ```
    #[error("{context}: unexpected tensor {name}; expected only the model's tensors")]
    UnexpectedTensor {
        /// The file (or the name given to the bytes).
        context: String,
        /// The extra tensor's key.
        name: String,
    },
    /// A saved tensor's element type differs from the model's.
    ///
    /// ```
    /// let err = nn_runtime::Error::DtypeMismatch {
    ///     context: "dense_0.kernel".into(),
    ///     expected: "F32".into(),
    ///     actual: "F64".into(),
    /// };
    /// assert_eq!(err.to_string(), "dense_0.kernel: expected dtype F32, got F64");
    /// ```
    #[error("{context}: expected dtype {expected}, got {actual}")]
    DtypeMismatch {
        /// The tensor's key (`layer.name`).
        context: String,
        /// The model's dtype.
        expected: String,
        /// The file's dtype.
        actual: String,
    },
}

/// ", column 3 (\"name\")", ", column 3" or nothing: where in a line a parse error is.
fn column_suffix(column: Option<usize>, name: Option<&str>) -> String {
    match (column, name) {
        (Some(column), Some(name)) => format!(", column {column} ({name:?})"),
        (Some(column), None) => format!(", column {column}"),
        (None, Some(name)) => format!(", column {name:?}"),
        (None, None) => String::new(),
    }
}

/// The runtime's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
