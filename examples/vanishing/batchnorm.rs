//! (d) Ioffe & Szegedy (2015): three sigmoid layers of 100 units from a small Gaussian,
//! trained with plain SGD. Without batch normalization the sigmoids start where learning is
//! slow; with it, the network reaches 90% validation accuracy in several times fewer steps.

use nn::prelude::*;

use super::common::{digits, median, median_per_layer};

network! {
    /// Three sigmoid layers from N(0, 0.01²), as in the paper's MNIST experiment.
    pub Sigmoid3(64) <
        dense(100, sigmoid, random_normal(0.01), allow = init_mismatch),
        dense(100, sigmoid, random_normal(0.01), allow = init_mismatch),
        dense(100, sigmoid, random_normal(0.01), allow = init_mismatch),
        dense(10, softmax, random_normal(0.01), allow = init_mismatch)
    >
}

network! {
    /// The same with batch normalization before every sigmoid (the paper's placement).
    pub Sigmoid3BatchNorm(64) <
        dense(100, random_normal(0.01), allow = init_mismatch), batchnorm, sigmoid,
        dense(100, random_normal(0.01), allow = init_mismatch), batchnorm, sigmoid,
        dense(100, random_normal(0.01), allow = init_mismatch), batchnorm, sigmoid,
        dense(10, softmax, random_normal(0.01), allow = init_mismatch)
    >
}

/// The validation accuracy every network must reach.
pub const TARGET_ACCURACY: f64 = 0.9;

/// Training stops once past the target (by 3 points) after at least this many epochs (or
/// half the budget, if less).
const MIN_EPOCHS: usize = 30;

/// The training of one network: medians over the seeds.
#[derive(Debug, Clone)]
pub struct Run {
    /// `"without batchnorm"` or `"with batchnorm"`.
    pub label: &'static str,
    /// The SGD steps to reach [`TARGET_ACCURACY`] on the validation digits (`None`: not
    /// within the budget, for the median seed).
    pub steps_to_target: Option<usize>,
    /// The training loss after every epoch.
    pub loss: Vec<f64>,
    /// The validation accuracy after every epoch.
    pub val_accuracy: Vec<f64>,
    /// The number of SGD steps per epoch.
    pub steps_per_epoch: usize,
}

/// Both networks, for at most `epochs` epochs of batches of 60 with SGD at `learning_rate`,
/// for each of `seeds`.
pub fn run(epochs: usize, learning_rate: f64, seeds: &[u64]) -> Result<[Run; 2], Error> {
    Ok([
        train(
            "without batchnorm",
            (epochs, learning_rate),
            seeds,
            Sigmoid3::new,
        )?,
        train(
            "with batchnorm",
            (epochs, learning_rate),
            seeds,
            Sigmoid3BatchNorm::new,
        )?,
    ])
}

fn train<N: Network<f32>>(
    label: &'static str,
    (epochs, learning_rate): (usize, f64),
    seeds: &[u64],
    build: fn(u64) -> N,
) -> Result<Run, Error> {
    const BATCH: usize = 60;
    let (mut steps, mut losses, mut accuracies) = (Vec::new(), Vec::new(), Vec::new());
    let mut steps_per_epoch = 0;
    for &seed in seeds {
        let (train, validation) = digits(seed)?;
        steps_per_epoch = train.len().div_ceil(BATCH);
        let mut network = build(seed);
        let mut config = FitConfig::new(Loss::CrossEntropy)
            .optimizer(Sgd::new(learning_rate)?)
            .epochs(epochs)
            .batch_size(BATCH)
            .seed(seed)
            .validation(Validation::Data(validation))
            .progress(Progress::Quiet)
            .on_epoch_end(move |record| {
                // Past the target and long enough to draw: stop, to keep the example fast.
                let reached = record
                    .val_accuracy
                    .is_some_and(|a| a >= TARGET_ACCURACY + 0.03);
                if reached && record.epoch + 1 >= MIN_EPOCHS.min(epochs / 2) {
                    Control::Stop
                } else {
                    Control::Continue
                }
            });
        let history = network.fit(&train, &mut config)?;
        let val_accuracy: Vec<f64> = history
            .records()
            .iter()
            .map(|r| r.val_accuracy.unwrap_or(0.0))
            .collect();
        let reached = val_accuracy
            .iter()
            .position(|&a| a >= TARGET_ACCURACY)
            .map(|epoch| (epoch + 1) * steps_per_epoch);
        steps.push(reached.map_or(f64::INFINITY, |s| s as f64));
        losses.push(history.records().iter().map(|r| r.loss).collect());
        accuracies.push(val_accuracy);
    }
    let median_steps = median(&steps);
    Ok(Run {
        label,
        steps_to_target: median_steps.is_finite().then_some(median_steps as usize),
        loss: median_per_layer(&losses),
        val_accuracy: median_per_layer(&accuracies),
        steps_per_epoch,
    })
}
