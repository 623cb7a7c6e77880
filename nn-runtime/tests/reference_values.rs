//! Reference values from Keras 3 (JAX backend) and PyTorch, checked against the runtime.
//!
//! The fixtures in `tests/fixtures/*.json` are written by `tests/fixtures/gen_reference.py`
//! (its header gives the exact versions and the command to rerun; CI only reads the JSON). All
//! of them were computed in float64 and are cross-checked there against independent numpy
//! formulas.
//!
//! Every check runs twice: with the runtime in `f32` (inputs rounded to `f32`) within
//! [`F32_TOLERANCE`], and in `f64` within [`F64_TOLERANCE`] (only where the fixture's
//! `meta.dtype` is `float64`). The comparison is mixed absolute/relative:
//! `|got - expected| <= tolerance · max(1, |expected|)`, i.e. absolute for values up to 1 in
//! magnitude and relative above. A failing test lists every value out of tolerance, with the
//! difference, rather than stopping at the first.

use ndarray::{Array2, ArrayView2};
use nn_runtime::activation::{
    Activation, Elu, Gelu, LeakyRelu, Linear, PRelu, Pointwise, RRelu, Relu, Selu, Sigmoid,
    Softmax, Swish, Tanh,
};
use nn_runtime::loss::{
    Targets, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
    mean_squared_error, softmax_cross_entropy,
};
use nn_runtime::optim::{Adam, AdamW, GradientClip, Optimizer, RmsProp, Sgd};
use nn_runtime::{BatchNorm, Float, Layer, ParamMut, Parameters, TensorShape, Tensors, seeded_rng};
use serde_json::Value;

/// Tolerance of the runtime in `f32` (mixed absolute/relative, see the module docs).
const F32_TOLERANCE: f64 = 1e-5;
/// Tolerance of the runtime in `f64` (mixed absolute/relative, see the module docs).
const F64_TOLERANCE: f64 = 1e-9;

macro_rules! fixture {
    ($name:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $name)
    };
}

// ---------------------------------------------------------------------------------------------
// Reading fixtures
// ---------------------------------------------------------------------------------------------

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read fixture {path}: {e} (see gen_reference.py)"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {path} is not JSON: {e}"))
}

/// `value[key]`, panicking with the key's name if it is missing.
fn at<'a>(value: &'a Value, key: &str) -> &'a Value {
    value
        .get(key)
        .unwrap_or_else(|| panic!("fixture has no key `{key}`"))
}

/// The flat data of a `{"shape", "data"}` tensor.
fn data(tensor: &Value) -> Vec<f64> {
    at(tensor, "data")
        .as_array()
        .expect("`data` is a list")
        .iter()
        .map(|v| v.as_f64().expect("`data` holds numbers"))
        .collect()
}

fn shape(tensor: &Value) -> Vec<usize> {
    at(tensor, "shape")
        .as_array()
        .expect("`shape` is a list")
        .iter()
        .map(|v| v.as_u64().expect("`shape` holds sizes") as usize)
        .collect()
}

/// A `{"shape", "data"}` tensor of rank 2, cast to `T`.
fn matrix<T: Float>(tensor: &Value) -> Array2<T> {
    let dims = shape(tensor);
    assert_eq!(dims.len(), 2, "expected a matrix, got shape {dims:?}");
    Array2::from_shape_vec((dims[0], dims[1]), cast(&data(tensor))).expect("shape matches data")
}

/// Integer labels of a `{"shape", "data"}` tensor.
fn labels(tensor: &Value) -> Vec<usize> {
    at(tensor, "data")
        .as_array()
        .expect("`data` is a list")
        .iter()
        .map(|v| v.as_u64().expect("labels are non-negative integers") as usize)
        .collect()
}

fn cast<T: Float>(values: &[f64]) -> Vec<T> {
    values.iter().map(|&v| T::cast(v)).collect()
}

fn flat<T: Float>(values: ArrayView2<'_, T>) -> Vec<T> {
    values.iter().copied().collect()
}

/// The names of a JSON object's keys.
fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .expect("expected an object")
        .keys()
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------------------------

/// Collects comparisons of one test in one precision and reports every failure at the end.
struct Checker {
    label: String,
    tolerance: f64,
    checked: usize,
    /// The largest `|got - expected| / max(1, |expected|)` seen.
    worst: f64,
    failures: Vec<String>,
}

impl Checker {
    /// A checker for the runtime in `T` against `fixture` (float64, so both precisions compare).
    fn new<T: Float>(label: &str, fixture: &Value) -> Self {
        let dtype = at(at(fixture, "meta"), "dtype").as_str().expect("dtype");
        assert_eq!(
            dtype, "float64",
            "{label}: the fixtures are generated in float64"
        );
        let tolerance = match T::DTYPE {
            "F32" => F32_TOLERANCE,
            _ => F64_TOLERANCE,
        };
        Self {
            label: format!("{label} ({})", T::DTYPE),
            tolerance,
            checked: 0,
            worst: 0.0,
            failures: Vec::new(),
        }
    }

    /// Checks `got` against `expected` element by element.
    fn close<T: Float>(&mut self, what: &str, got: &[T], expected: &[f64]) {
        if got.len() != expected.len() {
            self.failures.push(format!(
                "{what}: {} values, expected {}",
                got.len(),
                expected.len()
            ));
            return;
        }
        for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
            self.checked += 1;
            let g = g.as_f64();
            let diff = (g - e).abs();
            let bound = self.tolerance * e.abs().max(1.0);
            self.worst = self.worst.max(diff / e.abs().max(1.0));
            if diff.is_nan() || diff > bound {
                self.failures.push(format!(
                    "{what}[{i}]: got {g:.17e}, expected {e:.17e}, |diff| {diff:.3e} \
                     (relative {:.3e}, bound {bound:.1e})",
                    diff / e.abs().max(f64::MIN_POSITIVE)
                ));
            }
        }
    }

    fn scalar<T: Float>(&mut self, what: &str, got: T, expected: &Value) {
        let expected = expected.as_f64().expect("a number");
        self.close(what, &[got], &[expected]);
    }

    /// Panics listing every failure, if any.
    fn finish(self) {
        assert!(self.checked > 0, "{}: nothing was checked", self.label);
        if !self.failures.is_empty() {
            panic!(
                "{}: {} of {} values out of tolerance {:.0e}:\n  {}",
                self.label,
                self.failures.len(),
                self.checked,
                self.tolerance,
                self.failures.join("\n  ")
            );
        }
        eprintln!(
            "{}: {} values within {:.0e} (worst {:.1e})",
            self.label, self.checked, self.tolerance, self.worst
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Activations
// ---------------------------------------------------------------------------------------------

/// Checks a pointwise activation's value and derivative on `x`, both through [`Pointwise`]
/// and through the batch [`Activation`] implementation (forward, then backward of ones).
fn check_pointwise<T: Float, P: Pointwise>(
    c: &mut Checker,
    name: &str,
    activation: P,
    x: &[f64],
    entry: &Value,
) {
    let value = data(at(entry, "value"));
    let derivative = data(at(entry, "derivative"));
    let z: Vec<T> = cast(x);
    let a: Vec<T> = z.iter().map(|&z| activation.value(z)).collect();
    let d: Vec<T> = z
        .iter()
        .zip(&a)
        .map(|(&z, &a)| activation.derivative(z, a))
        .collect();
    c.close(&format!("{name} value"), &a, &value);
    c.close(&format!("{name} derivative"), &d, &derivative);

    let n = z.len();
    let z = Array2::from_shape_vec((1, n), z).expect("one row");
    let mut a = Array2::zeros((1, n));
    let mut batch = activation.clone();
    Activation::<T>::forward_train(&mut batch, z.view(), a.view_mut(), &mut seeded_rng(0));
    let ones = Array2::<T>::ones((1, n));
    let mut grad_z = Array2::zeros((1, n));
    Activation::<T>::backward(
        &mut batch,
        z.view(),
        a.view(),
        ones.view(),
        grad_z.view_mut(),
    );
    c.close(&format!("{name} forward_train"), &flat(a.view()), &value);
    c.close(
        &format!("{name} backward"),
        &flat(grad_z.view()),
        &derivative,
    );
}

fn keras_activations<T: Float>() {
    let fixture = load(fixture!("keras_activations.json"));
    let mut c = Checker::new::<T>("keras activations", &fixture);
    let x = data(at(&fixture, "x"));
    let pointwise = at(&fixture, "pointwise");
    let mut covered = Vec::new();
    macro_rules! check {
        ($name:literal, $activation:expr) => {{
            covered.push($name.to_owned());
            check_pointwise::<T, _>(&mut c, $name, $activation, &x, at(pointwise, $name));
        }};
    }
    check!("sigmoid", Sigmoid);
    check!("tanh", Tanh);
    check!("relu", Relu);
    check!("leaky_relu_0.2", LeakyRelu::new(0.2).unwrap());
    check!("elu_1", Elu::default());
    check!("elu_0.7", Elu::new(0.7).unwrap());
    check!("selu", Selu);
    check!("gelu_exact", Gelu::exact());
    check!("gelu_tanh", Gelu::tanh_approximation());
    check!("silu", Swish);
    check!("swish", Swish);
    check!("linear", Linear);
    let mut in_fixture = keys(pointwise);
    in_fixture.sort();
    covered.sort();
    assert_eq!(in_fixture, covered, "every fixture activation is checked");

    let softmax = at(&fixture, "softmax");
    let z = matrix::<T>(at(softmax, "z"));
    let grad_a = matrix::<T>(at(softmax, "grad_a"));
    let mut a = Array2::zeros(z.dim());
    let mut grad_z = Array2::zeros(z.dim());
    let mut act = Softmax;
    Activation::<T>::forward_train(&mut act, z.view(), a.view_mut(), &mut seeded_rng(0));
    Activation::<T>::backward(
        &mut act,
        z.view(),
        a.view(),
        grad_a.view(),
        grad_z.view_mut(),
    );
    c.close(
        "softmax value",
        &flat(a.view()),
        &data(at(softmax, "value")),
    );
    c.close(
        "softmax grad_z",
        &flat(grad_z.view()),
        &data(at(softmax, "grad_z")),
    );
    let mut inferred = z.clone();
    Activation::<T>::infer_in_place(&act, inferred.view_mut());
    c.close(
        "softmax infer",
        &flat(inferred.view()),
        &data(at(softmax, "value")),
    );
    c.finish();
}

#[test]
fn keras_activations_f32() {
    keras_activations::<f32>();
}

#[test]
fn keras_activations_f64() {
    keras_activations::<f64>();
}

// ---------------------------------------------------------------------------------------------
// Batch normalization
// ---------------------------------------------------------------------------------------------

/// Overwrites the tensor called `name` (gamma, beta, ...) of `layer`.
fn set_tensor<T: Float>(layer: &mut impl Tensors<T>, name: &str, values: &[f64]) {
    let mut found = false;
    layer.visit_tensors_mut(&mut |t| {
        if t.name == name {
            assert_eq!(t.data.len(), values.len(), "length of `{name}`");
            t.data
                .iter_mut()
                .zip(values)
                .for_each(|(d, &v)| *d = T::cast(v));
            found = true;
        }
    });
    assert!(found, "the layer has no tensor `{name}`");
}

/// One training forward, inference on the same input, and backward of `sum(output * G)`;
/// checks all against `expected` (Keras' or PyTorch's names for the running statistics).
fn check_batch_norm<T: Float>(
    c: &mut Checker,
    prefix: &str,
    mut bn: BatchNorm<4, T>,
    expected: &Value,
    (mean_key, variance_key): (&str, &str),
) {
    set_tensor(&mut bn, "gamma", &data(at(expected, "gamma")));
    set_tensor(&mut bn, "beta", &data(at(expected, "beta")));
    let x = matrix::<T>(at(expected, "x"));
    let g = matrix::<T>(at(expected, "G"));
    let train = flat(
        bn.forward_train(x.view(), &mut seeded_rng(0))
            .expect("training forward"),
    );
    c.close(
        &format!("{prefix} train_output"),
        &train,
        &data(at(expected, "train_output")),
    );
    c.close(
        &format!("{prefix} {mean_key}"),
        bn.moving_mean().as_slice().unwrap(),
        &data(at(expected, mean_key)),
    );
    c.close(
        &format!("{prefix} {variance_key}"),
        bn.moving_variance().as_slice().unwrap(),
        &data(at(expected, variance_key)),
    );
    let mut infer = Array2::zeros(x.dim());
    bn.forward_infer(x.view(), infer.view_mut())
        .expect("inference forward");
    c.close(
        &format!("{prefix} infer_output"),
        &flat(infer.view()),
        &data(at(expected, "infer_output")),
    );
    let grad_x = flat(bn.backward(x.view(), g.view()).expect("backward"));
    c.close(
        &format!("{prefix} grad_x"),
        &grad_x,
        &data(at(expected, "grad_x")),
    );
    c.close(
        &format!("{prefix} grad_gamma"),
        bn.gamma_grad().as_slice().unwrap(),
        &data(at(expected, "grad_gamma")),
    );
    c.close(
        &format!("{prefix} grad_beta"),
        bn.beta_grad().as_slice().unwrap(),
        &data(at(expected, "grad_beta")),
    );
}

fn keras_batchnorm<T: Float>() {
    let fixture = load(fixture!("keras_batchnorm.json"));
    let mut c = Checker::new::<T>("keras batch norm", &fixture);
    let bn = BatchNorm::<4, T>::new();
    assert_eq!(Some(bn.momentum()), at(&fixture, "momentum").as_f64());
    assert_eq!(Some(bn.epsilon()), at(&fixture, "epsilon").as_f64());
    check_batch_norm(
        &mut c,
        "BatchNormalization()",
        bn,
        &fixture,
        ("moving_mean", "moving_variance"),
    );
    c.finish();
}

#[test]
fn keras_batchnorm_f32() {
    keras_batchnorm::<f32>();
}

#[test]
fn keras_batchnorm_f64() {
    keras_batchnorm::<f64>();
}

// ---------------------------------------------------------------------------------------------
// Optimizers
// ---------------------------------------------------------------------------------------------

/// One weight vector and its gradient: the smallest model an optimizer can step.
struct Vector<T> {
    w: Vec<T>,
    g: Vec<T>,
}

impl<T: Float> Parameters<T> for Vector<T> {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        visit(ParamMut {
            layer: "model",
            name: "w",
            shape: TensorShape::from([self.w.len()]),
            value: &mut self.w,
            grad: &self.g,
        });
    }
}

/// Checks two steps of `optimizer` from `w0` with gradients `g1`, then `g2`.
fn check_two_steps<T: Float>(
    c: &mut Checker,
    name: &str,
    optimizer: &mut dyn Optimizer<T>,
    inputs: &Value,
    expected: &Value,
) {
    let mut model = Vector {
        w: cast::<T>(&data(at(inputs, "w0"))),
        g: cast::<T>(&data(at(inputs, "g1"))),
    };
    optimizer.step(&mut model).expect("step 1");
    c.close(
        &format!("{name} step1"),
        &model.w,
        &data(at(expected, "step1")),
    );
    model.g = cast(&data(at(inputs, "g2")));
    optimizer.step(&mut model).expect("step 2");
    c.close(
        &format!("{name} step2"),
        &model.w,
        &data(at(expected, "step2")),
    );
}

fn keras_optimizers<T: Float>() {
    let fixture = load(fixture!("keras_optimizers.json"));
    let mut c = Checker::new::<T>("keras optimizers", &fixture);
    let cases: Vec<(&str, Box<dyn Optimizer<T>>)> = vec![
        ("sgd", Box::new(Sgd::new(0.1).unwrap())),
        (
            "sgd_momentum",
            Box::new(Sgd::new(0.1).unwrap().momentum(0.9).unwrap()),
        ),
        (
            "sgd_nesterov",
            Box::new(Sgd::new(0.1).unwrap().momentum(0.9).unwrap().nesterov(true)),
        ),
        ("adam", Box::new(Adam::new(0.01).unwrap())),
        ("adamw", Box::new(AdamW::new(0.01).unwrap())),
        ("rmsprop", Box::new(RmsProp::new(0.01).unwrap())),
        (
            "adam_global_clipnorm",
            Box::new(
                Adam::new(0.01)
                    .unwrap()
                    .clip(GradientClip::GlobalNorm(1.0))
                    .unwrap(),
            ),
        ),
        (
            "sgd_clipvalue",
            Box::new(
                Sgd::new(0.1)
                    .unwrap()
                    .clip(GradientClip::Value(0.05))
                    .unwrap(),
            ),
        ),
    ];
    let expected = at(&fixture, "optimizers");
    let mut covered: Vec<String> = cases.iter().map(|(n, _)| (*n).to_owned()).collect();
    for (name, mut optimizer) in cases {
        check_two_steps(
            &mut c,
            name,
            optimizer.as_mut(),
            &fixture,
            at(expected, name),
        );
    }
    let mut in_fixture = keys(expected);
    in_fixture.sort();
    covered.sort();
    assert_eq!(in_fixture, covered, "every fixture optimizer is checked");
    c.finish();
}

#[test]
fn keras_optimizers_f32() {
    keras_optimizers::<f32>();
}

#[test]
fn keras_optimizers_f64() {
    keras_optimizers::<f64>();
}

// ---------------------------------------------------------------------------------------------
// Losses
// ---------------------------------------------------------------------------------------------

type LossFn<T> =
    fn(ArrayView2<'_, T>, Targets<'_, T>, ndarray::ArrayViewMut2<'_, T>) -> nn_runtime::Result<T>;

fn keras_losses<T: Float>() {
    let fixture = load(fixture!("keras_losses.json"));
    let mut c = Checker::new::<T>("keras losses", &fixture);
    let cases: [(&str, LossFn<T>, bool); 6] = [
        ("mean_squared_error", mean_squared_error, false),
        (
            "categorical_crossentropy_logits",
            softmax_cross_entropy,
            false,
        ),
        ("categorical_crossentropy_probs", cross_entropy, false),
        (
            "sparse_categorical_crossentropy_logits",
            softmax_cross_entropy,
            true,
        ),
        ("binary_crossentropy_probs", binary_cross_entropy, false),
        (
            "binary_crossentropy_logits",
            binary_cross_entropy_with_logits,
            false,
        ),
    ];
    let all = at(&fixture, "cases");
    let mut covered = Vec::new();
    for (name, loss_fn, sparse) in cases {
        covered.push(name.to_owned());
        let case = at(all, name);
        let pred = matrix::<T>(at(case, "y_pred"));
        let mut grad = Array2::zeros(pred.dim());
        let dense;
        let classes;
        let targets = if sparse {
            classes = labels(at(case, "y_true"));
            Targets::Classes(&classes)
        } else {
            dense = matrix::<T>(at(case, "y_true"));
            Targets::Dense(dense.view())
        };
        let loss = loss_fn(pred.view(), targets, grad.view_mut()).expect(name);
        c.scalar(&format!("{name} loss"), loss, at(case, "loss"));
        c.close(
            &format!("{name} grad_pred"),
            &flat(grad.view()),
            &data(at(case, "grad_pred")),
        );
    }
    let mut in_fixture = keys(all);
    in_fixture.sort();
    covered.sort();
    assert_eq!(in_fixture, covered, "every fixture loss is checked");
    c.finish();
}

#[test]
fn keras_losses_f32() {
    keras_losses::<f32>();
}

#[test]
fn keras_losses_f64() {
    keras_losses::<f64>();
}

// ---------------------------------------------------------------------------------------------
// PyTorch conventions
// ---------------------------------------------------------------------------------------------

fn torch_fixture() -> Value {
    load(fixture!("torch_conventions.json"))
}

fn torch_conventions<T: Float>() {
    let fixture = torch_fixture();
    let mut c = Checker::new::<T>("pytorch conventions", &fixture);
    let x = data(at(&fixture, "x"));
    let leaky = at(&fixture, "leaky_relu_default");
    let slope = at(leaky, "negative_slope").as_f64().unwrap();
    assert_eq!(LeakyRelu::default().alpha(), slope);
    check_pointwise::<T, _>(&mut c, "leaky_relu()", LeakyRelu::default(), &x, leaky);
    check_pointwise::<T, _>(
        &mut c,
        "F.gelu",
        Gelu::exact(),
        &x,
        at(&fixture, "gelu_exact"),
    );
    check_pointwise::<T, _>(
        &mut c,
        "F.gelu(tanh)",
        Gelu::tanh_approximation(),
        &x,
        at(&fixture, "gelu_tanh"),
    );

    let bn1d = at(&fixture, "batchnorm1d");
    let torch_momentum = at(bn1d, "momentum").as_f64().unwrap();
    let eps = at(bn1d, "eps").as_f64().unwrap();
    let bn = BatchNorm::<4, T>::new()
        .with_momentum(1.0 - torch_momentum)
        .unwrap()
        .with_epsilon(eps)
        .unwrap()
        .with_unbiased_running_variance(true);
    check_batch_norm(
        &mut c,
        "BatchNorm1d",
        bn,
        bn1d,
        ("running_mean", "running_var"),
    );
    let bn = BatchNorm::<4, T>::pytorch();
    check_batch_norm(
        &mut c,
        "BatchNorm::pytorch()",
        bn,
        bn1d,
        ("running_mean", "running_var"),
    );

    let rrelu = at(&fixture, "rrelu_eval");
    let act = RRelu::<T>::default();
    assert_eq!(
        act.bounds(),
        (
            at(rrelu, "lower").as_f64().unwrap(),
            at(rrelu, "upper").as_f64().unwrap()
        )
    );
    let mut values = matrix::<T>(at(rrelu, "x"));
    act.infer_in_place(values.view_mut());
    c.close(
        "RReLU eval",
        &flat(values.view()),
        &data(at(rrelu, "value")),
    );

    let prelu = at(&fixture, "prelu");
    let z = matrix::<T>(at(prelu, "x"));
    let g = matrix::<T>(at(prelu, "G"));
    let mut act = PRelu::<T>::new(z.ncols());
    let mut a = Array2::zeros(z.dim());
    let mut grad_z = Array2::zeros(z.dim());
    act.forward_train(z.view(), a.view_mut(), &mut seeded_rng(0));
    act.backward(z.view(), a.view(), g.view(), grad_z.view_mut());
    c.close("PReLU value", &flat(a.view()), &data(at(prelu, "value")));
    c.close(
        "PReLU grad_x",
        &flat(grad_z.view()),
        &data(at(prelu, "grad_x")),
    );
    c.close(
        "PReLU grad_weight",
        act.alpha_grad().as_slice().unwrap(),
        &data(at(prelu, "grad_weight")),
    );
    c.finish();
}

#[test]
fn torch_conventions_f32() {
    torch_conventions::<f32>();
}

#[test]
fn torch_conventions_f64() {
    torch_conventions::<f64>();
}

/// Two steps of an optimizer whose epsilon is set anew before each step (`epsilon(t)` for step
/// `t`, from 1), from `w0` with gradients `g1`, then `g2`.
fn check_two_steps_with_epsilon<T: Float, O: Optimizer<T>>(
    c: &mut Checker,
    name: &str,
    mut optimizer: O,
    set_epsilon: impl Fn(O, f64) -> O,
    epsilon: impl Fn(i32) -> f64,
    inputs: &Value,
    expected: &Value,
) {
    let mut model = Vector {
        w: cast::<T>(&data(at(inputs, "w0"))),
        g: Vec::new(),
    };
    for (t, g) in [(1, "g1"), (2, "g2")] {
        optimizer = set_epsilon(optimizer, epsilon(t));
        model.g = cast(&data(at(inputs, g)));
        optimizer.step(&mut model).expect("step");
        c.close(
            &format!("{name} step{t}"),
            &model.w,
            &data(at(expected, &format!("step{t}"))),
        );
    }
}

/// PyTorch's `Adam(lr=0.01)` and `AdamW(lr=0.01)` (eps 1e-8, AdamW weight decay 0.01). The
/// runtime keeps Keras' epsilon ("epsilon hat", added after the bias correction of the step
/// size); PyTorch's `eps` at step `t` is Keras' `eps · sqrt(1 - beta2^t)`, so setting that
/// epsilon before each step must reproduce PyTorch exactly (the mapping in `Adam`'s docs).
fn torch_adam<T: Float>() {
    let fixture = torch_fixture();
    let mut c = Checker::new::<T>("pytorch adam/adamw", &fixture);
    let optimizers = at(&fixture, "optimizers");
    for name in ["adam", "adamw"] {
        let expected = at(optimizers, name);
        let config = at(expected, "config");
        let lr = at(config, "lr").as_f64().unwrap();
        let eps = at(config, "eps").as_f64().unwrap();
        let betas = at(config, "betas").as_array().unwrap();
        let (beta1, beta2) = (betas[0].as_f64().unwrap(), betas[1].as_f64().unwrap());
        let keras_epsilon = |t: i32| eps * (1.0 - beta2.powi(t)).sqrt();
        if name == "adam" {
            assert_eq!(at(config, "weight_decay").as_f64(), Some(0.0));
            let adam = Adam::<T>::new(lr).unwrap().betas(beta1, beta2).unwrap();
            let set = |o: Adam<T>, e| o.epsilon(e).unwrap();
            check_two_steps_with_epsilon(
                &mut c,
                "Adam",
                adam,
                set,
                keras_epsilon,
                optimizers,
                expected,
            );
        } else {
            let weight_decay = at(config, "weight_decay").as_f64().unwrap();
            let adamw = AdamW::<T>::new(lr)
                .unwrap()
                .betas(beta1, beta2)
                .unwrap()
                .weight_decay(weight_decay)
                .unwrap();
            let set = |o: AdamW<T>, e| o.epsilon(e).unwrap();
            check_two_steps_with_epsilon(
                &mut c,
                "AdamW",
                adamw,
                set,
                keras_epsilon,
                optimizers,
                expected,
            );
        }
    }
    c.finish();
}

#[test]
fn torch_adam_f32() {
    torch_adam::<f32>();
}

#[test]
fn torch_adam_f64() {
    torch_adam::<f64>();
}

/// PyTorch's `RMSprop(lr=0.01)` (alpha 0.99, eps 1e-8) against the runtime given the same
/// hyperparameters and PyTorch's epsilon placement (outside the square root).
fn torch_rmsprop<T: Float>() {
    let fixture = torch_fixture();
    let mut c = Checker::new::<T>("pytorch rmsprop", &fixture);
    let optimizers = at(&fixture, "optimizers");
    let expected = at(optimizers, "rmsprop");
    let config = at(expected, "config");
    let mut rmsprop = RmsProp::<T>::new(at(config, "lr").as_f64().unwrap())
        .unwrap()
        .rho(at(config, "alpha").as_f64().unwrap())
        .unwrap()
        .epsilon(at(config, "eps").as_f64().unwrap())
        .unwrap()
        .epsilon_outside_sqrt(true);
    check_two_steps(&mut c, "RMSprop", &mut rmsprop, optimizers, expected);
    c.finish();
}

#[test]
fn torch_rmsprop_f32() {
    torch_rmsprop::<f32>();
}

#[test]
fn torch_rmsprop_f64() {
    torch_rmsprop::<f64>();
}
