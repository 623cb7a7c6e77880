//! A reusable two-dimensional buffer: the storage behind every layer's cached activations.

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::Float;

/// A `rows x cols` matrix in row-major order whose storage is kept between calls.
///
/// Layers write their outputs and gradients into `Buffer`s. Resizing to a shape that fits in
/// the storage already held does not allocate, so a training loop whose batches never grow
/// allocates only on its first step (a smaller last batch reuses the same storage).
///
/// ```
/// use nn_runtime::Buffer;
/// let mut buffer = Buffer::<f32>::default();
/// buffer.resize(4, 3).fill(1.0);
/// assert_eq!(buffer.view().sum(), 12.0);
/// buffer.resize(2, 3);
/// assert_eq!(buffer.view().dim(), (2, 3));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Buffer<T> {
    data: Vec<T>,
    rows: usize,
    cols: usize,
}

impl<T: Float> Buffer<T> {
    /// Sets the shape to `rows x cols` and returns the (uninitialized-by-contract) contents.
    ///
    /// The values left in the buffer are unspecified: callers overwrite every element.
    pub fn resize(&mut self, rows: usize, cols: usize) -> ArrayViewMut2<'_, T> {
        let len = rows * cols;
        if self.data.len() < len {
            self.data.resize(len, T::zero());
        }
        self.rows = rows;
        self.cols = cols;
        self.view_mut()
    }

    /// The current contents.
    pub fn view(&self) -> ArrayView2<'_, T> {
        let len = self.rows * self.cols;
        ArrayView2::from_shape((self.rows, self.cols), &self.data[..len])
            .expect("invariant: data.len() >= rows * cols")
    }

    /// The current contents, writable.
    pub fn view_mut(&mut self) -> ArrayViewMut2<'_, T> {
        let len = self.rows * self.cols;
        ArrayViewMut2::from_shape((self.rows, self.cols), &mut self.data[..len])
            .expect("invariant: data.len() >= rows * cols")
    }

    /// The number of rows (samples) currently held.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The number of columns (features) currently held.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Whether nothing has been written yet (no rows).
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}
