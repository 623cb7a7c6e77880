//! The ONNX export against ONNX Runtime: networks covering every activation (inside dense
//! layers and on their own), batch norm (with and without a dense bias before it), dropout
//! and alpha dropout, and convolutional networks (valid and same padding, strides, rectangular
//! kernels, max, average and global average pooling, batch norm over channels, activations
//! on images, flatten then dense, an image output), in f32 and f64, exported with
//! `nn::onnx::to_onnx`, checked by `onnx.checker` and run by ONNX Runtime
//! (tests/onnx/check.py); the outputs must equal `predict`'s within 1e-5 (relative to values
//! above 1).
//!
//! Needs Python 3 with tests/onnx/requirements.txt (./scripts/test installs them);
//! `NN_SKIP_ONNX_RUNTIME=1` skips the comparison on purpose.

mod onnx;

use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::{Float, Network, TensorKind};
use onnx::runner::{self, Case};

network! {
    /// Every activation inside a dense layer.
    Dense12(6) <
        dense(8, relu), dense(8, leaky_relu(0.2)), dense(8, prelu), dense(8, rrelu(0.1, 0.3)),
        dense(8, elu(0.5)), dense(8, selu, lecun_normal), dense(8, gelu), dense(8, gelu(tanh)),
        dense(8, swish), dense(8, tanh), dense(8, sigmoid), dense(3, linear)
    >
}

network! {
    /// Every activation as a layer of its own, batch norm with and without a dense bias,
    /// dropout and alpha dropout, softmax output.
    Layers(5) <
        dense(8, he_normal), batchnorm, relu, dropout(0.2),
        dense(8, he_normal, bias = true), batchnorm(momentum = 0.9, epsilon = 1e-5), leaky_relu(0.1),
        dense(8, he_normal), prelu, dense(8, he_normal), rrelu(0.125, 0.25),
        dense(8, he_normal), elu(0.7), dense(8, lecun_normal), selu, alpha_dropout(0.1),
        dense(8, he_normal), gelu, dense(8, he_normal), gelu(tanh), dense(8, he_normal), swish,
        dense(8), tanh, dense(8), sigmoid, dense(4), softmax
    >
}

network! {
    /// A softmax dense output after batch norm, and a linear layer on its own.
    Classifier(4) < dense(6, elu), batchnorm, linear, dense(3, softmax) >
}

network! {
    /// dense(8, relu) as the output, so the op's own error reaches the comparison.
    OutRelu(6) < dense(8, relu) >
}

network! {
    /// dense(8, leaky_relu(0.2)) as the output, so the op's own error reaches the comparison.
    OutLeaky(6) < dense(8, leaky_relu(0.2)) >
}

network! {
    /// dense(8, he_normal), prelu as the output, so the op's own error reaches the comparison.
    OutPRelu(6) < dense(8, he_normal), prelu >
}

network! {
    /// dense(8, rrelu(0.1, 0.3)) as the output, so the op's own error reaches the comparison.
    OutRRelu(6) < dense(8, rrelu(0.1, 0.3)) >
}

network! {
    /// dense(8, elu(0.5)) as the output, so the op's own error reaches the comparison.
    OutElu(6) < dense(8, elu(0.5)) >
}

network! {
    /// dense(8, selu, lecun_normal) as the output, so the op's own error reaches the comparison.
    OutSelu(6) < dense(8, selu, lecun_normal) >
}

network! {
    /// dense(8, gelu) as the output, so the op's own error reaches the comparison.
    OutGelu(6) < dense(8, gelu) >
}

network! {
    /// dense(8, gelu(tanh)) as the output, so the op's own error reaches the comparison.
    OutGeluTanh(6) < dense(8, gelu(tanh)) >
}

network! {
    /// dense(8, swish) as the output, so the op's own error reaches the comparison.
    OutSwish(6) < dense(8, swish) >
}

network! {
    /// dense(8, tanh) as the output, so the op's own error reaches the comparison.
    OutTanh(6) < dense(8, tanh) >
}

network! {
    /// dense(8, sigmoid) as the output, so the op's own error reaches the comparison.
    OutSigmoid(6) < dense(8, sigmoid) >
}

network! {
    /// dense(8, softmax) as the output, so the op's own error reaches the comparison.
    OutSoftmax(6) < dense(8, softmax) >
}

network! {
    /// dense(8) as the output, so the op's own error reaches the comparison.
    OutLinear(6) < dense(8) >
}

network! {
    /// dense(8, he_normal), batchnorm(epsilon = 0.01) as the output, so the op's own error reaches the comparison.
    OutBatchNorm(6) < dense(8), batchnorm(epsilon = 0.01) >
}

network! {
    /// Valid and same convolutions, a (3, 5) kernel, max pooling, flatten then dense.
    ConvValid(8, 8, 2) <
        conv2d(4, 3, relu), maxpool(2), conv2d(3, (3, 5), tanh, padding = same), flatten,
        dense(5, elu), dense(3, softmax)
    >
}

network! {
    /// A same convolution with stride 2 on a 7x6 image (TensorFlow's uneven split: one more
    /// column of padding on the right), batch norm over channels, swish as a layer, average
    /// pooling over a (2, 3) window.
    ConvSame(7, 6, 3) <
        conv2d(4, (3, 5), leaky_relu(0.2), padding = same, stride = 2), batchnorm, swish,
        avgpool((2, 3)), flatten, dense(4)
    >
}

network! {
    /// PReLU inside a strided convolution, batch norm and dropout on an image, GELU, global
    /// average pooling into a softmax dense layer.
    ConvGlobal(9, 9, 2) <
        conv2d(6, 3, prelu, stride = 2), batchnorm, dropout(0.2), conv2d(4, 2, gelu),
        global_avgpool, dense(3, softmax)
    >
}

network! {
    /// An image output: a PReLU layer of its own (a slope per pixel and channel), SELU, max
    /// pooling with a stride smaller than its window, a valid stride that drops a row.
    ConvImageOut(5, 4, 2) <
        conv2d(3, (2, 3), he_normal, padding = same), prelu, maxpool(2, stride = 1),
        conv2d(2, 2, selu, lecun_normal, stride = 2, allow = unused_pixels)
    >
}

network! {
    /// tests/conv_network.rs' network: same conv, max pooling, a (2, 3) kernel, batch norm,
    /// flatten and dense layers.
    ConvSmall(6, 6, 2) <
        conv2d(3, 3, tanh, padding = same), maxpool(2), conv2d(4, (2, 3), relu), batchnorm,
        flatten, dense(5, tanh), dense(3, softmax)
    >
}

network! {
    /// A strided same conv with a (3, 5) kernel and a bias as the output.
    OutConv(5, 6, 2) < conv2d(3, (3, 5), padding = same, stride = 2, bias = true) >
}

network! {
    /// Max pooling over (2, 3) windows as the output.
    OutMaxPool(4, 6, 3) < maxpool((2, 3)) >
}

network! {
    /// Average pooling, stride 1, as the output.
    OutAvgPool(4, 5, 3) < avgpool(2, stride = 1) >
}

network! {
    /// Global average pooling as the output.
    OutGlobalAvgPool(3, 4, 5) < global_avgpool >
}

network! {
    /// Batch norm over channels as the output.
    OutBatchNorm2d(3, 4, 5) < batchnorm(epsilon = 0.01) >
}

/// Sets every batch-norm tensor, bias and PReLU slope to varied values (fresh ones are 1, 0,
/// 0, 1, 0 and 0.25, which would hide a swapped or ignored tensor).
fn vary<T: Float, N: Network<T>>(network: &mut N) {
    network.visit_tensors_mut(&mut |t| {
        let salt = t.layer.len() + t.name.len();
        for (i, v) in t.data.iter_mut().enumerate() {
            let wave = (((i * 7 + salt * 3) % 11) as f64 - 5.0) / 10.0;
            *v = T::cast(match (t.kind, t.name) {
                (TensorKind::State, "moving_variance") => 0.3 + wave * wave * 4.0,
                (TensorKind::State, _) => wave,
                (TensorKind::Parameter, "gamma") => 1.0 + wave,
                (TensorKind::Parameter, "beta" | "alpha" | "bias") => wave,
                _ => continue,
            });
        }
    });
}

/// Sixteen rows across [-3, 3], so every activation sees both signs and its curved part.
fn inputs<T: Float>(width: usize) -> Array2<T> {
    Array2::from_shape_fn((16, width), |(i, j)| {
        T::cast(((i * 5 + j * 3) % 13) as f64 / 2.0 - 3.0 + (i as f64) * 0.01)
    })
}

fn case<T: Float, N: Network<T>>(name: &str, network: &N) -> (Case, Array2<T>) {
    let x = inputs::<T>(N::INPUT);
    let expected = network.predict(x.view()).expect("predict");
    let model = nn::onnx::to_onnx(network).expect("to_onnx");
    let dtype = if T::DTYPE == "F64" {
        "float64"
    } else {
        "float32"
    };
    let rows = x
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|v| v.as_f64()).collect())
        .collect();
    (
        Case {
            name: name.to_owned(),
            model,
            dtype,
            inputs: rows,
        },
        expected,
    )
}

fn assert_close<T: Float>(name: &str, expected: &Array2<T>, got: &[Vec<f64>]) {
    assert_eq!(got.len(), expected.nrows(), "{name}: rows");
    for (i, (row, want)) in got.iter().zip(expected.rows()).enumerate() {
        assert_eq!(row.len(), want.len(), "{name}: width of row {i}");
        for (j, (&g, w)) in row.iter().zip(want.iter()).enumerate() {
            let w = w.as_f64();
            let tolerance = 1e-5 * w.abs().max(1.0);
            assert!(
                (g - w).abs() <= tolerance,
                "{name}: row {i}, column {j}: ONNX Runtime gives {g}, predict {w} (difference {:e})",
                (g - w).abs()
            );
        }
    }
}

fn check(tag: &str, cases: Vec<(Case, Array2<f32>)>, cases64: Vec<(Case, Array2<f64>)>) {
    for (case, _) in &cases {
        assert!(!case.model.is_empty(), "{}: empty model", case.name);
    }
    if runner::skipped() {
        eprintln!("NN_SKIP_ONNX_RUNTIME=1: the ONNX Runtime comparison is skipped");
        return;
    }
    let (c32, e32): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let (c64, e64): (Vec<_>, Vec<_>) = cases64.into_iter().unzip();
    let all: Vec<Case> = c32.into_iter().chain(c64).collect();
    let outputs = runner::run(tag, &all);
    let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
    for (i, expected) in e32.iter().enumerate() {
        assert_close(names[i], expected, &outputs[i]);
    }
    for (i, expected) in e64.iter().enumerate() {
        let k = e32.len() + i;
        assert_close(names[k], expected, &outputs[k]);
    }
}

#[test]
fn onnx_runtime_matches_predict_for_every_activation_and_batch_norm() {
    let mut cases = Vec::new();
    let mut cases64 = Vec::new();
    for seed in [1, 2] {
        let mut dense = Dense12::new(seed);
        vary(&mut dense);
        cases.push(case(&format!("dense12_f32_{seed}"), &dense));
        let mut layers = Layers::new(seed);
        vary(&mut layers);
        cases.push(case(&format!("layers_f32_{seed}"), &layers));
        let mut dense = Dense12::<f64>::seeded(seed);
        vary(&mut dense);
        cases64.push(case(&format!("dense12_f64_{seed}"), &dense));
        let mut layers = Layers::<f64>::seeded(seed);
        vary(&mut layers);
        cases64.push(case(&format!("layers_f64_{seed}"), &layers));
    }
    let mut classifier = Classifier::new(3);
    vary(&mut classifier);
    cases.push(case("classifier_f32", &classifier));
    let mut classifier = Classifier::<f64>::seeded(3);
    vary(&mut classifier);
    cases64.push(case("classifier_f64", &classifier));
    check("all", cases, cases64);
}

/// Each activation (and batch norm) straight at the output, in f32 and f64: a change to one
/// op's semantics that matters at 1e-5 shows here undamped by the layers after it.
#[test]
fn onnx_runtime_matches_predict_for_each_op_at_the_output() {
    let (mut cases, mut cases64) = (Vec::new(), Vec::new());
    macro_rules! push {
        ($net:ident, $name:literal) => {{
            let mut network = $net::new(4);
            vary(&mut network);
            cases.push(case(concat!($name, "_f32"), &network));
            let mut network = $net::<f64>::seeded(4);
            vary(&mut network);
            cases64.push(case(concat!($name, "_f64"), &network));
        }};
    }
    push!(OutRelu, "outrelu");
    push!(OutLeaky, "outleaky");
    push!(OutPRelu, "outprelu");
    push!(OutRRelu, "outrrelu");
    push!(OutElu, "outelu");
    push!(OutSelu, "outselu");
    push!(OutGelu, "outgelu");
    push!(OutGeluTanh, "outgelutanh");
    push!(OutSwish, "outswish");
    push!(OutTanh, "outtanh");
    push!(OutSigmoid, "outsigmoid");
    push!(OutSoftmax, "outsoftmax");
    push!(OutLinear, "outlinear");
    push!(OutBatchNorm, "outbatchnorm");
    check("ops", cases, cases64);
}

/// Convolutional networks, in f32 and f64 (where `Conv` and `AveragePool` run in single
/// precision between casts: ONNX Runtime has no double kernels of them).
#[test]
fn onnx_runtime_matches_predict_for_convolutional_networks() {
    let (mut cases, mut cases64) = (Vec::new(), Vec::new());
    macro_rules! push {
        ($net:ident, $name:literal, $seed:literal) => {{
            let mut network = $net::new($seed);
            vary(&mut network);
            cases.push(case(concat!($name, "_f32"), &network));
            let mut network = $net::<f64>::seeded($seed);
            vary(&mut network);
            cases64.push(case(concat!($name, "_f64"), &network));
        }};
    }
    push!(ConvValid, "convvalid", 1);
    push!(ConvSame, "convsame", 2);
    push!(ConvGlobal, "convglobal", 3);
    push!(ConvImageOut, "convimageout", 4);
    push!(ConvSmall, "convsmall", 5);
    push!(OutConv, "outconv", 6);
    push!(OutMaxPool, "outmaxpool", 7);
    push!(OutAvgPool, "outavgpool", 8);
    push!(OutGlobalAvgPool, "outglobalavgpool", 9);
    push!(OutBatchNorm2d, "outbatchnorm2d", 10);
    check("conv", cases, cases64);
}

/// Image layers assembled by hand that do not fit are refused, naming the layer.
#[test]
fn an_image_layer_of_the_wrong_width_is_refused_by_name() {
    use nn::layer::{Conv2d, Inspect, Padding};
    let mut rng = nn::seeded_rng(0);
    let conv = Conv2d::<4, 4, 1, 4, 4, 2, Relu>::new(
        (3, 3),
        (1, 1),
        Padding::Same,
        Relu,
        Initializer::HeNormal,
        &mut rng,
    )
    .expect("conv")
    .named("conv");
    let layers: [&dyn Inspect<f32>; 1] = [&conv];
    assert!(nn::onnx::layers_to_onnx(&layers, 16, 32, "Conv").is_ok());
    let err = nn::onnx::layers_to_onnx(&layers, 15, 32, "Conv").unwrap_err();
    assert_eq!(
        err.to_string(),
        "to_onnx: conv: expected inputs of width 16, got width 15"
    );
    let err = nn::onnx::layers_to_onnx(&layers, 16, 30, "Conv").unwrap_err();
    assert!(matches!(err, nn::Error::WidthMismatch { .. }), "{err}");
}

#[test]
fn save_onnx_writes_the_same_bytes_as_to_onnx() -> nn::Result<()> {
    let network = Classifier::new(0);
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("classifier-{}.onnx", std::process::id()));
    nn::onnx::save_onnx(&network, &path)?;
    let written = std::fs::read(&path).expect("the saved model");
    std::fs::remove_file(&path).expect("cleanup");
    assert_eq!(written, nn::onnx::to_onnx(&network)?);
    Ok(())
}

#[test]
fn save_onnx_names_a_missing_directory() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-such-dir/model.onnx");
    let err = nn::onnx::save_onnx(&Classifier::new(0), &path).unwrap_err();
    assert!(matches!(err, nn::Error::Io { .. }), "{err}");
    assert!(err.to_string().contains("no-such-dir"), "{err}");
}
