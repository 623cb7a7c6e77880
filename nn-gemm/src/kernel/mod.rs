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

use std::marker::PhantomData;

use crate::Element;

/// The largest register tile, `MR x NR` elements (`f32` on AVX-512: 12 x 32).
pub const TILE: usize = 384;

/// A kernel's tile shape and function: `run(kc, a, b, out)` computes the sums
/// `s[i][j] = Σ_p a[p * mr + i] · b[p * nr + j]` for `p < kc`, where `a` holds at least
/// `kc · mr` and `b` at least `kc · nr` elements, and leaves them in `out` (see [`Out`]).
/// `run_tail` does the same for a narrower last sliver of `nr_tail` columns (with `nr_tail`
/// in place of `nr`), so that, say, 300 columns cost 9 x 32 + 16 rather than 10 x 32.
pub struct Kernel<T> {
    /// Rows of the tile (a multiple of it divides the loop nest's `MC`).
    pub mr: usize,
    /// Columns of the tile (a multiple of it divides the loop nest's `NC`).
    pub nr: usize,
    /// The kernel itself.
    pub run: fn(kc: usize, a: &[T], b: &[T], out: Out<'_, T>),
    /// Columns of the narrower kernel for a last sliver of at most that many columns (`nr`
    /// when there is none).
    pub nr_tail: usize,
    /// The narrower kernel (`run` when there is none).
    pub run_tail: fn(kc: usize, a: &[T], b: &[T], out: Out<'_, T>),
    /// Its name, for benchmarks and reports.
    pub name: &'static str,
    /// Whether it fuses each multiply and add (one rounding) or rounds both.
    pub fused: bool,
}

/// Where a kernel leaves its `mr x nr` sums.
pub enum Out<'a, T> {
    /// Sum `[i][j]` at `i · nr + j` of a buffer, for the loop nest to copy into `C`.
    Tile(&'a mut [T; TILE]),
    /// Straight into the elements of `C` (a whole tile of it, rows contiguous), without the
    /// round trip through a buffer.
    C(TileOfC<'a, T>),
}

/// A block of a matrix whose rows are contiguous, written in place by a kernel: each element
/// overwritten with its sum, or (`accumulate`) set to `sum + element`, the same addition the
/// loop nest makes when it adds a buffered tile to `C`.
pub struct TileOfC<'a, T> {
    origin: *mut T,
    row_stride: isize,
    rows: usize,
    cols: usize,
    accumulate: bool,
    _c: PhantomData<&'a mut [T]>,
}

impl<'a, T: Element> TileOfC<'a, T> {
    /// The `rows x cols` block whose element `[i, j]` is at `origin.offset(i · row_stride + j)`.
    ///
    /// # Safety
    /// For every `i < rows` and `j < cols`, that element must be initialized and valid for
    /// reads and writes during `'a`, and reached by nothing but this value while it lives
    /// (the block is borrowed mutably for `'a`).
    pub unsafe fn new(
        origin: *mut T,
        row_stride: isize,
        (rows, cols): (usize, usize),
        accumulate: bool,
    ) -> Self {
        Self {
            origin,
            row_stride,
            rows,
            cols,
            accumulate,
            _c: PhantomData,
        }
    }

    /// Row `i`'s `cols` elements, the first at the returned pointer; a kernel may read and
    /// write `[row(i), row(i) + cols)` for `i < rows` (the invariant of [`TileOfC::new`]).
    ///
    /// # Panics
    /// If `i >= rows`.
    fn row(&self, i: usize) -> *mut T {
        assert!(i < self.rows, "TileOfC: row {i} of {}", self.rows);
        // `i < rows`, so by `new`'s contract the offset is that of an element of the block
        // (`wrapping_offset` keeps this free of undefined behaviour regardless).
        self.origin.wrapping_offset(i as isize * self.row_stride)
    }

    /// Checks that the block is `rows x cols` (a kernel calls this before it writes).
    ///
    /// # Panics
    /// If it is not.
    fn check(&self, rows: usize, cols: usize) {
        assert!(
            self.rows == rows && self.cols == cols,
            "TileOfC: a {}x{} block for a {rows}x{cols} kernel",
            self.rows,
            self.cols
        );
    }

    /// Writes row-major sums (`sums[i · cols + j]`, `cols` the block's width) into the block.
    fn store(&self, sums: &[T]) {
        for (i, row) in sums.chunks_exact(self.cols).take(self.rows).enumerate() {
            // SAFETY: `i < rows` (`take`), so `[row(i), row(i) + cols)` are elements of the
            // block, valid and reached by nothing else (`new`'s contract); `self` is borrowed
            // for the slice's whole life.
            let out = unsafe { std::slice::from_raw_parts_mut(self.row(i), self.cols) };
            if self.accumulate {
                for (out, &sum) in out.iter_mut().zip(row) {
                    *out = sum + *out;
                }
            } else {
                out.copy_from_slice(row);
            }
        }
    }
}

impl<T: Element> Out<'_, T> {
    /// Runs a kernel that writes its `mr x nr` sums into a tile buffer, then leaves them in
    /// `self`: for kernels without a store of their own into `C`.
    ///
    /// # Panics
    /// If `self` is a block of `C` of another shape than `mr x nr`.
    pub(crate) fn via_tile(self, mr: usize, nr: usize, kernel: impl FnOnce(&mut [T; TILE])) {
        match self {
            Out::Tile(tile) => kernel(tile),
            Out::C(c) => {
                c.check(mr, nr);
                let mut tile = [T::default(); TILE];
                kernel(&mut tile);
                c.store(&tile[..mr * nr]);
            }
        }
    }
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
