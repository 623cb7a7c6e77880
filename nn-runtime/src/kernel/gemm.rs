//! Matrix products and the row-wise passes around them.
//!
//! Every product goes through [`nn_gemm::gemm`], whose packing buffers are kept per thread and
//! reused, so a steady-state training step allocates nothing; with the `blas` feature they go
//! through ndarray's `general_mat_mul` to the system's BLAS instead.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use crate::Float;

/// `c = a · b`, overwriting `c`.
pub fn matmul<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, c: ArrayViewMut2<'_, T>) {
    product(a, b, c);
}

/// `c = aᵀ · b`, overwriting `c`; the transpose is a view, not a copy.
pub fn matmul_at_b<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, c: ArrayViewMut2<'_, T>) {
    product(a.t(), b, c);
}

/// `c = a · bᵀ`, overwriting `c`; the transpose is a view, not a copy.
pub fn matmul_a_bt<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, c: ArrayViewMut2<'_, T>) {
    product(a, b.t(), c);
}

#[cfg(not(feature = "blas"))]
fn product<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, c: ArrayViewMut2<'_, T>) {
    nn_gemm::gemm(a, b, c);
}

#[cfg(feature = "blas")]
fn product<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, mut c: ArrayViewMut2<'_, T>) {
    ndarray::linalg::general_mat_mul(T::one(), &a, &b, T::zero(), &mut c);
}
/// Adds `bias` to every row of `z`.
pub fn add_bias<T: Float>(mut z: ArrayViewMut2<'_, T>, bias: ArrayView1<'_, T>) {
    Zip::from(z.axis_iter_mut(Axis(0))).for_each(|mut row| row += &bias);
}

/// Overwrites `sums` with the column sums of `values`, adding the rows in order (a dense
/// layer's bias gradient); no allocation.
pub fn column_sums<T: Float>(values: ArrayView2<'_, T>, mut sums: ArrayViewMut1<'_, T>) {
    sums.fill(T::zero());
    for row in values.axis_iter(Axis(0)) {
        sums += &row;
    }
}
