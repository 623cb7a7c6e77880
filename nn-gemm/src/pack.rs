//! Packing: copying a block of `A` or `B` into the contiguous sliver layout the kernels read,
//! padding the last sliver with zeros.

use ndarray::ArrayView2;

use crate::Element;
use crate::blocking::KC;

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
    // The rows past the last of a row-major block's last sliver, read as zeros.
    let zeros = [T::default(); KC];
    for (s, sliver) in dst.chunks_exact_mut(mr * depth).enumerate() {
        let first = s * mr;
        let live = mr.min(rows - first);
        if col_stride == 1 && (live == mr || depth <= KC) && matches!(mr, 6 | 12) {
            // A row-major block of the kernels' sliver heights: `mr` rows, each contiguous,
            // the last sliver's missing rows zeros (another height, or a last sliver deeper
            // than the zeros, takes the general path at the end).
            let row = |r: usize| -> &[T] {
                if r >= live {
                    return &zeros[..depth];
                }
                // SAFETY: elements `[first + r, 0 .. depth]` of the view, contiguous since the
                // column stride is 1, all inside the block (`first + r < first + live <=
                // rows`).
                unsafe {
                    std::slice::from_raw_parts(
                        origin.offset((first + r) as isize * row_stride),
                        depth,
                    )
                }
            };
            if mr == 6 {
                interleave_rows::<T, 6>(std::array::from_fn(row), sliver);
            } else {
                let rows = std::array::from_fn(row);
                if !T::interleave_12(&rows, sliver) {
                    interleave_rows::<T, 12>(rows, sliver);
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
                crate::copy::copy_short(out, column);
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

/// Writes `MR` equally long rows into a sliver column by column: `dst[p · MR + r] =
/// rows[r][p]`. With `MR` known, each column is `MR` loads and one contiguous run of stores
/// (three times faster than writing each row down the sliver with a stride).
///
/// # Panics
/// If a row is shorter than `dst.len() / MR`.
fn interleave_rows<T: Element, const MR: usize>(rows: [&[T]; MR], dst: &mut [T]) {
    let columns = dst.as_chunks_mut::<MR>().0;
    let rows = rows.map(|row| &row[..columns.len()]);
    for (p, column) in columns.iter_mut().enumerate() {
        for (out, row) in column.iter_mut().zip(&rows) {
            *out = row[p];
        }
    }
}

/// The column slivers of `cols` columns: `(first column, width)`, each `nr` wide but the last,
/// which is `nr_tail` wide when at most that many columns remain (a narrower kernel computes
/// it) and `nr` wide, zero-padded, otherwise.
pub fn slivers(cols: usize, nr: usize, nr_tail: usize) -> impl Iterator<Item = (usize, usize)> {
    let remainder = cols % nr;
    let full = cols / nr;
    let tail = match remainder {
        0 => None,
        r if r <= nr_tail => Some(nr_tail),
        _ => Some(nr),
    };
    (0..full)
        .map(move |s| (s * nr, nr))
        .chain(tail.map(|width| (full * nr, width)))
}

/// The packed length of a `depth x cols` block of `B` (see [`slivers`]).
pub fn packed_b_len(cols: usize, depth: usize, nr: usize, nr_tail: usize) -> usize {
    slivers(cols, nr, nr_tail)
        .map(|(_, width)| width)
        .sum::<usize>()
        * depth
}

/// Packs the `depth x cols` block `b` into the column slivers of [`slivers`]: a sliver `width`
/// wide holds, for each `p < depth`, the `width` values `b[p, first + j]` (zero past the last
/// column). `dst` must hold [`packed_b_len`] elements.
///
/// # Panics
/// If `dst` has a different length, or `depth` is 0.
pub fn pack_b<T: Element>(b: ArrayView2<'_, T>, nr: usize, nr_tail: usize, dst: &mut [T]) {
    let (depth, cols) = b.dim();
    assert_eq!(
        dst.len(),
        packed_b_len(cols, depth, nr, nr_tail),
        "pack_b: buffer length"
    );
    let (row_stride, col_stride) = (b.strides()[0], b.strides()[1]);
    let origin = b.as_ptr();
    let at = |p: usize, j: usize| {
        debug_assert!(p < depth && j < cols);
        // SAFETY: as in `pack_a`: `p < depth`, `j < cols`, an element of the view.
        unsafe { *origin.offset(p as isize * row_stride + j as isize * col_stride) }
    };
    let mut rest = dst;
    for (first, nr) in slivers(cols, nr, nr_tail) {
        let (sliver, tail) = rest.split_at_mut(nr * depth);
        rest = tail;
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
            if col_stride == 1 {
                // A row of a row-major block: one contiguous copy of its `live` values, then
                // zeros past the last column (the forward product of a 10-class layer, 128 x
                // 100 x 10, is 1.08 times faster than element by element).
                // SAFETY: elements `[p, first .. first + live]` of the view, contiguous since
                // the column stride is 1, all inside the block (`first + live <= cols`).
                let row = unsafe {
                    std::slice::from_raw_parts(
                        origin.offset(p as isize * row_stride + first as isize),
                        live,
                    )
                };
                let (values, padding) = out.split_at_mut(live);
                crate::copy::copy_short(values, row);
                padding.fill(T::default());
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
