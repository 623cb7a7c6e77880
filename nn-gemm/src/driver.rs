//! The loop nest on one thread: panels of `B`, blocks of `A`, register tiles of `C`.

use ndarray::{ArrayView2, ArrayViewMut2, s};

use crate::Element;
use crate::blocking::{KC, MC, NC};
use crate::element::Buffers;
use crate::kernel::{Kernel, TILE};
use crate::pack::{pack_a, pack_b};

/// `c = a · b` on the calling thread, with its packing buffers. Shapes are the caller's
/// to check (`a: m x k`, `b: k x n`, `c: m x n`).
pub fn gemm<T: Element>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, mut c: ArrayViewMut2<'_, T>) {
    let (m, k) = a.dim();
    let n = b.ncols();
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::default());
        return;
    }
    gemm_with(T::kernel(), a, b, c);
}

/// [`gemm`] with a given kernel (tests compare the portable and the SIMD kernels); `k > 0`.
pub fn gemm_with<T: Element>(
    kernel: Kernel<T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    let (mr, nr) = (T::MR, T::NR);
    T::with_buffers(|buffers| {
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(KC) {
                let kc = KC.min(k - pc);
                let packed_b = Buffers::reserve(&mut buffers.b, nc.div_ceil(nr) * nr * kc);
                pack_b(b.slice(s![pc..pc + kc, jc..jc + nc]), nr, packed_b);
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    let packed_a = Buffers::reserve(&mut buffers.a, mc.div_ceil(mr) * mr * kc);
                    pack_a(a.slice(s![ic..ic + mc, pc..pc + kc]), mr, packed_a);
                    let block = c.slice_mut(s![ic..ic + mc, jc..jc + nc]);
                    tiles(kernel, kc, packed_a, packed_b, block, pc == 0);
                }
            }
        }
    });
}

/// Runs the kernel over every tile of one block of `C`: `c = tile` on the first `KC` block
/// (`overwrite`), `c = tile + c` on the next ones.
fn tiles<T: Element>(
    kernel: Kernel<T>,
    kc: usize,
    packed_a: &[T],
    packed_b: &[T],
    mut c: ArrayViewMut2<'_, T>,
    overwrite: bool,
) {
    let (mc, nc) = c.dim();
    let (mr, nr) = (T::MR, T::NR);
    let (row_stride, col_stride) = (c.strides()[0], c.strides()[1]);
    let origin = c.as_mut_ptr();
    let mut tile = [T::default(); TILE];
    for (js, b) in packed_b.chunks_exact(kc * nr).enumerate() {
        let j0 = js * nr;
        let cols = nr.min(nc - j0);
        for (is, a) in packed_a.chunks_exact(kc * mr).enumerate() {
            let i0 = is * mr;
            let rows = mr.min(mc - i0);
            kernel(kc, a, b, &mut tile);
            for (i, tile_row) in tile.chunks_exact(nr).take(rows).enumerate() {
                // SAFETY: `i0 + i < mc` and `j0 + j < nc` for `j < cols`, so every offset is
                // that of an element of the view `c`, which this function borrows mutably and
                // reaches only through `origin` while the loop runs.
                let row = unsafe {
                    origin.offset((i0 + i) as isize * row_stride + j0 as isize * col_stride)
                };
                for (j, &t) in tile_row[..cols].iter().enumerate() {
                    // SAFETY: see above; element `[i0 + i, j0 + j]`.
                    let out = unsafe { &mut *row.offset(j as isize * col_stride) };
                    *out = if overwrite { t } else { t + *out };
                }
            }
        }
    }
}
