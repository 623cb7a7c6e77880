//! The block sizes of the loop nest, and when a product is worth splitting over threads.

/// The shared dimension is summed in blocks of `KC`: each output is one running sum over the
/// first `KC` terms, then over the next `KC` added to it, and so on. A packed `KC x NR` sliver
/// of `B` (16 KiB in `f32`) stays in the level-1 cache while the kernel sweeps over `A`.
///
/// One-sample kernels that want the same rounding as [`gemm`](crate::gemm) restart their
/// sums at the same boundaries.
pub const KC: usize = 256;

/// The most rows of `A` packed at once: an `MC x KC` block (up to 192 KiB in `f32`) is reused
/// from the level-2 cache for every sliver of `B`. A multiple of every kernel's `MR` (6, 12).
pub(crate) const MC: usize = 192;

/// Columns of `B` packed at once: a multiple of both kernels' `NR` (16 and 8).
pub(crate) const NC: usize = 3072;

/// Products of at least this many multiply-adds (`m · k · n`) are split over the thread pool;
/// below it, waking a thread costs more than it saves.
pub const PARALLEL_THRESHOLD: usize = 1 << 23;
