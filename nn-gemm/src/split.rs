//! Splitting one product into independent blocks of `C`, one per thread.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::kernel::Kernel;
use crate::packed::PackedB;
use crate::{Element, driver};

/// `c = a · b` with `kernel` on `threads` threads (1: the calling thread alone).
pub fn run<T: Element>(
    kernel: Kernel<T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    c: ArrayViewMut2<'_, T>,
    threads: usize,
) {
    #[cfg(feature = "threading")]
    if threads > 1 && a.ncols() > 0 {
        parallel::run(kernel, a, b, c, threads);
        return;
    }
    let _ = threads;
    driver::gemm(kernel, a, b, c);
}

/// `c = a · b` with `b` packed beforehand, on `threads` threads (1: the calling thread alone).
pub fn run_packed<T: Element>(
    a: ArrayView2<'_, T>,
    b: &PackedB<T>,
    c: ArrayViewMut2<'_, T>,
    threads: usize,
) {
    #[cfg(feature = "threading")]
    if threads > 1 && a.ncols() > 0 {
        parallel::run_packed(a, b, c, threads);
        return;
    }
    let _ = threads;
    driver::gemm_packed(a, b, 0, c);
}

#[cfg(feature = "threading")]
mod parallel {
    use ndarray::{ArrayView2, ArrayViewMut2, Axis};

    use crate::kernel::Kernel;
    use crate::packed::PackedB;
    use crate::pool::MAX_THREADS;
    use crate::{Element, driver};

    /// One thread's share: its rows of `a`, its columns of `b`, its block of `c`.
    type Part<'a, T> = (ArrayView2<'a, T>, ArrayView2<'a, T>, ArrayViewMut2<'a, T>);

    /// Splits `c` into `threads` blocks of columns or rows, whichever packs less (whole
    /// register tiles each, but the last) and runs them with [`crate::run_each`]: on the pool,
    /// or on the calling thread alone when the pool is busy with another caller's product.
    pub fn run<T: Element>(
        kernel: Kernel<T>,
        a: ArrayView2<'_, T>,
        b: ArrayView2<'_, T>,
        c: ArrayViewMut2<'_, T>,
        threads: usize,
    ) {
        // Split by columns and every thread packs all of `A` (`m x k`) and its share of `B`;
        // by rows, all of `B` (`k x n`) and its share of `A`. Packing `A` interleaves rows
        // and costs about twice as much per element as packing `B`'s contiguous runs, so
        // columns win only when `2 m k (1 - 1/t) < k n (1 - 1/t)`, i.e. `n > 2 m` (batch
        // inference's 256 x 784 x 300: rows, 1.06 times faster than by columns).
        let (by_columns, share) = shares(kernel, c.dim(), threads);
        let job = |(a, b, c): Part<'_, T>| driver::gemm(kernel, a, b, c);
        let mut c = c;
        if by_columns {
            let blocks = b.axis_chunks_iter(Axis(1), share);
            let outputs = c.axis_chunks_iter_mut(Axis(1), share);
            crate::run_each(blocks.zip(outputs).map(|(b, c)| (a, b, c)), &job);
        } else {
            let blocks = a.axis_chunks_iter(Axis(0), share);
            let outputs = c.axis_chunks_iter_mut(Axis(0), share);
            crate::run_each(blocks.zip(outputs).map(|(a, c)| (a, b, c)), &job);
        }
    }

    /// [`run`] with `b` packed beforehand: split the same way, every thread reading its
    /// columns (or all) of the one packed `b`, so that nothing is packed more than once.
    pub fn run_packed<T: Element>(
        a: ArrayView2<'_, T>,
        b: &PackedB<T>,
        c: ArrayViewMut2<'_, T>,
        threads: usize,
    ) {
        let (by_columns, share) = shares(b.kernel(), c.dim(), threads);
        let mut c = c;
        if by_columns {
            let outputs = c.axis_chunks_iter_mut(Axis(1), share).enumerate();
            crate::run_each(outputs, &|(part, c): (usize, ArrayViewMut2<'_, T>)| {
                driver::gemm_packed(a, b, part * share, c);
            });
        } else {
            let blocks = a.axis_chunks_iter(Axis(0), share);
            let outputs = c.axis_chunks_iter_mut(Axis(0), share);
            crate::run_each(blocks.zip(outputs), &|(a, c)| {
                driver::gemm_packed(a, b, 0, c);
            });
        }
    }

    /// Whether a product with an `m x n` result is split by columns (else by rows), and how
    /// many columns (rows) each of `threads` parts gets: whole register tiles each, but the
    /// last.
    fn shares<T>(kernel: Kernel<T>, (m, n): (usize, usize), threads: usize) -> (bool, usize) {
        let by_columns = n > 2 * m;
        let (length, tile) = if by_columns {
            (n, kernel.nr)
        } else {
            (m, kernel.mr)
        };
        let threads = threads.min(MAX_THREADS);
        (
            by_columns,
            length.div_ceil(threads).div_ceil(tile).max(1) * tile,
        )
    }
}
