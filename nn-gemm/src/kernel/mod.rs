//! Register-blocked kernels: `tile = A_sliver · B_sliver` for one packed `MR x kc` sliver of
//! `A` and one packed `kc x NR` sliver of `B`.
//!
//! Every kernel computes each of the `MR x NR` outputs as one running sum over `p = 0..kc` in
//! order, starting from zero; the loop nest adds the tiles of successive `KC` blocks in order.
//! The SIMD kernels fuse each multiply and add (one rounding), so AVX-512 and AVX2 give the
//! same bits; the portable kernel multiplies, rounds, adds and rounds.
//!
//! Which kernel runs is decided at run time, from the processor's features: AVX-512 (a tile of
//! 12 rows by two 512-bit vectors), else AVX2 with FMA (6 rows by two 256-bit vectors), else
//! the portable kernel.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod portable;

use crate::Element;

/// The largest register tile, `MR x NR` elements (`f32` on AVX-512: 12 x 32).
pub const TILE: usize = 384;

/// A kernel's tile shape and function: `run(kc, a, b, tile)` writes
/// `tile[i * nr + j] = Σ_p a[p * mr + i] · b[p * nr + j]` for `p < kc`, where `a` holds at
/// least `kc · mr` and `b` at least `kc · nr` elements. `run_tail` does the same for a
/// narrower last sliver of `nr_tail` columns (with `nr` in place of `nr_tail` in the
/// formula), so that, say, 300 columns cost 9 x 32 + 16 rather than 10 x 32.
pub struct Kernel<T> {
    /// Rows of the tile (a multiple of it divides the loop nest's `MC`).
    pub mr: usize,
    /// Columns of the tile (a multiple of it divides the loop nest's `NC`).
    pub nr: usize,
    /// The kernel itself.
    pub run: fn(kc: usize, a: &[T], b: &[T], tile: &mut [T; TILE]),
    /// Columns of the narrower kernel for a last sliver of at most that many columns (`nr`
    /// when there is none).
    pub nr_tail: usize,
    /// The narrower kernel (`run` when there is none).
    pub run_tail: fn(kc: usize, a: &[T], b: &[T], tile: &mut [T; TILE]),
    /// Its name, for benchmarks and reports.
    pub name: &'static str,
    /// Whether it fuses each multiply and add (one rounding) or rounds both.
    pub fused: bool,
}

impl<T> Clone for Kernel<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Kernel<T> {}

/// Every `f32` kernel this processor can run, the fastest first.
pub fn f32_kernels() -> impl Iterator<Item = Kernel<f32>> {
    #[cfg(target_arch = "x86_64")]
    let simd = [
        avx512::available().then_some(Kernel {
            mr: 12,
            nr: 32,
            run: avx512::f32_12x32,
            nr_tail: 16,
            run_tail: avx512::f32_12x16,
            name: "avx512 12x32",
            fused: true,
        }),
        avx2::available().then_some(Kernel {
            mr: 6,
            nr: 16,
            run: avx2::f32_6x16,
            nr_tail: 8,
            run_tail: avx2::f32_6x8,
            name: "avx2 6x16",
            fused: true,
        }),
    ];
    #[cfg(not(target_arch = "x86_64"))]
    let simd: [Option<Kernel<f32>>; 0] = [];
    simd.into_iter().flatten().chain([f32_portable()])
}

/// Every `f64` kernel this processor can run, the fastest first.
pub fn f64_kernels() -> impl Iterator<Item = Kernel<f64>> {
    #[cfg(target_arch = "x86_64")]
    let simd = [
        avx512::available().then_some(Kernel {
            mr: 12,
            nr: 16,
            run: avx512::f64_12x16,
            nr_tail: 16,
            run_tail: avx512::f64_12x16,
            name: "avx512 12x16",
            fused: true,
        }),
        avx2::available().then_some(Kernel {
            mr: 6,
            nr: 8,
            run: avx2::f64_6x8,
            nr_tail: 8,
            run_tail: avx2::f64_6x8,
            name: "avx2 6x8",
            fused: true,
        }),
    ];
    #[cfg(not(target_arch = "x86_64"))]
    let simd: [Option<Kernel<f64>>; 0] = [];
    simd.into_iter().flatten().chain([f64_portable()])
}

/// The `f32` kernel for this processor: the fastest it can run.
pub fn f32_kernel() -> Kernel<f32> {
    f32_kernels().next().unwrap_or_else(f32_portable)
}

/// The `f64` kernel for this processor: the fastest it can run.
pub fn f64_kernel() -> Kernel<f64> {
    f64_kernels().next().unwrap_or_else(f64_portable)
}

/// The portable `f32` kernel, 6 x 16.
pub fn f32_portable() -> Kernel<f32> {
    Kernel {
        mr: 6,
        nr: 16,
        run: portable::kernel::<f32, 6, 16>,
        nr_tail: 16,
        run_tail: portable::kernel::<f32, 6, 16>,
        name: "portable 6x16",
        fused: false,
    }
}

/// The portable `f64` kernel, 6 x 8.
pub fn f64_portable() -> Kernel<f64> {
    Kernel {
        mr: 6,
        nr: 8,
        run: portable::kernel::<f64, 6, 8>,
        nr_tail: 8,
        run_tail: portable::kernel::<f64, 6, 8>,
        name: "portable 6x8",
        fused: false,
    }
}

/// Whether this processor runs a SIMD kernel with fused multiply-adds (x86-64 with AVX-512, or
/// with AVX2 and FMA, detected at run time; the standard library caches the answer).
pub fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        avx512::available() || avx2::available()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The name of the kernel `T`'s products run on this processor (`"avx512 12x32"`, ...).
pub fn kernel_name<T: Element>() -> &'static str {
    T::kernel().name
}
