//! What the experiments share: the digits, Gaussian inputs, medians and layer moments.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::reexports::rand_distr::{Distribution, Normal};

/// The seeds the example runs every experiment with; results are medians over them.
pub const SEEDS: [u64; 3] = [1, 2, 3];

/// The 8x8 digits (smartcore ships them), standardized per pixel on the training part:
/// `(train, validation)`, 80/20, stratified.
pub fn digits(seed: u64) -> Result<(Dataset, Dataset), Error> {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, digits.num_features), digits.data)
        .map_err(|e| Error::Format {
            context: "digits".to_owned(),
            message: e.to_string(),
        })?;
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let data = Dataset::classification(pixels, labels, 10)?;
    let (train, validation) = data.split(0.2, seed)?;
    let (standardizer, train) = Standardizer::fit_transform(&train);
    Ok((train, standardizer.transform(&validation)?))
}

/// `rows x width` draws from N(mean, variance), from `seed`.
pub fn gaussian(rows: usize, width: usize, mean: f64, variance: f64, seed: u64) -> Array2<f32> {
    let mut rng = seeded_rng(seed);
    let normal = Normal::new(mean, variance.sqrt()).unwrap_or_else(|_| unreachable!());
    Array2::from_shape_simple_fn((rows, width), || normal.sample(&mut rng) as f32)
}

/// The median of `values` (the middle one of three seeds).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]),
    }
}

/// Per-layer medians over seeds of per-layer values: `runs[seed][layer]`.
pub fn median_per_layer(runs: &[Vec<f64>]) -> Vec<f64> {
    let layers = runs.iter().map(Vec::len).min().unwrap_or(0);
    (0..layers)
        .map(|layer| median(&runs.iter().map(|run| run[layer]).collect::<Vec<_>>()))
        .collect()
}

/// The mean and variance of every layer's output after a training forward pass on `inputs`.
pub fn layer_moments<N: Network<f32>>(
    network: &mut N,
    inputs: &Array2<f32>,
) -> Result<Vec<(f64, f64)>, Error> {
    network.forward_train(inputs.view())?;
    let mut moments = Vec::new();
    network.visit_layers(&mut |layer| {
        let output = layer.output();
        let n = output.len() as f64;
        let mean = output.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let variance = output
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        moments.push((mean, variance));
    });
    Ok(moments)
}
