//! One sample through a dense layer: `out = x · W + bias` on plain slices, the batch-1 path of
//! `predict_one`.
//!
//! A GEMM packs its operands for large products and wastes that work on a single row
//! (matrixmultiply reaches a few GFLOP/s there). This kernel streams the kernel `W` (row-major
//! `[inputs, outputs]`) once, row by row, accumulating `x_i · W[i, ..]` into registers that
//! span a block of output columns. On x86-64 with AVX2 and FMA (detected at run time, so the
//! default `x86-64` target gets it) `f32` runs a vectorized version; everything else runs the
//! portable loop.
//!
//! Both add the products in the order the batch path's GEMM (nn-gemm) does: one running sum per
//! output, over the inputs in order, restarted every [`KC`] inputs, the partial sums then added
//! in order, the bias last. With fused multiply-adds (the `f32` AVX2/FMA kernel, as nn-gemm's
//! AVX2/FMA kernels) or without (the portable loop, as nn-gemm's portable kernel),
//! `predict_one` in `f32` then gives the batch path's results bit for bit; `tests/predict_one.rs` in the facade checks they agree within 1e-6 relative. The cost
//! is one dependency chain per output: a narrow layer waits on the latency of its
//! multiply-adds, which is what bounds workload D (BENCHMARKS.md).

use crate::Float;

/// `out = x · w + bias` for one sample, with `w` row-major `[x.len(), out.len()]` (a dense
/// layer's kernel) and `bias` (when given) `out.len()` long.
///
/// Dispatches to [`Float::vec_mat`]: for `f32` on x86-64 with AVX2 and FMA, a vectorized
/// kernel chosen at run time.
///
/// # Panics
/// If `w.len() != x.len() * out.len()` or the bias is not `out.len()` long.
///
/// ```
/// let x = [1.0f32, 2.0];
/// let w = [1.0f32, 0.0, -1.0, 0.5, 0.5, 0.5]; // [2, 3]
/// let mut out = [0.0f32; 3];
/// nn_runtime::kernel::vec_mat(&x, &w, Some(&[0.0, 1.0, 2.0]), &mut out);
/// assert_eq!(out, [2.0, 2.0, 2.0]);
/// ```
pub fn vec_mat<T: Float>(x: &[T], w: &[T], bias: Option<&[T]>, out: &mut [T]) {
    check_lengths(x, w, bias, out);
    T::vec_mat(x, w, bias, out);
}

fn check_lengths<T>(x: &[T], w: &[T], bias: Option<&[T]>, out: &[T]) {
    assert_eq!(
        Some(w.len()),
        x.len().checked_mul(out.len()),
        "vec_mat: the kernel must be inputs x outputs"
    );
    if let Some(bias) = bias {
        assert_eq!(bias.len(), out.len(), "vec_mat: one bias per output");
    }
}

/// The inputs summed into one partial sum before it is added to the total: nn-gemm's block of
/// the shared dimension, so the rounding matches the batch path's.
pub const KC: usize = nn_gemm::KC;

/// Output columns the portable kernel accumulates at once (on the stack).
const PORTABLE_COLUMNS: usize = 64;

/// The portable kernel: for a block of output columns, a running sum per column over the
/// inputs in order (restarted every [`KC`] inputs, the partial sums added in order), then the
/// bias; plain multiplies and adds, no fused multiply-add.
///
/// # Panics
/// As [`vec_mat`].
pub fn vec_mat_portable<T: Float>(x: &[T], w: &[T], bias: Option<&[T]>, out: &mut [T]) {
    check_lengths(x, w, bias, out);
    let n = out.len();
    let mut acc = [T::zero(); PORTABLE_COLUMNS];
    for (block, out) in out.chunks_mut(PORTABLE_COLUMNS).enumerate() {
        let j = block * PORTABLE_COLUMNS;
        let acc = &mut acc[..out.len()];
        for (chunk, xs) in x.chunks(KC).enumerate() {
            acc.fill(T::zero());
            for (offset, &xi) in xs.iter().enumerate() {
                let i = chunk * KC + offset;
                let row = &w[i * n + j..i * n + j + out.len()];
                for (a, &wij) in acc.iter_mut().zip(row) {
                    *a += xi * wij;
                }
            }
            if chunk == 0 {
                out.copy_from_slice(acc);
            } else {
                for (o, &a) in out.iter_mut().zip(acc.iter()) {
                    *o = a + *o;
                }
            }
        }
        if x.is_empty() {
            out.fill(T::zero());
        }
        if let Some(bias) = bias {
            let len = out.len();
            for (o, &b) in out.iter_mut().zip(&bias[j..j + len]) {
                *o += b;
            }
        }
    }
}

/// The `f32` kernel: the AVX2/FMA version when the processor has both, else the portable one.
///
/// # Panics
/// As [`vec_mat`].
pub fn vec_mat_f32(x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    check_lengths(x, w, bias, out);
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: `available` checked that the processor supports AVX2 and FMA, the
        // features `vec_mat` is compiled with, and `check_lengths` established the slice
        // lengths its pointer arithmetic relies on (see its safety section).
        unsafe { avx2::vec_mat(x, w, bias, out) };
        return;
    }
    vec_mat_portable(x, w, bias, out);
}

/// Whether [`vec_mat_f32`] runs the AVX2/FMA kernel on this machine.
pub fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx2::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::{
        __m256, __m256i, _mm256_add_ps, _mm256_cmpgt_epi32, _mm256_fmadd_ps, _mm256_loadu_ps,
        _mm256_maskload_ps, _mm256_maskstore_ps, _mm256_set1_epi32, _mm256_set1_ps,
        _mm256_setr_epi32, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    use super::KC;

    /// Whether the processor has AVX2 and FMA (the standard library caches the answer).
    #[inline]
    pub(crate) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }

    /// Lanes of one `__m256`.
    const LANES: usize = 8;

    /// `out = x · w + bias` with `w` row-major `[k, n]`, `k = x.len()`, `n = out.len()`.
    ///
    /// Columns go in blocks of 64, 32, 8 and a masked tail: the wider the block, the more
    /// independent running sums (one per 8 columns) hide the multiply-adds' latency.
    ///
    /// # Safety
    /// The processor must support AVX2 and FMA, `w.len() == x.len() * out.len()` and, when
    /// given, `bias.len() == out.len()`. Every pointer offset below stays inside its slice:
    /// a block of `B` vectors at column `j` is only taken while `j + 8 * B <= n`, so its loads
    /// of row `i < k` read `w[i * n + j .. i * n + j + 8 * B]`, inside `w[.. k * n]`; the
    /// masked tail (`j < n < j + 8`) reads and writes only the lanes `l` with `j + l < n`.
    /// Loads of `bias` and stores to `out` use the same column ranges, both `n` long.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn vec_mat(x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
        let n = out.len();
        let w = w.as_ptr();
        let bias = bias.map(<[f32]>::as_ptr);
        let out = out.as_mut_ptr();
        let mut j = 0;
        // SAFETY (the blocks below): the offsets are those of the function's safety section.
        unsafe {
            let load = |p: *const f32| _mm256_loadu_ps(p);
            while j + 8 * LANES <= n {
                let sums = blocks::<8>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += 8 * LANES;
            }
            while j + 4 * LANES <= n {
                let sums = blocks::<4>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += 4 * LANES;
            }
            while j + LANES <= n {
                let sums = blocks::<1>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += LANES;
            }
            if j < n {
                let mask = tail_mask(n - j);
                let [mut sum] = blocks::<1>(x, w, n, j, |p| _mm256_maskload_ps(p, mask));
                if let Some(bias) = bias {
                    sum = _mm256_add_ps(sum, _mm256_maskload_ps(bias.add(j), mask));
                }
                _mm256_maskstore_ps(out.add(j), mask, sum);
            }
        }
    }

    /// `B` vectors of output sums at column `j`: for each, the running sum of
    /// `x_i · W[i, ..]` over the inputs in order, restarted every `KC` inputs with the
    /// partial sums added in order (nn-gemm's order), each row's values read by `load`.
    ///
    /// # Safety
    /// AVX2 and FMA, and `load(w + i * n + j + 8 * b)` valid for every `i < x.len()`, `b < B`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn blocks<const B: usize>(
        x: &[f32],
        w: *const f32,
        n: usize,
        j: usize,
        load: impl Fn(*const f32) -> __m256,
    ) -> [__m256; B] {
        let mut total = [_mm256_setzero_ps(); B];
        for (chunk, xs) in x.chunks(KC).enumerate() {
            let mut acc = [_mm256_setzero_ps(); B];
            let mut row = w.wrapping_add(chunk * KC * n + j);
            for &xi in xs {
                let xi = _mm256_set1_ps(xi);
                for (b, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: `row` is `w + i * n + j` for an input `i < x.len()`; the caller
                    // guarantees the load.
                    *acc = _mm256_fmadd_ps(xi, load(unsafe { row.add(b * LANES) }), *acc);
                }
                row = row.wrapping_add(n);
            }
            if chunk == 0 {
                total = acc;
            } else {
                for (total, acc) in total.iter_mut().zip(acc) {
                    *total = _mm256_add_ps(acc, *total);
                }
            }
        }
        total
    }

    /// Adds the bias to `B` vectors of sums and stores them at column `j`.
    ///
    /// # Safety
    /// AVX2, and `j + 8 * B` within both `out` and (when given) `bias`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store<const B: usize>(
        sums: [__m256; B],
        bias: Option<*const f32>,
        out: *mut f32,
        j: usize,
    ) {
        for (b, mut sum) in sums.into_iter().enumerate() {
            let column = j + b * LANES;
            // SAFETY: `column + 8 <= j + 8 * B`, within `out` and `bias` (the caller's
            // guarantee).
            unsafe {
                if let Some(bias) = bias {
                    sum = _mm256_add_ps(sum, _mm256_loadu_ps(bias.add(column)));
                }
                _mm256_storeu_ps(out.add(column), sum);
            }
        }
    }

    /// A mask whose first `len` lanes (of 8) are set: lane `l` is set when `l < len`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    fn tail_mask(len: usize) -> __m256i {
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        // `len < 8` here, so the cast is exact.
        _mm256_cmpgt_epi32(_mm256_set1_epi32(len as i32), lanes)
    }
}
