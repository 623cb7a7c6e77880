//! The AVX2/FMA kernels: 6 x 16 for `f32` and 6 x 8 for `f64`, each tile held in twelve of
//! the sixteen vector registers while the shared dimension streams through.
//!
//! Each safe entry point checks the processor's features (a cached atomic load, negligible
//! against the `kc · MR · NR` multiply-adds that follow) and falls back to the portable kernel
//! without them, so it is sound to call anywhere.

use std::arch::x86_64::{
    __m256, __m256d, _mm256_add_ps, _mm256_fmadd_pd, _mm256_fmadd_ps, _mm256_loadu_pd,
    _mm256_loadu_ps, _mm256_set1_pd, _mm256_set1_ps, _mm256_setzero_pd, _mm256_setzero_ps,
    _mm256_storeu_pd, _mm256_storeu_ps,
};

use super::{Out, TILE, portable};

const F32_MR: usize = 6;
const F32_NR: usize = 16;
const F64_MR: usize = 6;
const F64_NR: usize = 8;

/// Whether the processor has AVX2 and FMA.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

/// The `f32` 6 x 16 kernel (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 6` or `b` than `kc · 16`.
pub fn f32_6x16(kc: usize, a: &[f32], b: &[f32], out: Out<'_, f32>) {
    let a = &a.as_chunks::<F32_MR>().0[..kc];
    let b = &b.as_chunks::<F32_NR>().0[..kc];
    if available() {
        // SAFETY: the processor has AVX2 and FMA, the only requirement of `f32_fma`.
        unsafe { f32_fma(a, b, out) }
    } else {
        portable::kernel::<f32, F32_MR, F32_NR>(kc, a.as_flattened(), b.as_flattened(), out);
    }
}

/// The `f32` 6 x 8 kernel, for a last sliver of at most 8 columns (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 6` or `b` than `kc · 8`.
pub fn f32_6x8(kc: usize, a: &[f32], b: &[f32], out: Out<'_, f32>) {
    let a = &a.as_chunks::<F32_MR>().0[..kc];
    let b = &b.as_chunks::<8>().0[..kc];
    out.via_tile(F32_MR, 8, |tile| {
        if available() {
            // SAFETY: the processor has AVX2 and FMA, the only requirement of `f32_fma_narrow`.
            unsafe { f32_fma_narrow(a, b, tile) }
        } else {
            portable::into_tile::<f32, F32_MR, 8>(a, b, tile);
        }
    });
}

/// # Safety
/// The processor must support AVX2 and FMA. Every load reads the 8 lanes of an 8-element
/// array, and the stores write rows `i < 6` at offset `8 · i` of the tile (`8 · 5 + 8 <= TILE`),
/// so no access leaves its array.
#[target_feature(enable = "avx2,fma")]
unsafe fn f32_fma_narrow(a: &[[f32; F32_MR]], b: &[[f32; 8]], tile: &mut [f32; TILE]) {
    let mut sums: [__m256; F32_MR] = [_mm256_setzero_ps(); F32_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 8 elements, the 8 lanes loaded.
        let b = unsafe { _mm256_loadu_ps(b.as_ptr()) };
        for (sum, &a) in sums.iter_mut().zip(a) {
            *sum = _mm256_fmadd_ps(_mm256_set1_ps(a), b, *sum);
        }
    }
    for (out, sum) in tile.as_chunks_mut::<8>().0.iter_mut().zip(sums) {
        // SAFETY: `out` is 8 elements, the 8 lanes stored.
        unsafe { _mm256_storeu_ps(out.as_mut_ptr(), sum) };
    }
}

/// The `f64` 6 x 8 kernel (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 6` or `b` than `kc · 8`.
pub fn f64_6x8(kc: usize, a: &[f64], b: &[f64], out: Out<'_, f64>) {
    let a = &a.as_chunks::<F64_MR>().0[..kc];
    let b = &b.as_chunks::<F64_NR>().0[..kc];
    out.via_tile(F64_MR, F64_NR, |tile| {
        if available() {
            // SAFETY: the processor has AVX2 and FMA, the only requirement of `f64_fma`.
            unsafe { f64_fma(a, b, tile) }
        } else {
            portable::into_tile::<f64, F64_MR, F64_NR>(a, b, tile);
        }
    });
}

/// # Safety
/// The processor must support AVX2 and FMA. Every load reads 8 lanes at offsets 0 and 8 of a
/// 16-element array; into a tile buffer, the stores write rows `i < 6` at offsets 0 and 8 of
/// the 96-element tile (`16 · i + 8 + 8 <= 96 <= TILE`); into `C`, 8 lanes at offsets 0 and
/// 8 of each of the 6 rows of a 6 x 16 block (checked), which [`Out::C`]'s block lends us.
/// So no access leaves its array.
#[target_feature(enable = "avx2,fma")]
unsafe fn f32_fma(a: &[[f32; F32_MR]], b: &[[f32; F32_NR]], out: Out<'_, f32>) {
    let mut sums: [[__m256; 2]; F32_MR] = [[_mm256_setzero_ps(); 2]; F32_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 16 elements, so 8 lanes at 0 and at 8 are inside it.
        let (b0, b1) = unsafe {
            (
                _mm256_loadu_ps(b.as_ptr()),
                _mm256_loadu_ps(b.as_ptr().add(8)),
            )
        };
        for (row, &a) in sums.iter_mut().zip(a) {
            let a = _mm256_set1_ps(a);
            row[0] = _mm256_fmadd_ps(a, b0, row[0]);
            row[1] = _mm256_fmadd_ps(a, b1, row[1]);
        }
    }
    let c = match out {
        Out::Tile(tile) => {
            for (out, row) in tile.as_chunks_mut::<F32_NR>().0.iter_mut().zip(&sums) {
                // SAFETY: `out` is 16 elements, so 8 lanes at 0 and at 8 are inside it.
                unsafe {
                    _mm256_storeu_ps(out.as_mut_ptr(), row[0]);
                    _mm256_storeu_ps(out.as_mut_ptr().add(8), row[1]);
                }
            }
            return;
        }
        Out::C(c) => c,
    };
    c.check(F32_MR, F32_NR);
    for (i, row) in sums.iter().enumerate() {
        let out = c.row(i);
        // SAFETY: the block is 6 x 16 (checked) and `i < 6`, so the 16 elements from `out`
        // are row `i`'s, initialized and lent to this kernel alone (`TileOfC::new`'s
        // contract): 8 lanes at 0 and at 8 are inside them.
        unsafe {
            let (low, high) = if c.accumulate {
                (
                    _mm256_add_ps(row[0], _mm256_loadu_ps(out)),
                    _mm256_add_ps(row[1], _mm256_loadu_ps(out.add(8))),
                )
            } else {
                (row[0], row[1])
            };
            _mm256_storeu_ps(out, low);
            _mm256_storeu_ps(out.add(8), high);
        }
    }
}

/// # Safety
/// The processor must support AVX2 and FMA. Every load reads 4 lanes at offsets 0 and 4 of an
/// 8-element array, and the stores write rows `i < 6` at offsets 0 and 4 of the first 48 tile
/// elements, so no access leaves its array.
#[target_feature(enable = "avx2,fma")]
unsafe fn f64_fma(a: &[[f64; F64_MR]], b: &[[f64; F64_NR]], tile: &mut [f64; TILE]) {
    let mut sums: [[__m256d; 2]; F64_MR] = [[_mm256_setzero_pd(); 2]; F64_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 8 elements, so 4 lanes at 0 and at 4 are inside it.
        let (b0, b1) = unsafe {
            (
                _mm256_loadu_pd(b.as_ptr()),
                _mm256_loadu_pd(b.as_ptr().add(4)),
            )
        };
        for (row, &a) in sums.iter_mut().zip(a) {
            let a = _mm256_set1_pd(a);
            row[0] = _mm256_fmadd_pd(a, b0, row[0]);
            row[1] = _mm256_fmadd_pd(a, b1, row[1]);
        }
    }
    for (out, row) in tile.as_chunks_mut::<F64_NR>().0.iter_mut().zip(&sums) {
        // SAFETY: `out` is 8 elements, so 4 lanes at 0 and at 4 are inside it.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), row[0]);
            _mm256_storeu_pd(out.as_mut_ptr().add(4), row[1]);
        }
    }
}
