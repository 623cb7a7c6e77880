//! Convolutional `network!` structs: the generated code computes what the runtime layers
//! wired by hand compute, its gradients match finite differences through every layer
//! (flatten included), it saves and loads, and it learns the digits.

use nn::layer::{BatchNorm2d, Conv2d, MaxPool2d, Padding};
use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};

network! {
    Small(6, 6, 2) <
        conv2d(3, 3, tanh, padding = same), maxpool(2), conv2d(4, (2, 3), relu), batchnorm,
        flatten, dense(5, tanh), dense(3, softmax)
    >
}

/// `Small`'s layers, built and run by hand from the runtime in the same order.
struct Hand {
    conv: Conv2d<6, 6, 2, 6, 6, 3, Tanh, f64>,
    pool: MaxPool2d<6, 6, 3, 3, 3, f64>,
    conv2: Conv2d<3, 3, 3, 2, 1, 4, Relu, f64>,
    norm: BatchNorm2d<2, 1, 4, f64>,
    dense: Dense<8, 5, Tanh, f64>,
    out: Dense<5, 3, Softmax, f64>,
}

impl Hand {
    fn new(seed: u64) -> Hand {
        let mut rng = seeded_rng(seed);
        let same = Padding::Same;
        Hand {
            conv: Conv2d::new(
                (3, 3),
                (1, 1),
                same,
                Tanh,
                Initializer::GlorotUniform,
                &mut rng,
            )
            .unwrap()
            .named("conv2d_0"),
            pool: MaxPool2d::new((2, 2), (2, 2)).unwrap().named("max_pool_1"),
            conv2: Conv2d::new(
                (2, 3),
                (1, 1),
                Padding::Valid,
                Relu,
                Initializer::HeNormal,
                &mut rng,
            )
            .unwrap()
            .named("conv2d_2"),
            norm: BatchNorm2d::new().named("batch_norm_3"),
            dense: Dense::new(Tanh, Initializer::GlorotUniform, &mut rng).named("dense_5"),
            out: Dense::new(Softmax, Initializer::GlorotUniform, &mut rng).named("dense_6"),
        }
    }

    /// Training forward, then backward from `grad` at the logits: the input gradient.
    fn step(&mut self, x: ArrayView2<'_, f64>, labels: &[usize]) -> (Array2<f64>, Array2<f64>) {
        let mut rng = seeded_rng(0);
        let a = self.conv.forward_train(x, &mut rng).unwrap().to_owned();
        let b = self
            .pool
            .forward_train(a.view(), &mut rng)
            .unwrap()
            .to_owned();
        let c = self
            .conv2
            .forward_train(b.view(), &mut rng)
            .unwrap()
            .to_owned();
        let d = self
            .norm
            .forward_train(c.view(), &mut rng)
            .unwrap()
            .to_owned();
        let e = self
            .dense
            .forward_train(d.view(), &mut rng)
            .unwrap()
            .to_owned();
        let out = self
            .out
            .forward_train(e.view(), &mut rng)
            .unwrap()
            .to_owned();
        let grad = softmax_grad(&self.out.pre_activation().to_owned(), labels);
        let g = self
            .out
            .backward_from_pre_activation(e.view(), grad.view())
            .unwrap()
            .to_owned();
        let g = self.dense.backward(d.view(), g.view()).unwrap().to_owned();
        let g = self.norm.backward(c.view(), g.view()).unwrap().to_owned();
        let g = self.conv2.backward(b.view(), g.view()).unwrap().to_owned();
        let g = self.pool.backward(a.view(), g.view()).unwrap().to_owned();
        let g = self.conv.backward(x, g.view()).unwrap().to_owned();
        (out, g)
    }
}

/// The fused softmax cross-entropy gradient at the logits, `(p - y) / n`.
fn softmax_grad(logits: &Array2<f64>, labels: &[usize]) -> Array2<f64> {
    let mut grad = Array2::zeros(logits.dim());
    nn::loss::softmax_cross_entropy(logits.view(), Targets::Classes(labels), grad.view_mut())
        .unwrap();
    grad
}

fn inputs() -> Array2<f64> {
    Array2::from_shape_fn((4, 72), |(i, j)| ((i * 13 + j * 7) % 11) as f64 / 5.0 - 1.0)
}

const LABELS: [usize; 4] = [0, 2, 1, 2];

/// The mean cross-entropy of `net` on the inputs in training mode, and its input gradient.
fn loss_and_grad(net: &mut Small<f64>, x: &Array2<f64>) -> (f64, Array2<f64>) {
    net.forward_train(x.view()).unwrap();
    let mut grad = Array2::zeros((4, 3));
    let (loss, of) = Loss::CrossEntropy
        .evaluate(
            nn::activation::ActivationKind::Softmax,
            net.output(),
            net.pre_activation(),
            Targets::Classes(&LABELS),
            grad.view_mut(),
        )
        .unwrap();
    let input_grad = net.backward(grad.view(), of).unwrap().to_owned();
    (loss, input_grad)
}

#[test]
fn the_generated_network_is_the_hand_built_one() {
    let mut net = Small::<f64>::seeded(7);
    let mut hand = Hand::new(7);
    let x = inputs();
    let (_, generated_grad) = loss_and_grad(&mut net, &x);
    let (hand_out, hand_grad) = hand.step(x.view(), &LABELS);
    assert_eq!(net.output(), hand_out.view());
    assert_eq!(generated_grad, hand_grad);
    assert_eq!(net.conv2d_0.kernel_grad(), hand.conv.kernel_grad());
    assert_eq!(net.conv2d_2.kernel_grad(), hand.conv2.kernel_grad());
}

#[test]
fn input_gradients_match_finite_differences_through_every_layer() {
    let mut net = Small::<f64>::seeded(3);
    let x = inputs();
    let (_, analytic) = loss_and_grad(&mut net, &x);
    let h = 1e-6;
    let mut worst: f64 = 0.0;
    for index in [0, 5, 17, 35, 36, 71, 100, 200, 287] {
        let (row, col) = (index / 72, index % 72);
        let mut plus = x.clone();
        plus[[row, col]] += h;
        let mut minus = x.clone();
        minus[[row, col]] -= h;
        let numeric =
            (loss_and_grad(&mut net, &plus).0 - loss_and_grad(&mut net, &minus).0) / (2.0 * h);
        let exact = analytic[[row, col]];
        worst = worst.max((numeric - exact).abs() / exact.abs().max(1e-3));
    }
    assert!(worst < 1e-5, "relative error {worst}");
}

#[test]
fn the_summary_shows_every_inferred_shape() {
    let text = Small::new(1).summary().to_string();
    for shape in [
        "(batch, 6, 6, 2)",
        "(batch, 6, 6, 3)",
        "(batch, 3, 3, 3)",
        "(batch, 2, 1, 4)",
        "(batch, 8)",
        "(batch, 3)",
    ] {
        assert!(text.contains(shape), "{shape} missing from\n{text}");
    }
    assert!(text.contains("flatten_4"));
}

#[test]
fn a_convolutional_network_saves_and_loads() {
    let trained = Small::new(1);
    let bytes = nn::to_bytes(&trained).unwrap();
    let mut loaded = Small::new(2);
    let x = inputs().mapv(|v| v as f32);
    assert_ne!(
        trained.predict(x.view()).unwrap(),
        loaded.predict(x.view()).unwrap()
    );
    nn::from_bytes(&mut loaded, &bytes).unwrap();
    assert_eq!(
        trained.predict(x.view()).unwrap(),
        loaded.predict(x.view()).unwrap()
    );
    let one: [f32; 72] = std::array::from_fn(|j| x[[1, j]]);
    let row = loaded.predict_one(&one).unwrap();
    let batch = loaded.predict(x.view()).unwrap();
    for (a, b) in row.iter().zip(batch.row(1)) {
        assert!((a - b).abs() < 1e-6);
    }
}

network! {
    Digits(8, 8, 1) <
        conv2d(8, 3, relu, padding = same), maxpool(2), flatten, dense(32, relu), dense(10, softmax)
    >
}

#[test]
fn a_small_convolutional_network_learns_the_digits() {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, 64), digits.data)
        .unwrap()
        .mapv(|v| v / 16.0);
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let data = Dataset::classification(pixels, labels, 10).unwrap();
    let (train, test) = data.split(0.2, 1).unwrap();
    let mut net = Digits::new(1);
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(3e-3).unwrap())
        .epochs(6)
        .batch_size(32)
        .progress(Progress::Quiet);
    net.fit(&train, &mut config).unwrap();
    let accuracy = net
        .evaluate(&test, Loss::CrossEntropy)
        .unwrap()
        .accuracy
        .unwrap();
    assert!(accuracy > 0.9, "test accuracy {accuracy}");
}

/// The ONNX export covers image layers (tests/onnx_export.rs runs this network's twin in
/// ONNX Runtime), and so does the PyTorch and Keras weight exchange (tests/interop_image.rs
/// checks it against both frameworks): here, a round trip through each.
#[test]
fn onnx_export_and_weight_exchange_take_image_layers() {
    let net = Small::new(1);
    let model = nn::onnx::to_onnx(&net).unwrap();
    assert!(!model.is_empty());
    let naming = nn::interop::Naming::Sequential;
    for framework in [
        nn::interop::Framework::PyTorch,
        nn::interop::Framework::Keras,
    ] {
        let bytes = nn::interop::to_framework_bytes(&net, framework, &naming).unwrap();
        let mut copy = Small::new(2);
        nn::interop::from_framework_bytes(&mut copy, framework, &bytes, &naming).unwrap();
        assert_eq!(nn::to_bytes(&copy).unwrap(), nn::to_bytes(&net).unwrap());
    }
}
