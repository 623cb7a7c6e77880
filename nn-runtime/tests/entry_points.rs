//! Every loss function refuses bad data with the specific `Error` variant and a message that
//! starts with the loss's name: labels out of range, targets and outputs of different lengths,
//! empty batches, NaN and infinities in outputs or targets, a gradient buffer or dense targets
//! of the wrong shape. The network-level entry points are tested in the facade
//! (`tests/entry_points.rs`).

use ndarray::{Array2, ArrayView2, ArrayViewMut2, array};
use nn_runtime::Error;
use nn_runtime::loss::{
    Targets, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
    mean_squared_error, softmax_cross_entropy,
};

type LossFn =
    fn(ArrayView2<'_, f64>, Targets<'_, f64>, ArrayViewMut2<'_, f64>) -> nn_runtime::Result<f64>;

const LOSSES: [(&str, LossFn); 5] = [
    ("mean_squared_error", mean_squared_error::<f64>),
    ("cross_entropy", cross_entropy::<f64>),
    ("softmax_cross_entropy", softmax_cross_entropy::<f64>),
    ("binary_cross_entropy", binary_cross_entropy::<f64>),
    (
        "binary_cross_entropy_with_logits",
        binary_cross_entropy_with_logits::<f64>,
    ),
];

/// Probabilities that every loss accepts as an output: rows summing to 1, inside (0, 1).
fn output() -> Array2<f64> {
    array![[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]
}

#[track_caller]
fn assert_refused(
    name: &str,
    result: nn_runtime::Result<f64>,
    what: &str,
    matches: impl Fn(&Error) -> bool,
) {
    let err = match result {
        Ok(loss) => panic!("{name}: {what} was accepted (loss {loss})"),
        Err(err) => err,
    };
    assert!(matches(&err), "{name}: {what}: got {err:?}");
    assert!(
        err.to_string().starts_with(name),
        "{name}: {what}: the message does not say where: {err}"
    );
}

#[test]
fn every_loss_refuses_bad_labels_lengths_and_empty_batches() {
    for (name, loss) in LOSSES {
        let out = output();
        let mut grad = Array2::zeros((2, 3));
        assert_refused(
            name,
            loss(out.view(), Targets::Classes(&[0, 3]), grad.view_mut()),
            "label 3 of 3 classes",
            |e| {
                matches!(
                    e,
                    Error::LabelOutOfRange {
                        row: 1,
                        label: 3,
                        classes: 3,
                        ..
                    }
                )
            },
        );
        assert_refused(
            name,
            loss(out.view(), Targets::Classes(&[0]), grad.view_mut()),
            "one label for two rows",
            |e| {
                matches!(
                    e,
                    Error::LengthMismatch {
                        left: 2,
                        right: 1,
                        ..
                    } | Error::LengthMismatch {
                        left: 1,
                        right: 2,
                        ..
                    }
                )
            },
        );
        let empty = Array2::<f64>::zeros((0, 3));
        let mut empty_grad = Array2::zeros((0, 3));
        assert_refused(
            name,
            loss(empty.view(), Targets::Classes(&[]), empty_grad.view_mut()),
            "an empty batch",
            |e| matches!(e, Error::EmptyBatch { .. }),
        );
    }
}

#[test]
fn every_loss_refuses_non_finite_outputs_and_targets() {
    for (name, loss) in LOSSES {
        let mut out = output();
        out[[1, 2]] = f64::NAN;
        let mut grad = Array2::zeros((2, 3));
        assert_refused(
            name,
            loss(out.view(), Targets::Classes(&[0, 1]), grad.view_mut()),
            "a NaN output",
            |e| {
                matches!(
                    e,
                    Error::NonFinite {
                        row: 1,
                        column: 2,
                        ..
                    }
                )
            },
        );
        let targets = array![[0.0, 1.0, 0.0], [f64::INFINITY, 0.0, 0.0]];
        assert_refused(
            name,
            loss(
                output().view(),
                Targets::Dense(targets.view()),
                grad.view_mut(),
            ),
            "an infinite target",
            |e| {
                matches!(
                    e,
                    Error::NonFinite {
                        row: 1,
                        column: 0,
                        ..
                    }
                )
            },
        );
    }
}

#[test]
fn every_loss_refuses_shapes_that_do_not_match_the_output() {
    for (name, loss) in LOSSES {
        let out = output();
        let mut narrow_grad = Array2::zeros((2, 2));
        assert_refused(
            name,
            loss(
                out.view(),
                Targets::Classes(&[0, 1]),
                narrow_grad.view_mut(),
            ),
            "a gradient buffer of the wrong shape",
            |e| matches!(e, Error::ShapeMismatch { .. }),
        );
        let wide_targets = Array2::<f64>::zeros((2, 4));
        let mut grad = Array2::zeros((2, 3));
        assert_refused(
            name,
            loss(
                out.view(),
                Targets::Dense(wide_targets.view()),
                grad.view_mut(),
            ),
            "targets of the wrong width",
            |e| matches!(e, Error::ShapeMismatch { .. }),
        );
    }
}
