//! Finite-difference checks (f64) of the dense layer with every activation.

mod common;

use common::{Entry, check_layer, random_matrix, random_matrix_away_from_zero};
use nn_runtime::activation::{
    Elu, Gelu, LeakyRelu, Linear, PRelu, RRelu, Relu, Selu, Sigmoid, Softmax, Swish, Tanh,
};
use nn_runtime::{Dense, Initializer, seeded_rng};

fn dense<A: nn_runtime::activation::Activation<f64>>(activation: A) -> Dense<4, 3, A, f64> {
    Dense::new(activation, Initializer::GlorotUniform, &mut seeded_rng(3))
        .with_penalties(0.01, 0.02)
        .unwrap()
}

#[test]
fn dense_linear_gradients_match_finite_differences() {
    let x = random_matrix(5, 4, 1.0, 1);
    check_layer(&mut dense(Linear), &x, 7, Entry::Output);
}

#[test]
fn dense_smooth_activations_gradients_match_finite_differences() {
    let x = random_matrix(5, 4, 1.5, 2);
    check_layer(&mut dense(Sigmoid), &x, 7, Entry::Output);
    check_layer(&mut dense(Tanh), &x, 7, Entry::Output);
    check_layer(&mut dense(Softmax), &x, 7, Entry::Output);
    check_layer(&mut dense(Gelu::exact()), &x, 7, Entry::Output);
    check_layer(&mut dense(Gelu::tanh_approximation()), &x, 7, Entry::Output);
    check_layer(&mut dense(Swish), &x, 7, Entry::Output);
}

/// For kinked activations the kernel is chosen so that no pre-activation lies near zero.
#[test]
fn dense_kinked_activations_gradients_match_finite_differences() {
    let x = random_matrix_away_from_zero(5, 1, 2.0, 0.3, 4);
    let kernel = ndarray::array![[1.0, -1.0, 0.5]];
    let make = |a| Dense::<1, 3, _, f64>::from_weights(a, kernel.clone(), None).unwrap();
    check_layer(&mut make(Relu), &x, 7, Entry::Output);
    check_layer(
        &mut Dense::<1, 3, _, f64>::from_weights(
            LeakyRelu::new(0.2).unwrap(),
            kernel.clone(),
            None,
        )
        .unwrap(),
        &x,
        7,
        Entry::Output,
    );
    check_layer(
        &mut Dense::<1, 3, _, f64>::from_weights(Elu::new(0.7).unwrap(), kernel.clone(), None)
            .unwrap(),
        &x,
        7,
        Entry::Output,
    );
    check_layer(
        &mut Dense::<1, 3, _, f64>::from_weights(Selu, kernel.clone(), None).unwrap(),
        &x,
        7,
        Entry::Output,
    );
    check_layer(
        &mut Dense::<1, 3, _, f64>::from_weights(PRelu::new(3), kernel.clone(), None).unwrap(),
        &x,
        7,
        Entry::Output,
    );
    check_layer(
        &mut Dense::<1, 3, _, f64>::from_weights(RRelu::default(), kernel.clone(), None).unwrap(),
        &x,
        7,
        Entry::Output,
    );
}

#[test]
fn dense_pre_activation_entry_skips_the_activation() {
    let x = random_matrix(5, 4, 1.0, 5);
    check_layer(&mut dense(Softmax), &x, 7, Entry::PreActivation);
}

#[test]
fn dense_sizes_a_default_prelu_to_its_width() {
    let dense = Dense::<2, 5, PRelu<f64>, f64>::new(
        PRelu::default(),
        Initializer::HeNormal,
        &mut seeded_rng(0),
    );
    assert_eq!(dense.activation().alpha().len(), 5);
    let x = random_matrix(3, 2, 1.0, 9);
    let mut out = ndarray::Array2::zeros((3, 5));
    use nn_runtime::Layer;
    dense.forward_infer(x.view(), out.view_mut()).unwrap();
}
