//! The loop nest on one thread: panels of `B`, blocks of `A`, register tiles of `C`.

use ndarray::{ArrayView2, ArrayViewMut2, s};

use crate::Element;
use crate::blocking::{KC, MC, NC};
use crate::copy::copy_short;
use crate::element::Buffers;
use crate::kernel::{Kernel, Out, TILE, TileOfC};
use crate::pack::{pack_a, pack_b, packed_b_len, slivers};
use crate::packed::PackedB;

/// `c = a · b` on the calling thread with `kernel`, with this thread's packing buffers.
/// Shapes are the caller's to check (`a: m x k`, `b: k x n`, `c: m x n`); an empty shared
/// dimension gives zeros. A product [`transposed_is_cheaper`] runs as `cᵀ = bᵀ · aᵀ`, which
/// makes the same sums in the same order.
pub fn gemm<T: Element>(
    kernel: Kernel<T>,
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    if m == 0 || n == 0 {
        return;
    }
    if transposed_is_cheaper(kernel, &a, n) {
        gemm(kernel, b.t(), a.t(), c.reversed_axes());
        return;
    }
    if k == 0 {
        c.fill(T::default());
        return;
    }
    let nr = kernel.nr;
    T::with_buffers(|buffers| {
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(KC) {
                let kc = KC.min(k - pc);
                let packed_len = packed_b_len(nc, kc, nr, kernel.nr_tail);
                let packed_b = Buffers::reserve(&mut buffers.b, packed_len);
                pack_b(
                    b.slice(s![pc..pc + kc, jc..jc + nc]),
                    nr,
                    kernel.nr_tail,
                    packed_b,
                );
                let a = a.slice(s![.., pc..pc + kc]);
                let c = c.slice_mut(s![.., jc..jc + nc]);
                blocks_of_a(kernel, a, packed_b, c, pc == 0, &mut buffers.a);
            }
        }
    });
}

/// Whether `c = a · b` (`a: m x k`, `b: k x n`) costs less as `cᵀ = bᵀ · aᵀ`: when `c` is
/// narrower than one of the kernel's slivers of `B` and taller than wide, and `a` is stored
/// column by column (a kernel gradient `xᵀ · g` of a layer with few outputs: a classifier's
/// ten classes, a regression's one).
///
/// Computed directly, each `MR`-row tile of `c` runs a kernel of at least `n` columns over all
/// `k`, mostly padding, and packing `a`'s columns into row slivers is copies of `MR` values.
/// Transposed, the few rows make one or two tiles of full-width slivers, and `aᵀ`, whose
/// rows are then contiguous, packs as `B` in runs of `NR`. Each output is the same sum in the
/// same order (the products `a[i, p] · b[p, j]` over `p`), so the results are equal bit for
/// bit; the product `xᵀ · g` at 100 x 128 x 10 takes 6.6 us instead of 9.3 (1.4-2.0 times
/// faster on every such shape tried, BENCHMARKS.md). With `a` stored row by row, `aᵀ` would
/// pack as gathers, and neither way wins clearly (0.84-1.18).
fn transposed_is_cheaper<T>(kernel: Kernel<T>, a: &ArrayView2<'_, T>, n: usize) -> bool {
    let (m, k) = a.dim();
    let column_major = a.strides()[0] == 1 && k > 1;
    n < kernel.nr && n < m && column_major
}

/// `c = a · b[.., first .. first + c.ncols()]` on the calling thread, `b` packed beforehand
/// (with `b`'s kernel); `first` is a multiple of the kernel's `NR`, and `c`'s columns end at
/// a multiple of it or at `b`'s last column, so they cover whole slivers of `b`'s packing.
/// Shapes are the caller's to check (`a: m x k`, `b: k x n`).
pub fn gemm_packed<T: Element>(
    a: ArrayView2<'_, T>,
    b: &PackedB<T>,
    first: usize,
    mut c: ArrayViewMut2<'_, T>,
) {
    let kernel = b.kernel();
    let (m, n) = c.dim();
    debug_assert!(first.is_multiple_of(kernel.nr) && first + n <= b.cols());
    if m == 0 || n == 0 {
        return;
    }
    if b.rows() == 0 {
        c.fill(T::default());
        return;
    }
    let (last, nr) = (first + n, kernel.nr);
    T::with_buffers(|buffers| {
        for (jc, nc, pc, kc, block) in b.blocks() {
            // This block's columns that are `c`'s: whole slivers, from a multiple of `NR`.
            let (low, high) = (first.max(jc), last.min(jc + nc));
            if low >= high {
                continue;
            }
            let start = (low - jc) / nr * nr * kc;
            let len = packed_b_len(high - low, kc, nr, kernel.nr_tail);
            let a = a.slice(s![.., pc..pc + kc]);
            let c = c.slice_mut(s![.., low - first..high - first]);
            let packed_b = &block[start..start + len];
            blocks_of_a(kernel, a, packed_b, c, pc == 0, &mut buffers.a);
        }
    });
}

/// The product of `a` (`m x kc`, one block of the shared dimension) and one packed panel of
/// `B` into `c` (`m x nc`): `A` packed block by block into `buffer`, then the kernel over
/// every tile (`c = a · b` when `overwrite`, the first block of the shared dimension, else
/// `c += a · b`).
fn blocks_of_a<T: Element>(
    kernel: Kernel<T>,
    a: ArrayView2<'_, T>,
    packed_b: &[T],
    mut c: ArrayViewMut2<'_, T>,
    overwrite: bool,
    buffer: &mut Vec<T>,
) {
    let (m, kc) = a.dim();
    let mr = kernel.mr;
    let row_block = row_block(m, mr);
    for ic in (0..m).step_by(row_block) {
        let mc = row_block.min(m - ic);
        let packed_a = Buffers::reserve(buffer, mc.div_ceil(mr) * mr * kc);
        pack_a(a.slice(s![ic..ic + mc, ..]), mr, packed_a);
        let block = c.slice_mut(s![ic..ic + mc, ..]);
        tiles(kernel, kc, packed_a, packed_b, block, overwrite);
    }
}

/// Rows of `A` per packed block: `m` split into as few blocks of at most [`MC`] rows as
/// possible, of equal size rounded up to whole tiles (128 rows make one block of 132, not 120
/// and a block of 8).
fn row_block(m: usize, mr: usize) -> usize {
    let blocks = m.div_ceil(MC);
    m.div_ceil(blocks).div_ceil(mr) * mr
}

/// Runs the kernel over every tile of one block of `C`: `c = tile` on the first `KC` block
/// (`overwrite`), `c = tile + c` on the next ones. Whole tiles of a `C` with contiguous rows
/// are written by the kernel in place; the others (the last rows and columns, or a `C` whose
/// columns are strided) go through a tile buffer.
fn tiles<T: Element>(
    kernel: Kernel<T>,
    kc: usize,
    packed_a: &[T],
    packed_b: &[T],
    mut c: ArrayViewMut2<'_, T>,
    overwrite: bool,
) {
    let (mc, nc) = c.dim();
    let (mr, nr) = (kernel.mr, kernel.nr);
    let (row_stride, col_stride) = (c.strides()[0], c.strides()[1]);
    let origin = c.as_mut_ptr();
    let mut tile = [T::default(); TILE];
    let mut packed_b = packed_b;
    for (j0, nr) in slivers(nc, nr, kernel.nr_tail) {
        let (b, rest) = packed_b.split_at(kc * nr);
        packed_b = rest;
        let run = if nr == kernel.nr {
            kernel.run
        } else {
            kernel.run_tail
        };
        let cols = nr.min(nc - j0);
        for (is, a) in packed_a.chunks_exact(kc * mr).enumerate() {
            let i0 = is * mr;
            let rows = mr.min(mc - i0);
            if col_stride == 1 && rows == mr && cols == nr {
                // SAFETY: elements `[i0 + i, j0 + j]` of the view `c` for `i < mr`, `j < nr`
                // (`i0 + mr <= mc`, `j0 + nr <= nc`), at `origin + (i0 + i) · row_stride + j0
                // + j` since the column stride is 1; `c` is borrowed mutably by this function,
                // reached only through `origin`, and this block is lent to one kernel call
                // (the value is moved into it and dropped when it returns).
                let block = unsafe {
                    TileOfC::new(
                        origin.offset(i0 as isize * row_stride + j0 as isize),
                        row_stride,
                        (mr, nr),
                        !overwrite,
                    )
                };
                run(kc, a, b, Out::C(block));
                continue;
            }
            run(kc, a, b, Out::Tile(&mut tile));
            if col_stride == 1 {
                // Rows of `C` are contiguous: whole-row passes the compiler vectorizes.
                for (i, tile_row) in tile.chunks_exact(nr).take(rows).enumerate() {
                    // SAFETY: elements `[i0 + i, j0 .. j0 + cols]` of the view `c`, contiguous
                    // since its column stride is 1 (`i0 + i < mc`, `j0 + cols <= nc`); `c` is
                    // borrowed mutably by this function and reached only through `origin`, and
                    // this slice is dropped before the next is made.
                    let out = unsafe {
                        std::slice::from_raw_parts_mut(
                            origin.offset((i0 + i) as isize * row_stride + j0 as isize),
                            cols,
                        )
                    };
                    if overwrite {
                        copy_short(out, &tile_row[..cols]);
                    } else {
                        for (out, &t) in out.iter_mut().zip(tile_row) {
                            *out = t + *out;
                        }
                    }
                }
                continue;
            }
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
