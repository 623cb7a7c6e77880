//! Width-agnostic numeric kernels on ndarray views: the arithmetic every layer shares.
//!
//! Layers are generic over their widths only as labels; their bodies call these functions,
//! which are generic over the element type alone, so each kernel is compiled once per type.

mod conv;
mod gemm;
mod im2col;
mod padded;
mod pool;
mod row;

pub use conv::{conv2d_forward, conv2d_input_gradient, conv2d_parameter_gradients};
pub use gemm::{add_bias, column_sums, matmul, matmul_a_bt, matmul_at_b};
pub use im2col::{ConvGeometry, Padding, col2im, im2col};
pub use padded::{CACHE_LINE, PaddedRows};
pub use pool::{
    avg_pool, avg_pool_backward, global_avg_pool, global_avg_pool_backward, max_pool,
    max_pool_backward, max_pool_infer,
};
pub use row::{
    SPLIT_WEIGHTS, simd_available, vec_mat, vec_mat_f32, vec_mat_f32_avx2, vec_mat_portable,
    vec_mat_strided,
};
pub(crate) use row::{vec_mat_f32_strided, vec_mat_portable_strided};

/// How many runs an element-wise pass over `len` values is cut into, one per thread of
/// nn-gemm's pool (at most [`nn_gemm::MAX_PARTS`]): 1 below `from` values, where handing the
/// runs over costs more than it saves (the optimizers' update, the finiteness check).
pub(crate) fn runs_per_pass(len: usize, from: usize) -> usize {
    if len < from {
        return 1;
    }
    nn_gemm::available_threads().min(nn_gemm::MAX_PARTS)
}
