//! Gradient health: what one training step says about vanishing and exploding gradients,
//! dead and saturated units, and step sizes, with verdicts that name the cure.
//!
//! [`diagnose`] runs one training-mode forward and backward pass on a copy of a network and
//! returns a [`HealthReport`]: per layer, the output's mean and standard deviation, the
//! fraction of dead (ReLU family) or saturated (sigmoid, tanh) units, the weight and bias
//! gradient norms, each dense layer's gradient norm relative to the output layer's, and the
//! update-to-weight ratio for a learning rate. [`HealthReport::verdicts`] judges it against
//! documented [`Thresholds`], and each [`Verdict`] lists the [`Cure`]s that fit this network:
//! the initializer that fits the activation a layer feeds, batch normalization where there is
//! none, a non-saturating or leaky activation, gradient clipping, a lower learning rate.
//!
//! During training, [`crate::FitConfig::health`] records a report per epoch in the
//! [`crate::History`], and [`crate::train::Guard`] stops a diverging run.
//!
//! The facade crate's docs show it on a `network!` struct; the `vanishing` example
//! reproduces the experiments the cures come from.

mod report;
mod stats;
mod table;
mod verdict;

pub use report::{HealthReport, LayerHealth};
pub use stats::SATURATION_DERIVATIVE;
pub use verdict::{Cure, Problem, Thresholds, Verdict};

use ndarray::ArrayView2;

use crate::validate::check_hyperparameter;
use crate::{Buffer, Float, Loss, Network, Result, Targets};

/// One training-mode forward and backward pass of `loss` on `inputs` and `targets`, on a copy
/// of `network` (the network itself, its batch-norm statistics and its random state are left
/// as they are), read into a [`HealthReport`] with update ratios for `learning_rate`.
///
/// # Errors
/// [`crate::Error::InvalidHyperparameter`] for a learning rate that is not positive and
/// finite, [`crate::Error::LossMismatch`] if the loss does not fit the output activation, and
/// the errors of the passes and the loss: a wrong width, an empty batch, a non-finite input,
/// a label out of range, targets whose rows differ from the inputs', a single row with batch
/// norm.
pub fn diagnose<T: Float, N: Network<T> + Clone>(
    network: &N,
    inputs: ArrayView2<'_, T>,
    targets: Targets<'_, T>,
    loss: Loss,
    learning_rate: f64,
) -> Result<HealthReport> {
    check_hyperparameter(
        "diagnose",
        "learning_rate",
        learning_rate,
        "learning_rate > 0",
        |lr| lr > 0.0,
    )?;
    let mut copy = network.clone();
    copy.forward_train(inputs)?;
    let mut grad = Buffer::<T>::default();
    let (value, of) = loss.evaluate(
        N::OUTPUT_ACTIVATION,
        copy.output(),
        copy.pre_activation(),
        targets,
        grad.resize(inputs.nrows(), N::OUTPUT),
    )?;
    copy.backward_parameters(grad.view(), of)?;
    let loss_value = value.as_f64() + copy.penalty().as_f64();
    Ok(HealthReport::of_last_step(&mut copy, learning_rate).with_loss(loss_value))
}
