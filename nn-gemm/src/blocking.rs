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

/// Products of at least this many multiply-adds (`m · k · n`, about 10 us of work on one
/// core) are split over the thread pool; below it, handing a block to a thread (about a
/// microsecond when it is awake) costs more than it saves. A training step at batch 128 of
/// the MLP 784-300-100-10 is 1.10 times faster than with `1 << 23`, batch inference 1.09
/// (BENCHMARKS.md).
pub const PARALLEL_THRESHOLD: usize = 1 << 20;
