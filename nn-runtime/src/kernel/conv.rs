//! A 2-d convolution as im2col + GEMM, forward and backward, on runtime geometry.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2};

use super::{
    ConvGeometry, add_bias, col2im, column_sums, im2col, matmul, matmul_a_bt, matmul_at_b,
};
use crate::Float;

/// `z = im2col(input) · kernel + bias`: `input` is `[batch, H · W · C]`, `cols` scratch of
/// `[batch · OH · OW, KH · KW · C]`, `kernel` the Keras kernel flattened to `[KH · KW · C,
/// OC]`, and `z` is `[batch · OH · OW, OC]` (the NHWC output, one row per position).
pub fn conv2d_forward<T: Float>(
    geometry: &ConvGeometry,
    input: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
    bias: Option<ArrayView1<'_, T>>,
    mut cols: ArrayViewMut2<'_, T>,
    mut z: ArrayViewMut2<'_, T>,
) {
    im2col(geometry, input, cols.view_mut());
    matmul(cols.view(), kernel, z.view_mut());
    if let Some(bias) = bias {
        add_bias(z, bias);
    }
}

/// The parameter gradients of [`conv2d_forward`] from `grad_z` (`[batch · OH · OW, OC]`):
/// overwrites `kernel_grad` (`[KH · KW · C, OC]`) with `colsᵀ · grad_z` and `bias_grad` (if
/// any) with the column sums of `grad_z`.
pub fn conv2d_parameter_gradients<T: Float>(
    cols: ArrayView2<'_, T>,
    grad_z: ArrayView2<'_, T>,
    kernel_grad: ArrayViewMut2<'_, T>,
    bias_grad: Option<ArrayViewMut1<'_, T>>,
) {
    matmul_at_b(cols, grad_z, kernel_grad);
    if let Some(bias_grad) = bias_grad {
        column_sums(grad_z, bias_grad);
    }
}

/// The input gradient of [`conv2d_forward`] from `grad_z` (`[batch · OH · OW, OC]`):
/// overwrites `grad_input` (`[batch, H · W · C]`) with `col2im(grad_z · kernelᵀ)`, using
/// `grad_cols` (`[batch · OH · OW, KH · KW · C]`) as scratch.
pub fn conv2d_input_gradient<T: Float>(
    geometry: &ConvGeometry,
    grad_z: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
    mut grad_cols: ArrayViewMut2<'_, T>,
    grad_input: ArrayViewMut2<'_, T>,
) {
    matmul_a_bt(grad_z, kernel, grad_cols.view_mut());
    col2im(geometry, grad_cols.view(), grad_input);
}
