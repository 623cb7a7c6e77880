//! The matrix product of `nn`: `C = A · B` on ndarray views of any strides, with no heap
//! allocation once a thread has seen its largest product.
//!
//! GEMM libraries such as matrixmultiply (behind ndarray's `general_mat_mul`) and gemm allocate
//! their packing buffers on every call. A training step makes three products per dense layer,
//! so those libraries cost a training loop several allocations per step, however carefully
//! the rest of it reuses its buffers. This crate is the same algorithm (the BLIS loop nest:
//! pack a `KC x NC` panel of `B` and an `MC x KC` block of `A`, then run an `MR x NR`
//! register-blocked kernel over them), with the packing buffers kept in thread-local storage
//! and grown only when a larger product comes along.
//!
//! - **Kernels**, chosen at run time from the processor's features (so programs built for the
//!   default `x86-64` target use them): with AVX-512 a 12 x 32 `f32` and a 12 x 16 `f64`
//!   kernel, with AVX2 and FMA a 6 x 16 and a 6 x 8 kernel, all of fused multiply-adds;
//!   elsewhere a portable kernel of plain multiplies and adds.
//! - **Order of the sums**: every output is one running sum over the shared dimension in
//!   order, restarted every [`KC`] terms, the partial sums then added in order. A
//!   one-sample kernel that sums in the same order (nn's `vec_mat`) therefore gives the same
//!   results bit for bit.
//! - **Threads** (feature `threading`, on by default): products of at least
//!   [`PARALLEL_THRESHOLD`] multiply-adds are split into column (or row) blocks over a pool of
//!   persistent threads, one per core (`NN_NUM_THREADS` caps it). The caller and the pool's
//!   threads claim the blocks from one atomic counter; a thread looks for work for 100 us
//!   after its last block before it sleeps on a condition variable, so the products of a
//!   training step reach threads that are awake. Nothing in the hand-over allocates.
//!   [`run_parts`] offers the same hand-over for other work.
//! - **Operands packed once**: [`PackedB`] holds a `B` packed ahead of time and
//!   [`gemm_packed`] multiplies by it, for products whose `B` stays the same from call to call
//!   (a layer's weights at inference): no packing per call, and none per thread.
//!
//! ```
//! use ndarray::{array, Array2};
//!
//! let a = array![[1.0f32, 2.0], [3.0, 4.0]];
//! let b = array![[5.0f32, 6.0], [7.0, 8.0]];
//! let mut c = Array2::zeros((2, 2));
//! nn_gemm::gemm(a.view(), b.t(), c.view_mut()); // transposes are views, never copies
//! assert_eq!(c, array![[17.0, 23.0], [39.0, 53.0]]);
//! ```

mod blocking;
mod copy;
mod driver;
mod element;
mod kernel;
mod pack;
mod packed;
#[cfg(feature = "threading")]
mod pool;
mod split;
mod transpose;

use ndarray::{ArrayView2, ArrayViewMut2};

pub use blocking::{KC, PARALLEL_THRESHOLD};
pub use copy::copy_short;
pub use element::Element;
pub use kernel::{Kernel, Out, TileOfC, kernel_name, simd_available};
pub use packed::PackedB;

/// `c = a · b`, overwriting `c`, on views of any strides (a transpose `x.t()` is a view).
///
/// Allocates only the first time the calling thread (or a pool thread) needs a packing buffer
/// larger than any before; a product with no elements, or `a`'s width 0, fills `c` with zeros.
/// Large products run on the thread pool when the `threading` feature is on (see the crate
/// documentation).
///
/// # Panics
/// If the shapes disagree: `a` is `m x k`, `b` must be `k x n` and `c` `m x n`.
pub fn gemm<T: Element>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, c: ArrayViewMut2<'_, T>) {
    let (m, k, n) = check_shapes(&a, &b, &c);
    split::run(T::kernel(), a, b, c, threads_for(m, k, n));
}

/// `c = a · b` with `b` packed beforehand ([`PackedB`]): [`gemm`] without packing `b`, which
/// saves that work on every call when `b` is the same from call to call (a layer's weights at
/// inference), and gives [`gemm`]'s results bit for bit. Split over the thread pool as
/// [`gemm`] is, every thread reading the one packed `b`.
///
/// # Panics
/// If the shapes disagree: `a` is `m x k`, `b` must be `k x n` and `c` `m x n`.
pub fn gemm_packed<T: Element>(a: ArrayView2<'_, T>, b: &PackedB<T>, c: ArrayViewMut2<'_, T>) {
    let (m, k, n) = check_dims(a.dim(), (b.rows(), b.cols()), c.dim());
    split::run_packed(a, b, c, threads_for(m, k, n));
}

/// [`gemm`] on the calling thread alone, whatever its size; the pool's threads run this.
///
/// # Panics
/// As [`gemm`].
pub fn gemm_single_thread<T: Element>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    c: ArrayViewMut2<'_, T>,
) {
    check_shapes(&a, &b, &c);
    split::run(T::kernel(), a, b, c, 1);
}

/// Every kernel this processor can run for `T`, the one [`gemm`] uses first and the portable
/// one last: for tests that check each, and benchmarks that compare them.
pub fn kernels<T: Element>() -> Vec<Kernel<T>> {
    T::kernels()
}

/// [`gemm_single_thread`] with a given kernel (one of [`kernels`]).
///
/// # Panics
/// As [`gemm`].
pub fn gemm_with_kernel<T: Element>(
    kernel: Kernel<T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    c: ArrayViewMut2<'_, T>,
) {
    check_shapes(&a, &b, &c);
    driver::gemm(kernel, a, b, c);
}

/// `(m, k, n)` of `c = a · b`.
///
/// # Panics
/// If the shapes disagree: `a` is `m x k`, `b` must be `k x n` and `c` `m x n`.
fn check_shapes<T>(
    a: &ArrayView2<'_, T>,
    b: &ArrayView2<'_, T>,
    c: &ArrayViewMut2<'_, T>,
) -> (usize, usize, usize) {
    check_dims(a.dim(), b.dim(), c.dim())
}

/// [`check_shapes`] on the operands' dimensions (a [`PackedB`] has no view).
///
/// # Panics
/// As [`check_shapes`].
fn check_dims(
    (m, k): (usize, usize),
    (k2, n): (usize, usize),
    c: (usize, usize),
) -> (usize, usize, usize) {
    assert_eq!(k, k2, "gemm: a is {m} x {k} but b has {k2} rows");
    assert_eq!(c, (m, n), "gemm: c must be {m} x {n}, the shape of a · b");
    (m, k, n)
}

/// How many threads a product of this shape runs on.
fn threads_for(m: usize, k: usize, n: usize) -> usize {
    if m.saturating_mul(k).saturating_mul(n) < PARALLEL_THRESHOLD {
        return 1;
    }
    available_threads()
}

/// Runs `part(0)`, `part(1)`, ... `part(parts - 1)`, on the thread pool when the `threading`
/// feature is on and the pool is free (the calling thread runs any part no pool thread has
/// taken), else one after the other on the calling thread; returns when all have run.
///
/// For callers with their own independent pieces of work (nn's one-sample kernel splits a
/// wide layer's columns this way). Allocates nothing.
///
/// # Panics
/// If a part panics.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// let sum = AtomicUsize::new(0);
/// nn_gemm::run_parts(4, &|i| {
///     sum.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 0 + 1 + 2 + 3);
/// ```
pub fn run_parts(parts: usize, part: &(dyn Fn(usize) + Sync)) {
    #[cfg(feature = "threading")]
    if parts > 1 && pool::run(parts, part) {
        return;
    }
    (0..parts).for_each(part);
}

/// The most items [`run_each`] takes, and the most threads a product is split over.
pub const MAX_PARTS: usize = 16;

/// Runs `f` on each item (at most [`MAX_PARTS`] of them), as [`run_parts`] runs its parts:
/// on the thread pool when it is free, else one after the other on the calling thread.
///
/// For work already cut into pieces that each need their own `&mut` (blocks of an output):
/// the items are handed to the parts without allocating.
///
/// # Panics
/// If there are more than [`MAX_PARTS`] items, or `f` panics.
///
/// ```
/// let mut out = [0u32; 10];
/// nn_gemm::run_each(out.chunks_mut(4).enumerate(), &|(i, block): (usize, &mut [u32])| {
///     block.fill(i as u32);
/// });
/// assert_eq!(out, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
/// ```
pub fn run_each<I: Send>(items: impl IntoIterator<Item = I>, f: &(dyn Fn(I) + Sync)) {
    use std::sync::{Mutex, PoisonError};
    let slots: [Mutex<Option<I>>; MAX_PARTS] = std::array::from_fn(|_| Mutex::new(None));
    let mut count = 0;
    for item in items {
        assert!(count < MAX_PARTS, "run_each: more than {MAX_PARTS} items");
        *slots[count].lock().unwrap_or_else(PoisonError::into_inner) = Some(item);
        count += 1;
    }
    run_parts(count, &|part| {
        let item = slots[part]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(item) = item {
            f(item);
        }
    });
}

/// The threads a large product is split over: the pool's size with the `threading` feature,
/// else 1.
pub fn available_threads() -> usize {
    #[cfg(feature = "threading")]
    {
        pool::size()
    }
    #[cfg(not(feature = "threading"))]
    {
        1
    }
}
