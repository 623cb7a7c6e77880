//! Allocation counts: `predict_one` allocates nothing, and neither does a steady-state
//! training step, GEMMs included, on one thread and on two; `predict` allocates only the
//! array it returns.
//!
//! A counting global allocator (its own test binary, since a `#[global_allocator]` is per
//! binary) counts every allocation; the whole check is one `#[test]`, so no other test of
//! this binary allocates concurrently.
//!
//! The GEMMs (nn-gemm) keep their packing buffers per thread and hand work to their thread
//! pool through a mutex and condition variables, so after a warm-up step has sized every
//! buffer (and started the pool) nothing is allocated. With the `blas` feature the GEMMs are
//! OpenBLAS's, which packs into memory of its own.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use nn::prelude::*;
use nn::reexports::ndarray::Array2;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

fn count() {
    ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
}

// SAFETY: every method forwards to `System`, which upholds `GlobalAlloc`'s contract; the
// counter is an atomic and does not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller's contract is `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `Counting::alloc`, that is from `System`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: as `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The allocations `f` makes.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let result = f();
    (ALLOCATIONS.load(Ordering::SeqCst) - before, result)
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
    /// Large enough that its big GEMMs (64 x 256 x 1024, 16.8M multiply-adds, 16 times
    /// nn-gemm's `PARALLEL_THRESHOLD`) are split over the thread pool.
    Large(256) < dense(1024, relu), dense(256, relu), dense(10, softmax) >
}

network! {
    /// Hidden widths adding up to more than `predict_one` keeps on the stack; its second
    /// layer (20M weights) is split over the thread pool by `predict_one` too.
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

#[test]
fn steady_state_training_steps_and_predict_one_allocate_nothing_and_predict_only_its_result() {
    // Two GEMM threads even on a one-core machine, so the pool's hand-over is counted too.
    // SAFETY: this binary's only test sets the variable before any GEMM (nn-gemm reads it once,
    // when its pool starts) and before starting any thread, so nothing reads the environment
    // concurrently.
    unsafe { std::env::set_var("NN_NUM_THREADS", "2") };
    // predict_one on the stack (Tiny) and on the thread-local scratch (Wide), each after its
    // first call, which makes each dense kernel's row-aligned copy (and, for Wide, the
    // thread's scratch and the pool its wide layer is split over).
    let tiny = Tiny::new(1);
    let sample: [f32; 16] = std::array::from_fn(|i| i as f32 / 16.0 - 0.5);
    tiny.predict_one(&sample).unwrap();
    let (count, output) = allocations(|| tiny.predict_one(&sample).unwrap());
    assert_eq!(count, 0, "Tiny::predict_one allocated after its first call");
    assert!(output.iter().all(|v| v.is_finite()));
    let wide = Wide::new(2);
    let sample: [f32; 8] = std::array::from_fn(|i| i as f32 / 8.0);
    wide.predict_one(&sample).unwrap();
    let (count, _) = allocations(|| wide.predict_one(&sample).unwrap());
    assert_eq!(count, 0, "Wide::predict_one allocated after its first call");

    // Training: one warm-up step sizes every buffer and the optimizer's state; the steps after
    // it allocate nothing, with SGD and with Adam.
    let x = inputs(24, 20);
    let labels: Vec<usize> = (0..24).map(|i| i % 5).collect();
    let mut grad = Array2::zeros((24, 5));
    let optimizers: [Box<dyn Optimizer<f32>>; 2] = [
        Box::new(Sgd::new(0.01).unwrap().momentum(0.9).unwrap()),
        Box::new(Adam::new(1e-3).unwrap()),
    ];
    let sample: [f32; 20] = std::array::from_fn(|i| i as f32 / 20.0 - 0.5);
    for mut optimizer in optimizers {
        let mut net = Classifier::new(3);
        let first = step(&mut net, optimizer.as_mut(), &x, &labels, &mut grad);
        // predict_one between the steps too: the steps update its kernels' copies in place.
        net.predict_one(&sample).unwrap();
        let (count, last) = allocations(|| {
            let mut loss = first;
            for _ in 0..5 {
                loss = step(&mut net, optimizer.as_mut(), &x, &labels, &mut grad);
                assert!(
                    net.predict_one(&sample)
                        .unwrap()
                        .iter()
                        .all(|v| v.is_finite())
                );
            }
            loss
        });
        assert_eq!(
            count, 0,
            "5 training steps after the first, each followed by predict_one, allocated"
        );
        assert!(last < first, "training lowers the loss: {first} -> {last}");
    }

    // The same with GEMMs large enough for the thread pool (it starts in the warm-up step).
    let x = inputs(64, 256);
    let labels: Vec<usize> = (0..64).map(|i| i % 10).collect();
    let mut grad = Array2::zeros((64, 10));
    let mut net = Large::new(4);
    let mut optimizer = Sgd::new(0.05).unwrap();
    let first = step(&mut net, &mut optimizer, &x, &labels, &mut grad);
    // Its wide layers' predict_one copies (row-aligned) and predict copies (packed) exist from
    // here on; every step marks them stale and the inference after it refreshes them in place.
    let sample: [f32; 256] = std::array::from_fn(|i| i as f32 / 256.0);
    net.predict_one(&sample).unwrap();
    let (count, last) = allocations(|| {
        let mut loss = first;
        for _ in 0..5 {
            loss = step(&mut net, &mut optimizer, &x, &labels, &mut grad);
            assert!(
                net.predict_one(&sample)
                    .unwrap()
                    .iter()
                    .all(|v| v.is_finite())
            );
        }
        loss
    });
    assert_eq!(
        count, 0,
        "5 threaded training steps after the first, each followed by predict_one, allocated"
    );
    assert!(last < first, "training lowers the loss: {first} -> {last}");

    // predict, after its first call: one allocation, the returned array. The layers' outputs
    // go through the thread's kept scratch, and a batch of 256 x 256 (65k values) has its
    // finiteness checked in runs over the thread pool.
    let batch = inputs(256, 256);
    net.predict(batch.view()).unwrap();
    let (count, probabilities) = allocations(|| net.predict(batch.view()).unwrap());
    assert_eq!(count, 1, "Large::predict allocated more than its result");
    assert_eq!(probabilities.dim(), (256, 10));
    // The same for a network with batch norm, an activation layer and dropout, after a first
    // call that makes its kernels' packed copies.
    let (classifier, x) = (Classifier::new(5), inputs(24, 20));
    classifier.predict(x.view()).unwrap();
    let (count, probabilities) = allocations(|| classifier.predict(x.view()).unwrap());
    assert_eq!(
        count, 1,
        "Classifier::predict allocated more than its result"
    );
    assert!(probabilities.iter().all(|p| (0.0..=1.0).contains(p)));
}
