//! The project itself: both networks written with `network!`, a manual training step (forward,
//! fused softmax cross-entropy, backward, SGD) and `predict_one` for batch-1 inference; the
//! convolutional suite in `peer_nn/conv.rs`.

#[path = "peer_nn/conv.rs"]
mod conv;

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};
use nn_bench_peers::{
    Data, DenseInit, INFER_BATCH, LEARNING_RATE, MLP, Peer, TINY, TRAIN_BATCH, args, run,
};

network! { Mlp(784) < dense(300, relu), dense(100, relu), dense(10, softmax) > }

network! { Tiny(16) < dense(32, relu), dense(32, relu), dense(4) > }

/// Overwrites the network's parameters with `layers` (kernel and bias of each dense layer, in
/// the visiting order, which is the layer order).
fn load<N: Network>(net: &mut N, layers: &[DenseInit]) {
    let values: Vec<&[f32]> = layers
        .iter()
        .flat_map(|l| [l.kernel.as_slice(), l.bias.as_slice()])
        .collect();
    load_values(net, &values);
}

/// Overwrites the network's parameters, in their visiting order, with `values`.
fn load_values<N: Network>(net: &mut N, values: &[&[f32]]) {
    let mut i = 0;
    net.visit_params(&mut |p| {
        assert_eq!(p.value.len(), values[i].len(), "{}.{}", p.layer, p.name);
        p.value.copy_from_slice(values[i]);
        i += 1;
    });
    assert_eq!(i, values.len());
}

fn mlp(data: &Data) -> Mlp {
    let mut net = Mlp::new(0);
    load(&mut net, &data.mlp);
    net
}

/// One training step of the MLP on `x`: returns the loss before the update.
fn train_step(
    net: &mut Mlp,
    sgd: &mut Sgd,
    grad: &mut Array2<f32>,
    x: &[f32],
    labels: &[usize],
) -> f32 {
    let x = ArrayView2::from_shape((TRAIN_BATCH, MLP[0]), x).expect("batch shape");
    step(net, sgd, grad, x, labels)
}

/// One training step of any network on the rows `x` (forward, fused softmax cross-entropy,
/// backward, SGD): returns the loss before the update.
fn step<N: Network>(
    net: &mut N,
    sgd: &mut Sgd,
    grad: &mut Array2<f32>,
    x: ArrayView2<'_, f32>,
    labels: &[usize],
) -> f32 {
    net.forward_train(x).expect("forward");
    let (loss, of) = Loss::CrossEntropy
        .evaluate(
            N::OUTPUT_ACTIVATION,
            net.output(),
            net.pre_activation(),
            Targets::Classes(labels),
            grad.view_mut(),
        )
        .expect("loss");
    net.backward_parameters(grad.view(), of).expect("backward");
    sgd.step(net).expect("sgd");
    loss
}

fn main() {
    let (dir, mode) = args();
    if mode.is_conv() {
        conv::main(&dir, &mode);
        return;
    }
    let data = Data::load(&dir);
    let new_sgd = || Sgd::new(f64::from(LEARNING_RATE)).expect("sgd");

    let mut train_losses = || {
        let (mut net, mut sgd) = (mlp(&data), new_sgd());
        let mut grad = Array2::zeros((TRAIN_BATCH, MLP[3]));
        (0..nn_bench_peers::CHECKED_STEPS)
            .map(|s| {
                let (x, y) = data.batch(s);
                f64::from(train_step(&mut net, &mut sgd, &mut grad, x, y))
            })
            .collect()
    };
    let inference = mlp(&data);
    let mut infer_probabilities = || {
        let x = ArrayView2::from_shape((TRAIN_BATCH, MLP[0]), data.batch(0).0).expect("shape");
        inference
            .predict(x)
            .expect("predict")
            .iter()
            .copied()
            .collect()
    };
    let mut tiny = Tiny::new(0);
    load(&mut tiny, &data.tiny);
    let tiny_x: [f32; TINY[0]] = data.tiny_x.as_slice().try_into().expect("tiny input");
    let mut tiny_output = || tiny.predict_one(&tiny_x).expect("predict_one").to_vec();

    let (mut net, mut sgd) = (mlp(&data), new_sgd());
    let mut grad = Array2::zeros((TRAIN_BATCH, MLP[3]));
    let mut step = 0;
    let batch = ArrayView2::from_shape((INFER_BATCH, MLP[0]), data.infer_batch()).expect("shape");
    let one: [f32; MLP[0]] = data.x[..MLP[0]].try_into().expect("one sample");
    run(
        &data,
        &mode,
        Peer {
            train_losses: &mut train_losses,
            infer_probabilities: &mut infer_probabilities,
            tiny_output: &mut tiny_output,
            workloads: vec![
                (
                    "A",
                    Box::new(|| {
                        let (x, y) = data.batch(step);
                        train_step(&mut net, &mut sgd, &mut grad, x, y);
                        step += 1;
                    }),
                ),
                (
                    "B",
                    Box::new(|| {
                        std::hint::black_box(inference.predict(batch).expect("predict"));
                    }),
                ),
                (
                    "C",
                    Box::new(|| {
                        std::hint::black_box(inference.predict_one(&one).expect("predict_one"));
                    }),
                ),
                (
                    "D",
                    Box::new(|| {
                        std::hint::black_box(tiny.predict_one(&tiny_x).expect("predict_one"));
                    }),
                ),
            ],
        },
    );
}
