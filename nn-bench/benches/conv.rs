//! Convolution benchmarks (BENCHMARKS.md, "Convolution"): the layers, their pieces, and the
//! small CNN the peer comparison trains (bench-peers, workloads G and H), all f32.
//!
//! - `conv_forward/<shape>`: `Conv2d::forward_train` (im2col + GEMM + bias, linear
//!   activation) on three shapes: LeNet's two convolutions on 28x28x1 and 12x12x6 (batch 64)
//!   and a heavier 3x3 layer, 32x32x16 -> 32 channels, "same" padding (batch 32).
//! - `conv_forward_backward/<shape>`: the same forward, then `Layer::backward` (kernel and bias
//!   gradients, input gradient through col2im).
//! - `maxpool/<shape>`: 2x2 max pooling, forward and forward + backward.
//! - `conv_pieces/<shape>`: where a convolution's time goes, piece by piece, through the
//!   runtime's kernels (`nn::kernel`): im2col, the forward GEMM, the kernel-gradient GEMM, the
//!   input-gradient GEMM and col2im.
//! - `cnn/`: the peer comparison's CNN (conv 5x5x6, relu, maxpool 2, conv 5x5x16, relu,
//!   maxpool 2, flatten, dense 10 softmax): one SGD training step at batch 64, `predict` at
//!   batch 256.
//!
//! Run: `cargo bench -p nn-bench --bench conv` (or a filter: `cargo bench -p nn-bench --bench
//! conv -- conv_pieces`).

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod common;
use common::train_step;
use nn::kernel::{ConvGeometry, col2im, im2col, matmul, matmul_a_bt, matmul_at_b};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;

network! {
    /// The peer comparison's CNN (workloads G and H).
    Cnn(28, 28, 1) <
        conv2d(6, 5, relu), maxpool(2),
        conv2d(16, 5, relu), maxpool(2),
        flatten, dense(10, softmax)
    >
}

/// A `rows x cols` matrix of values in `[-1, 1)`.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    common::matrix(rows, cols, seed, |v| 2.0 * v - 1.0)
}

/// Times `forward_train`, then `forward_train` + `backward`, of `layer` on a batch of `batch`.
fn forward_and_backward<L: Layer<f32>>(c: &mut Criterion, shape: &str, batch: usize, mut layer: L) {
    let x = matrix(batch, layer.input_width(), 1);
    let grad = matrix(batch, layer.output_width(), 2);
    let mut rng = seeded_rng(0);
    let mut group = c.benchmark_group("conv_forward");
    group.throughput(Throughput::Elements(batch as u64));
    group.bench_function(shape, |b| {
        b.iter(|| {
            black_box(layer.forward_train(x.view(), &mut rng).expect("forward"));
        })
    });
    group.finish();
    let mut group = c.benchmark_group("conv_forward_backward");
    group.throughput(Throughput::Elements(batch as u64));
    group.bench_function(shape, |b| {
        b.iter(|| {
            layer.forward_train(x.view(), &mut rng).expect("forward");
            black_box(layer.backward(x.view(), grad.view()).expect("backward"));
        })
    });
    group.finish();
}

fn conv_layers(c: &mut Criterion) {
    let mut rng = seeded_rng(1);
    let init = Initializer::HeUniform;
    let valid = Padding::Valid;
    let lenet1 = Conv2d::<28, 28, 1, 24, 24, 6>::new((5, 5), (1, 1), valid, Linear, init, &mut rng);
    forward_and_backward(c, "28x28x1_k5x6_b64", 64, lenet1.expect("lenet 1"));
    let lenet2 = Conv2d::<12, 12, 6, 8, 8, 16>::new((5, 5), (1, 1), valid, Linear, init, &mut rng);
    forward_and_backward(c, "12x12x6_k5x16_b64", 64, lenet2.expect("lenet 2"));
    let same = Padding::Same;
    let wide = Conv2d::<32, 32, 16, 32, 32, 32>::new((3, 3), (1, 1), same, Linear, init, &mut rng);
    forward_and_backward(c, "32x32x16_k3x32same_b32", 32, wide.expect("wide"));
}

fn pool_shape<const H: usize, const W: usize, const C: usize, const OH: usize, const OW: usize>(
    c: &mut Criterion,
    shape: &str,
    batch: usize,
) {
    let mut pool = MaxPool2d::<H, W, C, OH, OW>::new((2, 2), (2, 2)).expect("pool");
    let x = matrix(batch, H * W * C, 3);
    let grad = matrix(batch, OH * OW * C, 4);
    let mut rng = seeded_rng(0);
    let mut group = c.benchmark_group("maxpool");
    group.throughput(Throughput::Elements(batch as u64));
    group.bench_function(BenchmarkId::new("forward", shape), |b| {
        b.iter(|| {
            black_box(
                pool.forward_train(x.view(), &mut rng)
                    .expect("forward")
                    .len(),
            )
        })
    });
    group.bench_function(BenchmarkId::new("forward_backward", shape), |b| {
        b.iter(|| {
            pool.forward_train(x.view(), &mut rng).expect("forward");
            black_box(
                pool.backward(x.view(), grad.view())
                    .expect("backward")
                    .len(),
            )
        })
    });
    group.finish();
}

fn maxpool(c: &mut Criterion) {
    pool_shape::<24, 24, 6, 12, 12>(c, "24x24x6_b64", 64);
    pool_shape::<32, 32, 32, 16, 16>(c, "32x32x32_b32", 32);
}

/// The five pieces of one convolution's forward and backward pass, on the runtime's kernels.
fn pieces(c: &mut Criterion, shape: &str, batch: usize, geometry: ConvGeometry, filters: usize) {
    let (h, w, ch) = geometry.input;
    let (rows, patch) = (batch * geometry.positions(), geometry.patch_len());
    let x = matrix(batch, h * w * ch, 5);
    let kernel = matrix(patch, filters, 6);
    let grad_z = matrix(rows, filters, 7);
    let mut cols = Array2::zeros((rows, patch));
    let mut z = Array2::zeros((rows, filters));
    let mut kernel_grad = Array2::zeros((patch, filters));
    let mut grad_cols = Array2::zeros((rows, patch));
    let mut grad_x = Array2::zeros((batch, h * w * ch));
    im2col(&geometry, x.view(), cols.view_mut());
    let mut group = c.benchmark_group("conv_pieces");
    group.throughput(Throughput::Elements(batch as u64));
    group.bench_function(BenchmarkId::new("im2col", shape), |b| {
        b.iter(|| im2col(&geometry, black_box(x.view()), cols.view_mut()))
    });
    group.bench_function(BenchmarkId::new("gemm_forward", shape), |b| {
        b.iter(|| matmul(cols.view(), kernel.view(), z.view_mut()))
    });
    group.bench_function(BenchmarkId::new("gemm_kernel_grad", shape), |b| {
        b.iter(|| matmul_at_b(cols.view(), grad_z.view(), kernel_grad.view_mut()))
    });
    group.bench_function(BenchmarkId::new("gemm_input_grad", shape), |b| {
        b.iter(|| matmul_a_bt(grad_z.view(), kernel.view(), grad_cols.view_mut()))
    });
    group.bench_function(BenchmarkId::new("col2im", shape), |b| {
        b.iter(|| col2im(&geometry, black_box(grad_cols.view()), grad_x.view_mut()))
    });
    group.finish();
}

fn conv_pieces(c: &mut Criterion) {
    let geometry =
        |input, k, padding| ConvGeometry::new(input, (k, k), (1, 1), padding).expect("geometry");
    let lenet1 = geometry((28, 28, 1), 5, Padding::Valid);
    pieces(c, "28x28x1_k5x6_b64", 64, lenet1, 6);
    let lenet2 = geometry((12, 12, 6), 5, Padding::Valid);
    pieces(c, "12x12x6_k5x16_b64", 64, lenet2, 16);
    let wide = geometry((32, 32, 16), 3, Padding::Same);
    pieces(c, "32x32x16_k3x32same_b32", 32, wide, 32);
}

fn cnn(c: &mut Criterion) {
    const TRAIN: usize = 64;
    const INFER: usize = 256;
    let mut net = Cnn::new(1);
    let mut sgd = Sgd::new(0.01).expect("learning rate");
    let x = matrix(TRAIN, 784, 8).mapv(|v| v * 0.5 + 0.5);
    let y: Vec<usize> = (0..TRAIN).map(|i| (i * 7 + 3) % 10).collect();
    let mut grad = Array2::zeros((TRAIN, 10));
    let mut group = c.benchmark_group("cnn");
    group.throughput(Throughput::Elements(TRAIN as u64));
    group.bench_function("train_step_b64", |b| {
        b.iter(|| black_box(train_step(&mut net, &mut sgd, x.view(), &y, &mut grad)))
    });
    let x = matrix(INFER, 784, 9).mapv(|v| v * 0.5 + 0.5);
    group.throughput(Throughput::Elements(INFER as u64));
    group.bench_function("predict_b256", |b| {
        b.iter(|| black_box(net.predict(black_box(x.view())).expect("predict")))
    });
    group.finish();
}

criterion_group!(benches, conv_layers, maxpool, conv_pieces, cnn);
criterion_main!(benches);
