//! The divergence guard of `fit`: a run driven to overflow stops with an error that names
//! where, and the network keeps the last good weights.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! { Net(4) < dense(16, relu), dense(16, relu), dense(3, softmax) > }

/// 48 rows of 4 features in 3 classes.
fn data() -> Dataset {
    let labels: Vec<usize> = (0..48).map(|i| i % 3).collect();
    let x = Array2::from_shape_fn((48, 4), |(i, j)| {
        ((i * 5 + j * 3) % 7) as f32 / 3.0 - 1.0 + labels[i] as f32
    });
    Dataset::classification(x, labels, 3).unwrap()
}

fn tensors<N: Tensors<f32>>(net: &N) -> Vec<f32> {
    let mut all = Vec::new();
    net.visit_tensors(&mut |t| all.extend_from_slice(t.data));
    all
}

/// Full-batch SGD (one step per epoch), so "epoch e" and "step e" are the same step.
fn config(learning_rate: f64, epochs: usize) -> FitConfig {
    FitConfig::new(Loss::CrossEntropy)
        .optimizer(Sgd::new(learning_rate).unwrap())
        .epochs(epochs)
        .batch_size(48)
        .progress(Progress::Quiet)
}

#[test]
fn an_overflowing_run_stops_with_the_weights_before_the_bad_step() {
    let mut net = Net::new(3);
    let err = net.fit(&data(), &mut config(1e12, 50)).unwrap_err();
    let Error::Diverged {
        epoch, step, layer, ..
    } = &err
    else {
        panic!("expected Diverged, got {err}");
    };
    assert_eq!(*step, 0, "one step per epoch");
    assert!(*epoch >= 1, "the first step's loss is finite: {err}");
    assert!(layer.starts_with("dense_") || layer == "the loss", "{err}");
    let message = err.to_string();
    println!("{message}");
    assert!(message.contains(&format!("epoch {epoch}")), "{message}");
    let expected = format!("restored to those before epoch {}, step 0", epoch - 1);
    assert!(message.contains(&expected), "{message}");

    // The weights are those before the step that overflowed them: the result of training
    // the same network for one epoch fewer, without the guard.
    let mut replay = Net::new(3);
    let good_epochs = epoch - 1;
    replay
        .fit(&data(), &mut config(1e12, good_epochs).guard(None))
        .unwrap();
    let restored = tensors(&net);
    assert!(restored.iter().all(|v| v.is_finite()));
    assert_eq!(restored, tensors(&replay));
}

#[test]
fn without_the_guard_the_same_run_ends_on_broken_weights() {
    let mut net = Net::new(3);
    let err = net
        .fit(&data(), &mut config(1e12, 50).guard(None))
        .unwrap_err();
    // The loss refuses the NaN predictions, but only after the weights are lost.
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    let weights = tensors(&net);
    let largest = weights.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let blown = largest >= 1e6 || weights.iter().any(|v| v.is_nan());
    assert!(blown, "the weights blew up: largest {largest}");
}

#[test]
fn a_gradient_past_the_threshold_stops_before_its_step() {
    let mut net = Net::new(3);
    let before = tensors(&net);
    let guard = Guard::default().max_gradient_norm(1e-6).unwrap();
    let err = net
        .fit(&data(), &mut config(0.1, 3).guard(Some(guard)))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Diverged { epoch: 0, step: 0, layer, .. } if layer == "dense_0"),
        "{err}"
    );
    assert!(
        err.to_string().contains("passes the guard's limit"),
        "{err}"
    );
    assert_eq!(tensors(&net), before, "the step was not taken");
}

#[test]
fn clipping_bounds_the_step_so_the_threshold_is_not_applied() {
    let mut net = Net::new(3);
    let guard = Guard::default().max_gradient_norm(1e-6).unwrap();
    let sgd = Sgd::new(0.1)
        .unwrap()
        .clip(GradientClip::GlobalNorm(1.0))
        .unwrap();
    let mut config = config(0.1, 3).optimizer(sgd).guard(Some(guard));
    let history = net.fit(&data(), &mut config).unwrap();
    assert_eq!(history.records().len(), 3);
}

#[test]
fn clipping_cannot_repair_nan_so_the_guard_still_stops() {
    let mut net = Net::new(3);
    let sgd = Sgd::new(1e30)
        .unwrap()
        .clip(GradientClip::Value(1e30))
        .unwrap();
    let mut config = config(1e30, 50).optimizer(sgd);
    let err = net.fit(&data(), &mut config).unwrap_err();
    assert!(matches!(err, Error::Diverged { .. }), "{err}");
    assert!(tensors(&net).iter().all(|v| v.is_finite()));
}

#[test]
fn a_bad_threshold_is_rejected() {
    for limit in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = Guard::default().max_gradient_norm(limit).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidHyperparameter {
                    name: "max_gradient_norm",
                    ..
                }
            ),
            "{err}"
        );
    }
}

#[test]
fn health_records_come_one_per_epoch() {
    let mut net = Net::new(3);
    let mut config = config(0.05, 4).batch_size(16).health(true);
    let history = net.fit(&data(), &mut config).unwrap();
    let health = history.health();
    assert_eq!(health.len(), 4);
    for (epoch, report) in health.iter().enumerate() {
        assert_eq!(report.epoch(), Some(epoch));
        assert_eq!(report.learning_rate(), 0.05);
        assert_eq!(report.layers().len(), 3);
        assert!(report.loss().is_some_and(f64::is_finite));
        assert_eq!(
            report.layer("dense_2").unwrap().relative_grad_norm,
            Some(1.0)
        );
    }
    let without = net.fit(&data(), &mut config.health(false)).unwrap();
    assert!(without.health().is_empty());
}
