//! The AVX-512 kernels: 12 x 32 for `f32` and 12 x 16 for `f64`, each tile held in 24 of the
//! 32 vector registers while the shared dimension streams through.
//!
//! As in the AVX2 module, each safe entry point checks the processor's features (a cached
//! atomic load) and falls back to the portable kernel without them, so it is sound anywhere.

use std::arch::x86_64::{
    __m512, __m512d, _mm512_add_ps, _mm512_fmadd_pd, _mm512_fmadd_ps, _mm512_loadu_pd,
    _mm512_loadu_ps, _mm512_set1_pd, _mm512_set1_ps, _mm512_setzero_pd, _mm512_setzero_ps,
    _mm512_storeu_pd, _mm512_storeu_ps,
};

use super::{Out, TILE, portable};

const F32_MR: usize = 12;
const F32_NR: usize = 32;
const F64_MR: usize = 12;
const F64_NR: usize = 16;

/// Whether the processor has AVX-512 (the foundation instructions these kernels use).
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// The `f32` 12 x 32 kernel (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 12` or `b` than `kc · 32`.
pub fn f32_12x32(kc: usize, a: &[f32], b: &[f32], out: Out<'_, f32>) {
    let a = &a.as_chunks::<F32_MR>().0[..kc];
    let b = &b.as_chunks::<F32_NR>().0[..kc];
    if available() {
        // SAFETY: the processor has AVX-512F, the only requirement of `f32_fma`.
        unsafe { f32_fma(a, b, out) }
    } else {
        portable::kernel::<f32, F32_MR, F32_NR>(kc, a.as_flattened(), b.as_flattened(), out);
    }
}

/// The `f32` 12 x 16 kernel, for a last sliver of at most 16 columns (see
/// [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 12` or `b` than `kc · 16`.
pub fn f32_12x16(kc: usize, a: &[f32], b: &[f32], out: Out<'_, f32>) {
    let a = &a.as_chunks::<F32_MR>().0[..kc];
    let b = &b.as_chunks::<16>().0[..kc];
    out.via_tile(F32_MR, 16, |tile| {
        if available() {
            // SAFETY: the processor has AVX-512F, the only requirement of `f32_fma_narrow`.
            unsafe { f32_fma_narrow(a, b, tile) }
        } else {
            portable::into_tile::<f32, F32_MR, 16>(a, b, tile);
        }
    });
}

/// The `f64` 12 x 16 kernel (see [`super::Kernel`]).
///
/// # Panics
/// If `a` is shorter than `kc · 12` or `b` than `kc · 16`.
pub fn f64_12x16(kc: usize, a: &[f64], b: &[f64], out: Out<'_, f64>) {
    let a = &a.as_chunks::<F64_MR>().0[..kc];
    let b = &b.as_chunks::<F64_NR>().0[..kc];
    out.via_tile(F64_MR, F64_NR, |tile| {
        if available() {
            // SAFETY: the processor has AVX-512F, the only requirement of `f64_fma`.
            unsafe { f64_fma(a, b, tile) }
        } else {
            portable::into_tile::<f64, F64_MR, F64_NR>(a, b, tile);
        }
    });
}

/// # Safety
/// The processor must support AVX-512F. Every load reads 16 lanes at offsets 0 and 16 of a
/// 32-element array; into a tile buffer, the stores write rows `i < 12` at offsets 0 and 16
/// of the 384-element tile (`32 · i + 16 + 16 <= 384`); into `C`, 16 lanes at offsets 0 and
/// 16 of each of the 12 rows of a 12 x 32 block (checked), which [`Out::C`]'s block lends
/// us. So no access leaves its array.
#[target_feature(enable = "avx512f")]
unsafe fn f32_fma(a: &[[f32; F32_MR]], b: &[[f32; F32_NR]], out: Out<'_, f32>) {
    let mut sums: [[__m512; 2]; F32_MR] = [[_mm512_setzero_ps(); 2]; F32_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 32 elements, so 16 lanes at 0 and at 16 are inside it.
        let (b0, b1) = unsafe {
            (
                _mm512_loadu_ps(b.as_ptr()),
                _mm512_loadu_ps(b.as_ptr().add(16)),
            )
        };
        for (row, &a) in sums.iter_mut().zip(a) {
            let a = _mm512_set1_ps(a);
            row[0] = _mm512_fmadd_ps(a, b0, row[0]);
            row[1] = _mm512_fmadd_ps(a, b1, row[1]);
        }
    }
    let c = match out {
        Out::Tile(tile) => {
            for (out, row) in tile.as_chunks_mut::<F32_NR>().0.iter_mut().zip(&sums) {
                // SAFETY: `out` is 32 elements, so 16 lanes at 0 and at 16 are inside it.
                unsafe {
                    _mm512_storeu_ps(out.as_mut_ptr(), row[0]);
                    _mm512_storeu_ps(out.as_mut_ptr().add(16), row[1]);
                }
            }
            return;
        }
        Out::C(c) => c,
    };
    c.check(F32_MR, F32_NR);
    for (i, row) in sums.iter().enumerate() {
        let out = c.row(i);
        // SAFETY: the block is 12 x 32 (checked) and `i < 12`, so the 32 elements from `out`
        // are row `i`'s, initialized and lent to this kernel alone (`TileOfC::new`'s
        // contract): 16 lanes at 0 and at 16 are inside them.
        unsafe {
            let (low, high) = if c.accumulate {
                (
                    _mm512_add_ps(row[0], _mm512_loadu_ps(out)),
                    _mm512_add_ps(row[1], _mm512_loadu_ps(out.add(16))),
                )
            } else {
                (row[0], row[1])
            };
            _mm512_storeu_ps(out, low);
            _mm512_storeu_ps(out.add(16), high);
        }
    }
}

/// # Safety
/// The processor must support AVX-512F. Every load reads the 16 lanes of a 16-element array,
/// and the stores write rows `i < 12` at offset `16 · i` of the 384-element tile
/// (`16 · 11 + 16 <= 384`), so no access leaves its array.
#[target_feature(enable = "avx512f")]
unsafe fn f32_fma_narrow(a: &[[f32; F32_MR]], b: &[[f32; 16]], tile: &mut [f32; TILE]) {
    let mut sums: [__m512; F32_MR] = [_mm512_setzero_ps(); F32_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 16 elements, the 16 lanes loaded.
        let b = unsafe { _mm512_loadu_ps(b.as_ptr()) };
        for (sum, &a) in sums.iter_mut().zip(a) {
            *sum = _mm512_fmadd_ps(_mm512_set1_ps(a), b, *sum);
        }
    }
    for (out, sum) in tile.as_chunks_mut::<16>().0.iter_mut().zip(sums) {
        // SAFETY: `out` is 16 elements, the 16 lanes stored.
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), sum) };
    }
}

/// # Safety
/// The processor must support AVX-512F. Every load reads 8 lanes at offsets 0 and 8 of a
/// 16-element array, and the stores write rows `i < 12` at offsets 0 and 8 of the first 192
/// tile elements, so no access leaves its array.
#[target_feature(enable = "avx512f")]
unsafe fn f64_fma(a: &[[f64; F64_MR]], b: &[[f64; F64_NR]], tile: &mut [f64; TILE]) {
    let mut sums: [[__m512d; 2]; F64_MR] = [[_mm512_setzero_pd(); 2]; F64_MR];
    for (a, b) in a.iter().zip(b) {
        // SAFETY: `b` is 16 elements, so 8 lanes at 0 and at 8 are inside it.
        let (b0, b1) = unsafe {
            (
                _mm512_loadu_pd(b.as_ptr()),
                _mm512_loadu_pd(b.as_ptr().add(8)),
            )
        };
        for (row, &a) in sums.iter_mut().zip(a) {
            let a = _mm512_set1_pd(a);
            row[0] = _mm512_fmadd_pd(a, b0, row[0]);
            row[1] = _mm512_fmadd_pd(a, b1, row[1]);
        }
    }
    for (out, row) in tile.as_chunks_mut::<F64_NR>().0.iter_mut().zip(&sums) {
        // SAFETY: `out` is 16 elements, so 8 lanes at 0 and at 8 are inside it.
        unsafe {
            _mm512_storeu_pd(out.as_mut_ptr(), row[0]);
            _mm512_storeu_pd(out.as_mut_ptr().add(8), row[1]);
        }
    }
}
