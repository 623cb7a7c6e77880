//! Gradient-health reports: the numbers they hold, the verdicts they give and the cures they
//! name, on networks broken in known ways and on the same networks cured.

use nn::activation::ActivationKind;
use nn::health::{Cure, HealthReport, Problem, diagnose};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! {
    /// DSL-checked, yet broken on purpose: ten sigmoid layers from N(0, 0.05²).
    Broken(16) <
        dense(32, sigmoid, random_normal(0.05), allow = [init_mismatch, saturating_stack]),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(32, sigmoid, random_normal(0.05), allow = init_mismatch),
        dense(4, softmax)
    >
}

network! {
    /// The same ten sigmoid layers with the fitting initializer and batch norm.
    Cured(16) <
        dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm,
        dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm,
        dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm, dense(32, sigmoid), batchnorm,
        dense(4, softmax)
    >
}

network! { Small(16) < dense(32, relu), batchnorm, dense(24, tanh), dense(4, softmax) > }

network! {
    /// Tanh units driven far into saturation by a wide kernel.
    Saturating(16) < dense(32, tanh, random_normal(3.0), allow = init_mismatch), dense(4, softmax) >
}

network! {
    /// Twelve ReLU layers whose kernels have twice He's standard deviation: every layer
    /// multiplies the variance by four.
    Exploding(16) <
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(32, relu, random_normal(0.5), allow = init_mismatch),
        dense(4, softmax)
    >
}

const ROWS: usize = 64;

fn inputs() -> Array2<f32> {
    Array2::from_shape_fn((ROWS, 16), |(i, j)| ((i * 7 + j * 3) % 5) as f32 - 2.0)
}

fn labels() -> Vec<usize> {
    (0..ROWS).map(|i| i % 4).collect()
}

fn report<N: Network<f32> + Clone>(network: &N, learning_rate: f64) -> HealthReport {
    let (x, y) = (inputs(), labels());
    diagnose(
        network,
        x.view(),
        Targets::Classes(&y),
        Loss::CrossEntropy,
        learning_rate,
    )
    .unwrap()
}

fn problems(report: &HealthReport) -> Vec<Problem> {
    report.verdicts().iter().map(|v| v.problem).collect()
}

#[test]
fn a_broken_sigmoid_stack_is_called_vanishing_and_the_cured_one_is_not() {
    let broken = report(&Broken::new(1), 0.1);
    let verdicts = broken.verdicts();
    let vanishing = verdicts
        .iter()
        .find(|v| v.problem == Problem::Vanishing)
        .expect("a vanishing verdict");
    assert_eq!(vanishing.layer, "dense_0");
    assert!(vanishing.value < 1e-6, "{vanishing}");
    assert!(
        vanishing
            .message
            .starts_with("vanishing: dense_0's gradient norm is"),
        "{vanishing}"
    );
    assert!(vanishing.message.ends_with("of dense_9's"), "{vanishing}");
    // The cures that fit this network: its sigmoid layers, their initializer, batch norm.
    assert!(vanishing.cures.contains(&Cure::BatchNorm));
    assert!(vanishing.cures.iter().any(|cure| matches!(
        cure,
        Cure::Initializer { initializer: Initializer::GlorotUniform, layers, .. } if layers.len() == 9
    )));
    assert!(
        vanishing
            .cures
            .iter()
            .any(|cure| matches!(cure, Cure::NonSaturatingActivation { .. }))
    );
    let text = broken.to_string();
    assert!(
        text.contains("vanishing") && text.contains("cure: add batchnorm"),
        "{text}"
    );

    let cured = report(&Cured::new(1), 0.1);
    assert!(!problems(&cured).contains(&Problem::Vanishing), "{cured}");
    assert!(cured.is_healthy(), "{cured}");
    assert!(cured.to_string().contains("healthy"));
}

#[test]
fn the_norms_are_those_of_the_layers_gradients() {
    let network = Small::new(4);
    let learning_rate = 0.01;
    let report = report(&network, learning_rate);
    // Redo the step by hand and compare.
    let mut by_hand = network.clone();
    let (x, y) = (inputs(), labels());
    by_hand.forward_train(x.view()).unwrap();
    let mut grad = Array2::zeros((ROWS, 4));
    let (_, of) = Loss::CrossEntropy
        .evaluate(
            ActivationKind::Softmax,
            by_hand.output(),
            by_hand.pre_activation(),
            Targets::Classes(&y),
            grad.view_mut(),
        )
        .unwrap();
    by_hand.backward(grad.view(), of).unwrap();
    let norm = |values: &mut dyn Iterator<Item = f32>| {
        values.map(|v| f64::from(v).powi(2)).sum::<f64>().sqrt()
    };
    let kernel_grad = norm(&mut by_hand.dense_0.kernel_grad().iter().copied());
    let bias_grad = norm(&mut by_hand.dense_0.bias_grad().iter().copied());
    let kernel = norm(&mut by_hand.dense_0.kernel().iter().copied());
    let output_grad = norm(&mut by_hand.dense_3.kernel_grad().iter().copied());
    let row = report.layer("dense_0").unwrap();
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() <= 1e-9 * b.max(1e-30);
    assert!(close(row.weight_grad_norm, kernel_grad));
    assert!(close(row.bias_grad_norm, bias_grad));
    assert!(close(row.weight_norm, kernel));
    assert!(close(row.relative_grad_norm, kernel_grad / output_grad));
    assert!(close(
        row.update_ratio,
        learning_rate * kernel_grad / kernel
    ));
    assert_eq!(
        report.layer("dense_3").unwrap().relative_grad_norm,
        Some(1.0)
    );
    assert_eq!(report.output_layer(), Some("dense_3"));

    // Output moments, dead and saturated fractions, from the layers' outputs.
    let out = by_hand.dense_0.output();
    let mean = out.iter().map(|&v| f64::from(v)).sum::<f64>() / out.len() as f64;
    assert!((row.mean - mean).abs() < 1e-9);
    let dead = out
        .columns()
        .into_iter()
        .filter(|c| c.iter().all(|&v| v <= 0.0))
        .count() as f64
        / 32.0;
    assert_eq!(row.dead_fraction, Some(dead));
    assert_eq!(row.saturated_fraction, None);
    let tanh = report.layer("dense_2").unwrap();
    assert!(tanh.saturated_fraction.is_some() && tanh.dead_fraction.is_none());
    assert_eq!(tanh.feeds, Some(ActivationKind::Tanh));
    let batch_norm = report.layer("batch_norm_1").unwrap();
    assert_eq!(batch_norm.kind, "batchnorm");
    assert!((batch_norm.mean).abs() < 1e-6 && (batch_norm.std - 1.0).abs() < 0.05);
    assert!(batch_norm.weight_grad_norm.is_some() && batch_norm.relative_grad_norm.is_none());
    assert!(
        report
            .layer("dense_0")
            .unwrap()
            .backprop_std
            .is_some_and(|s| s > 0.0)
    );
}

#[test]
fn diagnose_leaves_the_network_as_it_was() {
    let network = Small::new(4);
    let before = format!("{network:?}");
    let _ = report(&network, 0.1);
    assert_eq!(format!("{network:?}"), before);
}

#[test]
fn dead_units_are_found_and_a_leaky_activation_is_suggested() {
    let mut network = Small::new(4);
    // A bias far below any pre-activation kills every unit of dense_0.
    network.visit_tensors_mut(&mut |t| {
        if t.layer == "dense_0" && t.name == "bias" {
            t.data.fill(-1e3);
        }
    });
    let report = report(&network, 0.01);
    assert_eq!(report.layer("dense_0").unwrap().dead_fraction, Some(1.0));
    let verdicts = report.verdicts();
    let dead = verdicts
        .iter()
        .find(|v| v.problem == Problem::DeadUnits)
        .unwrap();
    assert_eq!(dead.layer, "dense_0");
    assert_eq!(dead.message, "dead units: 100% of dense_0's units are dead");
    assert_eq!(
        dead.cures.first(),
        Some(&Cure::LeakyActivation {
            layers: vec!["dense_0"]
        })
    );
    // A healthy copy has few dead units.
    assert!(!problems(&self::report(&Small::new(4), 0.01)).contains(&Problem::DeadUnits));
}

#[test]
fn saturated_units_are_found() {
    let report = report(&Saturating::new(2), 0.01);
    let verdicts = report.verdicts();
    let saturated = verdicts
        .iter()
        .find(|v| v.problem == Problem::SaturatedUnits)
        .expect("saturated");
    assert_eq!(saturated.layer, "dense_0");
    assert!(saturated.value > 0.25);
    assert!(saturated.cures.contains(&Cure::BatchNorm));
    assert!(saturated.cures.iter().any(|cure| matches!(
        cure,
        Cure::Initializer {
            initializer: Initializer::GlorotUniform,
            ..
        }
    )));
}

#[test]
fn exploding_activations_and_gradients_are_found() {
    let report = report(&Exploding::new(5), 1e-3);
    let found = problems(&report);
    assert!(found.contains(&Problem::ExplodingActivations), "{report}");
    let verdict = report
        .verdicts()
        .into_iter()
        .find(|v| v.problem == Problem::ExplodingActivations)
        .unwrap();
    assert!(verdict.cures.iter().any(|cure| matches!(
        cure,
        Cure::Initializer {
            initializer: Initializer::HeNormal,
            ..
        }
    )));
    // The back-propagated gradient grows on its way to the input (twice per layer), while
    // the weight gradients stay level: activations and gradients scale in opposite ways.
    let dz = |name: &str| report.layer(name).unwrap().backprop_std.unwrap();
    assert!(dz("dense_0") > 20.0 * dz("dense_7"), "{report}");
    let ratio = report.layer("dense_0").unwrap().relative_grad_norm.unwrap();
    assert!(ratio > 0.1 && ratio < 10.0, "{report}");
    assert!(!found.contains(&Problem::Exploding), "{report}");
    // Under a stricter threshold the same ratio counts as exploding.
    let strict = Thresholds {
        exploding: ratio / 2.0,
        ..Thresholds::default()
    };
    let verdicts = report.verdicts_with(&strict);
    let exploding = verdicts
        .iter()
        .find(|v| v.problem == Problem::Exploding)
        .unwrap();
    assert!(
        exploding.message.starts_with("exploding: dense_"),
        "{exploding}"
    );
    assert!(exploding.cures.contains(&Cure::GradientClipping));
}

#[test]
fn a_large_learning_rate_gives_large_updates() {
    let found = problems(&report(&Small::new(4), 100.0));
    assert!(found.contains(&Problem::LargeUpdates));
    assert!(!problems(&report(&Small::new(4), 1e-3)).contains(&Problem::LargeUpdates));
}

#[test]
fn bad_arguments_are_errors() {
    let network = Small::new(4);
    let (x, y) = (inputs(), labels());
    let targets = Targets::Classes(&y);
    for rate in [0.0, -1.0, f64::NAN] {
        let err = diagnose(&network, x.view(), targets, Loss::CrossEntropy, rate).unwrap_err();
        assert!(matches!(err, Error::InvalidHyperparameter { .. }), "{err}");
    }
    let narrow = Array2::<f32>::zeros((ROWS, 15));
    let err = diagnose(&network, narrow.view(), targets, Loss::CrossEntropy, 0.1).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 16,
                actual: 15,
                ..
            }
        ),
        "{err}"
    );
    let wrong: Vec<usize> = (0..ROWS).map(|i| i % 5).collect();
    let err = diagnose(
        &network,
        x.view(),
        Targets::Classes(&wrong),
        Loss::CrossEntropy,
        0.1,
    )
    .unwrap_err();
    assert!(matches!(err, Error::LabelOutOfRange { .. }), "{err}");
    let err = diagnose(&network, x.view(), targets, Loss::BinaryCrossEntropy, 0.1).unwrap_err();
    assert!(matches!(err, Error::LossMismatch { .. }), "{err}");
}
