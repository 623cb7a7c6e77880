use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use crate::Float;

/// `c = a · b`, overwriting `c`.
pub fn matmul<T: Float>(a: ArrayView2<'_, T>, b: ArrayView2<'_, T>, mut c: ArrayViewMut2<'_, T>) {
    general_mat_mul(T::one(), &a, &b, T::zero(), &mut c);
}

/// `c = aᵀ · b`, overwriting `c`; the transpose is a view, not a copy.
pub fn matmul_at_b<T: Float>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
) {
    general_mat_mul(T::one(), &a.t(), &b, T::zero(), &mut c);
}

/// `c = a · bᵀ`, overwriting `c`; the transpose is a view, not a copy.
pub fn matmul_a_bt<T: Float>(
    a: ArrayView2<'_, T>,
    b: ArrayView2<'_, T>,
    mut c: ArrayViewMut2<'_, T>,
) {
    general_mat_mul(T::one(), &a, &b.t(), T::zero(), &mut c);
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
