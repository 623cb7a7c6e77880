//! nn's convolutional suite (G, H, I): the CNN and the single convolution written with
//! `network!`, on channels-last rows; training through the same step as the MLP's.

use std::path::Path;

use nn::prelude::*;
use nn::reexports::ndarray::{Array2, ArrayView2};
use nn_bench_peers::Mode;
use nn_bench_peers::conv::{
    CNN_CLASSES, CNN_INFER_BATCH, CNN_LEARNING_RATE, CNN_PIXELS, CNN_TRAIN_BATCH, ConvData,
    ConvPeer, WIDE_BATCH, run_conv,
};

use super::{load_values, step};

network! {
    /// G and H: two convolution + pooling stages and a dense classifier on 28x28x1 images.
    Cnn(28, 28, 1) <
        conv2d(6, 5, relu), maxpool(2),
        conv2d(16, 5, relu), maxpool(2),
        flatten, dense(10, softmax)
    >
}

network! {
    /// I: one 3x3 convolution, 16 -> 32 channels, "same" padding, with bias.
    Wide(32, 32, 16) < conv2d(32, 3, padding = same) >
}

fn cnn(data: &ConvData) -> Cnn {
    let mut net = Cnn::new(0);
    load_values(
        &mut net,
        &[
            &data.conv0.hwio,
            &data.conv0.bias,
            &data.conv1.hwio,
            &data.conv1.bias,
            &data.dense_nhwc,
            &data.dense_bias,
        ],
    );
    net
}

fn sgd() -> Sgd {
    Sgd::new(f64::from(CNN_LEARNING_RATE)).expect("sgd")
}

/// One training step of the CNN on batch `s`: the loss before the update.
fn train_step(
    net: &mut Cnn,
    sgd: &mut Sgd,
    grad: &mut Array2<f32>,
    data: &ConvData,
    s: usize,
) -> f32 {
    let (x, y) = data.batch(s);
    let x = ArrayView2::from_shape((CNN_TRAIN_BATCH, CNN_PIXELS), x).expect("batch shape");
    step(net, sgd, grad, x, y)
}

/// Runs the convolutional suite (`conv-check` or `conv-bench`).
pub fn main(dir: &Path, mode: &Mode) {
    let data = ConvData::load(dir);
    let mut train_losses = || {
        let (mut net, mut sgd) = (cnn(&data), sgd());
        let mut grad = Array2::zeros((CNN_TRAIN_BATCH, CNN_CLASSES));
        (0..nn_bench_peers::CHECKED_STEPS)
            .map(|s| f64::from(train_step(&mut net, &mut sgd, &mut grad, &data, s)))
            .collect()
    };
    let inference = cnn(&data);
    let first = ArrayView2::from_shape((CNN_TRAIN_BATCH, CNN_PIXELS), data.batch(0).0)
        .expect("batch shape");
    let mut infer_probabilities = || {
        inference
            .predict(first)
            .expect("predict")
            .iter()
            .copied()
            .collect()
    };
    let mut wide = Wide::new(0);
    load_values(&mut wide, &[&data.wide.hwio, &data.wide.bias]);
    let wide_x = ArrayView2::from_shape((WIDE_BATCH, Wide::INPUT), &data.wide_x_nhwc[..])
        .expect("wide input shape");
    let mut wide_output = || {
        wide.predict(wide_x)
            .expect("predict")
            .iter()
            .copied()
            .collect()
    };

    let (mut net, mut sgd) = (cnn(&data), sgd());
    let mut grad = Array2::zeros((CNN_TRAIN_BATCH, CNN_CLASSES));
    let mut s = 0;
    let batch = ArrayView2::from_shape((CNN_INFER_BATCH, CNN_PIXELS), data.infer_batch())
        .expect("batch shape");
    let wide_net = &wide;
    run_conv(
        &data,
        mode,
        ConvPeer {
            train_losses: &mut train_losses,
            infer_probabilities: &mut infer_probabilities,
            wide_output: &mut wide_output,
            workloads: vec![
                (
                    "G",
                    Box::new(|| {
                        std::hint::black_box(inference.predict(batch).expect("predict"));
                    }),
                ),
                (
                    "H",
                    Box::new(|| {
                        train_step(&mut net, &mut sgd, &mut grad, &data, s);
                        s += 1;
                    }),
                ),
                (
                    "I",
                    Box::new(|| {
                        std::hint::black_box(wide_net.predict(wide_x).expect("predict"));
                    }),
                ),
            ],
        },
    );
}
