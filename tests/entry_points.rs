//! Every entry point of a generated network that takes data refuses bad data with the
//! specific `nn::Error` variant, a message saying what and where, and no change to the
//! network: widths, empty batches, NaN and infinities, label ranges, a batch of one in
//! batch-norm training, features and labels of different lengths.

use ndarray::{Array2, array};
use nn::prelude::*;
use nn::{Dataset, Error, Network, Tensors};

network! { Net(3) < dense(4, relu), batchnorm, dense(2, softmax) > }

fn weights(net: &Net) -> Vec<u32> {
    let mut out = Vec::new();
    net.visit_tensors(&mut |t| out.extend(t.data.iter().map(|v| v.to_bits())));
    out
}

fn quiet() -> FitConfig {
    FitConfig::new(Loss::CrossEntropy)
        .epochs(1)
        .progress(Progress::Quiet)
}

#[test]
fn predict_refuses_a_wrong_width_an_empty_batch_and_non_finite_values() {
    let net = Net::new(1);
    let err = net.predict(Array2::zeros((2, 4)).view()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 3,
                actual: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Net: expected inputs of width 3, got width 4"
    );

    let err = net.predict(Array2::zeros((0, 3)).view()).unwrap_err();
    assert!(
        matches!(err, Error::EmptyBatch { minimum: 1, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("Net: the batch is empty"),
        "{err}"
    );

    let err = net
        .predict(array![[0.0, 1.0, 2.0], [3.0, f32::INFINITY, 5.0]].view())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 1,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Net: non-finite value inf at row 1, column 1"
    );
}

#[test]
fn a_large_batch_is_checked_in_every_run_of_its_split_check() {
    // 12,000 rows of 3: 36,000 values, over the size from which the check is split over the
    // threads (one run per thread); a NaN at the first value, in the middle and at the last.
    let net = Net::new(1);
    let rows = 12_000;
    let good = Array2::from_shape_fn((rows, 3), |(i, j)| (i * 3 + j) as f32 * 1e-3);
    assert_eq!(net.predict(good.view()).unwrap().dim(), (rows, 2));
    for (row, column) in [(0, 0), (rows / 2, 1), (rows / 2 + 1, 0), (rows - 1, 2)] {
        let mut bad = good.clone();
        bad[[row, column]] = f32::NAN;
        let err = net.predict(bad.view()).unwrap_err();
        assert!(
            matches!(err, Error::NonFinite { row: r, column: c, .. } if (r, c) == (row, column)),
            "NaN at ({row}, {column}): {err:?}"
        );
    }
}

#[test]
fn predict_one_and_predict_classes_refuse_non_finite_values() {
    let net = Net::new(1);
    let err = net.predict_one(&[0.0, f32::NAN, 0.0]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 0,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("row 0, column 1"), "{err}");

    let err = net
        .predict_classes(array![[f32::NEG_INFINITY, 0.0, 0.0]].view())
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 0,
                column: 0,
                ..
            }
        ),
        "{err:?}"
    );
    let err = net
        .predict_classes(Array2::zeros((1, 2)).view())
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
        "{err:?}"
    );
}

#[test]
fn training_a_batch_of_one_through_batch_norm_is_an_error_naming_the_layer() {
    let mut net = Net::new(1);
    let before = weights(&net);
    let err = net
        .forward_train(array![[0.1, 0.2, 0.3]].view())
        .unwrap_err();
    assert!(
        matches!(&err, Error::BatchTooSmall { context, minimum: 2, actual: 1 } if context == "batch_norm_1"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "batch_norm_1: batch of 1 row(s) is too small; expected at least 2"
    );
    assert_eq!(weights(&net), before, "the running statistics changed");
    // Inference on one row is fine: batch norm uses its running statistics.
    assert!(net.predict(array![[0.1, 0.2, 0.3]].view()).is_ok());
}

#[test]
fn fitting_a_single_row_through_batch_norm_is_an_error_and_changes_nothing() {
    let mut net = Net::new(1);
    let before = weights(&net);
    let one = Dataset::classification(array![[0.1f32, 0.2, 0.3]], vec![1], 2).unwrap();
    let err = net.fit(&one, &mut quiet()).unwrap_err();
    assert!(
        matches!(&err, Error::BatchTooSmall { context, minimum: 2, actual: 1 } if context == "batch_norm_1"),
        "{err:?}"
    );
    assert_eq!(weights(&net), before);

    // Two rows in batches of one: the last batch of one is merged, so training goes on.
    let two = Dataset::classification(array![[0.1f32, 0.2, 0.3], [0.3, 0.2, 0.1]], vec![1, 0], 2)
        .unwrap();
    net.fit(&two, &mut quiet().batch_size(1)).unwrap();
    assert_ne!(weights(&net), before);
}

#[test]
fn evaluate_refuses_a_wrong_width_and_labels_the_output_cannot_predict() {
    let net = Net::new(1);
    let wide = Dataset::classification(Array2::<f32>::zeros((2, 5)), vec![0, 1], 2).unwrap();
    let err = net.evaluate(&wide, Loss::CrossEntropy).unwrap_err();
    assert!(
        matches!(
            err,
            Error::WidthMismatch {
                expected: 3,
                actual: 5,
                ..
            }
        ),
        "{err:?}"
    );

    let three_classes =
        Dataset::classification(Array2::<f32>::zeros((3, 3)), vec![0, 2, 1], 3).unwrap();
    let err = net
        .evaluate(&three_classes, Loss::CrossEntropy)
        .unwrap_err();
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
    assert!(err.to_string().contains("label 2 at row 1"), "{err}");
}

#[test]
fn features_and_labels_of_different_lengths_are_refused() {
    let err = Dataset::classification(Array2::<f32>::zeros((3, 3)), vec![0, 1], 2).unwrap_err();
    assert!(
        matches!(
            err,
            Error::LengthMismatch {
                left: 3,
                right: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("3 rows"), "{err}");
}

#[test]
fn from_weights_refuses_non_finite_weights() {
    use nn::activation::Relu;
    let err = nn::Dense::<2, 2, Relu>::from_weights(
        Relu,
        array![[0.0, 1.0], [2.0, 3.0]],
        Some(array![0.0, f32::NAN]),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                row: 0,
                column: 1,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("dense bias: "), "{err}");
}
