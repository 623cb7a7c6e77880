//! Klambauer et al. (2017): a deep stack of dense SELU layers with lecun_normal weights keeps
//! its activations at mean 0 and standard deviation 1.

use ndarray::Array2;
use nn_runtime::activation::{Activation, Selu};
use nn_runtime::{Dense, Initializer, Layer, seeded_rng};
use rand_distr::{Distribution, StandardNormal};

const DEPTH: usize = 50;
const BATCH: usize = 1000;

fn standard_normal(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_simple_fn((rows, cols), || {
        let z: f64 = StandardNormal.sample(&mut rng);
        z as f32
    })
}

fn layer_moments<A: Activation<f32> + Copy>(activation: A, init: Initializer) -> Vec<(f64, f64)> {
    let mut rng = seeded_rng(2017);
    let mut layers: Vec<Dense<100, 100, A>> = (0..DEPTH)
        .map(|_| Dense::new(activation, init, &mut rng))
        .collect();
    let mut x = standard_normal(BATCH, 100, 1);
    let mut moments = Vec::new();
    for layer in &mut layers {
        x = layer.forward_train(x.view(), &mut rng).unwrap().to_owned();
        let mean = x.mean().unwrap() as f64;
        let std = (x.mapv(|v| (v as f64 - mean).powi(2)).mean().unwrap()).sqrt();
        moments.push((mean, std));
    }
    moments
}

#[test]
fn fifty_selu_layers_with_lecun_normal_keep_mean_zero_and_std_one() {
    for (depth, (mean, std)) in layer_moments(Selu, Initializer::LecunNormal)
        .into_iter()
        .enumerate()
    {
        assert!(mean.abs() < 0.1, "layer {depth}: mean {mean}");
        assert!((std - 1.0).abs() < 0.1, "layer {depth}: std {std}");
    }
}

#[test]
fn the_same_stack_with_he_normal_drifts_away() {
    let moments = layer_moments(Selu, Initializer::HeNormal);
    let (_, last_std) = moments[DEPTH - 1];
    assert!(
        last_std > 2.0,
        "he_normal should break self-normalization, std {last_std}"
    );
}
