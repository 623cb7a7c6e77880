//! `fit` rejects what does not fit the network before it changes anything.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! { Net(4) < dense(8, relu), dense(3, softmax) > }

network! { Rectified(4) < dense(8, relu), dense(3, relu) > }

fn data(width: usize, labels: Vec<usize>, classes: usize) -> Dataset {
    let n = labels.len();
    let x = Array2::from_shape_fn((n, width), |(i, j)| ((i * 3 + j) % 5) as f32 - 2.0);
    Dataset::classification(x, labels, classes).unwrap()
}

fn tensors<N: Tensors<f32>>(net: &N) -> Vec<f32> {
    let mut all = Vec::new();
    net.visit_tensors(&mut |t| all.extend_from_slice(t.data));
    all
}

fn quiet(loss: Loss) -> FitConfig {
    FitConfig::new(loss).epochs(2).progress(Progress::Quiet)
}

#[test]
fn a_loss_that_does_not_fit_the_output_changes_nothing() {
    let mut net = Rectified::new(1);
    let before = tensors(&net);
    let mut config = quiet(Loss::CrossEntropy);
    let err = net
        .fit(&data(4, vec![0, 1, 2, 0], 3), &mut config)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::LossMismatch {
                loss: "cross_entropy",
                activation: "relu",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(tensors(&net), before);
    assert_eq!(config.get_optimizer().learning_rate(), 1e-3);
    let err = net
        .evaluate(&data(4, vec![0, 1], 3), Loss::BinaryCrossEntropy)
        .unwrap_err();
    assert!(matches!(err, Error::LossMismatch { .. }), "{err}");
    // Mean squared error fits any output.
    net.fit(
        &data(4, vec![0, 1, 2, 0], 3),
        &mut quiet(Loss::MeanSquaredError),
    )
    .unwrap();
}

#[test]
fn labels_out_of_range_are_rejected_before_training() {
    let mut net = Net::new(1);
    let before = tensors(&net);
    let err = net
        .fit(
            &data(4, vec![0, 1, 3, 2], 4),
            &mut quiet(Loss::CrossEntropy),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::LabelOutOfRange {
                row: 2,
                label: 3,
                classes: 3,
                ..
            }
        ),
        "{err}"
    );
    // In the validation data too.
    let mut config = quiet(Loss::CrossEntropy).validation(Validation::Data(data(4, vec![0, 5], 6)));
    let err = net
        .fit(&data(4, vec![0, 1, 2, 0], 3), &mut config)
        .unwrap_err();
    assert!(
        matches!(err, Error::LabelOutOfRange { label: 5, .. }),
        "{err}"
    );
    assert_eq!(tensors(&net), before);
}

#[test]
fn a_wrong_feature_width_is_rejected_before_training() {
    let mut net = Net::new(1);
    let before = tensors(&net);
    let err = net
        .fit(
            &data(5, vec![0, 1, 2, 0], 3),
            &mut quiet(Loss::CrossEntropy),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 4,
                actual: 5,
                ..
            }
        ),
        "{err}"
    );
    let targets = Array2::zeros((4, 2));
    let regression =
        Dataset::regression(data(4, vec![0; 4], 1).features().clone(), targets).unwrap();
    let err = net
        .fit(&regression, &mut quiet(Loss::MeanSquaredError))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 3,
                actual: 2,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(tensors(&net), before);
}

#[test]
fn bad_settings_are_rejected_before_training() {
    let mut net = Net::new(1);
    let before = tensors(&net);
    let train = data(4, vec![0, 1, 2, 0, 1, 2], 3);
    let attempts = [
        quiet(Loss::CrossEntropy).batch_size(0),
        quiet(Loss::CrossEntropy).validation(Validation::Split(1.5)),
        quiet(Loss::CrossEntropy).schedule(Schedule::Step {
            every: 0,
            factor: 0.5,
        }),
        quiet(Loss::CrossEntropy).schedule(Schedule::Exponential { rate: -1.0 }),
    ];
    for mut config in attempts {
        let err = net.fit(&train, &mut config).unwrap_err();
        assert!(matches!(err, Error::InvalidHyperparameter { .. }), "{err}");
    }
    // Early stopping on a validation metric needs validation data.
    let mut config = quiet(Loss::CrossEntropy).early_stopping(EarlyStopping::default());
    let err = net.fit(&train, &mut config).unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. }), "{err}");
    assert_eq!(tensors(&net), before);
    // No epochs: nothing happens.
    let history = net
        .fit(&train, &mut quiet(Loss::CrossEntropy).epochs(0))
        .unwrap();
    assert!(history.records().is_empty());
    assert_eq!(history.best_epoch(), None);
    assert_eq!(tensors(&net), before);
}
