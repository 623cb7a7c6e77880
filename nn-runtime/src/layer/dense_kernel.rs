//! A dense layer's kernel, and the copy of it the one-sample path reads, kept in step.

use std::sync::OnceLock;

use ndarray::{Array2, ArrayView2};

use crate::Float;
use crate::kernel::PaddedRows;

/// The kernel `[inputs, outputs]`, in standard layout, and, once `infer_row` (the batch-1 path
/// of `predict_one`) has asked for it, a copy with every row on a cache line
/// ([`PaddedRows`]), which that path streams about a quarter faster.
///
/// The only way to change the kernel is [`DenseKernel::update`], which brings the copy (if
/// there is one) up to date afterwards, in place: the copy is never stale, and a
/// `predict_one` between training steps allocates nothing. Until `predict_one` runs there is
/// no copy and nothing to update.
#[derive(Clone)]
pub(super) struct DenseKernel<T: Float> {
    matrix: Array2<T>,
    rows: OnceLock<PaddedRows<T>>,
}

impl<T: Float> DenseKernel<T> {
    /// The kernel `matrix`, copied into standard layout if it is not in it.
    pub(super) fn new(matrix: Array2<T>) -> Self {
        Self {
            matrix: matrix.as_standard_layout().into_owned(),
            rows: OnceLock::new(),
        }
    }

    pub(super) fn matrix(&self) -> &Array2<T> {
        &self.matrix
    }

    pub(super) fn view(&self) -> ArrayView2<'_, T> {
        self.matrix.view()
    }

    /// The kernel's values, row-major.
    pub(super) fn as_slice(&self) -> &[T] {
        self.matrix
            .as_slice()
            .expect("the kernel is in standard layout")
    }

    /// Calls `change` with the kernel's values (row-major), then copies them into the
    /// row-aligned copy, if one was made.
    pub(super) fn update<R>(&mut self, change: impl FnOnce(&mut [T]) -> R) -> R {
        let values = self
            .matrix
            .as_slice_mut()
            .expect("the kernel is in standard layout");
        let result = change(values);
        if let Some(rows) = self.rows.get_mut() {
            rows.copy_from(self.matrix.view());
        }
        result
    }

    /// The kernel with every row on a cache line, made on the first call.
    pub(super) fn padded_rows(&self) -> &PaddedRows<T> {
        self.rows
            .get_or_init(|| PaddedRows::new(self.matrix.view()))
    }
}

impl<T: Float> std::fmt::Debug for DenseKernel<T> {
    /// The kernel; of the copy only whether it exists (it holds the same values).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseKernel")
            .field("matrix", &self.matrix)
            .field("padded_rows", &self.rows.get().is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_reaches_the_copy_in_place() {
        let mut kernel = DenseKernel::new(ndarray::array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        kernel.update(|values| values[0] = 7.0);
        assert!(
            kernel.rows.get().is_none(),
            "a copy was made before it was asked for"
        );
        assert_eq!(kernel.padded_rows().view(), kernel.view());
        let before = kernel.padded_rows().as_slice().as_ptr();
        kernel.update(|values| values[4] = -5.0);
        assert_eq!(kernel.padded_rows().view()[(1, 1)], -5.0);
        assert_eq!(kernel.padded_rows().view(), kernel.view());
        assert_eq!(
            kernel.padded_rows().as_slice().as_ptr(),
            before,
            "the copy moved"
        );
    }

    #[test]
    fn a_column_major_matrix_is_kept_in_standard_layout() {
        let matrix = ndarray::array![[1.0f64, 2.0], [3.0, 4.0]].reversed_axes();
        let kernel = DenseKernel::new(matrix.clone());
        assert_eq!(kernel.as_slice(), &[1.0, 3.0, 2.0, 4.0]);
        assert_eq!(kernel.matrix(), &matrix);
    }
}
