//! Copying short runs without a `memmove` call.

/// `out.copy_from_slice(row)` for short runs (a tile's or sliver's row, a convolution window's
/// row), in fixed-size blocks that compile to vector moves: `copy_from_slice` (or any copy
/// loop, which the compiler turns into one) calls `memmove`, whose call costs more than the
/// copy at these lengths.
///
/// # Panics
/// If the lengths differ.
///
/// ```
/// let mut out = [0.0f32; 13];
/// nn_gemm::copy_short(&mut out, &[1.0; 13]);
/// assert_eq!(out, [1.0; 13]);
/// ```
#[inline(always)]
pub fn copy_short<T: Copy>(out: &mut [T], row: &[T]) {
    assert_eq!(out.len(), row.len(), "copy_short: lengths differ");
    let (out_blocks, out_rest) = out.as_chunks_mut::<8>();
    let (row_blocks, row_rest) = row.as_chunks::<8>();
    for (out, row) in out_blocks.iter_mut().zip(row_blocks) {
        *out = *row;
    }
    // The last 0 to 7 elements: a block of 4, of 2, of 1, each at most once (no loop).
    let (out_rest, row_rest) = copy_block::<T, 4>(out_rest, row_rest);
    let (out_rest, row_rest) = copy_block::<T, 2>(out_rest, row_rest);
    let (out_rest, row_rest) = copy_block::<T, 1>(out_rest, row_rest);
    debug_assert!(out_rest.is_empty() && row_rest.is_empty());
}

/// Copies the first `N` elements of `row` into `out` when both have that many (a copy of a
/// constant size, which compiles to moves), and returns what follows them.
#[inline(always)]
fn copy_block<'o, 'r, T: Copy, const N: usize>(
    out: &'o mut [T],
    row: &'r [T],
) -> (&'o mut [T], &'r [T]) {
    if out.len() < N || row.len() < N {
        return (out, row);
    }
    let (out, out_tail) = out.split_at_mut(N);
    let (row, row_tail) = row.split_at(N);
    for (out, &value) in out.iter_mut().zip(row) {
        *out = value;
    }
    (out_tail, row_tail)
}
