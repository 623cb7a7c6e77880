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
                out.copy_from_slice(row);
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
