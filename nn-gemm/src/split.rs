//! Splitting one product into independent blocks of `C`, one per thread.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::kernel::Kernel;
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

#[cfg(feature = "threading")]
mod parallel {
    use std::sync::{Mutex, PoisonError};

    use ndarray::{ArrayView2, ArrayViewMut2, Axis};

    use crate::kernel::Kernel;
    use crate::pool::{self, MAX_THREADS};
    use crate::{Element, driver};

    /// One thread's share: its rows of `a`, its columns of `b`, its block of `c`.
    type Part<'a, T> = (ArrayView2<'a, T>, ArrayView2<'a, T>, ArrayViewMut2<'a, T>);

    /// Splits `c` into `threads` blocks of columns or rows, whichever packs less (whole
    /// register tiles each, but the last) and runs them on the pool; on the calling thread
    /// alone when the pool is busy with another caller's product.
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
        let (m, n) = c.dim();
        let by_columns = n > 2 * m;
        let (length, tile) = if by_columns {
            (n, kernel.nr)
        } else {
            (m, kernel.mr)
        };
        let threads = threads.min(MAX_THREADS);
        let share = length.div_ceil(threads).div_ceil(tile) * tile;
        let parts: [Mutex<Option<Part<'_, T>>>; MAX_THREADS] =
            std::array::from_fn(|_| Mutex::new(None));
        let mut count = 0;
        let (mut a_rest, mut b_rest, mut c_rest) = (a, b, c);
        while count < threads {
            let remaining = if by_columns {
                b_rest.ncols()
            } else {
                a_rest.nrows()
            };
            if remaining == 0 {
                break;
            }
            let width = share.min(remaining);
            let part = if by_columns {
                let (b_part, b_tail) = b_rest.split_at(Axis(1), width);
                let (c_part, c_tail) = c_rest.split_at(Axis(1), width);
                (b_rest, c_rest) = (b_tail, c_tail);
                (a_rest, b_part, c_part)
            } else {
                let (a_part, a_tail) = a_rest.split_at(Axis(0), width);
                let (c_part, c_tail) = c_rest.split_at(Axis(0), width);
                (a_rest, c_rest) = (a_tail, c_tail);
                (a_part, b_rest, c_part)
            };
            *parts[count].lock().unwrap_or_else(PoisonError::into_inner) = Some(part);
            count += 1;
        }
        let job = |i: usize| {
            let part = parts[i]
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some((a, b, c)) = part {
                driver::gemm(kernel, a, b, c);
            }
        };
        if !pool::run(count, &job) {
            (0..count).for_each(job);
        }
    }
}
