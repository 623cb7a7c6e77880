//! What every benchmark binary does with its network: one training step and one inference,
//! so the whole generated API (forward, backward, optimizer visit, predict, summary) is
//! instantiated and compiled, not only declared.

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

/// One training step with SGD on a fixed batch, then an inference; returns the mean output.
///
/// # Errors
/// Whatever the network or the optimizer reports.
pub fn exercise<N: Network>(net: &mut N) -> nn::Result<f32> {
    let rows = 16;
    let x = Array2::from_shape_fn((rows, N::INPUT), |(i, j)| {
        ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5
    });
    let labels: Vec<usize> = (0..rows).map(|i| i % N::OUTPUT).collect();
    let mut grad = Array2::zeros((rows, N::OUTPUT));
    net.forward_train(x.view())?;
    let (_, of) = Loss::CrossEntropy.evaluate(
        N::OUTPUT_ACTIVATION,
        net.output(),
        net.pre_activation(),
        Targets::Classes(&labels),
        grad.view_mut(),
    )?;
    net.backward(grad.view(), of)?;
    Sgd::new(0.01)?.step(net)?;
    let y = net.predict(x.view())?;
    println!("{}", net.summary());
    Ok(y.mean().unwrap_or_default())
}
