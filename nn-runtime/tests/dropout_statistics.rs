//! Statistics of dropout and alpha dropout over large batches: inverted dropout keeps the mean
//! and drops the requested fraction; alpha dropout keeps SELU activations at mean 0 and
//! variance 1 (Klambauer et al. 2017).

use ndarray::Array2;
use nn_runtime::activation::{Pointwise, Selu};
use nn_runtime::{AlphaDropout, Dropout, Error, Layer, seeded_rng};
use rand_distr::{Distribution, StandardNormal};

const ROWS: usize = 2000;
const COLS: usize = 100;

fn standard_normal(shift: f64, seed: u64) -> Array2<f64> {
    let mut rng = seeded_rng(seed);
    Array2::from_shape_simple_fn((ROWS, COLS), || {
        let z: f64 = StandardNormal.sample(&mut rng);
        z + shift
    })
}

fn mean_and_variance(values: &Array2<f64>) -> (f64, f64) {
    let mean = values.mean().unwrap();
    let variance = values.mapv(|v| (v - mean).powi(2)).mean().unwrap();
    (mean, variance)
}

#[test]
fn dropout_keeps_the_mean_and_drops_the_rate() {
    for (rate, shift, seed) in [(0.1, 0.0, 1), (0.3, 0.0, 2), (0.5, 1.0, 3), (0.3, -2.0, 4)] {
        let x = standard_normal(shift, seed);
        let mut dropout = Dropout::<COLS, f64>::new(rate).unwrap();
        let y = dropout
            .forward_train(x.view(), &mut seeded_rng(seed + 100))
            .unwrap()
            .to_owned();
        let (x_mean, _) = mean_and_variance(&x);
        let (y_mean, _) = mean_and_variance(&y);
        assert!(
            (y_mean - x_mean).abs() < 0.02,
            "rate {rate}: mean {y_mean} vs input {x_mean}"
        );
        let zeroed = y.iter().filter(|&&v| v == 0.0).count() as f64 / y.len() as f64;
        assert!((zeroed - rate).abs() < 0.01, "rate {rate}: zeroed {zeroed}");
        let masked = dropout.mask().iter().filter(|&&m| m == 0.0).count() as f64 / y.len() as f64;
        assert_eq!(masked, zeroed);
        // Kept elements are scaled by exactly 1 / (1 - rate).
        for ((&x, &y), &m) in x.iter().zip(&y).zip(dropout.mask()) {
            let expected = if m == 1.0 { x / (1.0 - rate) } else { 0.0 };
            assert!((y - expected).abs() <= 1e-12 * expected.abs().max(1.0));
        }
    }
}

#[test]
fn dropout_backward_uses_the_forward_mask() {
    let x = standard_normal(0.0, 5);
    let dy = standard_normal(0.0, 6);
    let mut dropout = Dropout::<COLS, f64>::new(0.4).unwrap();
    dropout.forward_train(x.view(), &mut seeded_rng(7)).unwrap();
    let mask = dropout.mask().to_owned();
    let dx = dropout.backward(x.view(), dy.view()).unwrap();
    for ((&dx, &dy), &m) in dx.iter().zip(&dy).zip(&mask) {
        assert!((dx - m * dy / 0.6).abs() < 1e-12);
    }
}

#[test]
fn dropout_masks_are_reproducible_and_agree_across_precisions() {
    let x = standard_normal(0.0, 8);
    let mut a = Dropout::<COLS, f64>::new(0.5).unwrap();
    let mut b = Dropout::<COLS, f64>::new(0.5).unwrap();
    let mut c = Dropout::<COLS, f32>::new(0.5).unwrap();
    a.forward_train(x.view(), &mut seeded_rng(9)).unwrap();
    b.forward_train(x.view(), &mut seeded_rng(9)).unwrap();
    c.forward_train(x.mapv(|v| v as f32).view(), &mut seeded_rng(9))
        .unwrap();
    assert_eq!(a.mask(), b.mask());
    assert!(
        a.mask()
            .iter()
            .zip(c.mask())
            .all(|(&a, &c)| a == f64::from(c))
    );
    b.forward_train(x.view(), &mut seeded_rng(10)).unwrap();
    assert_ne!(a.mask(), b.mask());
}

#[test]
fn dropout_with_rate_zero_is_the_identity_in_training() {
    let x = standard_normal(0.5, 11);
    let mut dropout = Dropout::<COLS, f64>::new(0.0).unwrap();
    let y = dropout.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert_eq!(y, x);
    let mut alpha = AlphaDropout::<COLS, f64>::new(0.0).unwrap();
    assert_eq!(alpha.affine(), (1.0, 0.0));
    let y = alpha.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert_eq!(y, x);
}

/// SELU of N(0, 1) samples: mean ~0 and variance ~1, the fixed point of self-normalization.
fn selu_activations(seed: u64) -> Array2<f64> {
    standard_normal(0.0, seed).mapv(|z| Selu.value(z))
}

#[test]
fn alpha_dropout_keeps_selu_activations_normalized() {
    for (rate, seed) in [(0.1, 12), (0.05, 13), (0.2, 14)] {
        let x = selu_activations(seed);
        let (x_mean, x_var) = mean_and_variance(&x);
        assert!(
            x_mean.abs() < 0.05 && (x_var - 1.0).abs() < 0.05,
            "input {x_mean} {x_var}"
        );
        let mut dropout = AlphaDropout::<COLS, f64>::new(rate).unwrap();
        let y = dropout
            .forward_train(x.view(), &mut seeded_rng(seed + 100))
            .unwrap()
            .to_owned();
        let (mean, var) = mean_and_variance(&y);
        assert!(mean.abs() < 0.05, "rate {rate}: mean {mean}");
        assert!((var - 1.0).abs() < 0.05, "rate {rate}: variance {var}");
        let dropped = dropout.mask().iter().filter(|&&m| m == 0.0).count() as f64 / y.len() as f64;
        assert!(
            (dropped - rate).abs() < 0.01,
            "rate {rate}: dropped {dropped}"
        );
    }

    // Plain dropout at the same rate does not keep the variance at 1 (it scales it by 1/q):
    // the statistics above are a property of alpha dropout, not of any dropout.
    let x = selu_activations(12);
    let mut plain = Dropout::<COLS, f64>::new(0.1).unwrap();
    let y = plain
        .forward_train(x.view(), &mut seeded_rng(112))
        .unwrap()
        .to_owned();
    let (_, var) = mean_and_variance(&y);
    assert!(var > 1.08, "plain dropout variance {var}");
}

#[test]
fn alpha_dropout_constants_and_values_follow_the_paper() {
    // rate 0.1: q = 0.9, α' = -λα; a = (q + α'² q (1 - q))^(-1/2), b = -a (1 - q) α'.
    let dropout = AlphaDropout::<COLS, f64>::new(0.1).unwrap();
    let alpha = -Selu::LAMBDA * Selu::ALPHA;
    assert!((AlphaDropout::<COLS, f64>::ALPHA_PRIME - -1.758_099_340_847_376_6).abs() < 1e-15);
    let (a, b) = dropout.affine();
    assert!((a - 0.921_284_516_149_711_5).abs() < 1e-14, "a = {a}");
    assert!((b - 0.161_970_970_057_570_16).abs() < 1e-14, "b = {b}");
    assert!((a - (0.9 + alpha * alpha * 0.9 * 0.1).powf(-0.5)).abs() < 1e-15);

    let x = selu_activations(15);
    let dy = standard_normal(0.0, 16);
    let mut dropout = AlphaDropout::<COLS, f64>::new(0.3).unwrap();
    let (a, b) = dropout.affine();
    let y = dropout
        .forward_train(x.view(), &mut seeded_rng(17))
        .unwrap()
        .to_owned();
    let mask = dropout.mask().to_owned();
    for ((&x, &y), &m) in x.iter().zip(&y).zip(&mask) {
        let expected = a * (x * m + alpha * (1.0 - m)) + b;
        assert!((y - expected).abs() < 1e-12);
    }
    // Dropped units all take a·α' + b (≈ -1.0595 at rate 0.3).
    let dropped_value = y
        .iter()
        .zip(&mask)
        .find(|&(_, &m)| m == 0.0)
        .map(|(&y, _)| y)
        .unwrap();
    assert!((dropped_value - -1.059_548_158_986_48).abs() < 1e-12);
    let dx = dropout.backward(x.view(), dy.view()).unwrap();
    for ((&dx, &dy), &m) in dx.iter().zip(&dy).zip(&mask) {
        assert!((dx - a * m * dy).abs() < 1e-12);
    }
}

#[test]
fn dropout_rates_outside_zero_to_one_are_errors() {
    for rate in [1.0, -0.1, 1.5, f64::NAN] {
        assert!(matches!(
            Dropout::<4>::new(rate),
            Err(Error::InvalidHyperparameter { name: "rate", .. })
        ));
        assert!(matches!(
            AlphaDropout::<4>::new(rate),
            Err(Error::InvalidHyperparameter { name: "rate", .. })
        ));
    }
    let err = Dropout::<4>::new(1.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dropout: rate = 1 is out of range; expected 0 <= rate < 1"
    );
    assert!(Dropout::<4>::new(0.999).is_ok() && AlphaDropout::<4>::new(0.0).is_ok());
}

#[test]
fn dropout_inference_is_the_identity() {
    let x = standard_normal(0.3, 18);
    let dropout = Dropout::<COLS, f64>::new(0.5).unwrap().named("drop");
    let alpha = AlphaDropout::<COLS, f64>::new(0.5).unwrap();
    for layer in [&dropout as &dyn Layer<f64>, &alpha] {
        let mut y = Array2::from_elem((ROWS, COLS), f64::NAN);
        layer.forward_infer(x.view(), y.view_mut()).unwrap();
        assert_eq!(y, x);
        let mut wrong = Array2::zeros((ROWS, COLS + 1));
        assert!(matches!(
            layer.forward_infer(x.view(), wrong.view_mut()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
    assert_eq!(dropout.name(), "drop");
    assert_eq!(dropout.rate(), 0.5);
}
