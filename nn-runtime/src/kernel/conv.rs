//! A 2-d convolution as im2col + GEMM, forward and backward, on runtime geometry.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

use super::{ConvGeometry, add_bias, col2im, im2col, matmul, matmul_a_bt, matmul_at_b};
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

/// The gradients of [`conv2d_forward`] from `grad_z` (`[batch · OH · OW, OC]`): overwrites
/// `kernel_grad` (`[KH · KW · C, OC]`) with `colsᵀ · grad_z`, `bias_grad` (if any) with the
/// column sums of `grad_z`, and, when `input_gradient` is given as `(grad_cols, grad_input)`,
/// `grad_input` (`[batch, H · W · C]`) with `col2im(grad_z · kernelᵀ)`, using `grad_cols`
/// (`[batch · OH · OW, KH · KW · C]`) as scratch.
pub fn conv2d_backward<T: Float>(
    geometry: &ConvGeometry,
    cols: ArrayView2<'_, T>,
    grad_z: ArrayView2<'_, T>,
    kernel: ArrayView2<'_, T>,
    kernel_grad: ArrayViewMut2<'_, T>,
    bias_grad: Option<ArrayViewMut1<'_, T>>,
    input_gradient: Option<(ArrayViewMut2<'_, T>, ArrayViewMut2<'_, T>)>,
) {
    matmul_at_b(cols, grad_z, kernel_grad);
    if let Some(mut bias_grad) = bias_grad {
        bias_grad.fill(T::zero());
        for row in grad_z.axis_iter(Axis(0)) {
            bias_grad += &row;
        }
    }
    if let Some((mut grad_cols, grad_input)) = input_gradient {
        matmul_a_bt(grad_z, kernel, grad_cols.view_mut());
        col2im(geometry, grad_cols.view(), grad_input);
    }
}
