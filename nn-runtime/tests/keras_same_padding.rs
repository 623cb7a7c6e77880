//! Stride-2 "same" padding against Keras itself (3.15 on JAX, float64): `Conv2D`,
//! `MaxPooling2D` and `AveragePooling2D` with `padding="same"` on even and odd sizes, their
//! outputs and the gradients with respect to the input (and the conv's kernel and bias), in f64
//! within 1e-9 and in f32 within 1e-5.
//!
//! `tests/fixtures/keras_same_padding.json` is written by
//! `tests/fixtures/gen_keras_same_padding.py` (its header gives the versions and the command).
//! The pooling layers only pool valid windows, so their kernels are checked here with a
//! `same` geometry; Keras' average pooling leaves the padded cells out of each window's count.

mod common;

use common::fixture::{Checker, at, load, matrix, sizes, tensor4, vector};
use ndarray::Array2;
use nn_runtime::activation::Linear;
use nn_runtime::kernel::{ConvGeometry, avg_pool, avg_pool_backward, max_pool, max_pool_backward};
use nn_runtime::layer::{Conv2d, Padding};
use nn_runtime::{Float, Layer, Parameters, seeded_rng};
use serde_json::Value;

fn fixture() -> Value {
    load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keras_same_padding.json"
    ))
}

fn cases<'a>(fixture: &'a Value, group: &str) -> &'a [Value] {
    at(fixture, group).as_array().expect("a list of cases")
}

fn case<'a>(fixture: &'a Value, group: &str, name: &str) -> &'a Value {
    cases(fixture, group)
        .iter()
        .find(|case| at(case, "name").as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {group} case {name}"))
}

fn pair(value: &Value) -> (usize, usize) {
    let v = sizes(value);
    (v[0], v[1])
}

fn triple(value: &Value) -> (usize, usize, usize) {
    let v = sizes(value);
    (v[0], v[1], v[2])
}

/// TensorFlow's split of "same" padding: the total `max((ceil(in / s) - 1) * s + k - in, 0)`,
/// the smaller half before.
fn tf_pad_before(size: usize, kernel: usize, stride: usize) -> usize {
    let out = size.div_ceil(stride);
    ((out - 1) * stride + kernel).saturating_sub(size) / 2
}

fn check_conv<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    T: Float,
>(
    name: &str,
) -> f64 {
    let fixture = fixture();
    let case = case(&fixture, "conv2d", name);
    assert_eq!(sizes(at(case, "input_shape")), [IH, IW, IC], "{name}");
    assert_eq!(sizes(at(case, "output_shape")), [OH, OW, OC], "{name}");
    let kernel = tensor4::<T>(at(case, "kernel"));
    let (kh, kw) = pair(at(case, "kernel_size"));
    assert_eq!((kernel.dim().0, kernel.dim().1), (kh, kw), "{name}");
    let stride = pair(at(case, "stride"));
    let mut conv = Conv2d::<IH, IW, IC, OH, OW, OC, Linear, T>::from_weights(
        kernel,
        Some(vector::<T>(at(case, "bias"))),
        stride,
        Padding::Same,
        Linear,
    )
    .unwrap();
    assert_eq!(
        conv.pad_before(),
        (
            tf_pad_before(IH, kh, stride.0),
            tf_pad_before(IW, kw, stride.1)
        ),
        "{name}"
    );
    let mut checker = Checker::new::<T>(&format!("Keras Conv2D {name}"));
    let x = matrix::<T>(at(case, "input"));
    let y = conv.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    checker.close("output", y.iter(), at(case, "output"));
    let g = matrix::<T>(at(case, "grad_output"));
    let dx = conv.backward(x.view(), g.view()).unwrap().to_owned();
    checker.close("grad_input", dx.iter(), at(case, "grad_input"));
    let mut grads = Vec::new();
    conv.visit_params(&mut |p| grads.push((p.name, p.grad.to_vec())));
    for (name, key) in [("kernel", "grad_kernel"), ("bias", "grad_bias")] {
        let (_, grad) = grads.iter().find(|(n, _)| *n == name).expect("a parameter");
        checker.close(key, grad.iter(), at(case, key));
    }
    checker.finish()
}

fn all_conv<T: Float>() -> f64 {
    [
        check_conv::<8, 6, 2, 4, 3, 3, T>("k3_even"),
        check_conv::<7, 5, 2, 4, 3, 3, T>("k3_odd"),
        check_conv::<8, 7, 2, 4, 4, 3, T>("k2x4_even_odd"),
        check_conv::<7, 9, 1, 4, 5, 2, T>("k2x4_odd"),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

#[test]
fn conv2d_same_stride_2_matches_keras_f64() {
    let worst = all_conv::<f64>();
    println!("Conv2D f64: worst mixed difference {worst:.2e}");
    assert!(worst < 1e-9);
}

#[test]
fn conv2d_same_stride_2_matches_keras_f32() {
    let worst = all_conv::<f32>();
    println!("Conv2D f32: worst mixed difference {worst:.2e}");
    assert!(worst < 1e-5);
}

/// Every pooling case of `group` through the kernels with a `same` geometry: output and input
/// gradient. Returns the worst mixed error.
fn check_pools<T: Float>(group: &str) -> f64 {
    let fixture = fixture();
    let mut worst = 0.0f64;
    for case in cases(&fixture, group) {
        let name = at(case, "name").as_str().expect("a name");
        let input = triple(at(case, "input_shape"));
        let geometry = ConvGeometry::new(
            input,
            pair(at(case, "window")),
            pair(at(case, "stride")),
            Padding::Same,
        )
        .expect("windows fit");
        let (oh, ow, c) = triple(at(case, "output_shape"));
        assert_eq!(geometry.output, (oh, ow), "{group} {name}");
        let x = matrix::<T>(at(case, "input"));
        let g = matrix::<T>(at(case, "grad_output"));
        let mut y = Array2::<T>::zeros((x.nrows(), oh * ow * c));
        let mut dx = Array2::<T>::zeros(x.dim());
        if group == "maxpool" {
            let mut argmax = vec![0; y.len()];
            max_pool(&geometry, x.view(), y.view_mut(), &mut argmax);
            max_pool_backward(g.view(), &argmax, dx.view_mut());
        } else {
            avg_pool(&geometry, x.view(), y.view_mut());
            avg_pool_backward(&geometry, g.view(), dx.view_mut());
        }
        let mut checker = Checker::new::<T>(&format!("Keras {group} {name}"));
        checker.close("output", y.iter(), at(case, "output"));
        checker.close("grad_input", dx.iter(), at(case, "grad_input"));
        worst = worst.max(checker.finish());
    }
    worst
}

/// Both precisions of a pooling group: the worst differences, printed, then checked.
fn check_pools_both(group: &str) {
    let (f64_worst, f32_worst) = (check_pools::<f64>(group), check_pools::<f32>(group));
    println!("{group}: worst mixed difference f64 {f64_worst:.2e}, f32 {f32_worst:.2e}");
    assert!(f64_worst < 1e-9);
    assert!(f32_worst < 1e-5);
}

#[test]
fn max_pooling_same_stride_2_matches_keras() {
    check_pools_both("maxpool");
}

#[test]
fn average_pooling_same_stride_2_matches_keras_counting_only_real_cells() {
    check_pools_both("avgpool");
}

/// The fixture is not trivially satisfied: a corner window of the odd 7x5 input with a 3x3
/// window at stride 2 covers 4 real cells of 9, and dividing by 9 (padding counted) must miss
/// Keras' value.
#[test]
fn counting_the_padded_cells_would_disagree_with_keras() {
    let fixture = fixture();
    let case = case(&fixture, "avgpool", "w3_odd");
    let x = matrix::<f64>(at(case, "input"));
    let (_, w, c) = triple(at(case, "input_shape"));
    // Output (0, 0), channel 0: rows 0..2 and columns 0..2 of the input (one padded row and
    // column before).
    let real: f64 = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .iter()
        .map(|&(y, xx)| x[(0, (y * w + xx) * c)])
        .sum();
    let keras = common::fixture::data(at(case, "output"))[0];
    assert!(
        (real / 4.0 - keras).abs() < 1e-12,
        "{} vs {keras}",
        real / 4.0
    );
    assert!(
        (real / 9.0 - keras).abs() > 1e-3,
        "padding counted agrees too"
    );
}
