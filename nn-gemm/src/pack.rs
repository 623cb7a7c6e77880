//! Packing: copying a block of `A` or `B` into the contiguous sliver layout the kernels read,
//! padding the last sliver with zeros.

use ndarray::ArrayView2;

use crate::Element;

/// Packs the `rows x depth` block `a` into slivers of `mr` rows: sliver `s` holds, for each
/// `p < depth`, the `mr` values `a[s·mr + r, p]` (zero past the last row). `dst` must hold
/// `⌈rows / mr⌉ · mr · depth` elements.
///
/// # Panics
/// If `dst` has a different length, or `depth` is 0.
pub fn pack_a<T: Element>(a: ArrayView2<'_, T>, mr: usize, dst: &mut [T]) {
    let (rows, depth) = a.dim();
    assert_eq!(
        dst.len(),
        rows.div_ceil(mr) * mr * depth,
        "pack_a: buffer length"
    );
    let (row_stride, col_stride) = (a.strides()[0], a.strides()[1]);
    let origin = a.as_ptr();
    let at = |r: usize, p: usize| {
        debug_assert!(r < rows && p < depth);
        // SAFETY: `r < rows` and `p < depth` (the callers below stay inside the block), so
        // the offset is that of element `[r, p]` of the view, which ndarray guarantees to be
        // inside its allocation and initialized; the view's borrow keeps it alive.
        unsafe { *origin.offset(r as isize * row_stride + p as isize * col_stride) }
    };
    for (s, sliver) in dst.chunks_exact_mut(mr * depth).enumerate() {
        let first = s * mr;
        let live = mr.min(rows - first);
        if col_stride == 1 && live == mr {
            // A row-major block: read each row contiguously, write it down the sliver.
            for r in 0..mr {
                // SAFETY: elements `[first + r, 0 .. depth]` of the view, contiguous since the
                // column stride is 1, all inside the block (`first + r < rows`).
                let row = unsafe {
                    std::slice::from_raw_parts(
                        origin.offset((first + r) as isize * row_stride),
                        depth,
                    )
                };
                for (column, &value) in sliver.chunks_exact_mut(mr).zip(row) {
                    column[r] = value;
                }
            }
            continue;
        }
        if row_stride == 1 && live == mr {
            // A column-major block (a transposed row-major matrix): each column's `mr` values
            // are contiguous.
            for (p, out) in sliver.chunks_exact_mut(mr).enumerate() {
                // SAFETY: elements `[first .. first + mr, p]` of the view, contiguous since the
                // row stride is 1, all inside the block (`first + mr <= rows`, `p < depth`).
                let column = unsafe {
                    std::slice::from_raw_parts(
                        origin.offset(first as isize + p as isize * col_stride),
                        mr,
                    )
                };
                crate::driver::copy_row(out, column);
            }
            continue;
        }
        for (p, out) in sliver.chunks_exact_mut(mr).enumerate() {
            for (r, out) in out.iter_mut().enumerate() {
                *out = if r < live {
                    at(first + r, p)
                } else {
                    T::default()
                };
            }
        }
    }
}

/// Packs the `depth x cols` block `b` into slivers of `nr` columns: sliver `s` holds, for each
/// `p < depth`, the `nr` values `b[p, s·nr + j]` (zero past the last column). `dst` must hold
/// `⌈cols / nr⌉ · nr · depth` elements.
///
/// # Panics
/// If `dst` has a different length, or `depth` is 0.
pub fn pack_b<T: Element>(b: ArrayView2<'_, T>, nr: usize, dst: &mut [T]) {
    let (depth, cols) = b.dim();
    assert_eq!(
        dst.len(),
        cols.div_ceil(nr) * nr * depth,
        "pack_b: buffer length"
    );
    let (row_stride, col_stride) = (b.strides()[0], b.strides()[1]);
    let origin = b.as_ptr();
    let at = |p: usize, j: usize| {
        debug_assert!(p < depth && j < cols);
        // SAFETY: as in `pack_a`: `p < depth`, `j < cols`, an element of the view.
        unsafe { *origin.offset(p as isize * row_stride + j as isize * col_stride) }
    };
    for (s, sliver) in dst.chunks_exact_mut(nr * depth).enumerate() {
        let first = s * nr;
        let live = nr.min(cols - first);
        if row_stride == 1 && col_stride != 1 && live == nr {
            // A column-major block (a transposed row-major matrix): each output row gathers
            // one element of each of the `nr` columns, which the next rows continue, so the
            // `nr` columns stream through the level-1 cache while the sliver is written in order.
            for (p, out) in sliver.chunks_exact_mut(nr).enumerate() {
                for (j, out) in out.iter_mut().enumerate() {
                    *out = at(p, first + j);
                }
            }
            continue;
        }
        for (p, out) in sliver.chunks_exact_mut(nr).enumerate() {
            if live == nr && col_stride == 1 {
                // A full row of a row-major block: one contiguous copy.
                // SAFETY: elements `[p, first .. first + nr]` of the view, contiguous since
                // the column stride is 1, all inside the block (`first + nr <= cols`).
                let row = unsafe {
                    std::slice::from_raw_parts(
                        origin.offset(p as isize * row_stride + first as isize),
                        nr,
                    )
                };
                crate::driver::copy_row(out, row);
            } else {
                for (j, out) in out.iter_mut().enumerate() {
                    *out = if j < live {
                        at(p, first + j)
                    } else {
                        T::default()
                    };
                }
            }
        }
    }
}
