//! The `vanishing` example's experiments, on shorter runs (mostly one seed instead of three):
//! each paper's qualitative result holds, with a margin.

// The example reads every field for its tables; these tests only some.
#![allow(dead_code)]

#[path = "../examples/vanishing/batchnorm.rs"]
mod batchnorm;
#[path = "../examples/vanishing/common.rs"]
mod common;
#[path = "../examples/vanishing/glorot.rs"]
mod glorot;
#[path = "../examples/vanishing/he.rs"]
mod he;
#[path = "../examples/vanishing/selu.rs"]
mod selu;

#[test]
fn glorot_keeps_the_back_propagated_gradient_where_the_standard_init_loses_it() {
    let [standard, glorot] = glorot::run(128, &common::SEEDS).unwrap();
    let (lost, kept) = (
        standard.gradient_variance_ratio(),
        glorot.gradient_variance_ratio(),
    );
    assert!(kept >= 10.0 * lost, "standard {lost}, glorot {kept}");
    // The standard init also shrinks the activations layer after layer.
    assert!(standard.activation_std[4] < 0.2 * standard.activation_std[0]);
    assert!(glorot.activation_std[4] > 0.5 * glorot.activation_std[0]);
}

#[test]
fn thirty_relu_layers_train_with_he_normal_and_stall_with_var_1_over_n() {
    let [stalled, trained] = he::run(10, 0.01, &[1]).unwrap();
    assert!(
        trained.accuracy > 0.6 && stalled.accuracy < 0.2,
        "he_normal {}, Var = 1/n {}",
        trained.accuracy,
        stalled.accuracy
    );
    let chance = 10f64.ln();
    let last = stalled.loss.last().copied().unwrap();
    assert!(
        (last - chance).abs() < 0.01,
        "stalled at {last}, ln 10 = {chance}"
    );
    assert!(trained.loss.last().copied().unwrap() < 0.7 * chance);
}

#[test]
fn selu_with_lecun_normal_self_normalizes_and_with_he_normal_explodes() {
    let [lecun, he, shifted, alpha_dropout] = selu::run(256, &[1]).unwrap();
    assert_eq!(lecun.mean.len(), selu::DEPTH);
    for (layer, (mean, variance)) in lecun.mean.iter().zip(&lecun.variance).enumerate() {
        assert!(mean.abs() < 0.1, "layer {}: mean {mean}", layer + 1);
        assert!(
            (0.8..=1.2).contains(variance),
            "layer {}: variance {variance}",
            layer + 1
        );
    }
    assert!(
        he.variance[31] > 10.0,
        "he_normal layer 32: {}",
        he.variance[31]
    );
    // Inputs with mean 0.3 and variance 2 are pulled back toward (0, 1).
    assert!(shifted.variance[0] > 1.3, "{:?}", &shifted.variance[..3]);
    for layer in 9..selu::DEPTH {
        assert!(shifted.mean[layer].abs() < 0.1);
        assert!((0.8..=1.2).contains(&shifted.variance[layer]));
    }
    // Alpha dropout keeps the moments.
    assert_eq!(alpha_dropout.mean.len(), selu::DEPTH);
    for (mean, variance) in alpha_dropout.mean.iter().zip(&alpha_dropout.variance) {
        assert!(
            mean.abs() < 0.1 && (0.8..=1.2).contains(variance),
            "{mean} / {variance}"
        );
    }
}

#[test]
fn batchnorm_reaches_the_target_in_far_fewer_steps() {
    let epochs = 40;
    let [without, with] = batchnorm::run(epochs, 0.5, &[1]).unwrap();
    let budget = epochs * with.steps_per_epoch;
    let fast = with.steps_to_target.expect("batchnorm reaches 90%");
    // Without batch norm the target takes more than three times as many steps, if it is
    // reached at all within the budget.
    let slow = without.steps_to_target.unwrap_or(budget + 1);
    assert!(slow > 3 * fast, "without {slow}, with {fast} steps");
}
