//! `Network::backward_parameters` writes the same parameter gradients as `Network::backward`,
//! bit for bit, while skipping the first layer's input gradient: for dense and convolutional
//! first layers, a one-layer network (fused loss and not) and a `Chain`.

use nn::network::Chain;
use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};

network! { Mlp(6) < dense(8, tanh), batchnorm, dense(5, relu), dense(3, softmax) > }
network! { Cnn(6, 6, 2) < conv2d(3, 3, relu), maxpool(2), flatten, dense(4, softmax) > }
network! { Single(4) < dense(3, softmax) > }
network! { Head(8) < dense(3, softmax) > }
network! { Body(6) < dense(8, relu) > }

fn inputs(rows: usize, cols: usize) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        ((r * 13 + c * 7) % 17) as f64 / 8.0 - 1.0
    })
}

/// Every parameter gradient of `net`, in order.
fn gradients<N: Parameters<f64>>(net: &mut N) -> Vec<Vec<f64>> {
    let mut all = Vec::new();
    net.visit_params(&mut |param| all.push(param.grad.to_vec()));
    all
}

/// Runs a forward pass and both backward passes on clones of `net`, and compares.
fn same_gradients<N: Network<f64> + Parameters<f64> + Clone>(
    net: &N,
    x: ArrayView2<'_, f64>,
    of: GradientOf,
) {
    let mut full = net.clone();
    let mut parameters = net.clone();
    let rows = x.nrows();
    let grad = Array2::from_shape_fn((rows, N::OUTPUT), |(r, c)| (r as f64 - c as f64) / 10.0);
    full.forward_train(x).unwrap();
    let input_grad = full.backward(grad.view(), of).unwrap().to_owned();
    assert_eq!(input_grad.dim(), (rows, N::INPUT));
    assert!(
        input_grad.iter().any(|&g| g != 0.0),
        "the full pass gives an input gradient"
    );
    parameters.forward_train(x).unwrap();
    parameters.backward_parameters(grad.view(), of).unwrap();
    let (a, b) = (gradients(&mut full), gradients(&mut parameters));
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn parameter_gradients_equal_the_full_backward_pass() {
    for of in [GradientOf::Output, GradientOf::PreActivation] {
        same_gradients(&Mlp::<f64>::seeded(1), inputs(5, 6).view(), of);
        same_gradients(&Cnn::<f64>::seeded(2), inputs(3, 72).view(), of);
        same_gradients(&Single::<f64>::seeded(3), inputs(4, 4).view(), of);
        let chain = Chain::new(Body::<f64>::seeded(4), Head::<f64>::seeded(5));
        same_gradients(&chain, inputs(4, 6).view(), of);
    }
}

#[test]
fn backward_parameters_before_a_forward_pass_is_an_error() {
    let mut net = Mlp::<f64>::seeded(1);
    let grad = Array2::zeros((2, 3));
    let err = net
        .backward_parameters(grad.view(), GradientOf::Output)
        .unwrap_err();
    assert!(matches!(err, nn::Error::InvalidState { .. }), "{err}");
}
