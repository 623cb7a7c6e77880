//! (b) He et al. (2015): a 30-layer ReLU network on the digits. With `Var(W) = 1/n` the
//! signal halves in variance at every layer, so after 30 layers almost nothing reaches the
//! output and training stalls near chance (loss near ln 10); `he_normal` (`Var(W) = 2/n`)
//! trains.

use nn::prelude::*;

use super::common::{digits, median};

network! {
    /// `Var(W) = 1/n` (LeCun's normal) under ReLU: half the variance He derived.
    pub Relu30Lecun(64) <
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch), dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(64, relu, lecun_normal, allow = init_mismatch),
        dense(10, softmax)
    >
}

network! {
    /// The same 30 layers with `he_normal`, the fitting initializer (the default for relu).
    pub Relu30He(64) <
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(10, softmax)
    >
}

/// The training of one initialization: medians over the seeds.
#[derive(Debug, Clone)]
pub struct Run {
    /// `"var_1_over_n"` or `"he_normal"`.
    pub init: &'static str,
    /// The training loss of every epoch.
    pub loss: Vec<f64>,
    /// The training accuracy after the last epoch.
    pub accuracy: f64,
    /// The first layer's gradient norm relative to the output layer's, after the first
    /// epoch.
    pub first_layer_relative_gradient: f64,
    /// Every dense layer's gradient norm relative to the output layer's, after the first
    /// epoch.
    pub relative_gradients: Vec<f64>,
}

/// Both initializations, trained with plain SGD for `epochs`, for each of `seeds`.
pub fn run(epochs: usize, learning_rate: f64, seeds: &[u64]) -> Result<[Run; 2], Error> {
    Ok([
        train(
            "var_1_over_n",
            (epochs, learning_rate),
            seeds,
            Relu30Lecun::new,
        )?,
        train("he_normal", (epochs, learning_rate), seeds, Relu30He::new)?,
    ])
}

fn train<N: Network<f32>>(
    init: &'static str,
    (epochs, learning_rate): (usize, f64),
    seeds: &[u64],
    build: fn(u64) -> N,
) -> Result<Run, Error> {
    let (mut losses, mut accuracies, mut relatives) = (Vec::new(), Vec::new(), Vec::new());
    for &seed in seeds {
        let (train, _) = digits(seed)?;
        let mut network = build(seed);
        let mut config = FitConfig::new(Loss::CrossEntropy)
            .optimizer(Sgd::new(learning_rate)?)
            .epochs(epochs)
            .batch_size(32)
            .seed(seed)
            .progress(Progress::Quiet)
            .health(true);
        let history = network.fit(&train, &mut config)?;
        losses.push(history.records().iter().map(|r| r.loss).collect::<Vec<_>>());
        accuracies.push(history.last().and_then(|r| r.accuracy).unwrap_or(0.0));
        let first = history.health().first();
        relatives.push(first.map_or_else(Vec::new, |report| {
            report
                .relative_grad_norms()
                .iter()
                .map(|(_, ratio)| *ratio)
                .collect()
        }));
    }
    let relative_gradients = super::common::median_per_layer(&relatives);
    Ok(Run {
        init,
        loss: super::common::median_per_layer(&losses),
        accuracy: median(&accuracies),
        first_layer_relative_gradient: relative_gradients.first().copied().unwrap_or(f64::NAN),
        relative_gradients,
    })
}
