//! A matrix copied so that every row starts on a cache line: the layout the one-sample kernel
//! reads fastest.
//!
//! [`vec_mat`](super::vec_mat) streams a dense layer's kernel row by row in whole vectors. When
//! a row's length in bytes is not a multiple of the 64-byte cache line (300 `f32` outputs are
//! 1200 bytes), most rows start inside a line and most vector loads straddle two lines, which
//! costs about a quarter of the kernel's time on the wide layers of workload C (BENCHMARKS.md):
//! a 784 x 304 kernel with aligned rows takes 5.9-7.3 us where the same kernel one vector off
//! the lines takes 8.1-9.8. Padding each row to whole lines, starting on a line, removes that.

use ndarray::ArrayView2;

use crate::Float;

/// The bytes of one cache line: rows of a [`PaddedRows`] start on multiples of this.
pub const CACHE_LINE: usize = 64;

/// A `[rows, cols]` matrix stored row-major with each row padded to whole cache lines and the
/// first row starting on one, so that every row starts on a cache line.
///
/// The padding holds zeros and is never read as part of a row (the one-sample kernels take
/// the row length separately, [`crate::kernel::vec_mat_strided`]).
///
/// ```
/// use nn_runtime::kernel::{CACHE_LINE, PaddedRows, vec_mat, vec_mat_strided};
/// let w = ndarray::array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let padded = PaddedRows::new(w.view());
/// assert_eq!(padded.stride(), CACHE_LINE / 4); // 3 columns padded to 16
/// assert_eq!(padded.as_slice().as_ptr() as usize % CACHE_LINE, 0);
/// let (mut direct, mut strided) = ([0.0f32; 3], [0.0f32; 3]);
/// vec_mat(&[1.0, -1.0], w.as_slice().unwrap(), None, &mut direct);
/// vec_mat_strided(&[1.0, -1.0], padded.as_slice(), padded.stride(), None, &mut strided);
/// assert_eq!(direct, strided);
/// assert_eq!(strided, [-3.0, -3.0, -3.0]);
/// ```
#[derive(Debug)]
pub struct PaddedRows<T> {
    /// The rows, from `start` on, plus up to a cache line of slack in front to align them.
    storage: Vec<T>,
    start: usize,
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<T: Float> PaddedRows<T> {
    /// Copies `matrix` into rows padded to whole cache lines.
    pub fn new(matrix: ArrayView2<'_, T>) -> Self {
        let (rows, cols) = matrix.dim();
        let per_line = (CACHE_LINE / size_of::<T>()).max(1);
        let stride = cols.next_multiple_of(per_line);
        // One line of slack in front lets the rows start on a line wherever the allocator put
        // the buffer (it aligns to the element, so the offset is a whole number of elements).
        let storage = vec![T::zero(); rows * stride + per_line];
        let start = match storage.as_ptr().align_offset(CACHE_LINE) {
            offset if offset < per_line => offset,
            // The standard library may decline to compute the offset; the rows are then
            // merely unaligned, still correct.
            _ => 0,
        };
        let mut padded = Self {
            storage,
            start,
            rows,
            cols,
            stride,
        };
        padded.copy_from(matrix);
        padded
    }

    /// Overwrites the rows with `matrix`'s, in place (no allocation).
    ///
    /// # Panics
    /// If `matrix` is not `rows() x cols()`.
    pub fn copy_from(&mut self, matrix: ArrayView2<'_, T>) {
        assert_eq!(
            matrix.dim(),
            (self.rows, self.cols),
            "PaddedRows::copy_from: another shape"
        );
        let rows = self.storage[self.start..].chunks_exact_mut(self.stride);
        for (row, values) in rows.zip(matrix.rows()) {
            match values.as_slice() {
                Some(values) => row[..self.cols].copy_from_slice(values),
                None => row.iter_mut().zip(values).for_each(|(slot, &v)| *slot = v),
            }
        }
    }

    /// The rows, `rows() * stride()` values, each row's `cols()` values followed by padding.
    pub fn as_slice(&self) -> &[T] {
        &self.storage[self.start..self.start + self.rows * self.stride]
    }

    /// Values from one row's start to the next's: `cols()` rounded up to whole cache lines.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The matrix's rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The matrix's columns (the values of a row before its padding).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The matrix as a view (without the padding).
    pub fn view(&self) -> ArrayView2<'_, T> {
        ArrayView2::from_shape((self.rows, self.stride), self.as_slice())
            .expect("rows x stride values")
            .slice_move(ndarray::s![.., ..self.cols])
    }
}

impl<T: Float> Clone for PaddedRows<T> {
    /// A copy laid out afresh: a plain copy of the storage could sit at another offset from a
    /// cache line than the original's.
    fn clone(&self) -> Self {
        Self::new(self.view())
    }
}
