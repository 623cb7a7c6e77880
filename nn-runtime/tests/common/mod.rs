//! Shared test helpers: finite-difference gradient checks in f64.
#![allow(dead_code)]

pub mod fixture;
pub mod stack;

use ndarray::{Array2, ArrayView2};
use nn_runtime::{Layer, Parameters, seeded_rng};
use rand::RngExt;

/// Central-difference step.
pub const STEP: f64 = 1e-6;
/// Largest relative error accepted between analytic and numeric gradients.
pub const TOLERANCE: f64 = 1e-6;
/// Gradients smaller than this are compared absolutely (relative error is noise there).
pub const FLOOR: f64 = 1e-3;

/// A random `rows x cols` matrix, uniform in [-scale, scale], seeded.
pub fn random_matrix(rows: usize, cols: usize, scale: f64, seed: u64) -> Array2<f64> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_simple_fn((rows, cols), || scale * (2.0 * rng.random::<f64>() - 1.0))
}

/// A random matrix whose entries are at least `gap` away from zero (away from ReLU-type kinks).
pub fn random_matrix_away_from_zero(
    rows: usize,
    cols: usize,
    scale: f64,
    gap: f64,
    seed: u64,
) -> Array2<f64> {
    random_matrix(rows, cols, scale, seed).mapv(|v| {
        if v.abs() < gap {
            v.signum() * gap + v
        } else {
            v
        }
    })
}

/// `|a - n| / max(|a|, |n|, FLOOR)`.
pub fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / analytic.abs().max(numeric.abs()).max(FLOOR)
}

/// How the backward pass under test is entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `Layer::backward` with the gradient of the output.
    Output,
    /// `Layer::backward_from_pre_activation` with the gradient of the pre-activation.
    PreActivation,
}

/// The scalar the check differentiates: `Σ projection ⊙ y`, with `y` the output (or the
/// pre-activation) of a training forward pass that uses a fresh RNG seeded with `seed`, plus
/// the layer's penalty. A fixed seed makes dropout masks and RReLU slopes identical between
/// evaluations, so the function being differentiated is deterministic.
pub fn scalar<L: Layer<f64>>(
    layer: &mut L,
    input: ArrayView2<'_, f64>,
    projection: &Array2<f64>,
    seed: u64,
    entry: Entry,
) -> f64 {
    let mut rng = seeded_rng(seed);
    layer.forward_train(input, &mut rng).expect("forward");
    let y = match entry {
        Entry::Output => layer.output(),
        Entry::PreActivation => layer.pre_activation(),
    };
    (&y * projection).sum() + layer.penalty()
}

/// Checks the input gradient and every parameter gradient of `layer` at `input` against
/// central differences; panics with the worst element's details if any relative error exceeds
/// `TOLERANCE`. Returns the worst relative error seen.
pub fn check_layer<L: Layer<f64>>(
    layer: &mut L,
    input: &Array2<f64>,
    seed: u64,
    entry: Entry,
) -> f64 {
    let out_width = layer.output_width();
    let projection = random_matrix(input.nrows(), out_width, 1.0, seed ^ 0x9e37_79b9);

    // Analytic gradients.
    let mut rng = seeded_rng(seed);
    layer
        .forward_train(input.view(), &mut rng)
        .expect("forward");
    let grad_input = match entry {
        Entry::Output => layer.backward(input.view(), projection.view()),
        Entry::PreActivation => layer.backward_from_pre_activation(input.view(), projection.view()),
    }
    .expect("backward")
    .to_owned();
    let mut param_grads: Vec<(&'static str, Vec<f64>)> = Vec::new();
    layer.visit_params(&mut |p| param_grads.push((p.name, p.grad.to_vec())));

    let mut worst = 0.0f64;
    let mut report = |what: String, analytic: f64, numeric: f64| {
        let err = relative_error(analytic, numeric);
        assert!(
            err < TOLERANCE,
            "{what}: analytic {analytic:e} vs numeric {numeric:e} (relative error {err:e})"
        );
        worst = worst.max(err);
    };

    // Input gradient.
    let mut x = input.clone();
    for index in 0..x.len() {
        let original = x.as_slice().unwrap()[index];
        x.as_slice_mut().unwrap()[index] = original + STEP;
        let plus = scalar(layer, x.view(), &projection, seed, entry);
        x.as_slice_mut().unwrap()[index] = original - STEP;
        let minus = scalar(layer, x.view(), &projection, seed, entry);
        x.as_slice_mut().unwrap()[index] = original;
        let numeric = (plus - minus) / (2.0 * STEP);
        report(
            format!("input[{index}]"),
            grad_input.as_slice().unwrap()[index],
            numeric,
        );
    }

    // Parameter gradients.
    for (param_index, (name, grads)) in param_grads.iter().enumerate() {
        for (element, &analytic) in grads.iter().enumerate() {
            let mut at = |delta| {
                perturbed(
                    layer,
                    (param_index, element),
                    delta,
                    input,
                    &projection,
                    seed,
                    entry,
                )
            };
            let numeric = (at(STEP) - at(-STEP)) / (2.0 * STEP);
            report(format!("{name}[{element}]"), analytic, numeric);
        }
    }
    // Leave the layer as a forward pass on the real input leaves it.
    scalar(layer, input.view(), &projection, seed, entry);
    worst
}

/// The checked scalar with one parameter element moved by `delta`, restored exactly afterwards.
fn perturbed<L: Layer<f64>>(
    layer: &mut L,
    (param_index, element): (usize, usize),
    delta: f64,
    input: &Array2<f64>,
    projection: &Array2<f64>,
    seed: u64,
    entry: Entry,
) -> f64 {
    let original = set_param(layer, param_index, element, |v| v + delta);
    let value = scalar(layer, input.view(), projection, seed, entry);
    set_param(layer, param_index, element, |_| original);
    value
}

/// Replaces one parameter element by `update(old)`; returns the old value.
fn set_param<P: Parameters<f64>>(
    model: &mut P,
    param_index: usize,
    element: usize,
    update: impl Fn(f64) -> f64,
) -> f64 {
    let (mut index, mut old) = (0, f64::NAN);
    model.visit_params(&mut |p| {
        if index == param_index {
            old = p.value[element];
            p.value[element] = update(old);
        }
        index += 1;
    });
    old
}
