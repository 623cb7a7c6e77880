//! What the bench targets share: one training step as `fit` runs it.

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};

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
