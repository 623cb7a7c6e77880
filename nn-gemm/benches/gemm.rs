//! nn-gemm against matrixmultiply's `sgemm` (the GEMM behind ndarray's `general_mat_mul`) on
//! the products of one training step of the MLP 784 -> 300 -> 100 -> 10 at batch 128
//! (BENCHMARKS.md: workload F, on workload A's products): for each dense layer the forward product, the kernel gradient
//! `xᵀ · g` and the input gradient `g · Wᵀ`, one thread and all threads.
//!
//! The "inference" group compares `gemm` with `gemm_packed` (the weights packed once, as
//! batch inference does) on workload B's products and a batch of 8.
//!
//! `cargo bench -p nn-gemm --bench gemm`; `MATMUL_NUM_THREADS` and `NN_NUM_THREADS` set both
//! libraries' threads for the "threads" group.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};

/// (name, m, k, n, transpose a, transpose b)
const PRODUCTS: [(&str, usize, usize, usize, bool, bool); 9] = [
    ("forward 784x300", 128, 784, 300, false, false),
    ("kernel grad 784x300", 784, 128, 300, true, false),
    ("input grad 300x784", 128, 300, 784, false, true),
    ("forward 300x100", 128, 300, 100, false, false),
    ("kernel grad 300x100", 300, 128, 100, true, false),
    ("input grad 100x300", 128, 100, 300, false, true),
    ("forward 100x10", 128, 100, 10, false, false),
    ("kernel grad 100x10", 100, 128, 10, true, false),
    ("input grad 10x100", 128, 10, 100, false, true),
];

fn sgemm(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>, mut c: ArrayViewMut2<'_, f32>) {
    let (m, k) = a.dim();
    let n = b.ncols();
    let (rsa, csa) = (a.strides()[0], a.strides()[1]);
    let (rsb, csb) = (b.strides()[0], b.strides()[1]);
    let (rsc, csc) = (c.strides()[0], c.strides()[1]);
    // SAFETY: the pointers and strides describe the three views exactly, `c` does not alias
    // `a` or `b` (it is borrowed mutably), and the shapes agree (m x k, k x n, m x n).
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa,
            csa,
            b.as_ptr(),
            rsb,
            csb,
            0.0,
            c.as_mut_ptr(),
            rsc,
            csc,
        );
    }
}

fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("gemm");
    for &(name, m, k, n, ta, tb) in &PRODUCTS {
        let a_store = Array2::from_shape_fn(if ta { (k, m) } else { (m, k) }, |(i, j)| {
            ((i * 7 + j * 3) % 11) as f32 / 11.0 - 0.5
        });
        let b_store = Array2::from_shape_fn(if tb { (n, k) } else { (k, n) }, |(i, j)| {
            ((i * 5 + j) % 13) as f32 / 13.0 - 0.5
        });
        let a = if ta { a_store.t() } else { a_store.view() };
        let b = if tb { b_store.t() } else { b_store.view() };
        let mut out = Array2::<f32>::zeros((m, n));
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        for kernel in nn_gemm::kernels::<f32>() {
            let id = format!("nn-gemm 1 thread {}", kernel.name);
            group.bench_function(BenchmarkId::new(id, name), |bench| {
                bench.iter(|| nn_gemm::gemm_with_kernel(kernel, a, b, out.view_mut()))
            });
        }
        group.bench_function(BenchmarkId::new("nn-gemm threads", name), |bench| {
            bench.iter(|| nn_gemm::gemm(a, b, out.view_mut()))
        });
        group.bench_function(BenchmarkId::new("matrixmultiply threads", name), |bench| {
            bench.iter(|| sgemm(a, b, out.view_mut()))
        });
    }
    group.finish();
}

/// (name, m, k, n): batch inference's products.
const INFERENCE: [(&str, usize, usize, usize); 3] = [
    ("b256 784x300", 256, 784, 300),
    ("b256 300x100", 256, 300, 100),
    ("b8 784x300", 8, 784, 300),
];

fn inference(c: &mut Criterion) {
    let mut group = c.benchmark_group("inference");
    for &(name, m, k, n) in &INFERENCE {
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 / 11.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 / 13.0 - 0.5);
        let packed = nn_gemm::PackedB::new(b.view());
        let mut out = Array2::<f32>::zeros((m, n));
        group.throughput(Throughput::Elements((2 * m * k * n) as u64));
        group.bench_function(BenchmarkId::new("gemm", name), |bench| {
            bench.iter(|| nn_gemm::gemm(a.view(), b.view(), out.view_mut()))
        });
        group.bench_function(BenchmarkId::new("gemm_packed", name), |bench| {
            bench.iter(|| nn_gemm::gemm_packed(a.view(), &packed, out.view_mut()))
        });
    }
    group.finish();
}

criterion_group!(benches, products, inference);
criterion_main!(benches);
