//! (a) Glorot & Bengio (2010): five tanh layers at initialization. With the "standard"
//! `U[-1/sqrt(n), 1/sqrt(n)]` the back-propagated gradients shrink on their way to the
//! input; with `glorot_uniform` (normalized initialization) they keep their size.

use nn::prelude::*;

use super::common::{digits, median_per_layer};

network! {
    /// The "standard" initialization: `U[-1/sqrt(fan_in), 1/sqrt(fan_in)]` (fan-in 64, then
    /// 256). It fits no activation, hence the escape hatch.
    pub StandardTanh(64) <
        dense(256, tanh, random_uniform(0.125), allow = [init_mismatch, saturating_stack]),
        dense(256, tanh, random_uniform(0.0625), allow = init_mismatch),
        dense(256, tanh, random_uniform(0.0625), allow = init_mismatch),
        dense(256, tanh, random_uniform(0.0625), allow = init_mismatch),
        dense(256, tanh, random_uniform(0.0625), allow = init_mismatch),
        dense(10, softmax, random_uniform(0.0625), allow = init_mismatch)
    >
}

network! {
    /// Glorot & Bengio's normalized initialization, the fitting one for tanh.
    pub GlorotTanh(64) <
        dense(256, tanh, glorot_uniform, allow = saturating_stack),
        dense(256, tanh, glorot_uniform),
        dense(256, tanh, glorot_uniform),
        dense(256, tanh, glorot_uniform),
        dense(256, tanh, glorot_uniform),
        dense(10, softmax)
    >
}

/// The five hidden layers of one initialization: medians over the seeds.
#[derive(Debug, Clone)]
pub struct Profile {
    /// `"standard"` or `"glorot_uniform"`.
    pub init: &'static str,
    /// Standard deviation of each hidden layer's activations.
    pub activation_std: Vec<f64>,
    /// Standard deviation of each hidden layer's back-propagated gradient dL/dz.
    pub gradient_std: Vec<f64>,
}

impl Profile {
    /// `Var(dL/dz)` of hidden layer 1 over that of hidden layer 5: far below 1 when the
    /// gradient vanishes on its way down.
    pub fn gradient_variance_ratio(&self) -> f64 {
        let first = self.gradient_std.first().copied().unwrap_or(f64::NAN);
        let last = self.gradient_std.last().copied().unwrap_or(f64::NAN);
        (first / last).powi(2)
    }
}

/// Both initializations, on a batch of `rows` training digits, for each of `seeds`.
pub fn run(rows: usize, seeds: &[u64]) -> Result<[Profile; 2], Error> {
    Ok([
        profile("standard", rows, seeds, StandardTanh::new)?,
        profile("glorot_uniform", rows, seeds, GlorotTanh::new)?,
    ])
}

fn profile<N: Network<f32> + Clone>(
    init: &'static str,
    rows: usize,
    seeds: &[u64],
    build: fn(u64) -> N,
) -> Result<Profile, Error> {
    let (mut activations, mut gradients) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let (train, _) = digits(seed)?;
        let batch = train.select(&(0..rows.min(train.len())).collect::<Vec<_>>())?;
        let report = diagnose(
            &build(seed),
            batch.features_view(),
            batch.targets(),
            Loss::CrossEntropy,
            0.01,
        )?;
        let hidden = &report.layers()[..report.layers().len() - 1];
        activations.push(hidden.iter().map(|layer| layer.std).collect());
        gradients.push(
            hidden
                .iter()
                .map(|layer| layer.backprop_std.unwrap_or(f64::NAN))
                .collect(),
        );
    }
    Ok(Profile {
        init,
        activation_std: median_per_layer(&activations),
        gradient_std: median_per_layer(&gradients),
    })
}
