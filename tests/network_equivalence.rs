//! A `network!` network computes exactly what the same layers, built and wired by hand from the
//! runtime, compute: bit for bit, in `f32` and `f64`.
//!
//! The generated `seeded(seed)` seeds one RNG, draws every dense kernel from it in field order,
//! names each layer after its field, and then hands the same RNG to the training-mode layers
//! (dropout masks). `Hand` below does the same with the public runtime API. Any difference in
//! training outputs, input gradients, parameter gradients, kept state, inference outputs or
//! weights after optimizer steps is reported with the first element that differs.

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};
use nn::{ParamMut, SeededRng, TensorRef};

network! {
    Net(6) <
        dense(8, he_normal), batchnorm, relu, dropout(0.25),
        dense(8, tanh, l2 = 1e-3), dense(3, softmax)
    >
}

/// `Net`, written out by hand.
struct Hand<T: Float> {
    dense_0: Dense<6, 8, Linear, T>,
    batch_norm_1: BatchNorm<8, T>,
    relu_2: ActivationLayer<8, Relu, T>,
    dropout_3: Dropout<8, T>,
    dense_4: Dense<8, 8, Tanh, T>,
    dense_5: Dense<8, 3, Softmax, T>,
    rng: SeededRng,
    input: Array2<T>,
}

impl<T: Float> Hand<T> {
    fn new(seed: u64) -> nn::Result<Self> {
        let mut rng = seeded_rng(seed);
        let dense_0 = Dense::new(Linear, Initializer::HeNormal, &mut rng)
            .without_bias()
            .named("dense_0");
        let batch_norm_1 = BatchNorm::new().named("batch_norm_1");
        let relu_2 = ActivationLayer::new(Relu).named("relu_2");
        let dropout_3 = Dropout::new(0.25)?.named("dropout_3");
        let dense_4 = Dense::new(Tanh, Initializer::GlorotUniform, &mut rng)
            .with_penalties(0.0, 1e-3)?
            .named("dense_4");
        let dense_5 = Dense::new(Softmax, Initializer::GlorotUniform, &mut rng).named("dense_5");
        Ok(Self {
            dense_0,
            batch_norm_1,
            relu_2,
            dropout_3,
            dense_4,
            dense_5,
            rng,
            input: Array2::zeros((0, 6)),
        })
    }

    fn forward_train(&mut self, input: ArrayView2<'_, T>) -> nn::Result<Array2<T>> {
        self.input = input.to_owned();
        let rng = &mut self.rng;
        let x = self.dense_0.forward_train(input, rng)?;
        let x = self.batch_norm_1.forward_train(x, rng)?;
        let x = self.relu_2.forward_train(x, rng)?;
        let x = self.dropout_3.forward_train(x, rng)?;
        let x = self.dense_4.forward_train(x, rng)?;
        let x = self.dense_5.forward_train(x, rng)?;
        Ok(x.to_owned())
    }

    fn backward(&mut self, grad: ArrayView2<'_, T>, of: GradientOf) -> nn::Result<Array2<T>> {
        let g = match of {
            GradientOf::Output => self.dense_5.backward(self.dense_4.output(), grad)?,
            GradientOf::PreActivation => self
                .dense_5
                .backward_from_pre_activation(self.dense_4.output(), grad)?,
        };
        let g = self.dense_4.backward(self.dropout_3.output(), g)?;
        let g = self.dropout_3.backward(self.relu_2.output(), g)?;
        let g = self.relu_2.backward(self.batch_norm_1.output(), g)?;
        let g = self.batch_norm_1.backward(self.dense_0.output(), g)?;
        let g = self.dense_0.backward(self.input.view(), g)?;
        Ok(g.to_owned())
    }

    fn predict(&self, input: ArrayView2<'_, T>) -> nn::Result<Array2<T>> {
        let x = infer(&self.dense_0, input)?;
        let x = infer(&self.batch_norm_1, x.view())?;
        let x = infer(&self.relu_2, x.view())?;
        let x = infer(&self.dropout_3, x.view())?;
        let x = infer(&self.dense_4, x.view())?;
        infer(&self.dense_5, x.view())
    }

    fn penalty(&self) -> T {
        self.dense_0.penalty() + self.dense_4.penalty() + self.dense_5.penalty()
    }

    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        self.dense_0.visit_tensors(visit);
        self.batch_norm_1.visit_tensors(visit);
        self.relu_2.visit_tensors(visit);
        self.dropout_3.visit_tensors(visit);
        self.dense_4.visit_tensors(visit);
        self.dense_5.visit_tensors(visit);
    }
}

impl<T: Float> Parameters<T> for Hand<T> {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        self.dense_0.visit_params(visit);
        self.batch_norm_1.visit_params(visit);
        self.relu_2.visit_params(visit);
        self.dropout_3.visit_params(visit);
        self.dense_4.visit_params(visit);
        self.dense_5.visit_params(visit);
    }
}

fn infer<T: Float, L: Layer<T>>(layer: &L, input: ArrayView2<'_, T>) -> nn::Result<Array2<T>> {
    let mut output = Array2::zeros((input.nrows(), layer.output_width()));
    layer.forward_infer(input, output.view_mut())?;
    Ok(output)
}

/// Asserts `a` and `b` hold the same bits, naming the first element that differs.
#[track_caller]
fn assert_bits_eq<'a, T: Float>(
    what: &str,
    a: impl IntoIterator<Item = &'a T>,
    b: impl IntoIterator<Item = &'a T>,
) {
    let (a, b): (Vec<T>, Vec<T>) = (
        a.into_iter().copied().collect(),
        b.into_iter().copied().collect(),
    );
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    if let Some(index) = (0..a.len()).find(|&i| a[i].as_f64().to_bits() != b[i].as_f64().to_bits())
    {
        panic!(
            "{what}: element {index} differs: network! gives {:e}, by hand {:e} ({} elements)",
            a[index].as_f64(),
            b[index].as_f64(),
            a.len()
        );
    }
}

/// One parameter or tensor as visited: its key, shape and contents.
struct Visited<T> {
    key: String,
    shape: Vec<usize>,
    value: Vec<T>,
    grad: Vec<T>,
}

fn params<T: Float>(model: &mut dyn Parameters<T>) -> Vec<Visited<T>> {
    let mut all = Vec::new();
    model.visit_params(&mut |p| {
        all.push(Visited {
            key: format!("{}.{}", p.layer, p.name),
            shape: p.shape.dims().to_vec(),
            value: p.value.to_vec(),
            grad: p.grad.to_vec(),
        })
    });
    all
}

fn tensors<T: Float>(visit: impl FnOnce(&mut dyn FnMut(TensorRef<'_, T>))) -> Vec<Visited<T>> {
    let mut all = Vec::new();
    visit(&mut |t| {
        all.push(Visited {
            key: format!("{}.{} ({:?})", t.layer, t.name, t.kind),
            shape: t.shape.dims().to_vec(),
            value: t.data.to_vec(),
            grad: Vec::new(),
        })
    });
    all
}

#[track_caller]
fn assert_same_visits<T: Float>(when: &str, net: &[Visited<T>], hand: &[Visited<T>]) {
    let keys = |v: &[Visited<T>]| v.iter().map(|p| p.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(net), keys(hand), "{when}: visit order");
    for (n, h) in net.iter().zip(hand) {
        assert_eq!(n.shape, h.shape, "{when}: shape of {}", n.key);
        assert_bits_eq(&format!("{when}: value of {}", n.key), &n.value, &h.value);
        assert_bits_eq(&format!("{when}: gradient of {}", n.key), &n.grad, &h.grad);
    }
}

#[track_caller]
fn assert_same_state<T: Float>(when: &str, net: &mut Net<T>, hand: &mut Hand<T>) {
    assert_same_visits(when, &params(net), &params(hand));
    let net_tensors = tensors(|visit| Tensors::visit_tensors(&*net, visit));
    let hand_tensors = tensors(|visit| hand.visit_tensors(visit));
    assert_same_visits(when, &net_tensors, &hand_tensors);
}

fn batch<T: Float>(rows: usize, salt: usize) -> Array2<T> {
    Array2::from_shape_fn((rows, 6), |(i, j)| {
        T::cast(((i * 7 + j * 3 + salt) % 13) as f64 / 6.5 - 1.0)
    })
}

/// A gradient with respect to the output, varied so every element matters.
fn output_gradient<T: Float>(rows: usize, step: usize) -> Array2<T> {
    Array2::from_shape_fn((rows, 3), |(i, j)| {
        T::cast(((i * 5 + j * 2 + step) % 7) as f64 / 7.0 - 0.45)
    })
}

fn check_equivalence<T: Float>(mut net: Net<T>, seed: u64) -> nn::Result<()> {
    let mut hand = Hand::<T>::new(seed)?;
    assert_same_state("initial", &mut net, &mut hand);
    let rows = 10;
    let labels: Vec<usize> = (0..rows).map(|i| (i * 2 + 1) % 3).collect();
    let mut net_sgd = Sgd::<T>::new(0.05)?.momentum(0.9)?;
    let mut hand_sgd = Sgd::<T>::new(0.05)?.momentum(0.9)?;

    for step in 0..4 {
        let at = |what: &str| format!("step {step}: {what}");
        let x = batch::<T>(rows, step);

        let net_output = net.forward_train(x.view())?.to_owned();
        let hand_output = hand.forward_train(x.view())?;
        assert_bits_eq(&at("training output"), &net_output, &hand_output);
        assert_bits_eq(
            &at("pre-activation"),
            net.pre_activation(),
            hand.dense_5.pre_activation(),
        );
        assert_bits_eq(
            &at("dropout mask"),
            net.dropout_3.mask(),
            hand.dropout_3.mask(),
        );
        assert_bits_eq(&at("penalty"), [&net.penalty()], [&hand.penalty()]);

        // Backward from a gradient of the output.
        let grad = output_gradient::<T>(rows, step);
        let net_input_grad = net.backward(grad.view(), GradientOf::Output)?.to_owned();
        let hand_input_grad = hand.backward(grad.view(), GradientOf::Output)?;
        assert_bits_eq(
            &at("input gradient (of the output)"),
            &net_input_grad,
            &hand_input_grad,
        );
        assert_same_state(&at("after backward of the output"), &mut net, &mut hand);

        // Backward from the fused softmax cross-entropy's gradient of the pre-activation.
        let mut grad = Array2::zeros((rows, 3));
        let (_, of) = Loss::CrossEntropy.evaluate(
            <Net<T> as Network<T>>::OUTPUT_ACTIVATION,
            net.output(),
            net.pre_activation(),
            Targets::Classes(&labels),
            grad.view_mut(),
        )?;
        assert_eq!(of, GradientOf::PreActivation);
        let net_input_grad = net.backward(grad.view(), of)?.to_owned();
        let hand_input_grad = hand.backward(grad.view(), of)?;
        assert_bits_eq(
            &at("input gradient (of the pre-activation)"),
            &net_input_grad,
            &hand_input_grad,
        );
        assert_same_state(
            &at("after backward of the pre-activation"),
            &mut net,
            &mut hand,
        );

        let probe = batch::<T>(5, 100 + step);
        assert_bits_eq(
            &at("predict"),
            &net.predict(probe.view())?,
            &hand.predict(probe.view())?,
        );

        net_sgd.step(&mut net)?;
        hand_sgd.step(&mut hand)?;
        assert_same_state(&at("after the optimizer step"), &mut net, &mut hand);
    }
    Ok(())
}

#[test]
fn f32_network_matches_the_hand_built_layers_bit_for_bit() -> nn::Result<()> {
    for seed in [0, 7, 42] {
        check_equivalence::<f32>(Net::new(seed), seed)?;
    }
    Ok(())
}

#[test]
fn f64_network_matches_the_hand_built_layers_bit_for_bit() -> nn::Result<()> {
    for seed in [0, 7, 42] {
        check_equivalence::<f64>(Net::<f64>::seeded(seed), seed)?;
    }
    Ok(())
}
