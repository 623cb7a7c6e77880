//! Runtime benchmarks of issue 6's workloads (BENCHMARKS.md, "Runtime performance").
//!
//! - A: a training step of `784 -> 300 relu -> 100 relu -> 10 softmax`, softmax cross-entropy,
//!   SGD (lr 0.01), batch 128, f32 (throughput in samples).
//! - B: inference, same network, batch 256.
//! - C: inference, same network, one sample (`predict_one`).
//! - D: inference, `16 -> 32 relu -> 32 relu -> 4`, one sample (`predict_one`).
//! - E: one epoch of the quickstart's training on the 8x8 digits (Adam, batch 32, 10%
//!   validation split).
//! - F, the GEMM efficiency on workload A's products, is nn-gemm's own bench
//!   (`nn-gemm/benches/gemm.rs`, with `nn-gemm/benches/compare.sh` for OpenBLAS).
//!
//! Run: `cargo bench -p nn-bench --bench runtime` (or a filter: `cargo bench -p nn-bench --bench
//! runtime -- D/`); `nn-bench/benches/alternate.py` alternates two builds of it.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod common;
use common::{train_step, uniform};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;

#[path = "../../examples/shared/digits_network.rs"]
mod digits_network;
use digits_network::{Digits, PIXEL_SCALE};

network! {
    /// Workloads A, B and C: the classic MNIST multilayer perceptron.
    Mlp(784) < dense(300, relu), dense(100, relu), dense(10, softmax) >
}

network! {
    /// Workload D: a network small enough to embed anywhere.
    Tiny(16) < dense(32, relu), dense(32, relu), dense(4) >
}

/// A `rows x cols` matrix of values in `[0, 1)`.
fn matrix(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    common::matrix(rows, cols, seed, |v| v)
}

fn labels(rows: usize, classes: usize) -> Vec<usize> {
    (0..rows).map(|i| (i * 7 + 3) % classes).collect()
}

fn workload_a(c: &mut Criterion) {
    const BATCH: usize = 128;
    let mut group = c.benchmark_group("A");
    group.throughput(Throughput::Elements(BATCH as u64));
    let mut net = Mlp::new(1);
    let mut sgd = Sgd::new(0.01).expect("learning rate");
    let x = matrix(BATCH, 784, 2);
    let y = labels(BATCH, 10);
    let mut grad = Array2::zeros((BATCH, 10));
    group.bench_function("train_step_b128", |b| {
        b.iter(|| black_box(train_step(&mut net, &mut sgd, x.view(), &y, &mut grad)))
    });
    group.finish();
}

fn workload_b(c: &mut Criterion) {
    const BATCH: usize = 256;
    let mut group = c.benchmark_group("B");
    group.throughput(Throughput::Elements(BATCH as u64));
    let net = Mlp::new(1);
    let x = matrix(BATCH, 784, 3);
    group.bench_function("predict_b256", |b| {
        b.iter(|| black_box(net.predict(black_box(x.view())).expect("predict")))
    });
    group.finish();
}

fn workload_c(c: &mut Criterion) {
    let mut group = c.benchmark_group("C");
    let net = Mlp::new(1);
    let input: [f32; 784] = uniform(784, 4).try_into().expect("784 values");
    group.bench_function("predict_one_mlp", |b| {
        b.iter(|| black_box(net.predict_one(black_box(&input)).expect("predict_one")))
    });
    group.finish();
}

fn workload_d(c: &mut Criterion) {
    let mut group = c.benchmark_group("D");
    let net = Tiny::new(1);
    let input: [f32; 16] = uniform(16, 5).try_into().expect("16 values");
    group.bench_function("predict_one_tiny", |b| {
        b.iter(|| black_box(net.predict_one(black_box(&input)).expect("predict_one")))
    });
    group.finish();
}

fn workload_e(c: &mut Criterion) {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, digits.num_features), digits.data)
        .expect("the digits' shape")
        .mapv(|v| v / PIXEL_SCALE);
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let data = Dataset::classification(pixels, labels, 10).expect("digits dataset");
    let (train, _test) = data.split(0.2, 42).expect("split");
    let mut net = Digits::new(42);
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(1e-3).expect("learning rate"))
        .epochs(1)
        .batch_size(32)
        .seed(42)
        .validation(Validation::Split(0.1))
        .progress(Progress::Quiet);
    let mut group = c.benchmark_group("E");
    group.sample_size(10);
    group.bench_function("digits_epoch", |b| {
        b.iter(|| black_box(net.fit(&train, &mut config).expect("fit")))
    });
    group.finish();
}

criterion_group!(
    benches, workload_a, workload_b, workload_c, workload_d, workload_e
);
criterion_main!(benches);
