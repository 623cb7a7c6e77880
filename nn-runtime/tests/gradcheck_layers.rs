//! Finite-difference checks (f64) of batch norm, dropout, alpha dropout and the activation
//! layer, and hand-computed values of batch norm's forward pass and running statistics.

mod common;

use common::{Entry, check_layer, random_matrix, random_matrix_away_from_zero};
use ndarray::{Array2, array};
use nn_runtime::activation::{
    Activation, Elu, Gelu, LeakyRelu, Linear, PRelu, RRelu, Relu, Selu, Sigmoid, Softmax, Swish,
    Tanh,
};
use nn_runtime::{
    ActivationLayer, AlphaDropout, BatchNorm, Dropout, Error, Layer, Parameters, TensorKind,
    Tensors, seeded_rng,
};

/// A batch norm whose gamma and beta are not their initial 1 and 0, so that their gradients
/// and the input gradient depend on them.
fn batch_norm_with_random_affine(bn: BatchNorm<4, f64>) -> BatchNorm<4, f64> {
    let mut bn = bn;
    let values = random_matrix(2, 4, 1.0, 11);
    bn.visit_tensors_mut(&mut |t| match t.name {
        "gamma" => t
            .data
            .iter_mut()
            .zip(values.row(0))
            .for_each(|(g, &v)| *g = 1.0 + 0.5 * v),
        "beta" => t
            .data
            .iter_mut()
            .zip(values.row(1))
            .for_each(|(b, &v)| *b = v),
        _ => {}
    });
    bn
}

#[test]
fn batch_norm_gradients_match_finite_differences() {
    let x = random_matrix(6, 4, 2.0, 1);
    let mut bn = batch_norm_with_random_affine(BatchNorm::new());
    check_layer(&mut bn, &x, 7, Entry::Output);
    // The gradient through the statistics is not the naive gamma / sqrt(var + eps) · dy: the
    // input gradient of every column sums to zero over the batch.
    let dy = random_matrix(6, 4, 1.0, 3);
    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    let dx = bn.backward(x.view(), dy.view()).unwrap().to_owned();
    for column in dx.columns() {
        assert!(column.sum().abs() < 1e-12, "column sum {}", column.sum());
    }
    assert!(
        (bn.beta_grad() - &dy.sum_axis(ndarray::Axis(0)))
            .iter()
            .all(|d| d.abs() < 1e-12)
    );
}

#[test]
fn batch_norm_pytorch_conventions_gradients_match_finite_differences() {
    let x = random_matrix(6, 4, 3.0, 2);
    let mut bn = batch_norm_with_random_affine(BatchNorm::pytorch());
    check_layer(&mut bn, &x, 7, Entry::Output);
    let mut bn = batch_norm_with_random_affine(
        BatchNorm::new()
            .with_epsilon(0.5)
            .unwrap()
            .with_momentum(0.5)
            .unwrap(),
    );
    check_layer(&mut bn, &x, 7, Entry::Output);
}

#[test]
fn dropout_gradients_match_finite_differences() {
    let x = random_matrix(6, 5, 1.0, 3);
    let mut dropout = Dropout::<5, f64>::new(0.3).unwrap();
    check_layer(&mut dropout, &x, 7, Entry::Output);
    // The mask of the checked seed drops something, so the check was not of the identity.
    let dropped = dropout.mask().iter().filter(|&&m| m == 0.0).count();
    assert!(dropped > 0 && dropped < 30, "{dropped} dropped");
}

#[test]
fn alpha_dropout_gradients_match_finite_differences() {
    let x = random_matrix(6, 5, 1.0, 4);
    let mut dropout = AlphaDropout::<5, f64>::new(0.3).unwrap();
    check_layer(&mut dropout, &x, 7, Entry::Output);
    let dropped = dropout.mask().iter().filter(|&&m| m == 0.0).count();
    assert!(dropped > 0 && dropped < 30, "{dropped} dropped");
}

fn check_activation<A: Activation<f64>>(activation: A, x: &Array2<f64>) {
    let mut layer = ActivationLayer::<4, A, f64>::new(activation);
    check_layer(&mut layer, x, 7, Entry::Output);
}

#[test]
fn activation_layer_smooth_activations_gradients_match_finite_differences() {
    let x = random_matrix(6, 4, 2.0, 5);
    check_activation(Linear, &x);
    check_activation(Sigmoid, &x);
    check_activation(Tanh, &x);
    check_activation(Softmax, &x);
    check_activation(Gelu::exact(), &x);
    check_activation(Gelu::tanh_approximation(), &x);
    check_activation(Swish, &x);
}

/// Inputs stay at least 0.3 away from zero, where these activations have their kink.
#[test]
fn activation_layer_kinked_activations_gradients_match_finite_differences() {
    let x = random_matrix_away_from_zero(6, 4, 2.0, 0.3, 6);
    check_activation(Relu, &x);
    check_activation(LeakyRelu::new(0.2).unwrap(), &x);
    check_activation(Elu::new(0.7).unwrap(), &x);
    check_activation(Selu, &x);
    check_activation(RRelu::<f64>::default(), &x);
    // PReLU: the slopes are a parameter of the layer and are checked too.
    let mut prelu = ActivationLayer::<4, _, f64>::new(PRelu::new(4));
    prelu
        .activation_mut()
        .alpha_mut()
        .assign(&array![0.1, 0.25, -0.3, 0.6]);
    check_layer(&mut prelu, &x, 7, Entry::Output);
    assert!(prelu.activation().alpha_grad().iter().any(|&g| g != 0.0));
}

#[test]
fn activation_layer_pre_activation_entry_passes_the_gradient_through() {
    let x = random_matrix(6, 4, 2.0, 8);
    let mut softmax = ActivationLayer::<4, Softmax, f64>::new(Softmax);
    check_layer(&mut softmax, &x, 7, Entry::PreActivation);
    softmax.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert_eq!(softmax.pre_activation(), x);
    let grad = random_matrix(6, 4, 1.0, 9);
    let passed = softmax
        .backward_from_pre_activation(x.view(), grad.view())
        .unwrap();
    assert_eq!(passed, grad);
}

#[test]
fn activation_layer_pre_activation_entry_zeroes_prelu_slope_gradients() {
    let x = random_matrix_away_from_zero(6, 4, 2.0, 0.3, 10);
    let mut prelu = ActivationLayer::<4, _, f64>::new(PRelu::new(4));
    let dy = random_matrix(6, 4, 1.0, 12);
    prelu.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    prelu.backward(x.view(), dy.view()).unwrap();
    assert!(prelu.activation().alpha_grad().iter().any(|&g| g != 0.0));
    // Finite differences of a loss of the pre-activation give zero slope gradients: the stale
    // gradients of the previous backward must not survive.
    check_layer(&mut prelu, &x, 7, Entry::PreActivation);
    assert!(prelu.activation().alpha_grad().iter().all(|&g| g == 0.0));
}

#[test]
fn activation_layer_applies_the_activation_and_exposes_its_parameters() {
    let x = array![[-2.0, -0.5, 0.5, 2.0], [1.0, -1.0, 3.0, -3.0]];
    let mut layer = ActivationLayer::<4, _, f64>::new(Elu::new(1.0).unwrap()).named("act");
    let y = layer
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned();
    let mut inferred = Array2::zeros((2, 4));
    layer.forward_infer(x.view(), inferred.view_mut()).unwrap();
    for ((&x, &y), &inf) in x.iter().zip(&y).zip(&inferred) {
        let expected = if x > 0.0 { x } else { x.exp() - 1.0 };
        assert!(
            (y - expected).abs() < 1e-15,
            "elu({x}) = {y}, expected {expected}"
        );
        assert_eq!(inf, y);
    }
    assert_eq!(layer.name(), "act");
    assert_eq!(layer.parameter_count(), 0);

    let mut prelu = ActivationLayer::<4, _, f64>::new(PRelu::new(4));
    assert_eq!(prelu.parameter_count(), 4);
    let mut names = Vec::new();
    prelu.visit_params(&mut |p| names.push(p.name));
    assert_eq!(names, ["alpha"]);

    // The layer sizes a PReLU to its width; one swapped in later with the wrong number of
    // slopes is an error, not a panic.
    assert_eq!(
        ActivationLayer::<4, _, f64>::new(PRelu::new(3)).parameter_count(),
        4
    );
    let mut wrong = ActivationLayer::<4, _, f64>::new(PRelu::default());
    *wrong.activation_mut() = PRelu::new(3);
    assert!(matches!(
        wrong.forward_train(x.view(), &mut seeded_rng(0)),
        Err(Error::ShapeMismatch { expected, actual, .. }) if expected == [4] && actual == [3]
    ));
}

#[test]
fn layers_reject_backward_before_forward_and_wrong_shapes() {
    let x = random_matrix(3, 4, 1.0, 13);
    let bad = random_matrix(2, 4, 1.0, 14);
    let mut rng = seeded_rng(0);

    let mut bn = BatchNorm::<4, f64>::new();
    let mut dropout = Dropout::<4, f64>::new(0.5).unwrap();
    let mut alpha = AlphaDropout::<4, f64>::new(0.5).unwrap();
    let mut act = ActivationLayer::<4, Tanh, f64>::new(Tanh);
    let layers: [&mut dyn Layer<f64>; 4] = [&mut bn, &mut dropout, &mut alpha, &mut act];
    for layer in layers {
        assert!(matches!(
            layer.backward(x.view(), x.view()),
            Err(Error::InvalidState { .. })
        ));
        assert!(matches!(
            layer.forward_train(random_matrix(3, 5, 1.0, 0).view(), &mut rng),
            Err(Error::WidthMismatch {
                expected: 4,
                actual: 5,
                ..
            })
        ));
        assert!(matches!(
            layer.forward_train(Array2::zeros((0, 4)).view(), &mut rng),
            Err(Error::EmptyBatch { .. })
        ));
        layer.forward_train(x.view(), &mut rng).unwrap();
        assert!(matches!(
            layer.backward(x.view(), bad.view()),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(matches!(
            layer.backward(bad.view(), x.view()),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut wrong_output = Array2::zeros((2, 4));
        assert!(matches!(
            layer.forward_infer(x.view(), wrong_output.view_mut()),
            Err(Error::ShapeMismatch { .. })
        ));
        assert_eq!(layer.backward(x.view(), x.view()).unwrap().dim(), (3, 4));
    }
}

/// A batch whose statistics are easy by hand: column 0 is 1, 2, 3, 4 (mean 2.5, biased
/// variance 1.25, unbiased 5/3), column 1 is 0, 0, 4, 8 (mean 3, biased variance 11, unbiased
/// 44/3).
fn known_batch() -> Array2<f64> {
    array![[1.0, 0.0], [2.0, 0.0], [3.0, 4.0], [4.0, 8.0]]
}

#[test]
fn batch_norm_training_output_normalizes_with_the_biased_batch_variance() {
    let x = known_batch();
    let mut bn = BatchNorm::<2, f64>::new();
    let y = bn
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned();
    // Independently: statistics by their definitions.
    for j in 0..2 {
        let column = x.column(j);
        let mean = column.sum() / 4.0;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0;
        for i in 0..4 {
            let expected = (x[[i, j]] - mean) / (var + 1e-3).sqrt();
            assert!((y[[i, j]] - expected).abs() < 1e-12, "y[{i},{j}]");
        }
    }
    // And two values worked out by hand: -1.5 / sqrt(1.251) and 5 / sqrt(11.001).
    assert!((y[[0, 0]] - -1.341_104_451_964_550_3).abs() < 1e-12);
    assert!((y[[3, 1]] - 1.507_488_202_255_058_4).abs() < 1e-12);

    // gamma and beta scale and shift.
    let mut bn = BatchNorm::<2, f64>::new();
    bn.visit_params(&mut |p| {
        let value = if p.name == "gamma" {
            [2.0, -1.0]
        } else {
            [0.5, 3.0]
        };
        p.value.copy_from_slice(&value);
    });
    let scaled = bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert!((scaled[[0, 0]] - (2.0 * y[[0, 0]] + 0.5)).abs() < 1e-12);
    assert!((scaled[[3, 1]] - (-y[[3, 1]] + 3.0)).abs() < 1e-12);
}

#[test]
fn batch_norm_running_statistics_follow_keras_momentum() {
    let x = known_batch();
    let mut bn = BatchNorm::<2, f64>::new();
    assert_eq!(bn.moving_mean(), array![0.0, 0.0]);
    assert_eq!(bn.moving_variance(), array![1.0, 1.0]);
    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    // 0.99 · initial + 0.01 · batch.
    let mean = [0.99 * 0.0 + 0.01 * 2.5, 0.99 * 0.0 + 0.01 * 3.0];
    let var = [0.99 * 1.0 + 0.01 * 1.25, 0.99 * 1.0 + 0.01 * 11.0];
    for j in 0..2 {
        assert!((bn.moving_mean()[j] - mean[j]).abs() < 1e-15);
        assert!((bn.moving_variance()[j] - var[j]).abs() < 1e-15);
    }
    assert!((bn.moving_variance()[1] - 1.1).abs() < 1e-15);

    // A second step with the same batch: 0.99 · moving + 0.01 · batch again.
    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert!((bn.moving_mean()[0] - (0.99 * 0.025 + 0.025)).abs() < 1e-15);

    // Another momentum.
    let mut bn = BatchNorm::<2, f64>::new().with_momentum(0.9).unwrap();
    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    assert!((bn.moving_mean()[1] - 0.3).abs() < 1e-15);
    assert!((bn.moving_variance()[1] - (0.9 + 1.1)).abs() < 1e-14);
}

#[test]
fn batch_norm_unbiased_option_changes_only_the_running_variance() {
    let x = known_batch();
    let mut keras = BatchNorm::<2, f64>::new();
    let mut torch = BatchNorm::<2, f64>::new().with_unbiased_running_variance(true);
    assert!(torch.unbiased_running_variance() && !keras.unbiased_running_variance());
    let y_keras = keras
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned();
    let y_torch = torch
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned();
    assert_eq!(y_keras, y_torch);
    assert_eq!(keras.moving_mean(), torch.moving_mean());
    // 0.99 + 0.01 · (5/3) and 0.99 + 0.01 · (44/3).
    assert!((torch.moving_variance()[0] - (0.99 + 0.01 * 5.0 / 3.0)).abs() < 1e-15);
    assert!((torch.moving_variance()[1] - (0.99 + 0.01 * 44.0 / 3.0)).abs() < 1e-15);

    // PyTorch's BatchNorm1d defaults (momentum 0.1 there, eps 1e-5, unbiased running var).
    let mut pytorch = BatchNorm::<2, f64>::pytorch();
    let y = pytorch
        .forward_train(x.view(), &mut seeded_rng(0))
        .unwrap()
        .to_owned();
    assert!((y[[0, 0]] - -1.5 / (1.25f64 + 1e-5).sqrt()).abs() < 1e-12);
    assert!((pytorch.moving_mean()[0] - 0.25).abs() < 1e-15);
    assert!((pytorch.moving_variance()[1] - (0.9 + 0.1 * 44.0 / 3.0)).abs() < 1e-14);
}

#[test]
fn batch_norm_inference_uses_the_running_statistics() {
    let x = known_batch();
    let mut bn = BatchNorm::<2, f64>::new();
    let mut y = Array2::zeros((4, 2));
    // Before training: mean 0, variance 1.
    bn.forward_infer(x.view(), y.view_mut()).unwrap();
    assert!(
        (&y - &(&x / 1.001f64.sqrt()))
            .iter()
            .all(|d| d.abs() < 1e-15)
    );

    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    bn.forward_infer(x.view(), y.view_mut()).unwrap();
    let (mean, var): ([f64; 2], [f64; 2]) = ([0.025, 0.03], [1.0025, 1.1]);
    for i in 0..4 {
        for j in 0..2 {
            let expected = (x[[i, j]] - mean[j]) / (var[j] + 1e-3).sqrt();
            assert!((y[[i, j]] - expected).abs() < 1e-12, "y[{i},{j}]");
        }
    }
    // Inference does not move the statistics and takes a single row.
    let row = array![[2.0, 4.0]];
    let mut out = Array2::zeros((1, 2));
    bn.forward_infer(row.view(), out.view_mut()).unwrap();
    assert!((out[[0, 1]] - (4.0 - 0.03) / 1.101f64.sqrt()).abs() < 1e-12);
    assert!((bn.moving_mean()[0] - 0.025).abs() < 1e-15);
}

#[test]
fn batch_norm_training_needs_two_rows() {
    let mut bn = BatchNorm::<2, f64>::new().named("bn_1");
    let err = bn
        .forward_train(array![[1.0, 2.0]].view(), &mut seeded_rng(0))
        .unwrap_err();
    assert_eq!(
        err,
        Error::BatchTooSmall {
            context: "bn_1".into(),
            minimum: 2,
            actual: 1
        }
    );
    // Nothing was updated.
    assert_eq!(bn.moving_mean(), array![0.0, 0.0]);
    assert_eq!(bn.moving_variance(), array![1.0, 1.0]);
}

#[test]
fn batch_norm_hyperparameters_are_validated() {
    for momentum in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        assert!(matches!(
            BatchNorm::<2>::new().with_momentum(momentum),
            Err(Error::InvalidHyperparameter {
                name: "momentum",
                ..
            })
        ));
    }
    for epsilon in [0.0, -1e-3, f64::INFINITY] {
        assert!(matches!(
            BatchNorm::<2>::new().with_epsilon(epsilon),
            Err(Error::InvalidHyperparameter {
                name: "epsilon",
                ..
            })
        ));
    }
    let bn = BatchNorm::<2>::new()
        .with_momentum(0.9)
        .unwrap()
        .with_epsilon(1e-5)
        .unwrap();
    assert_eq!((bn.momentum(), bn.epsilon()), (0.9, 1e-5));
    let keras = BatchNorm::<2>::default();
    assert_eq!((keras.momentum(), keras.epsilon()), (0.99, 1e-3));
}

#[test]
fn batch_norm_tensors_are_gamma_beta_and_state() {
    let mut bn = BatchNorm::<3>::new();
    let mut seen = Vec::new();
    bn.visit_tensors(&mut |t| {
        seen.push((t.name, t.kind, t.shape.dims().to_vec(), t.data.to_vec()))
    });
    assert_eq!(
        seen,
        [
            ("gamma", TensorKind::Parameter, vec![3], vec![1.0f32; 3]),
            ("beta", TensorKind::Parameter, vec![3], vec![0.0; 3]),
            ("moving_mean", TensorKind::State, vec![3], vec![0.0; 3]),
            ("moving_variance", TensorKind::State, vec![3], vec![1.0; 3]),
        ]
    );
    assert_eq!(bn.parameter_count(), 6);
    let mut params = Vec::new();
    bn.visit_params(&mut |p| params.push(p.name));
    assert_eq!(params, ["gamma", "beta"]);
    // Loading state through visit_tensors_mut reaches inference.
    bn.visit_tensors_mut(&mut |t| {
        if t.name == "moving_mean" {
            t.data.fill(1.0);
        }
    });
    assert_eq!(bn.moving_mean(), array![1.0f32, 1.0, 1.0]);
}

#[test]
fn batch_norm_gradients_in_f32_agree_with_f64() {
    let x = random_matrix(6, 4, 2.0, 15);
    let dy = random_matrix(6, 4, 1.0, 16);
    let mut bn64 = BatchNorm::<4, f64>::new();
    let mut bn32 = BatchNorm::<4, f32>::new();
    bn64.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    bn32.forward_train(x.mapv(|v| v as f32).view(), &mut seeded_rng(0))
        .unwrap();
    let dx64 = bn64.backward(x.view(), dy.view()).unwrap().to_owned();
    let dx32 = bn32
        .backward(x.mapv(|v| v as f32).view(), dy.mapv(|v| v as f32).view())
        .unwrap()
        .to_owned();
    for (a, b) in dx64.iter().zip(&dx32) {
        assert!((a - f64::from(*b)).abs() < 1e-4, "{a} vs {b}");
    }
    for (a, b) in bn64.gamma_grad().iter().zip(bn32.gamma_grad()) {
        assert!((a - f64::from(*b)).abs() < 1e-4, "{a} vs {b}");
    }
}
