//! One sample through a dense layer: `out = x · W + bias` on plain slices, the batch-1 path of
//! `predict_one`.
//!
//! A GEMM packs its operands for large products and wastes that work on a single row
//! (matrixmultiply reaches a few GFLOP/s there). This kernel streams the kernel `W` (row-major
//! `[inputs, outputs]`) once, row by row, accumulating `x_i · W[i, ..]` into registers that
//! span a block of output columns. On x86-64 `f32` runs a vectorized version chosen at run
//! time (so the default `x86-64` target gets it): AVX-512 for blocks of 48 columns or more,
//! up to 256 columns in one pass with software prefetching, else AVX2 and FMA; everything
//! else runs the portable loop.
//!
//! One sample reads every weight once, so a wide layer is bound by how fast `W` comes out of
//! the cache. A layer of [`SPLIT_WEIGHTS`] weights or more is therefore split by columns over
//! nn-gemm's thread pool ([`nn_gemm::run_parts`]): each core streams its share from its own
//! level-2 cache (the calling thread always takes the first block, so with two threads each
//! keeps its share from call to call). Splitting by columns leaves every sum as it was.
//!
//! Both add the products in the order the batch path's GEMM (nn-gemm) does: one running sum per
//! output, over the inputs in order, restarted every [`KC`] inputs, the partial sums then added
//! in order, the bias last. With fused multiply-adds (the `f32` AVX2/FMA kernel, as nn-gemm's
//! AVX2/FMA kernels) or without (the portable loop, as nn-gemm's portable kernel),
//! `predict_one` in `f32` then gives the batch path's results bit for bit;
//! `tests/predict_one.rs` in the facade checks they agree within 1e-6 relative. The cost is
//! one dependency chain per output: a narrow layer waits on the latency of its multiply-adds,
//! which is what bounds workload D (BENCHMARKS.md).

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
    // `T::vec_mat` checks the lengths (its documented panics).
    T::vec_mat(x, w, out.len(), bias, out);
}

/// `out = x · w[.., ..out.len()] + bias` for one sample, with `w` row-major
/// `[x.len(), stride]` and `stride >= out.len()`: [`vec_mat`] on a kernel whose rows are
/// padded, such as a [`PaddedRows`](super::PaddedRows) copy (the columns past `out.len()` are
/// not read). The sums are [`vec_mat`]'s on the unpadded kernel, bit for bit.
///
/// # Panics
/// If `w.len() != x.len() * stride`, `out.len() > stride` or the bias is not `out.len()`
/// long.
///
/// ```
/// let w = [1.0f32, 2.0, 0.0, 3.0, 4.0, 0.0]; // [2, 2] padded to 3 columns
/// let mut out = [0.0f32; 2];
/// nn_runtime::kernel::vec_mat_strided(&[1.0, 1.0], &w, 3, None, &mut out);
/// assert_eq!(out, [4.0, 6.0]);
/// ```
pub fn vec_mat_strided<T: Float>(
    x: &[T],
    w: &[T],
    stride: usize,
    bias: Option<&[T]>,
    out: &mut [T],
) {
    // `T::vec_mat` checks the lengths (its documented panics).
    T::vec_mat(x, w, stride, bias, out);
}

fn check_lengths<T>(x: &[T], w: &[T], stride: usize, bias: Option<&[T]>, out: &[T]) {
    assert_eq!(
        Some(w.len()),
        x.len().checked_mul(stride),
        "vec_mat: the kernel must be inputs x stride"
    );
    assert!(out.len() <= stride, "vec_mat: more outputs than the stride");
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
    vec_mat_portable_strided(x, w, out.len(), bias, out);
}

/// [`vec_mat_portable`] on a kernel with `stride` columns (as [`vec_mat_strided`]): the
/// default of [`Float::vec_mat`].
pub(crate) fn vec_mat_portable_strided<T: Float>(
    x: &[T],
    w: &[T],
    stride: usize,
    bias: Option<&[T]>,
    out: &mut [T],
) {
    check_lengths(x, w, stride, bias, out);
    portable_columns(x, w, stride, 0, bias, out);
}

/// The portable kernel on the columns `start .. start + out.len()` of a kernel `w` with `n`
/// columns (`bias`, when given, at least `start + out.len()` long: the bias of the kernel's
/// first columns).
fn portable_columns<T: Float>(
    x: &[T],
    w: &[T],
    n: usize,
    start: usize,
    bias: Option<&[T]>,
    out: &mut [T],
) {
    let mut acc = [T::zero(); PORTABLE_COLUMNS];
    for (block, out) in out.chunks_mut(PORTABLE_COLUMNS).enumerate() {
        let j = start + block * PORTABLE_COLUMNS;
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

/// The `f32` kernel: AVX-512 for layers of 48 outputs or more and AVX2/FMA for narrower ones
/// where the processor has them, else the portable one; a layer of [`SPLIT_WEIGHTS`] weights
/// or more is split by columns over nn-gemm's thread pool.
///
/// # Panics
/// As [`vec_mat`].
pub fn vec_mat_f32(x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    vec_mat_f32_strided(x, w, out.len(), bias, out);
}

/// [`vec_mat_f32`] on a kernel with `stride` columns (as [`vec_mat_strided`]): the `f32`
/// [`Float::vec_mat`].
pub(crate) fn vec_mat_f32_strided(
    x: &[f32],
    w: &[f32],
    stride: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    check_lengths(x, w, stride, bias, out);
    let n = out.len();
    if x.len().saturating_mul(n) >= SPLIT_WEIGHTS {
        let parts = parts_for(n);
        if parts > 1 {
            split_columns(x, w, stride, bias, out, parts);
            return;
        }
    }
    #[cfg(target_arch = "x86_64")]
    if n < avx512::MIN_OUTPUTS && avx2::available() {
        // SAFETY: `available` checked that the processor supports AVX2 and FMA, the
        // features `vec_mat` is compiled with; `check_lengths` established `w`'s and `bias`'s
        // lengths and `n <= stride`, the rest of its safety section.
        unsafe { avx2::vec_mat(x, w, stride, bias, out) };
        return;
    }
    columns_f32(x, w, stride, 0, bias, out);
}

/// [`vec_mat_f32`] with the columns split into `parts` blocks run on nn-gemm's pool (kept out
/// of line, so that small layers' calls stay lean).
#[inline(never)]
fn split_columns(
    x: &[f32],
    w: &[f32],
    stride: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
    parts: usize,
) {
    let share = out.len().div_ceil(parts).next_multiple_of(SPLIT_ALIGN);
    let blocks = out.chunks_mut(share).enumerate();
    nn_gemm::run_each(blocks, &|(block, out): (usize, &mut [f32])| {
        columns_f32(x, w, stride, block * share, bias, out);
    });
}

/// A layer is split over threads when its kernel has at least this many weights (256 KiB in
/// `f32`): then each core streams its share of `W` from its own cache, which outweighs the
/// hand-over (about a microsecond when the pool's threads are awake).
pub const SPLIT_WEIGHTS: usize = 1 << 16;

/// The most column blocks a layer is split into.
const MAX_PARTS: usize = 4;

/// Each thread's columns start at a multiple of this (one AVX-512 vector).
const SPLIT_ALIGN: usize = 16;

/// How many column blocks `vec_mat_f32` splits a kernel of [`SPLIT_WEIGHTS`] or more with `n`
/// columns into: one per thread of nn-gemm's pool (at most [`MAX_PARTS`]), each at least 64
/// columns wide.
fn parts_for(n: usize) -> usize {
    nn_gemm::available_threads()
        .min(MAX_PARTS)
        .min(n / 64)
        .max(1)
}

/// The `f32` kernel on the columns `start .. start + out.len()` of `w` (`n` columns):
/// AVX-512 for wide blocks, else AVX2/FMA, else portable, each as the processor allows.
#[inline(always)]
fn columns_f32(
    x: &[f32],
    w: &[f32],
    n: usize,
    start: usize,
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    // What the SIMD kernels' pointer arithmetic relies on (callers guarantee it; checked
    // here too, as this function is safe to call).
    assert!(
        start + out.len() <= n
            && w.len() == x.len() * n
            && bias.is_none_or(|b| b.len() >= start + out.len()),
        "vec_mat: columns outside the kernel"
    );
    #[cfg(target_arch = "x86_64")]
    if out.len() >= avx512::MIN_OUTPUTS && avx512::available() {
        // SAFETY: `available` checked that the processor supports AVX-512F, the feature
        // `columns` is compiled with; the lengths its safety section requires were asserted
        // above.
        unsafe { avx512::columns(x, w, n, start, bias, out) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: `available` checked that the processor supports AVX2 and FMA, the
        // features `columns` is compiled with; the lengths as above.
        unsafe { avx2::columns(x, w, n, start, bias, out) };
        return;
    }
    portable_columns(x, w, n, start, bias, out);
}

/// [`vec_mat_f32`] on the AVX2/FMA kernel alone, whatever the width and even where AVX-512
/// is available (else the portable kernel), on the calling thread: for tests that check that
/// kernel on a processor that would mostly run the AVX-512 one.
///
/// # Panics
/// As [`vec_mat`].
#[doc(hidden)]
pub fn vec_mat_f32_avx2(x: &[f32], w: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    check_lengths(x, w, out.len(), bias, out);
    #[cfg(target_arch = "x86_64")]
    if avx2::available() {
        // SAFETY: as in `vec_mat_f32`: the features were checked, the lengths established.
        unsafe { avx2::vec_mat(x, w, out.len(), bias, out) };
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

    /// [`columns`] from `w`'s first column (`start = 0`): the call a layer that is not split
    /// makes, with fewer arguments to pass.
    ///
    /// # Safety
    /// As [`columns`] with `start = 0`.
    #[target_feature(enable = "avx2,fma")]
    pub(crate) unsafe fn vec_mat(
        x: &[f32],
        w: &[f32],
        n: usize,
        bias: Option<&[f32]>,
        out: &mut [f32],
    ) {
        // SAFETY: the caller's guarantee.
        unsafe { columns(x, w, n, 0, bias, out) }
    }

    /// `out = x · w[.., start .. start + out.len()] + bias[start ..]` with `w` row-major
    /// `[k, n]`, `k = x.len()`.
    ///
    /// Columns go in blocks of 64, 32, 8 and a masked tail: the wider the block, the more
    /// independent running sums (one per 8 columns) hide the multiply-adds' latency.
    ///
    /// # Safety
    /// The processor must support AVX2 and FMA, `w.len() == x.len() * n`,
    /// `start + out.len() <= n` and, when given, `bias.len() >= start + out.len()`. Every
    /// pointer offset below stays inside its slice: with `w` and `bias` advanced by `start`
    /// and `len = out.len()`, a block of `B` vectors at column `j` is only taken while
    /// `j + 8 * B <= len`, so its loads of row `i < k` read
    /// `w[i * n + start + j .. i * n + start + j + 8 * B]`, inside `w[.. k * n]` since
    /// `start + len <= n`; the masked tail (`j < len < j + 8`) reads and writes only the lanes
    /// `l` with `j + l < len`. Loads of `bias` and stores to `out` use the same column ranges.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    pub(crate) unsafe fn columns(
        x: &[f32],
        w: &[f32],
        n: usize,
        start: usize,
        bias: Option<&[f32]>,
        out: &mut [f32],
    ) {
        let len = out.len();
        let w = w.as_ptr().wrapping_add(start);
        let bias = bias.map(|bias| bias.as_ptr().wrapping_add(start));
        let out = out.as_mut_ptr();
        let mut j = 0;
        // SAFETY (the blocks below): the offsets are those of the function's safety section.
        unsafe {
            let load = |p: *const f32| _mm256_loadu_ps(p);
            while j + 8 * LANES <= len {
                let sums = blocks::<8>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += 8 * LANES;
            }
            while j + 4 * LANES <= len {
                let sums = blocks::<4>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += 4 * LANES;
            }
            while j + LANES <= len {
                let sums = blocks::<1>(x, w, n, j, load);
                store(sums, bias, out, j);
                j += LANES;
            }
            if j < len {
                let mask = tail_mask(len - j);
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

/// The AVX-512 kernel for wide layers: up to 16 vectors of 16 columns (256 outputs) summed at
/// once, so each input's row of `W` is read as one long contiguous run (the hardware
/// prefetchers' best case), where the AVX2 kernel's 64-column blocks read `W` in short strided
/// pieces.
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512 {
    use std::arch::x86_64::{
        __mmask16, _MM_HINT_T0, _mm_prefetch, _mm512_add_ps, _mm512_fmadd_ps,
        _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps,
    };

    use super::KC;

    /// Column blocks this wide or wider run on this kernel, narrower ones on the AVX2
    /// kernel. From 3 vectors on, one pass with a masked last vector beats the AVX2 kernel's
    /// several narrower passes (a 300 x 100 layer: 1.37 us instead of 1.79); at 32 columns
    /// (workload D) the AVX2 kernel's 4 running sums hide the multiply-adds' latency better
    /// than 2 would.
    pub(crate) const MIN_OUTPUTS: usize = 48;

    /// Whether the processor has AVX-512F (the standard library caches the answer).
    #[inline]
    pub(crate) fn available() -> bool {
        std::arch::is_x86_feature_detected!("avx512f")
    }

    /// Lanes of one `__m512`.
    const LANES: usize = 16;

    /// The most vectors summed in one pass over the rows (256 columns, 16 of the 32 vector
    /// registers).
    const MAX_VECTORS: usize = 16;

    /// Rows ahead whose columns each row's pass prefetches into the level-1 cache: 11.3 us
    /// instead of 12.6 for a 784 x 300 layer on one thread.
    const PREFETCH_ROWS: usize = 8;

    /// `out = x · w[.., start .. start + out.len()] + bias[start ..]` with `w` row-major
    /// `[k, n]`, `k = x.len()`, in the order of the AVX2 kernel (so bit for bit the same
    /// results).
    ///
    /// The columns go in as few passes over the rows as the registers allow: up to 256 at
    /// once, the last vector of a pass masked when the columns do not fill it, so each row's
    /// columns are read as one contiguous run.
    ///
    /// # Safety
    /// The processor must support AVX-512F, `w.len() == x.len() * n`,
    /// `start + out.len() <= n` and, when given, `bias.len() >= start + out.len()`. With `w`
    /// and `bias` advanced by `start` and `len = out.len()`, a pass of `B` vectors at column
    /// `j` covers the columns `j .. j + width` with `width <= 16 * B` and `j + width <= len`;
    /// its loads of row `i < k` read `w[i * n + start + j ..][.. width]` (the last vector's
    /// lanes past `width` are masked off, and masked lanes are not accessed), inside
    /// `w[.. k * n]` since `start + len <= n`. The prefetches may name addresses past the
    /// end, which is allowed (a prefetch never faults). Loads of `bias` and stores to `out`
    /// use the same columns.
    #[target_feature(enable = "avx512f")]
    pub(crate) unsafe fn columns(
        x: &[f32],
        w: &[f32],
        n: usize,
        start: usize,
        bias: Option<&[f32]>,
        out: &mut [f32],
    ) {
        let len = out.len();
        let w = w.as_ptr().wrapping_add(start);
        let bias = bias.map(|bias| bias.as_ptr().wrapping_add(start));
        let out = out.as_mut_ptr();
        let mut j = 0;
        while j < len {
            let width = (len - j).min(MAX_VECTORS * LANES);
            let vectors = width.div_ceil(LANES);
            // Lanes of the last vector in use: `1 ..= 16`, so the shift is in range and the
            // cast exact.
            let last = (1u32 << (width - (vectors - 1) * LANES)) - 1;
            let last = last as __mmask16;
            macro_rules! pass {
                ($($vectors:literal)*) => {
                    match vectors {
                        $($vectors => {
                            // SAFETY: a pass of `vectors` vectors at column `j` covering
                            // `width` columns, as in the function's safety section.
                            unsafe { pass::<$vectors>(x, w, n, j, last, bias, out) }
                        })*
                        _ => unreachable!("1 to 16 vectors per pass"),
                    }
                };
            }
            pass!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);
            j += width;
        }
    }

    /// One pass: `B` vectors of running sums at column `j`, the last with only the lanes of
    /// `last` in use, in the order of the AVX2 kernel's `blocks`; then the bias, and the
    /// store.
    ///
    /// # Safety
    /// AVX-512F, and the lanes named (all of the first `B - 1` vectors, those of `last` in the
    /// last) valid to read at `w + i * n + j + 16 * b` for every row `i < x.len()`, to read at
    /// `bias + j + 16 * b` (when given) and to write at `out + j + 16 * b`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn pass<const B: usize>(
        x: &[f32],
        w: *const f32,
        n: usize,
        j: usize,
        last: __mmask16,
        bias: Option<*const f32>,
        out: *mut f32,
    ) {
        let mask = |b: usize| if b + 1 == B { last } else { !0 };
        let mut total = [_mm512_setzero_ps(); B];
        for (chunk, xs) in x.chunks(KC).enumerate() {
            let mut acc = [_mm512_setzero_ps(); B];
            let mut row = w.wrapping_add(chunk * KC * n + j);
            for &xi in xs {
                let xi = _mm512_set1_ps(xi);
                for b in 0..B {
                    let ahead = row.wrapping_add(PREFETCH_ROWS * n + b * LANES);
                    _mm_prefetch::<_MM_HINT_T0>(ahead.cast());
                }
                for (b, acc) in acc.iter_mut().enumerate() {
                    // SAFETY: `row` is `w + i * n + j` for an input `i < x.len()`; the caller
                    // guarantees the lanes of `mask(b)` at `row + 16 * b`.
                    let wij = unsafe { _mm512_maskz_loadu_ps(mask(b), row.add(b * LANES)) };
                    *acc = _mm512_fmadd_ps(xi, wij, *acc);
                }
                row = row.wrapping_add(n);
            }
            if chunk == 0 {
                total = acc;
            } else {
                for (total, acc) in total.iter_mut().zip(acc) {
                    *total = _mm512_add_ps(acc, *total);
                }
            }
        }
        for (b, mut sum) in total.into_iter().enumerate() {
            let column = j + b * LANES;
            // SAFETY: the lanes of `mask(b)` at `column`, within `out` and `bias` (the
            // caller's guarantee).
            unsafe {
                if let Some(bias) = bias {
                    sum = _mm512_add_ps(sum, _mm512_maskz_loadu_ps(mask(b), bias.add(column)));
                }
                _mm512_mask_storeu_ps(out.add(column), mask(b), sum);
            }
        }
    }
}
