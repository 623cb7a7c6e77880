//! What the bench targets share: deterministic data, and one training step as `fit` runs it.

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};

/// Deterministic values in `[0, 1)` (a 64-bit LCG, 24 bits each): the same data on every run
/// and machine.
pub fn uniform(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32
        })
        .collect()
}

/// A `rows x cols` matrix of [`uniform`] values mapped by `f`.
pub fn matrix(rows: usize, cols: usize, seed: u64, f: impl Fn(f32) -> f32) -> Array2<f32> {
    let values = uniform(rows * cols, seed).into_iter().map(f).collect();
    Array2::from_shape_vec((rows, cols), values).expect("rows * cols values")
}

/// One training step as `fit` runs it: forward, fused softmax cross-entropy, the training
/// backward pass (`backward_parameters`), SGD. Returns the loss before the update.
pub fn train_step<N: Network<f32> + Parameters<f32>>(
    net: &mut N,
    sgd: &mut Sgd,
    x: ArrayView2<'_, f32>,
    y: &[usize],
    grad: &mut Array2<f32>,
) -> f32 {
    net.forward_train(x).expect("forward");
    let (loss, of) = Loss::CrossEntropy
        .evaluate(
            N::OUTPUT_ACTIVATION,
            net.output(),
            net.pre_activation(),
            Targets::Classes(y),
            grad.view_mut(),
        )
        .expect("loss");
    net.backward_parameters(grad.view(), of).expect("backward");
    sgd.step(net).expect("step");
    loss
}
