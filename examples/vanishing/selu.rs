//! (c) Klambauer et al. (2017): a deep stack of `dense(selu, lecun_normal)` keeps its
//! activations at mean 0 and variance 1, and pulls inputs off those moments back toward
//! them; with `he_normal` the variance grows at every layer; alpha dropout keeps the moments.

use nn::prelude::*;

use super::common::{gaussian, layer_moments, median_per_layer};

/// The stacks' depth (in dense layers) and width.
pub const DEPTH: usize = 40;
/// The width of every layer.
pub const WIDTH: usize = 256;

network! {
    /// 40 self-normalizing layers: selu with `lecun_normal` (its default).
    pub SeluLecun(256) <
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu),
        dense(256, selu), dense(256, selu), dense(256, selu), dense(256, selu)
    >
}

network! {
    /// The same with `he_normal`: twice the variance SELU's fixed point needs.
    pub SeluHe(256) <
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch),
        dense(256, selu, he_normal, allow = init_mismatch)
    >
}

network! {
    /// 40 self-normalizing layers, each followed by alpha dropout (rate 0.1).
    pub SeluAlphaDropout(256) <
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1),
        dense(256, selu), alpha_dropout(0.1), dense(256, selu), alpha_dropout(0.1)
    >
}

/// Per-layer output moments (medians over the seeds) of one stack on one input.
#[derive(Debug, Clone)]
pub struct Moments {
    /// What ran: `"lecun_normal"`, `"he_normal"`, `"lecun_normal, shifted input"`,
    /// `"lecun_normal + alpha_dropout"`.
    pub label: &'static str,
    /// The mean of every dense layer's output.
    pub mean: Vec<f64>,
    /// The variance of every dense layer's output.
    pub variance: Vec<f64>,
}

/// The four runs, on `rows` Gaussian input rows, for each of `seeds`.
pub fn run(rows: usize, seeds: &[u64]) -> Result<[Moments; 4], Error> {
    Ok([
        moments(
            "lecun_normal",
            (rows, seeds),
            (0.0, 1.0),
            SeluLecun::new,
            false,
        )?,
        moments("he_normal", (rows, seeds), (0.0, 1.0), SeluHe::new, false)?,
        moments(
            "lecun, input N(0.3, 2)",
            (rows, seeds),
            (0.3, 2.0),
            SeluLecun::new,
            false,
        )?,
        moments(
            "lecun + alpha_dropout",
            (rows, seeds),
            (0.0, 1.0),
            SeluAlphaDropout::new,
            true,
        )?,
    ])
}

fn moments<N: Network<f32>>(
    label: &'static str,
    (rows, seeds): (usize, &[u64]),
    (mean, variance): (f64, f64),
    build: fn(u64) -> N,
    after_dropout: bool,
) -> Result<Moments, Error> {
    let (mut means, mut variances) = (Vec::new(), Vec::new());
    for &seed in seeds {
        let inputs = gaussian(rows, WIDTH, mean, variance, seed + 100);
        let mut network = build(seed);
        let all = layer_moments(&mut network, &inputs)?;
        // One entry per dense layer: its own output, or the alpha dropout's after it.
        let kept: Vec<(f64, f64)> = if after_dropout {
            all.iter().skip(1).step_by(2).copied().collect()
        } else {
            all
        };
        means.push(kept.iter().map(|m| m.0).collect());
        variances.push(kept.iter().map(|m| m.1).collect());
    }
    Ok(Moments {
        label,
        mean: median_per_layer(&means),
        variance: median_per_layer(&variances),
    })
}
