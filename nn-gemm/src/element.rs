//! The element types the product is defined for, each with its kernel and its buffers.

use std::cell::RefCell;
use std::fmt::Debug;
use std::ops::{Add, Mul};

use crate::kernel::{self, Kernel};

/// An element type [`gemm`](crate::gemm) multiplies: `f32` or `f64`.
///
/// Sealed: each type brings its register tile, its kernels and its thread-local packing
/// buffers, which live in this crate.
pub trait Element:
    Copy
    + Send
    + Sync
    + Debug
    + Default
    + PartialEq
    + Add<Output = Self>
    + Mul<Output = Self>
    + 'static
    + sealed::Sealed
{
}

impl Element for f32 {}
impl Element for f64 {}

pub(crate) mod sealed {
    use super::{Buffers, Kernel};

    /// What the loop nest needs to know about an element type; see [`super::Element`].
    pub trait Sealed: Sized {
        /// The kernel for this processor (chosen at run time).
        fn kernel() -> Kernel<Self>;
        /// Every kernel this processor can run, the fastest first (the portable one last).
        fn kernels() -> Vec<Kernel<Self>>;
        /// Runs `f` with this thread's packing buffers.
        fn with_buffers<R>(f: impl FnOnce(&mut Buffers<Self>) -> R) -> R;
        /// Packs 12 rows into a sliver with SIMD shuffles if this type and processor have
        /// them (`dst[p · 12 + r] = rows[r][p]`); `false` (nothing written) otherwise.
        fn interleave_12(rows: &[&[Self]; 12], dst: &mut [Self]) -> bool;
    }
}

/// One thread's packing buffers for one element type: grown to the largest block packed so
/// far, never shrunk, so steady-state products allocate nothing.
#[derive(Default)]
pub struct Buffers<T> {
    /// The packed `MC x KC` block of `A`.
    pub a: Vec<T>,
    /// The packed `KC x NC` panel of `B`.
    pub b: Vec<T>,
}

impl<T: Element> Buffers<T> {
    /// `buffer`, grown to at least `len` elements (the new ones zero; packing overwrites).
    pub fn reserve(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
        if buffer.len() < len {
            buffer.resize(len, T::default());
        }
        &mut buffer[..len]
    }
}

thread_local! {
    static F32_BUFFERS: RefCell<Buffers<f32>> = RefCell::new(Buffers::default());
    static F64_BUFFERS: RefCell<Buffers<f64>> = RefCell::new(Buffers::default());
}

impl sealed::Sealed for f32 {
    fn kernel() -> Kernel<f32> {
        kernel::f32_kernel()
    }

    fn kernels() -> Vec<Kernel<f32>> {
        kernel::f32_kernels().collect()
    }

    fn with_buffers<R>(f: impl FnOnce(&mut Buffers<f32>) -> R) -> R {
        F32_BUFFERS.with(|buffers| f(&mut buffers.borrow_mut()))
    }

    fn interleave_12(rows: &[&[f32]; 12], dst: &mut [f32]) -> bool {
        crate::transpose::interleave_12_f32(rows, dst)
    }
}

impl sealed::Sealed for f64 {
    fn kernel() -> Kernel<f64> {
        kernel::f64_kernel()
    }

    fn kernels() -> Vec<Kernel<f64>> {
        kernel::f64_kernels().collect()
    }

    fn with_buffers<R>(f: impl FnOnce(&mut Buffers<f64>) -> R) -> R {
        F64_BUFFERS.with(|buffers| f(&mut buffers.borrow_mut()))
    }

    fn interleave_12(_rows: &[&[f64]; 12], _dst: &mut [f64]) -> bool {
        false
    }
}
