//! A dense layer's kernel, and the copies of it that inference reads, kept in step.

use ndarray::{Array2, ArrayView2, ArrayViewMut2};

use super::derived::Derived;
use crate::Float;
use crate::kernel::PaddedRows;

/// Kernels of at least this many weights (16 KiB in `f32`) are read by the one-sample path
/// through a [`PaddedRows`] copy; smaller ones directly.
const PADDED_FROM: usize = 1 << 12;

/// The kernel `[inputs, outputs]`, in standard layout, and two copies made the first time
/// inference asks for them:
/// - for `infer_row` (the batch-1 path of `predict_one`), a copy with every row on a cache
///   line ([`PaddedRows`]), which that path streams about a quarter faster;
/// - for `forward_infer` (`predict`), the kernel packed for nn-gemm
///   ([`nn_gemm::PackedB`]), so that batch inference does not pack the weights on every
///   call (on every thread, when the product is split by rows). Not with the `blas` feature,
///   whose products take the kernel as it is.
///
/// The only way to change the kernel is [`DenseKernel::update`], which marks the copies out of
/// date ([`Derived`]): the next inference brings them up to date in place, once however many
/// steps came between, so they are never stale, training steps do not pay for them, and
/// inference between training steps allocates nothing. A network that only trains has no
/// copies.
#[derive(Clone)]
pub(super) struct DenseKernel<T: Float> {
    matrix: Array2<T>,
    rows: Derived<PaddedRows<T>>,
    #[cfg(not(feature = "blas"))]
    packed: Derived<nn_gemm::PackedB<T>>,
}

impl<T: Float> DenseKernel<T> {
    /// The kernel `matrix`, copied into standard layout if it is not in it.
    pub(super) fn new(matrix: Array2<T>) -> Self {
        Self {
            matrix: matrix.as_standard_layout().into_owned(),
            rows: Derived::new(),
            #[cfg(not(feature = "blas"))]
            packed: Derived::new(),
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

    /// Calls `change` with the kernel's values (row-major) and marks the copies out of date.
    pub(super) fn update<R>(&mut self, change: impl FnOnce(&mut [T]) -> R) -> R {
        let values = self
            .matrix
            .as_slice_mut()
            .expect("the kernel is in standard layout");
        let result = change(values);
        self.rows.invalidate();
        #[cfg(not(feature = "blas"))]
        self.packed.invalidate();
        result
    }

    /// `output = input · kernel`, for inference: on the packed copy (made on the first call,
    /// repacked on the first after a change), with the same results as
    /// [`crate::kernel::matmul`] on the kernel, bit for bit.
    pub(super) fn infer_product(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) {
        #[cfg(not(feature = "blas"))]
        {
            let packed = self.packed.get(
                || nn_gemm::PackedB::new(self.matrix.view()),
                |packed| packed.repack(self.matrix.view()),
            );
            nn_gemm::gemm_packed(input, packed, output);
        }
        #[cfg(feature = "blas")]
        crate::kernel::matmul(input, self.view(), output);
    }

    /// The weights the one-sample path reads, row-major, and the stride between rows: for a
    /// kernel of [`PADDED_FROM`] weights or more its [`DenseKernel::padded_rows`] copy, for a
    /// smaller one the kernel itself (the lookup of a copy costs more than alignment saves
    /// there, and the copy would cost memory for nothing).
    pub(super) fn row_major_for_rows(&self) -> (&[T], usize) {
        if self.matrix.len() < PADDED_FROM {
            return (self.as_slice(), self.matrix.ncols());
        }
        let rows = self.padded_rows();
        (rows.as_slice(), rows.stride())
    }

    /// The kernel with every row on a cache line, made on the first call (copied afresh on
    /// the first after a change).
    pub(super) fn padded_rows(&self) -> &PaddedRows<T> {
        self.rows.get(
            || PaddedRows::new(self.matrix.view()),
            |rows| rows.copy_from(self.matrix.view()),
        )
    }
}

impl<T: Float> std::fmt::Debug for DenseKernel<T> {
    /// The kernel; of the copies only whether they exist (they hold the same values).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("DenseKernel");
        debug
            .field("matrix", &self.matrix)
            .field("padded_rows", &self.rows.is_current());
        #[cfg(not(feature = "blas"))]
        debug.field("packed", &self.packed.is_current());
        debug.finish()
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
            !kernel.rows.is_current(),
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
    fn an_update_reaches_the_packed_copy_and_the_product_matches_matmul() {
        let mut kernel = DenseKernel::new(ndarray::Array2::from_shape_fn((300, 40), |(i, j)| {
            ((i * 7 + j * 13) % 17) as f32 / 8.0 - 1.0
        }));
        let input = ndarray::Array2::from_shape_fn((9, 300), |(i, j)| ((i + j) % 5) as f32);
        let product = |kernel: &DenseKernel<f32>| {
            let (mut packed, mut plain) = (Array2::zeros((9, 40)), Array2::zeros((9, 40)));
            kernel.infer_product(input.view(), packed.view_mut());
            crate::kernel::matmul(input.view(), kernel.view(), plain.view_mut());
            assert_eq!(packed, plain);
            packed
        };
        let before = product(&kernel);
        kernel.update(|values| values[5] += 1.0);
        assert_ne!(
            product(&kernel),
            before,
            "the packed copy kept the old kernel"
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
