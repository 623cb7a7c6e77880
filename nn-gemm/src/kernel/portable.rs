//! The kernel for every processor: plain multiplies and adds, which the compiler vectorizes
//! for the target it builds for.

use super::Out;
use crate::Element;

/// The `MR x NR` tile of one packed sliver pair (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · MR` or `b` than `kc · NR`, or `out` is a block of `C` of
/// another shape.
pub fn kernel<T: Element, const MR: usize, const NR: usize>(
    kc: usize,
    a: &[T],
    b: &[T],
    out: Out<'_, T>,
) {
    const { assert!(MR * NR <= super::TILE) };
    let a = &a.as_chunks::<MR>().0[..kc];
    let b = &b.as_chunks::<NR>().0[..kc];
    let mut sums = [[T::default(); NR]; MR];
    for (a, b) in a.iter().zip(b) {
        for (row, &a) in sums.iter_mut().zip(a) {
            for (sum, &b) in row.iter_mut().zip(b) {
                *sum = *sum + a * b;
            }
        }
    }
    match out {
        Out::Tile(tile) => {
            for (out, row) in tile.chunks_exact_mut(NR).zip(&sums) {
                out.copy_from_slice(row);
            }
        }
        Out::C(c) => {
            c.check(MR, NR);
            c.store(sums.as_flattened());
        }
    }
}

/// [`kernel`] on already-chunked slivers, into a tile buffer: the fallback of the SIMD
/// kernels that write through one.
pub fn into_tile<T: Element, const MR: usize, const NR: usize>(
    a: &[[T; MR]],
    b: &[[T; NR]],
    tile: &mut [T; super::TILE],
) {
    kernel::<T, MR, NR>(a.len(), a.as_flattened(), b.as_flattened(), Out::Tile(tile));
}
