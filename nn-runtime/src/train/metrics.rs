//! Inference-mode metrics: [`evaluate`] and [`predict_classes`], and the checks [`super::fit`]
//! shares with them.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use crate::loss::{binary_cross_entropy, cross_entropy, mean_squared_error};
use crate::{Dataset, Error, Float, Labels, Loss, Network, Result, Targets};

/// The loss and accuracy of a network on a dataset, from [`evaluate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Metrics {
    /// The mean loss over the rows plus the network's penalty.
    pub loss: f64,
    /// The fraction of rows whose predicted class is the label, for class labels.
    pub accuracy: Option<f64>,
}

/// The loss and accuracy of `network` on `data` in inference mode ([`Network::predict`]:
/// dropout off, batch norm on its running statistics).
///
/// The loss is computed on the output: [`cross_entropy`] after a softmax and
/// [`binary_cross_entropy`] after a sigmoid (Keras' `from_logits=False`, probabilities clipped
/// to `[1e-7, 1 - 1e-7]`), [`mean_squared_error`] otherwise; the network's penalty is added,
/// as Keras adds its regularization losses. The predicted class of a row is the index of its
/// largest output, or for a width-1 output whether it is at least 0.5.
///
/// # Errors
/// [`Error::LossMismatch`] if `loss` does not fit the network's output activation,
/// [`Error::WidthMismatch`] if the features' width is not the network's input width or real
/// targets' width not its output width, [`Error::LabelOutOfRange`] for a class label the
/// output cannot predict.
pub fn evaluate<T: Float, N: Network<T>>(
    network: &N,
    data: &Dataset<T>,
    loss: Loss,
) -> Result<Metrics> {
    check_loss::<T, N>(loss)?;
    check_data::<T, N>("evaluate", data, loss)?;
    let output = network.predict(data.features_view())?;
    let mut grad = Array2::zeros(output.dim());
    let value = output_loss(loss, output.view(), data.targets(), grad.view_mut())?;
    Ok(Metrics {
        loss: value.as_f64() + network.penalty().as_f64(),
        accuracy: data
            .class_labels()
            .map(|labels| correct(output.view(), labels) as f64 / labels.len().max(1) as f64),
    })
}

/// The predicted class of every row of `features` `[samples, INPUT]`, in inference mode: the
/// index of the largest output, or for a width-1 output 1 if it is at least 0.5 and 0 if not.
///
/// # Errors
/// As [`Network::predict`]: [`Error::WidthMismatch`], [`Error::EmptyBatch`] or
/// [`Error::NonFinite`] for a bad input.
pub fn predict_classes<T: Float, N: Network<T>>(
    network: &N,
    features: ArrayView2<'_, T>,
) -> Result<Vec<usize>> {
    let output = network.predict(features)?;
    Ok(output.rows().into_iter().map(|row| class_of(row)).collect())
}

/// The loss on the output (not fused with the activation), for inference.
fn output_loss<T: Float>(
    loss: Loss,
    output: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    grad: ArrayViewMut2<'_, T>,
) -> Result<T> {
    match loss {
        Loss::MeanSquaredError => mean_squared_error(output, targets, grad),
        Loss::CrossEntropy => cross_entropy(output, targets, grad),
        Loss::BinaryCrossEntropy => binary_cross_entropy(output, targets, grad),
    }
}

/// The predicted class of one output row.
fn class_of<T: Float>(row: ndarray::ArrayView1<'_, T>) -> usize {
    if row.len() == 1 {
        return usize::from(row[0] >= T::cast(0.5));
    }
    let mut best = 0;
    for (i, value) in row.iter().enumerate() {
        if *value > row[best] {
            best = i;
        }
    }
    best
}

/// The number of rows of `output` whose predicted class is the label.
pub(crate) fn correct<T: Float>(output: ArrayView2<'_, T>, labels: &[usize]) -> usize {
    output
        .rows()
        .into_iter()
        .zip(labels)
        .filter(|(row, label)| class_of(row.view()) == **label)
        .count()
}

/// Checks that `loss` fits the network's output activation.
pub(crate) fn check_loss<T: Float, N: Network<T>>(loss: Loss) -> Result<()> {
    if loss.fits(N::OUTPUT_ACTIVATION) {
        return Ok(());
    }
    // `Loss::evaluate` checks the fit first: its error names the loss, the activation and
    // what fits instead.
    let mut storage: [T; 0] = [];
    let empty = ArrayView2::from_shape((0, 0), &[][..]).expect("invariant: empty shape");
    let grad = ArrayViewMut2::from_shape((0, 0), &mut storage[..]).expect("invariant: empty shape");
    loss.evaluate(
        N::OUTPUT_ACTIVATION,
        empty,
        empty,
        Targets::Classes(&[]),
        grad,
    )
    .map(|_| ())
}

/// Checks that `data` fits the network and the loss: feature width, label range, target
/// width.
pub(crate) fn check_data<T: Float, N: Network<T>>(
    context: &str,
    data: &Dataset<T>,
    loss: Loss,
) -> Result<()> {
    if data.n_features() != N::INPUT {
        return Err(Error::WidthMismatch {
            context: format!("{context} features"),
            expected: N::INPUT,
            actual: data.n_features(),
        });
    }
    match data.labels() {
        Labels::Classes { labels, .. } => {
            // Binary cross-entropy reads a label as the target of a width-1 output.
            let classes = if N::OUTPUT == 1 && loss == Loss::BinaryCrossEntropy {
                2
            } else {
                N::OUTPUT
            };
            if let Some((row, &label)) = labels.iter().enumerate().find(|&(_, &l)| l >= classes) {
                return Err(Error::LabelOutOfRange {
                    context: format!("{context} labels"),
                    row,
                    label,
                    classes,
                });
            }
        }
        Labels::Real(targets) => {
            if targets.ncols() != N::OUTPUT {
                return Err(Error::WidthMismatch {
                    context: format!("{context} targets"),
                    expected: N::OUTPUT,
                    actual: targets.ncols(),
                });
            }
        }
    }
    Ok(())
}
