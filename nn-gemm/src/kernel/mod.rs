//! Register-blocked kernels: `tile = A_sliver · B_sliver` for one packed `MR x kc` sliver of
//! `A` and one packed `kc x NR` sliver of `B`.
//!
//! Every kernel computes each of the `MR x NR` outputs as one running sum over `p = 0..kc` in
//! order, starting from zero; the loop nest adds the tiles of successive `KC` blocks in order.
//! The AVX2 kernels fuse each multiply and add (one rounding); the portable kernel multiplies,
//! rounds, adds and rounds.

#[cfg(target_arch = "x86_64")]
mod avx2;
mod portable;

use crate::Element;

/// The largest register tile, `MR x NR` elements (`f32`: 6 x 16).
pub const TILE: usize = 96;

/// `f32` tile rows.
pub const F32_MR: usize = 6;
/// `f32` tile columns (two AVX vectors).
pub const F32_NR: usize = 16;
/// `f64` tile rows.
pub const F64_MR: usize = 6;
/// `f64` tile columns (two AVX vectors).
pub const F64_NR: usize = 8;

/// A kernel: `tile[i * NR + j] = Σ_p a[p * MR + i] · b[p * NR + j]` for `p < kc`, where `a`
/// holds at least `kc · MR` and `b` at least `kc · NR` elements.
pub type Kernel<T> = fn(kc: usize, a: &[T], b: &[T], tile: &mut [T; TILE]);

/// The `f32` kernel for this processor.
pub fn f32_kernel() -> Kernel<f32> {
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        return avx2::f32_6x16;
    }
    portable::kernel::<f32, F32_MR, F32_NR>
}

/// The `f64` kernel for this processor.
pub fn f64_kernel() -> Kernel<f64> {
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        return avx2::f64_6x8;
    }
    portable::kernel::<f64, F64_MR, F64_NR>
}

/// The portable kernel of `T`'s tile shape, whatever the processor (for tests that compare
/// the two).
pub fn portable_kernel<T: Element>() -> Kernel<T> {
    match (T::MR, T::NR) {
        (F32_MR, F32_NR) => portable::kernel::<T, F32_MR, F32_NR>,
        _ => portable::kernel::<T, F64_MR, F64_NR>,
    }
}

/// Whether this processor runs the AVX2/FMA kernels (x86-64 with both features, detected at
/// run time; the standard library caches the answer).
pub fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
