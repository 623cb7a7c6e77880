//! Losses: gradients against central differences (f64), hand-computed values, stability,
//! agreement between the fused and unfused forms and between labels and one-hot targets, and
//! every error case.

mod common;

use common::{STEP, TOLERANCE, random_matrix, relative_error};
use ndarray::{Array2, ArrayView2, ArrayViewMut2, array};
use nn_runtime::activation::{Activation, ActivationKind, Pointwise, Sigmoid, Softmax};
use nn_runtime::loss::{
    GradientOf, Loss, PROBABILITY_EPSILON, Targets, binary_cross_entropy,
    binary_cross_entropy_with_logits, cross_entropy, mean_squared_error, softmax_cross_entropy,
};
use nn_runtime::{Dense, Error, Initializer, Layer, Parameters, seeded_rng};

type LossFn = for<'a, 'b, 'c> fn(
    ArrayView2<'a, f64>,
    Targets<'b, f64>,
    ArrayViewMut2<'c, f64>,
) -> nn_runtime::Result<f64>;

const LOSSES: [(&str, LossFn); 5] = [
    ("mean_squared_error", mean_squared_error::<f64>),
    ("softmax_cross_entropy", softmax_cross_entropy::<f64>),
    ("cross_entropy", cross_entropy::<f64>),
    ("binary_cross_entropy", binary_cross_entropy::<f64>),
    (
        "binary_cross_entropy_with_logits",
        binary_cross_entropy_with_logits::<f64>,
    ),
];

/// Checks the gradient `loss` writes against central differences of its value; panics on a
/// relative error above `TOLERANCE` (or on a gradient too small to prove anything).
fn check_gradient(name: &str, loss: LossFn, input: &Array2<f64>, targets: Targets<'_, f64>) {
    let mut grad = Array2::zeros(input.dim());
    loss(input.view(), targets, grad.view_mut()).expect("loss");
    assert!(
        grad.iter().any(|g| g.abs() > 1e-3),
        "{name}: the gradient is (almost) zero, the check would prove nothing"
    );
    let mut scratch = Array2::zeros(input.dim());
    let mut x = input.clone();
    for ((row, column), &analytic) in grad.indexed_iter() {
        let original = x[[row, column]];
        x[[row, column]] = original + STEP;
        let plus = loss(x.view(), targets, scratch.view_mut()).expect("loss");
        x[[row, column]] = original - STEP;
        let minus = loss(x.view(), targets, scratch.view_mut()).expect("loss");
        x[[row, column]] = original;
        let numeric = (plus - minus) / (2.0 * STEP);
        let err = relative_error(analytic, numeric);
        assert!(
            err < TOLERANCE,
            "{name}[{row}, {column}]: analytic {analytic:e} vs numeric {numeric:e} (relative error {err:e})"
        );
    }
}

/// Probabilities in [0.05, 0.95], not normalized.
fn random_probabilities(rows: usize, cols: usize, seed: u64) -> Array2<f64> {
    random_matrix(rows, cols, 1.0, seed).mapv(|v| 0.5 + 0.45 * v)
}

fn evaluate(loss: LossFn, input: &Array2<f64>, targets: Targets<'_, f64>) -> (f64, Array2<f64>) {
    let mut grad = Array2::zeros(input.dim());
    let value = loss(input.view(), targets, grad.view_mut()).expect("loss");
    (value, grad)
}

fn softmax(logits: &Array2<f64>) -> Array2<f64> {
    let mut probs = logits.clone();
    Activation::<f64>::infer_in_place(&Softmax, probs.view_mut());
    probs
}

// ---------------------------------------------------------------------------------------------
// Finite differences.

#[test]
fn mean_squared_error_gradient_matches_finite_differences() {
    let predictions = random_matrix(5, 4, 2.0, 1);
    let targets = random_matrix(5, 4, 2.0, 2);
    let loss = mean_squared_error::<f64>;
    check_gradient("mse dense", loss, &predictions, Targets::from(&targets));
    check_gradient(
        "mse labels",
        loss,
        &predictions,
        Targets::Classes(&[3, 0, 1, 1, 2]),
    );
}

#[test]
fn softmax_cross_entropy_gradient_matches_finite_differences() {
    let logits = random_matrix(5, 4, 3.0, 3);
    let loss = softmax_cross_entropy::<f64>;
    check_gradient(
        "softmax_ce labels",
        loss,
        &logits,
        Targets::Classes(&[3, 0, 1, 1, 2]),
    );
    // Targets that do not sum to 1 exercise the general gradient s·p - y.
    let targets = random_probabilities(5, 4, 4);
    check_gradient("softmax_ce dense", loss, &logits, Targets::from(&targets));
}

#[test]
fn cross_entropy_on_probabilities_gradient_matches_finite_differences() {
    // Unnormalized rows exercise the division by the row sum.
    let probs = random_probabilities(5, 4, 5);
    let loss = cross_entropy::<f64>;
    check_gradient(
        "ce labels",
        loss,
        &probs,
        Targets::Classes(&[3, 0, 1, 1, 2]),
    );
    let targets = random_probabilities(5, 4, 6);
    check_gradient("ce dense", loss, &probs, Targets::from(&targets));
}

#[test]
fn binary_cross_entropy_gradient_matches_finite_differences() {
    let loss = binary_cross_entropy::<f64>;
    let probs = random_probabilities(5, 3, 7);
    let targets = random_probabilities(5, 3, 8);
    check_gradient("bce dense", loss, &probs, Targets::from(&targets));
    check_gradient(
        "bce one-hot labels",
        loss,
        &probs,
        Targets::Classes(&[2, 0, 1, 1, 0]),
    );
    let column = random_probabilities(5, 1, 9);
    check_gradient(
        "bce binary labels",
        loss,
        &column,
        Targets::Classes(&[1, 0, 0, 1, 1]),
    );
}

#[test]
fn binary_cross_entropy_with_logits_gradient_matches_finite_differences() {
    let loss = binary_cross_entropy_with_logits::<f64>;
    let logits = random_matrix(5, 3, 4.0, 10);
    let targets = random_probabilities(5, 3, 11);
    check_gradient("bce_logits dense", loss, &logits, Targets::from(&targets));
    check_gradient(
        "bce_logits one-hot labels",
        loss,
        &logits,
        Targets::Classes(&[2, 0, 1, 1, 0]),
    );
    let column = random_matrix(5, 1, 4.0, 12);
    check_gradient(
        "bce_logits binary labels",
        loss,
        &column,
        Targets::Classes(&[1, 0, 0, 1, 1]),
    );
}

// ---------------------------------------------------------------------------------------------
// Values computed by hand.

#[test]
fn mean_squared_error_of_known_arrays() {
    let p = array![[1.0, 2.0], [3.0, 4.0]];
    let y = array![[0.0, 2.0], [5.0, 1.0]];
    // differences 1, 0, -2, 3; squares 1 + 0 + 4 + 9 = 14 over 4 elements
    let (loss, grad) = evaluate(mean_squared_error::<f64>, &p, Targets::from(&y));
    assert_eq!(loss, 3.5);
    assert_eq!(grad, array![[0.5, 0.0], [-1.0, 1.5]]);
    // Labels are one-hot rows: targets [[1, 0], [0, 1]].
    let (loss, grad) = evaluate(mean_squared_error::<f64>, &p, Targets::Classes(&[0, 1]));
    assert_eq!(loss, (0.0 + 4.0 + 9.0 + 9.0) / 4.0);
    assert_eq!(grad, array![[0.0, 1.0], [1.5, 1.5]]);
}

#[test]
fn cross_entropy_of_uniform_logits_is_ln_classes() {
    let logits = Array2::from_elem((3, 5), 7.0);
    let (loss, grad) = evaluate(
        softmax_cross_entropy::<f64>,
        &logits,
        Targets::Classes(&[4, 0, 2]),
    );
    assert!((loss - 5f64.ln()).abs() < 1e-12, "loss {loss}");
    // (p - y) / batch with p = 1/5
    assert!((grad[[0, 4]] - (0.2 - 1.0) / 3.0).abs() < 1e-15);
    assert!((grad[[0, 0]] - 0.2 / 3.0).abs() < 1e-15);
    assert!(grad.rows().into_iter().all(|r| r.sum().abs() < 1e-15));
}

#[test]
fn softmax_cross_entropy_of_known_logits() {
    let logits = array![[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]];
    let (loss, grad) = evaluate(
        softmax_cross_entropy::<f64>,
        &logits,
        Targets::Classes(&[2, 1]),
    );
    let row0 = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
    let row1 = (0.5f64.exp() + (-0.5f64).exp() + 1.0).ln() + 0.5;
    assert!((loss - (row0 + row1) / 2.0).abs() < 1e-14);
    let p02 = 3f64.exp() / (1f64.exp() + 2f64.exp() + 3f64.exp());
    assert!((grad[[0, 2]] - (p02 - 1.0) / 2.0).abs() < 1e-15);
}

#[test]
fn cross_entropy_on_probabilities_normalizes_and_clips_like_keras() {
    let (loss, _) = evaluate(
        cross_entropy::<f64>,
        &array![[0.2, 0.3, 0.5]],
        Targets::Classes(&[1]),
    );
    assert!((loss + 0.3f64.ln()).abs() < 1e-14);
    // [1, 1, 2] is normalized to [0.25, 0.25, 0.5].
    let (loss, grad) = evaluate(
        cross_entropy::<f64>,
        &array![[1.0, 1.0, 2.0]],
        Targets::Classes(&[2]),
    );
    assert!((loss - 2f64.ln()).abs() < 1e-14);
    // dL/dp_k = (-y_k / q_k + 1) / Σp: [0.25, 0.25, -0.25]
    assert!(
        (&grad - &array![[0.25, 0.25, -0.25]])
            .iter()
            .all(|d| d.abs() < 1e-15)
    );
    // A zero probability is clipped to 1e-7, and no gradient flows through the clip.
    let (loss, grad) = evaluate(
        cross_entropy::<f64>,
        &array![[1.0, 0.0, 0.0]],
        Targets::Classes(&[1]),
    );
    assert!(
        (loss + PROBABILITY_EPSILON.ln()).abs() < 1e-9,
        "loss {loss}"
    );
    assert!(loss > 16.1 && loss < 16.2);
    assert!(grad.iter().all(|&g| g == 0.0), "{grad}");
}

#[test]
fn binary_cross_entropy_of_known_values() {
    let p = array![[0.8], [0.4]];
    let (loss, grad) = evaluate(binary_cross_entropy::<f64>, &p, Targets::Classes(&[1, 0]));
    assert!((loss + (0.8f64.ln() + 0.6f64.ln()) / 2.0).abs() < 1e-14);
    // (p - y) / (p (1 - p)) / n
    assert!((grad[[0, 0]] - (-0.2 / (0.8 * 0.2) / 2.0)).abs() < 1e-14);
    assert!((grad[[1, 0]] - (0.4 / (0.4 * 0.6) / 2.0)).abs() < 1e-14);
    // Saturated probabilities are clipped: log(1e-7) instead of -inf.
    let (loss, grad) = evaluate(
        binary_cross_entropy::<f64>,
        &array![[0.0, 1.0]],
        Targets::from(&array![[1.0, 0.0]]),
    );
    assert!(
        (loss + PROBABILITY_EPSILON.ln()).abs() < 1e-6,
        "loss {loss}"
    );
    assert_eq!(grad, array![[0.0, 0.0]]);
}

#[test]
fn binary_cross_entropy_with_logits_of_known_values() {
    let z = array![[0.0, 2.0], [-3.0, 1.0]];
    let y = array![[1.0, 0.0], [0.25, 1.0]];
    let (loss, grad) = evaluate(
        binary_cross_entropy_with_logits::<f64>,
        &z,
        Targets::from(&y),
    );
    let sigmoid = |z: f64| 1.0 / (1.0 + (-z).exp());
    let term = |z: f64, y: f64| -(y * sigmoid(z).ln() + (1.0 - y) * (1.0 - sigmoid(z)).ln());
    let expected = (term(0.0, 1.0) + term(2.0, 0.0) + term(-3.0, 0.25) + term(1.0, 1.0)) / 4.0;
    assert!((loss - expected).abs() < 1e-14);
    assert!((grad[[1, 0]] - (sigmoid(-3.0) - 0.25) / 4.0).abs() < 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Stability.

#[test]
fn softmax_cross_entropy_is_stable_for_huge_logits() {
    let logits = array![
        [1e4, 0.0, -1e4],
        [1e4, 0.0, -1e4],
        [1e4, 1e4, 1e4],
        [-1e4, -1e4, -1e4]
    ];
    let (loss, grad) = evaluate(
        softmax_cross_entropy::<f64>,
        &logits,
        Targets::Classes(&[0, 1, 2, 1]),
    );
    // Rows: 0 (confidently right), 1e4 (confidently wrong), ln 3, ln 3.
    let expected = (0.0 + 1e4 + 2.0 * 3f64.ln()) / 4.0;
    assert!(loss.is_finite());
    assert!((loss - expected).abs() < 1e-9, "loss {loss} vs {expected}");
    assert!(grad.iter().all(|g| g.is_finite()));
    assert!((grad[[1, 0]] - 0.25).abs() < 1e-15);
    assert!((grad[[1, 1]] + 0.25).abs() < 1e-15);
    assert!((grad[[2, 0]] - (1.0 / 3.0) / 4.0).abs() < 1e-15);

    // f32 too: exp(1e4) would overflow, the shifted form does not.
    let logits32 = logits.mapv(|v| v as f32);
    let mut grad32 = Array2::<f32>::zeros((4, 3));
    let loss32 = softmax_cross_entropy(
        logits32.view(),
        Targets::Classes(&[0, 1, 2, 1]),
        grad32.view_mut(),
    )
    .unwrap();
    assert!(
        (f64::from(loss32) - expected).abs() < 1e-2,
        "f32 loss {loss32}"
    );
    assert!(grad32.iter().all(|g| g.is_finite()));
}

#[test]
fn binary_cross_entropy_with_logits_is_stable_for_huge_logits() {
    let z = array![[1e4], [-1e4], [1e4], [-1e4]];
    let (loss, grad) = evaluate(
        binary_cross_entropy_with_logits::<f64>,
        &z,
        Targets::Classes(&[1, 0, 0, 1]),
    );
    assert!((loss - 2e4 / 4.0).abs() < 1e-9, "loss {loss}");
    assert_eq!(grad, array![[0.0], [0.0], [0.25], [-0.25]]);
}

// ---------------------------------------------------------------------------------------------
// Agreement between forms.

#[test]
fn fused_softmax_cross_entropy_equals_cross_entropy_of_softmax() {
    let logits = random_matrix(6, 5, 2.0, 20);
    let probs = softmax(&logits);
    let targets = random_probabilities(6, 5, 21);
    for targets in [
        Targets::Classes(&[0, 4, 2, 2, 1, 3]),
        Targets::from(&targets),
    ] {
        let (fused, grad_logits) = evaluate(softmax_cross_entropy::<f64>, &logits, targets);
        let (unfused, grad_probs) = evaluate(cross_entropy::<f64>, &probs, targets);
        assert!((fused - unfused).abs() < 1e-12, "{fused} vs {unfused}");
        // Chain the unfused gradient back through the softmax.
        let mut chained = Array2::zeros(logits.dim());
        Softmax.backward(
            logits.view(),
            probs.view(),
            grad_probs.view(),
            chained.view_mut(),
        );
        let worst = (&chained - &grad_logits)
            .iter()
            .fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(worst < 1e-12, "gradient differs by {worst}");
    }
}

#[test]
fn fused_binary_cross_entropy_equals_binary_cross_entropy_of_sigmoid() {
    let logits = random_matrix(6, 3, 3.0, 22);
    let probs = logits.mapv(|z| Sigmoid.value(z));
    let targets = random_probabilities(6, 3, 23);
    let (fused, grad_logits) = evaluate(
        binary_cross_entropy_with_logits::<f64>,
        &logits,
        Targets::from(&targets),
    );
    let (unfused, grad_probs) =
        evaluate(binary_cross_entropy::<f64>, &probs, Targets::from(&targets));
    assert!((fused - unfused).abs() < 1e-12, "{fused} vs {unfused}");
    let chained = &grad_probs * &probs.mapv(|p| p * (1.0 - p));
    let worst = (&chained - &grad_logits)
        .iter()
        .fold(0.0f64, |m, d| m.max(d.abs()));
    assert!(worst < 1e-12, "gradient differs by {worst}");
}

#[test]
fn labels_and_one_hot_targets_give_identical_loss_and_gradient() {
    let labels = [2, 0, 3, 3, 1];
    let mut one_hot = Array2::zeros((5, 4));
    for (row, &label) in labels.iter().enumerate() {
        one_hot[[row, label]] = 1.0;
    }
    let logits = random_matrix(5, 4, 2.0, 30);
    let probs = random_probabilities(5, 4, 31);
    for (name, loss) in LOSSES {
        let on_probabilities = matches!(name, "cross_entropy" | "binary_cross_entropy");
        let input = if on_probabilities { &probs } else { &logits };
        let (a, grad_a) = evaluate(loss, input, Targets::Classes(&labels));
        let (b, grad_b) = evaluate(loss, input, Targets::from(&one_hot));
        assert_eq!(a, b, "{name}");
        assert_eq!(grad_a, grad_b, "{name}");
    }
    // Binary labels on a width-1 output are the targets themselves.
    let column = random_probabilities(5, 1, 32);
    let binary = [1, 0, 0, 1, 1];
    let dense = array![[1.0], [0.0], [0.0], [1.0], [1.0]];
    for loss in [
        binary_cross_entropy::<f64>,
        binary_cross_entropy_with_logits::<f64>,
    ] {
        let (a, grad_a) = evaluate(loss, &column, Targets::Classes(&binary));
        let (b, grad_b) = evaluate(loss, &column, Targets::from(&dense));
        assert_eq!(a, b);
        assert_eq!(grad_a, grad_b);
    }
}

// ---------------------------------------------------------------------------------------------
// Loss::evaluate.

#[test]
fn loss_fits_its_output_activations() {
    let kinds = [
        ActivationKind::Linear,
        ActivationKind::Sigmoid,
        ActivationKind::Tanh,
        ActivationKind::Softmax,
        ActivationKind::Relu,
        ActivationKind::Selu,
    ];
    for kind in kinds {
        assert!(Loss::MeanSquaredError.fits(kind));
        let softmax = kind == ActivationKind::Softmax;
        let sigmoid = kind == ActivationKind::Sigmoid;
        assert_eq!(Loss::CrossEntropy.fits(kind), softmax, "{kind:?}");
        assert_eq!(Loss::BinaryCrossEntropy.fits(kind), sigmoid, "{kind:?}");
    }
}

#[test]
fn loss_evaluate_uses_the_fused_forms_on_the_pre_activation() {
    let z = random_matrix(4, 3, 2.0, 40);
    let labels = [0, 2, 1, 2];
    let mut grad = Array2::zeros((4, 3));

    let probs = softmax(&z);
    let (value, of) = Loss::CrossEntropy
        .evaluate(
            ActivationKind::Softmax,
            probs.view(),
            z.view(),
            Targets::Classes(&labels),
            grad.view_mut(),
        )
        .unwrap();
    let (expected, expected_grad) =
        evaluate(softmax_cross_entropy::<f64>, &z, Targets::Classes(&labels));
    assert_eq!(of, GradientOf::PreActivation);
    assert_eq!((value, &grad), (expected, &expected_grad));

    let sig = z.mapv(|v| Sigmoid.value(v));
    let (value, of) = Loss::BinaryCrossEntropy
        .evaluate(
            ActivationKind::Sigmoid,
            sig.view(),
            z.view(),
            Targets::Classes(&labels),
            grad.view_mut(),
        )
        .unwrap();
    let (expected, expected_grad) = evaluate(
        binary_cross_entropy_with_logits::<f64>,
        &z,
        Targets::Classes(&labels),
    );
    assert_eq!(of, GradientOf::PreActivation);
    assert_eq!((value, &grad), (expected, &expected_grad));

    let y = random_matrix(4, 3, 1.0, 41);
    let (value, of) = Loss::MeanSquaredError
        .evaluate(
            ActivationKind::Tanh,
            sig.view(),
            z.view(),
            Targets::from(&y),
            grad.view_mut(),
        )
        .unwrap();
    let (expected, expected_grad) = evaluate(mean_squared_error::<f64>, &sig, Targets::from(&y));
    assert_eq!(of, GradientOf::Output);
    assert_eq!((value, &grad), (expected, &expected_grad));
}

#[test]
fn loss_evaluate_rejects_a_loss_that_does_not_fit() {
    let z = array![[0.1, 0.2]];
    let mut grad = Array2::zeros((1, 2));
    let err = Loss::CrossEntropy
        .evaluate(
            ActivationKind::Sigmoid,
            z.view(),
            z.view(),
            Targets::Classes(&[1]),
            grad.view_mut(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::LossMismatch {
                loss: "cross_entropy",
                activation: "sigmoid",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("softmax"), "{err}");
    let err = Loss::BinaryCrossEntropy
        .evaluate(
            ActivationKind::Relu,
            z.view(),
            z.view(),
            Targets::Classes(&[1]),
            grad.view_mut(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::LossMismatch {
                activation: "relu",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("sigmoid"), "{err}");
    // Output and pre-activation of different shapes.
    let wide = array![[0.1, 0.2, 0.3]];
    let err = Loss::CrossEntropy
        .evaluate(
            ActivationKind::Softmax,
            z.view(),
            wide.view(),
            Targets::Classes(&[1]),
            grad.view_mut(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
}

/// The whole path of a softmax classifier's step: fused loss, then the layer's backward from
/// the pre-activation, checked against central differences of the loss in the kernel.
#[test]
fn fused_loss_through_a_dense_softmax_layer_matches_finite_differences() {
    let x = random_matrix(5, 3, 1.0, 50);
    let labels = [0, 3, 1, 2, 3];
    let mut layer =
        Dense::<3, 4, Softmax, f64>::new(Softmax, Initializer::GlorotUniform, &mut seeded_rng(51));
    let loss_of = |layer: &mut Dense<3, 4, Softmax, f64>, grad: &mut Array2<f64>| {
        layer.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
        let (value, of) = Loss::CrossEntropy
            .evaluate(
                ActivationKind::Softmax,
                layer.output(),
                layer.pre_activation(),
                Targets::Classes(&labels),
                grad.view_mut(),
            )
            .unwrap();
        assert_eq!(of, GradientOf::PreActivation);
        value
    };
    let mut grad = Array2::zeros((5, 4));
    loss_of(&mut layer, &mut grad);
    layer
        .backward_from_pre_activation(x.view(), grad.view())
        .unwrap();
    let mut analytic_grads: Vec<Vec<f64>> = Vec::new();
    layer.visit_params(&mut |p| analytic_grads.push(p.grad.to_vec()));
    assert_eq!(analytic_grads.len(), 2, "kernel and bias");
    let mut scratch = Array2::zeros((5, 4));
    for (param, grads) in analytic_grads.iter().enumerate() {
        for (element, &analytic) in grads.iter().enumerate() {
            let mut numeric = 0.0;
            for (sign, delta) in [(1.0, STEP), (-1.0, -STEP)] {
                nudge(&mut layer, param, element, delta);
                numeric += sign * loss_of(&mut layer, &mut scratch);
                nudge(&mut layer, param, element, -delta);
            }
            numeric /= 2.0 * STEP;
            let err = relative_error(analytic, numeric);
            assert!(
                err < TOLERANCE,
                "param {param}[{element}]: {analytic:e} vs {numeric:e}"
            );
        }
    }
}

fn nudge(model: &mut dyn Parameters<f64>, param: usize, element: usize, delta: f64) {
    let mut index = 0;
    model.visit_params(&mut |p| {
        if index == param {
            p.value[element] += delta;
        }
        index += 1;
    });
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[test]
fn row_count_mismatch_is_a_length_mismatch() {
    let p = Array2::<f64>::zeros((3, 2));
    let mut grad = Array2::zeros((3, 2));
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::Classes(&[0, 1]), grad.view_mut()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    left: 3,
                    right: 2,
                    right_name: "labels",
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        let y = Array2::zeros((4, 2));
        let err = loss(p.view(), Targets::from(&y), grad.view_mut()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LengthMismatch {
                    left: 3,
                    right: 4,
                    right_name: "targets",
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn labels_out_of_range_name_the_row() {
    let p = Array2::from_elem((3, 4), 0.25);
    let mut grad = Array2::zeros((3, 4));
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::Classes(&[0, 3, 4]), grad.view_mut()).unwrap_err();
        assert_eq!(
            err,
            Error::LabelOutOfRange {
                context: name.to_owned(),
                row: 2,
                label: 4,
                classes: 4
            },
            "{name}"
        );
    }
    // Binary labels on a width-1 output: only 0 and 1.
    let p = Array2::from_elem((3, 1), 0.5);
    let mut grad = Array2::zeros((3, 1));
    for loss in [
        binary_cross_entropy::<f64>,
        binary_cross_entropy_with_logits::<f64>,
    ] {
        let err = loss(p.view(), Targets::Classes(&[1, 2, 0]), grad.view_mut()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::LabelOutOfRange {
                    row: 1,
                    label: 2,
                    classes: 2,
                    ..
                }
            ),
            "{err:?}"
        );
    }
    let err = Error::LabelOutOfRange {
        context: "x".into(),
        row: 1,
        label: 2,
        classes: 2,
    };
    assert!(err.to_string().contains("row 1"));
}

#[test]
fn width_mismatches_are_shape_mismatches() {
    let p = Array2::from_elem((2, 3), 0.3);
    let y = Array2::from_elem((2, 2), 0.5);
    let mut grad = Array2::zeros((2, 3));
    let mut narrow_grad = Array2::zeros((2, 2));
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::from(&y), grad.view_mut()).unwrap_err();
        assert_eq!(
            err,
            Error::ShapeMismatch {
                context: format!("{name} targets"),
                expected: vec![2, 3],
                actual: vec![2, 2]
            }
        );
        let err = loss(p.view(), Targets::Classes(&[0, 1]), narrow_grad.view_mut()).unwrap_err();
        assert_eq!(
            err,
            Error::ShapeMismatch {
                context: format!("{name} gradient"),
                expected: vec![2, 3],
                actual: vec![2, 2]
            }
        );
    }
}

#[test]
fn empty_batches_and_zero_widths_are_rejected() {
    let p = Array2::<f64>::zeros((0, 3));
    let mut grad = Array2::zeros((0, 3));
    let y = Array2::zeros((0, 3));
    let no_columns = Array2::<f64>::zeros((2, 0));
    let mut no_columns_grad = Array2::zeros((2, 0));
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::Classes(&[]), grad.view_mut()).unwrap_err();
        assert!(
            matches!(err, Error::EmptyBatch { minimum: 1, .. }),
            "{name}: {err:?}"
        );
        let err = loss(p.view(), Targets::from(&y), grad.view_mut()).unwrap_err();
        assert!(matches!(err, Error::EmptyBatch { .. }), "{name}: {err:?}");
        let err = loss(
            no_columns.view(),
            Targets::from(&no_columns),
            no_columns_grad.view_mut(),
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::WidthMismatch {
                    expected: 1,
                    actual: 0,
                    ..
                }
            ),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn non_finite_predictions_and_targets_are_rejected() {
    let mut p = Array2::from_elem((2, 3), 0.3);
    p[[1, 2]] = f64::NAN;
    let y = Array2::from_elem((2, 3), 0.5);
    let mut grad = Array2::zeros((2, 3));
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::from(&y), grad.view_mut()).unwrap_err();
        assert!(
            matches!(&err, Error::NonFinite { row: 1, column: 2, context, .. } if context.ends_with("predictions")),
            "{name}: {err:?}"
        );
    }
    let p = Array2::from_elem((2, 3), 0.3);
    let mut y = Array2::from_elem((2, 3), 0.5);
    y[[0, 1]] = f64::INFINITY;
    for (name, loss) in LOSSES {
        let err = loss(p.view(), Targets::from(&y), grad.view_mut()).unwrap_err();
        assert!(
            matches!(&err, Error::NonFinite { row: 0, column: 1, value, context } if *value == f64::INFINITY && context.ends_with("targets")),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn cross_entropy_rejects_rows_that_cannot_be_normalized() {
    let p = array![[0.5, 0.5], [0.0, 0.0]];
    let mut grad = Array2::zeros((2, 2));
    let err = cross_entropy(p.view(), Targets::Classes(&[0, 1]), grad.view_mut()).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidState { message, .. } if message.contains("row 1")),
        "{err:?}"
    );
}
