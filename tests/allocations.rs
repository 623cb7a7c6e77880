//! Allocation counts: `predict_one` allocates nothing, and neither does the runtime's own code
//! in a steady-state training step.
//!
//! A counting global allocator (its own test binary, since a `#[global_allocator]` is per
//! binary) counts every allocation; the whole check is one `#[test]`, so no other test of
//! this binary allocates concurrently.
//!
//! The one allocation left in a training step is not the runtime's: matrixmultiply (behind
//! ndarray's `general_mat_mul`) allocates its packing buffer on every GEMM call, with an
//! alignment of 32 or 64 bytes, which nothing in `nn` asks for. The test tells the two apart
//! by that alignment and pins both counts: zero allocations of the runtime's, and exactly one
//! per GEMM (three per dense layer: forward, kernel gradient, input gradient). With the `blas`
//! feature OpenBLAS packs into its own memory and the second count is zero too. The GEMMs run
//! on one thread here (`MATMUL_NUM_THREADS=1`): matrixmultiply's thread pool hands work over
//! through crossbeam channels, which allocate now and then when a thread has to wait.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static ALIGNED: AtomicUsize = AtomicUsize::new(0);

fn count(layout: Layout) {
    ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
    if layout.align() >= 32 {
        ALIGNED.fetch_add(1, Ordering::SeqCst);
    }
}

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract; the
// counter is an atomic and does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout);
        // SAFETY: the caller's contract is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `Counting::alloc`, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout);
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout);
        // SAFETY: as `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes, and how many of them ask for an alignment of 32 bytes or more.
fn allocations<R>(f: impl FnOnce() -> R) -> ((usize, usize), R) {
    let before = (
        ALLOCATIONS.load(Ordering::SeqCst),
        ALIGNED.load(Ordering::SeqCst),
    );
    let result = f();
    let after = (
        ALLOCATIONS.load(Ordering::SeqCst),
        ALIGNED.load(Ordering::SeqCst),
    );
    ((after.0 - before.0, after.1 - before.1), result)
}

network! {
    Tiny(16) < dense(32, relu), dense(32, relu), dense(4) >
}

network! {
    Classifier(20) <
        dense(48, he_normal), batchnorm, relu, dropout(0.2),
        dense(32, tanh, l2 = 1e-4), dense(5, softmax)
    >
}

network! {
    /// Hidden widths adding up to more than `predict_one` keeps on the stack.
    Wide(8) < dense(5000, relu), dense(4000, relu), dense(3) >
}

fn inputs(rows: usize, cols: usize) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(r, c)| {
        ((r * 31 + c * 17) % 23) as f32 / 23.0 - 0.4
    })
}

fn step<N: Network<f32>>(
    net: &mut N,
    optimizer: &mut dyn Optimizer<f32>,
    x: &Array2<f32>,
    labels: &[usize],
    grad: &mut Array2<f32>,
) -> f32 {
    net.forward_train(x.view()).unwrap();
    let (loss, of) = Loss::CrossEntropy
        .evaluate(
            N::OUTPUT_ACTIVATION,
            net.output(),
            net.pre_activation(),
            Targets::Classes(labels),
            grad.view_mut(),
        )
        .unwrap();
    net.backward(grad.view(), of).unwrap();
    optimizer.step(net).unwrap();
    loss
}

/// matrixmultiply's packing buffers in one step of `Classifier` (3 dense layers x 3 GEMMs).
#[cfg(not(feature = "blas"))]
const GEMMS_PER_STEP: usize = 9;
#[cfg(feature = "blas")]
const GEMMS_PER_STEP: usize = 0;

#[test]
fn steady_state_training_steps_and_predict_one_allocate_nothing() {
    // SAFETY: this binary's only test sets the variable before any GEMM (matrixmultiply reads
    // it once, at its first call) and before starting any thread, so nothing reads the
    // environment concurrently.
    unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    // predict_one on the stack (Tiny) and on the thread-local scratch (Wide, after its first
    // call on this thread).
    let tiny = Tiny::new(1);
    let sample: [f32; 16] = std::array::from_fn(|i| i as f32 / 16.0 - 0.5);
    let (count, output) = allocations(|| tiny.predict_one(&sample).unwrap());
    assert_eq!(count, (0, 0), "Tiny::predict_one allocated");
    assert!(output.iter().all(|v| v.is_finite()));
    let wide = Wide::new(2);
    let sample: [f32; 8] = std::array::from_fn(|i| i as f32 / 8.0);
    wide.predict_one(&sample).unwrap();
    let (count, _) = allocations(|| wide.predict_one(&sample).unwrap());
    assert_eq!(
        count,
        (0, 0),
        "Wide::predict_one allocated after its first call"
    );

    // Training: one warm-up step sizes every buffer and the optimizer's state; the steps after
    // it allocate nothing, with SGD and with Adam.
    let x = inputs(24, 20);
    let labels: Vec<usize> = (0..24).map(|i| i % 5).collect();
    let mut grad = Array2::zeros((24, 5));
    let optimizers: [Box<dyn Optimizer<f32>>; 2] = [
        Box::new(Sgd::new(0.01).unwrap().momentum(0.9).unwrap()),
        Box::new(Adam::new(1e-3).unwrap()),
    ];
    for mut optimizer in optimizers {
        let mut net = Classifier::new(3);
        let first = step(&mut net, optimizer.as_mut(), &x, &labels, &mut grad);
        let (count, last) = allocations(|| {
            let mut loss = first;
            for _ in 0..5 {
                loss = step(&mut net, optimizer.as_mut(), &x, &labels, &mut grad);
            }
            loss
        });
        let (total, aligned) = count;
        assert_eq!(
            total - aligned,
            0,
            "the runtime allocated in 5 steps after the first"
        );
        assert_eq!(
            aligned,
            5 * GEMMS_PER_STEP,
            "one packing buffer per GEMM call"
        );
        assert!(last < first, "training lowers the loss: {first} -> {last}");
    }
}
