//! Every layer, activation, initializer and option of the grammar expands to a network that
//! builds and runs: the generated field types, constructors and trait impls all typecheck.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! {
    /// Declared output, explicit layer input, keyword options, opt-outs.
    pub(crate) Declared(64) -> 10 <
        dense(128, he_normal), batchnorm(momentum = 0.9, epsilon = 1e-5), relu, dropout(0.2),
        dense(64, leaky_relu(0.2), l2 = 1e-4, input = 128),
        dense(10, softmax),
    >
}

network! {
    Experiments(8) < dense(4, relu, random_normal(0.05), allow = init_mismatch), dense(2, sigmoid) >
}

network! {
    EveryActivation(6) <
        dense(6, relu), dense(6, leaky_relu), dense(6, prelu), dense(6, rrelu(0.1, 0.3)),
        dense(6, elu(0.5)), dense(6, gelu), dense(6, gelu(tanh)), dense(6, swish),
        dense(6, tanh), dense(6, selu, lecun_uniform), alpha_dropout(0.05),
        dense(6, he_uniform), prelu, dense(6, glorot_normal), batchnorm, sigmoid,
        dense(3, l1 = 0.001, bias = false), linear
    >
}

fn batch(rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        ((i * 5 + j * 3) % 7) as f32 / 7.0 - 0.4
    })
}

/// Runs one training forward and backward and an inference pass; checks the shapes.
fn exercise<N: Network>(net: &mut N, rows: usize) {
    let x = batch(rows, N::INPUT);
    assert_eq!(
        net.forward_train(x.view()).unwrap().dim(),
        (rows, N::OUTPUT)
    );
    let grad = Array2::<f32>::ones((rows, N::OUTPUT));
    let input_grad = net.backward(grad.view(), GradientOf::Output).unwrap();
    assert_eq!(input_grad.dim(), (rows, N::INPUT));
    assert!(input_grad.iter().all(|g| g.is_finite()));
    let y = net.predict(x.view()).unwrap();
    assert_eq!(y.dim(), (rows, N::OUTPUT));
}

#[test]
fn every_form_of_the_grammar_builds_and_runs() {
    exercise(&mut Declared::new(1), 5);
    exercise(&mut Experiments::new(2), 5);
    exercise(&mut EveryActivation::new(3), 5);
    let prelus = EveryActivation::new(3)
        .summary()
        .layers()
        .iter()
        .filter(|l| l.activation == "prelu")
        .map(|l| l.params)
        .collect::<Vec<_>>();
    assert_eq!(prelus, [6 * 6 + 6 + 6, 6]);
}

#[test]
fn networks_expand_inside_functions_too() {
    network! {
        Local(3) < dense(2, tanh), dense(1, sigmoid) >
    }
    exercise(&mut Local::new(0), 2);
}

#[test]
fn keyword_options_reach_the_layers() {
    let net = Declared::new(4);
    assert_eq!(net.batch_norm_1.momentum(), 0.9);
    assert_eq!(net.batch_norm_1.epsilon(), 1e-5);
    assert!(
        net.dense_0.bias().is_none(),
        "a linear dense before batchnorm has no bias"
    );
    assert_eq!(net.dense_4.penalties(), (0.0, 1e-4));
    assert_eq!(net.dropout_3.rate(), 0.2);
}
