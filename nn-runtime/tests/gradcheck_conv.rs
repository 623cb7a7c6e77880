//! Finite-difference checks (f64) of Conv2d (strides, paddings, kernel shapes, channels, with
//! and without bias, several activations, both backward entries), MaxPool2d, AvgPool2d,
//! GlobalAvgPool and BatchNorm2d; and their errors.

mod common;

use common::{Entry, check_layer, random_matrix};
use nn_runtime::activation::{Activation, Linear, Relu, Softmax, Tanh};
use nn_runtime::layer::{AvgPool2d, BatchNorm2d, Conv2d, GlobalAvgPool, MaxPool2d, Padding};
use nn_runtime::{Error, Initializer, Layer, Tensors, seeded_rng};

/// A conv layer with its kernel drawn from `seed` and a random (non-zero) bias.
fn conv<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<f64>,
>(
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: Padding,
    activation: A,
    seed: u64,
) -> Conv2d<IH, IW, IC, OH, OW, OC, A, f64> {
    let mut rng = seeded_rng(seed);
    let mut layer = Conv2d::new(
        kernel,
        stride,
        padding,
        activation,
        Initializer::GlorotUniform,
        &mut rng,
    )
    .unwrap();
    let bias = random_matrix(1, OC, 0.5, seed + 1);
    layer.visit_tensors_mut(&mut |t| {
        if t.name == "bias" {
            t.data.copy_from_slice(bias.as_slice().unwrap());
        }
    });
    layer
}

/// Checks `layer` at a random batch of 3; for kinked activations, first that no
/// pre-activation is within `gap` of the kink (else the check would be meaningless).
fn check<L: Layer<f64>>(layer: &mut L, seed: u64, entry: Entry, gap: f64) {
    let x = random_matrix(3, layer.input_width(), 1.5, seed);
    layer.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    let nearest = layer
        .pre_activation()
        .iter()
        .fold(f64::INFINITY, |m, z| m.min(z.abs()));
    assert!(
        nearest > gap,
        "a pre-activation {nearest:e} is near the kink"
    );
    check_layer(layer, &x, seed, entry);
}

#[test]
fn conv2d_3x3_stride_1_valid_and_same() {
    check(
        &mut conv::<5, 6, 2, 3, 4, 3, _>((3, 3), (1, 1), Padding::Valid, Linear, 1),
        1,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<5, 6, 2, 5, 6, 3, _>((3, 3), (1, 1), Padding::Same, Tanh, 2),
        2,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<5, 4, 3, 5, 4, 2, _>((3, 3), (1, 1), Padding::Same, Relu, 3),
        3,
        Entry::Output,
        1e-4,
    );
}

#[test]
fn conv2d_stride_2_valid_and_same() {
    check(
        &mut conv::<7, 6, 2, 3, 2, 3, _>((3, 3), (2, 2), Padding::Valid, Tanh, 4),
        4,
        Entry::Output,
        0.0,
    );
    // Same padding with stride 2 on odd and even sizes: asymmetric padding (more after).
    check(
        &mut conv::<7, 6, 2, 4, 3, 3, _>((3, 3), (2, 2), Padding::Same, Linear, 5),
        5,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<6, 5, 1, 3, 3, 2, _>((4, 4), (2, 2), Padding::Same, Tanh, 6),
        6,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<6, 6, 3, 3, 3, 4, _>((2, 2), (2, 2), Padding::Valid, Relu, 7),
        7,
        Entry::Output,
        1e-4,
    );
}

#[test]
fn conv2d_non_square_and_1x1_kernels() {
    check(
        &mut conv::<6, 7, 2, 4, 3, 2, _>((3, 5), (1, 1), Padding::Valid, Linear, 8),
        8,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<6, 7, 2, 3, 4, 2, _>((3, 5), (2, 2), Padding::Same, Tanh, 9),
        9,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<4, 3, 5, 4, 3, 3, _>((1, 1), (1, 1), Padding::Valid, Linear, 10),
        10,
        Entry::Output,
        0.0,
    );
    check(
        &mut conv::<5, 4, 2, 5, 2, 3, _>((2, 3), (1, 2), Padding::Same, Tanh, 11),
        11,
        Entry::Output,
        0.0,
    );
}

#[test]
fn conv2d_without_bias() {
    let mut layer =
        conv::<5, 5, 2, 3, 3, 2, _>((3, 3), (1, 1), Padding::Valid, Tanh, 12).without_bias();
    check(&mut layer, 12, Entry::Output, 0.0);
    let mut count = 0;
    layer.visit_tensors(&mut |_| count += 1);
    assert_eq!(count, 1, "only the kernel");
}

#[test]
fn conv2d_fused_pre_activation_entry() {
    // The fused softmax cross-entropy enters at the pre-activation.
    check(
        &mut conv::<4, 4, 2, 2, 2, 3, _>((3, 3), (1, 1), Padding::Valid, Softmax, 13),
        13,
        Entry::PreActivation,
        0.0,
    );
    check(
        &mut conv::<4, 4, 2, 2, 2, 3, _>((3, 3), (1, 1), Padding::Valid, Softmax, 14),
        14,
        Entry::Output,
        0.0,
    );
}

#[test]
fn max_pool_gradients_match_finite_differences() {
    let mut pool = MaxPool2d::<6, 6, 2, 3, 3, f64>::new((2, 2), (2, 2)).unwrap();
    check(&mut pool, 20, Entry::Output, 0.0);
    let mut pool = MaxPool2d::<5, 5, 2, 3, 3, f64>::new((3, 3), (1, 1)).unwrap();
    check(&mut pool, 21, Entry::Output, 0.0);
    let mut pool = MaxPool2d::<7, 6, 3, 3, 5, f64>::new((3, 2), (2, 1)).unwrap();
    check(&mut pool, 22, Entry::Output, 0.0);
    let mut pool = MaxPool2d::<7, 7, 1, 3, 3, f64>::new((3, 3), (2, 2)).unwrap();
    check(&mut pool, 23, Entry::Output, 0.0);
}

#[test]
fn max_pool_routes_ties_to_the_first_maximum() {
    let mut pool = MaxPool2d::<2, 2, 1, 1, 1, f64>::new((2, 2), (2, 2)).unwrap();
    let x = ndarray::array![[1.0, 3.0, 3.0, 2.0]];
    pool.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    let dx = pool
        .backward(x.view(), ndarray::array![[5.0]].view())
        .unwrap();
    assert_eq!(dx, ndarray::array![[0.0, 5.0, 0.0, 0.0]]);
}

#[test]
fn avg_pool_gradients_match_finite_differences() {
    let mut pool = AvgPool2d::<6, 6, 2, 3, 3, f64>::new((2, 2), (2, 2)).unwrap();
    check(&mut pool, 30, Entry::Output, 0.0);
    let mut pool = AvgPool2d::<5, 5, 2, 3, 3, f64>::new((3, 3), (1, 1)).unwrap();
    check(&mut pool, 31, Entry::Output, 0.0);
    let mut pool = AvgPool2d::<7, 6, 3, 3, 5, f64>::new((3, 2), (2, 1)).unwrap();
    check(&mut pool, 32, Entry::Output, 0.0);
}

#[test]
fn global_avg_pool_gradients_match_finite_differences() {
    let mut pool = GlobalAvgPool::<3, 4, 5, f64>::new();
    check(&mut pool, 40, Entry::Output, 0.0);
    assert_eq!(pool.output_width(), 5);
}

fn with_random_affine<const H: usize, const W: usize, const C: usize>(
    bn: BatchNorm2d<H, W, C, f64>,
) -> BatchNorm2d<H, W, C, f64> {
    let mut bn = bn;
    let values = random_matrix(2, C, 1.0, 11);
    bn.visit_tensors_mut(&mut |t| match t.name {
        "gamma" => t
            .data
            .iter_mut()
            .zip(values.row(0))
            .for_each(|(g, &v)| *g = 1.0 + 0.5 * v),
        "beta" => t.data.copy_from_slice(values.row(1).as_slice().unwrap()),
        _ => {}
    });
    bn
}

#[test]
fn batch_norm_2d_gradients_match_finite_differences() {
    check(
        &mut with_random_affine(BatchNorm2d::<3, 2, 3, f64>::new()),
        50,
        Entry::Output,
        0.0,
    );
    check(
        &mut with_random_affine(BatchNorm2d::<2, 3, 2, f64>::pytorch()),
        51,
        Entry::Output,
        0.0,
    );
    // One channel over 4x4 positions.
    check(
        &mut with_random_affine(BatchNorm2d::<4, 4, 1, f64>::new()),
        52,
        Entry::Output,
        0.0,
    );
}

#[test]
fn batch_norm_2d_statistics_are_per_channel_over_batch_and_positions() {
    // Channel 0 holds 0..8, channel 1 holds 10 * (0..8): two images of 2x1 pixels.
    let mut bn = BatchNorm2d::<2, 1, 2, f64>::pytorch();
    let x = ndarray::array![[0.0, 0.0, 1.0, 10.0], [2.0, 20.0, 3.0, 30.0]];
    bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    // mean 1.5 and 15, biased variance 1.25 and 125, unbiased (n = 4) 5/3 and 500/3.
    assert!((bn.moving_mean()[0] - 0.15).abs() < 1e-12);
    assert!((bn.moving_mean()[1] - 1.5).abs() < 1e-12);
    assert!((bn.moving_variance()[0] - (0.9 + 0.1 * 5.0 / 3.0)).abs() < 1e-12);
    assert!((bn.moving_variance()[1] - (0.9 + 0.1 * 500.0 / 3.0)).abs() < 1e-12);
    let y = bn.output();
    assert!((y[[0, 0]] + 1.5 / (1.25f64 + 1e-5).sqrt()).abs() < 1e-12);
    assert!((y[[1, 3]] - 15.0 / (125.0f64 + 1e-5).sqrt()).abs() < 1e-12);
}

#[test]
fn construction_rejects_wrong_geometry() {
    let mut rng = seeded_rng(0);
    let init = Initializer::HeNormal;
    // 8x8 under a valid 3x3 kernel is 6x6, not 8x8.
    let err =
        Conv2d::<8, 8, 1, 8, 8, 4, Relu>::new((3, 3), (1, 1), Padding::Valid, Relu, init, &mut rng)
            .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidGeometry { message, .. } if message.contains("gives 6x6; the type says 8x8")),
        "{err}"
    );
    // A kernel larger than the input.
    let err =
        Conv2d::<2, 2, 1, 1, 1, 1>::new((3, 3), (1, 1), Padding::Valid, Linear, init, &mut rng)
            .unwrap_err();
    assert!(matches!(err, Error::InvalidGeometry { .. }), "{err}");
    // Zero kernel or stride.
    let err =
        Conv2d::<4, 4, 1, 4, 4, 1>::new((0, 3), (1, 1), Padding::Same, Linear, init, &mut rng)
            .unwrap_err();
    assert!(
        matches!(err, Error::InvalidHyperparameter { name: "kernel", .. }),
        "{err}"
    );
    let err =
        Conv2d::<4, 4, 1, 4, 4, 1>::new((3, 3), (1, 0), Padding::Same, Linear, init, &mut rng)
            .unwrap_err();
    assert!(
        matches!(err, Error::InvalidHyperparameter { name: "stride", .. }),
        "{err}"
    );
    // Same padding with stride 2 gives ceil(in / 2).
    assert!(
        Conv2d::<7, 7, 1, 4, 4, 1>::new((3, 3), (2, 2), Padding::Same, Linear, init, &mut rng)
            .is_ok()
    );
    assert!(
        Conv2d::<7, 7, 1, 3, 3, 1>::new((3, 3), (2, 2), Padding::Same, Linear, init, &mut rng)
            .is_err()
    );
    // Weights of the wrong channels.
    let kernel = ndarray::Array4::<f32>::zeros((3, 3, 2, 4));
    let err =
        Conv2d::<8, 8, 1, 6, 6, 4>::from_weights(kernel, None, (1, 1), Padding::Valid, Linear)
            .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    let kernel = ndarray::Array4::<f32>::zeros((3, 3, 1, 4));
    let bias = ndarray::Array1::zeros(3);
    let err = Conv2d::<8, 8, 1, 6, 6, 4>::from_weights(
        kernel,
        Some(bias),
        (1, 1),
        Padding::Valid,
        Linear,
    )
    .unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    // Pools: a window that does not give the declared output, a window of zero.
    let err = MaxPool2d::<8, 8, 3, 3, 3>::new((2, 2), (2, 2)).unwrap_err();
    assert!(matches!(err, Error::InvalidGeometry { .. }), "{err}");
    let err = AvgPool2d::<8, 8, 3, 4, 4>::new((2, 0), (2, 2)).unwrap_err();
    assert!(
        matches!(err, Error::InvalidHyperparameter { name: "window", .. }),
        "{err}"
    );
    let err = MaxPool2d::<2, 2, 1, 1, 1>::new((3, 3), (1, 1)).unwrap_err();
    assert!(matches!(err, Error::InvalidGeometry { .. }), "{err}");
}

#[test]
fn wrong_input_width_and_backward_before_forward_are_errors() {
    let mut rng = seeded_rng(0);
    let mut layers: Vec<Box<dyn Layer<f32>>> = vec![
        Box::new(
            Conv2d::<4, 4, 2, 2, 2, 3>::new(
                (3, 3),
                (1, 1),
                Padding::Valid,
                Linear,
                Initializer::GlorotUniform,
                &mut rng,
            )
            .unwrap(),
        ),
        Box::new(MaxPool2d::<4, 4, 2, 2, 2>::new((2, 2), (2, 2)).unwrap()),
        Box::new(AvgPool2d::<4, 4, 2, 2, 2>::new((2, 2), (2, 2)).unwrap()),
        Box::new(GlobalAvgPool::<4, 4, 2>::new()),
        Box::new(BatchNorm2d::<4, 4, 2>::new()),
    ];
    for layer in &mut layers {
        let x = ndarray::Array2::<f32>::zeros((2, 32));
        let g = ndarray::Array2::<f32>::zeros((2, layer.output_width()));
        let err = layer.backward(x.view(), g.view()).unwrap_err();
        assert!(matches!(err, Error::InvalidState { .. }), "{err}");
        let wrong = ndarray::Array2::<f32>::zeros((2, 31));
        let err = layer.forward_train(wrong.view(), &mut rng).unwrap_err();
        assert!(
            matches!(
                err,
                Error::WidthMismatch {
                    expected: 32,
                    actual: 31,
                    ..
                }
            ),
            "{err}"
        );
        let mut out = ndarray::Array2::zeros((2, layer.output_width()));
        let err = layer
            .forward_infer(wrong.view(), out.view_mut())
            .unwrap_err();
        assert!(matches!(err, Error::WidthMismatch { .. }), "{err}");
        let mut bad_out = ndarray::Array2::zeros((2, layer.output_width() + 1));
        let err = layer
            .forward_infer(x.view(), bad_out.view_mut())
            .unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
        // After a forward pass, a gradient of the wrong shape.
        layer.forward_train(x.view(), &mut rng).unwrap();
        let err = layer.backward(x.view(), wrong.view()).unwrap_err();
        assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
        let empty = ndarray::Array2::<f32>::zeros((0, 32));
        let err = layer.forward_train(empty.view(), &mut rng).unwrap_err();
        assert!(matches!(err, Error::EmptyBatch { .. }), "{err}");
    }
}

#[test]
fn batch_norm_2d_needs_two_images_in_training() {
    let mut bn = BatchNorm2d::<2, 2, 3, f64>::new();
    let one = random_matrix(1, 12, 1.0, 0);
    let err = bn
        .forward_train(one.view(), &mut seeded_rng(0))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchTooSmall {
                minimum: 2,
                actual: 1,
                ..
            }
        ),
        "{err}"
    );
    // Inference takes one.
    let mut out = ndarray::Array2::zeros((1, 12));
    bn.forward_infer(one.view(), out.view_mut()).unwrap();
}
