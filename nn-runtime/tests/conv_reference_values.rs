//! Conv2d, pooling and BatchNorm2d against PyTorch (float64), in f64 within 1e-9 and in f32
//! within 1e-5 (mixed absolute/relative, see `common::fixture`).
//!
//! `tests/fixtures/conv_reference.json` is written by `tests/fixtures/gen_conv_reference.py`
//! (its header gives the versions and the command); it converts PyTorch's NCHW images and
//! `[OC, IC, KH, KW]` weights to the runtime's NHWC rows and `[KH, KW, IC, OC]` kernels, and
//! pads "same" cases explicitly as TensorFlow does (PyTorch's `padding='same'` is stride 1 only).

mod common;

use common::fixture::{Checker, at, load, matrix, sizes, tensor4, vector};
use ndarray::Array2;
use nn_runtime::activation::{Activation, Linear, Tanh};
use nn_runtime::layer::{AvgPool2d, BatchNorm2d, Conv2d, GlobalAvgPool, MaxPool2d, Padding};
use nn_runtime::{Float, Layer, Tensors, seeded_rng};
use serde_json::Value;

fn fixture() -> Value {
    load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/conv_reference.json"
    ))
}

fn case<'a>(fixture: &'a Value, group: &str, name: &str) -> &'a Value {
    at(fixture, group)
        .as_array()
        .expect("a list of cases")
        .iter()
        .find(|case| at(case, "name").as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {group} case {name}"))
}

fn pair(value: &Value) -> (usize, usize) {
    let v = sizes(value);
    (v[0], v[1])
}

/// Forward, then backward with the fixture's `grad_output`; checks output, input gradient and
/// the parameter gradients named in `params` (`(tensor name, fixture key)`).
fn forward_backward<T: Float, L: Layer<T>>(
    checker: &mut Checker,
    layer: &mut L,
    case: &Value,
    params: &[(&str, &str)],
) {
    let x = matrix::<T>(at(case, "input"));
    let y = layer.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    checker.close("output", y.iter(), at(case, "output"));
    let mut infer = Array2::zeros(y.dim());
    let g = matrix::<T>(at(case, "grad_output"));
    let dx = layer.backward(x.view(), g.view()).unwrap().to_owned();
    checker.close("grad_input", dx.iter(), at(case, "grad_input"));
    let mut grads = Vec::new();
    layer.visit_params(&mut |p| grads.push((p.name, p.grad.to_vec())));
    for &(name, key) in params {
        let (_, grad) = grads
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no parameter {name}"));
        checker.close(key, grad.iter(), at(case, key));
    }
    assert_eq!(grads.len(), params.len(), "parameters {grads:?}");
    // These layers keep no running state: inference gives the same output.
    layer.forward_infer(x.view(), infer.view_mut()).unwrap();
    checker.close("forward_infer", infer.iter(), at(case, "output"));
}

fn check_conv<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
>(
    name: &str,
    activation: A,
) -> f64 {
    let fixture = fixture();
    let case = case(&fixture, "conv2d", name);
    assert_eq!(sizes(at(case, "input_shape")), [IH, IW, IC], "{name}");
    assert_eq!(sizes(at(case, "output_shape")), [OH, OW, OC], "{name}");
    assert_eq!(
        at(case, "activation").as_str().unwrap(),
        A::KIND.dsl_name(),
        "{name}"
    );
    let padding = match at(case, "padding").as_str().unwrap() {
        "same" => Padding::Same,
        _ => Padding::Valid,
    };
    let kernel = tensor4::<T>(at(case, "kernel"));
    assert_eq!(
        (kernel.dim().0, kernel.dim().1),
        pair(at(case, "kernel_size"))
    );
    let bias = at(case, "bias");
    let bias = (!bias.is_null()).then(|| vector::<T>(bias));
    let has_bias = bias.is_some();
    let mut conv = Conv2d::<IH, IW, IC, OH, OW, OC, A, T>::from_weights(
        kernel,
        bias,
        pair(at(case, "stride")),
        padding,
        activation,
    )
    .unwrap();
    let mut checker = Checker::new::<T>(&format!("conv2d {name}"));
    let params: &[(&str, &str)] = if has_bias {
        &[("kernel", "grad_kernel"), ("bias", "grad_bias")]
    } else {
        &[("kernel", "grad_kernel")]
    };
    forward_backward(&mut checker, &mut conv, case, params);
    checker.finish()
}

fn all_conv<T: Float>() -> f64 {
    [
        check_conv::<6, 5, 3, 4, 3, 4, Linear, T>("valid_3x3_s1", Linear),
        check_conv::<6, 5, 3, 6, 5, 4, Tanh, T>("same_3x3_s1_tanh", Tanh),
        check_conv::<7, 6, 2, 4, 3, 3, Linear, T>("same_3x5_s2", Linear),
        check_conv::<6, 5, 2, 3, 3, 3, Linear, T>("same_4x4_s2_nobias", Linear),
        check_conv::<6, 6, 3, 3, 3, 2, Linear, T>("valid_2x2_s2_nobias", Linear),
        check_conv::<3, 4, 5, 3, 4, 3, Linear, T>("valid_1x1", Linear),
        check_conv::<7, 5, 2, 3, 4, 3, Tanh, T>("valid_3x2_s2x1", Tanh),
        check_conv::<4, 7, 1, 4, 4, 5, Linear, T>("same_1x3_s1x2_1ch", Linear),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

#[test]
fn conv2d_matches_pytorch_f64() {
    assert!(all_conv::<f64>() < 1e-9);
}

#[test]
fn conv2d_matches_pytorch_f32() {
    assert!(all_conv::<f32>() < 1e-5);
}

fn check_pool<T: Float, L: Layer<T>>(layer: &mut L, name: &str) -> f64 {
    let fixture = fixture();
    let case = case(&fixture, "pool", name);
    let mut checker = Checker::new::<T>(name);
    forward_backward(&mut checker, layer, case, &[]);
    checker.finish()
}

fn all_pools<T: Float>() -> f64 {
    [
        check_pool(
            &mut MaxPool2d::<6, 5, 3, 3, 2, T>::new((2, 2), (2, 2)).unwrap(),
            "max_2x2_s2",
        ),
        check_pool(
            &mut MaxPool2d::<5, 5, 2, 3, 3, T>::new((3, 3), (1, 1)).unwrap(),
            "max_3x3_s1",
        ),
        check_pool(
            &mut MaxPool2d::<6, 7, 2, 4, 3, T>::new((3, 2), (1, 2)).unwrap(),
            "max_3x2_s1x2",
        ),
        check_pool(
            &mut AvgPool2d::<6, 5, 3, 3, 2, T>::new((2, 2), (2, 2)).unwrap(),
            "avg_2x2_s2",
        ),
        check_pool(
            &mut AvgPool2d::<5, 5, 2, 3, 3, T>::new((3, 3), (1, 1)).unwrap(),
            "avg_3x3_s1",
        ),
        check_pool(
            &mut AvgPool2d::<6, 7, 2, 4, 3, T>::new((3, 2), (1, 2)).unwrap(),
            "avg_3x2_s1x2",
        ),
        check_pool(&mut GlobalAvgPool::<3, 4, 5, T>::new(), "global_avg"),
    ]
    .into_iter()
    .fold(0.0, f64::max)
}

#[test]
fn pooling_matches_pytorch_f64() {
    assert!(all_pools::<f64>() < 1e-9);
}

#[test]
fn pooling_matches_pytorch_f32() {
    assert!(all_pools::<f32>() < 1e-5);
}

fn batchnorm2d<T: Float>() -> f64 {
    let fixture = fixture();
    let case = at(&fixture, "batchnorm2d");
    assert_eq!(sizes(at(case, "input_shape")), [4, 3, 2]);
    let mut bn = BatchNorm2d::<4, 3, 2, T>::pytorch();
    let torch_momentum = at(case, "momentum_torch").as_f64().unwrap();
    assert!((torch_momentum - (1.0 - bn.momentum())).abs() < 1e-12);
    assert_eq!(at(case, "epsilon").as_f64(), Some(bn.epsilon()));
    let (gamma, beta) = (
        vector::<T>(at(case, "gamma")),
        vector::<T>(at(case, "beta")),
    );
    bn.visit_tensors_mut(&mut |t| match t.name {
        "gamma" => t.data.copy_from_slice(gamma.as_slice().unwrap()),
        "beta" => t.data.copy_from_slice(beta.as_slice().unwrap()),
        _ => {}
    });
    let mut checker = Checker::new::<T>("batchnorm2d");
    let x = matrix::<T>(at(case, "input"));
    let y = bn.forward_train(x.view(), &mut seeded_rng(0)).unwrap();
    checker.close("output", y.iter(), at(case, "output"));
    let g = matrix::<T>(at(case, "grad_output"));
    let dx = bn.backward(x.view(), g.view()).unwrap();
    checker.close("grad_input", dx.iter(), at(case, "grad_input"));
    checker.close("grad_gamma", bn.gamma_grad().iter(), at(case, "grad_gamma"));
    checker.close("grad_beta", bn.beta_grad().iter(), at(case, "grad_beta"));
    checker.close(
        "moving_mean",
        bn.moving_mean().iter(),
        at(case, "moving_mean"),
    );
    checker.close(
        "moving_variance",
        bn.moving_variance().iter(),
        at(case, "moving_variance"),
    );
    let x_eval = matrix::<T>(at(case, "eval_input"));
    let mut y_eval = Array2::zeros(x_eval.dim());
    bn.forward_infer(x_eval.view(), y_eval.view_mut()).unwrap();
    checker.close("eval_output", y_eval.iter(), at(case, "eval_output"));
    // The same through a transposed (non-standard) output view.
    let mut y_t = Array2::zeros((x_eval.ncols(), x_eval.nrows()));
    bn.forward_infer(x_eval.view(), y_t.view_mut().reversed_axes())
        .unwrap();
    checker.close(
        "eval_output (strided)",
        y_t.t().iter(),
        at(case, "eval_output"),
    );
    checker.finish()
}

#[test]
fn batchnorm2d_matches_pytorch_f64() {
    assert!(batchnorm2d::<f64>() < 1e-9);
}

#[test]
fn batchnorm2d_matches_pytorch_f32() {
    assert!(batchnorm2d::<f32>() < 1e-5);
}
