//! Width-agnostic numeric kernels on ndarray views: the arithmetic every layer shares.
//!
//! Layers are generic over their widths only as labels; their bodies call these functions,
//! which are generic over the element type alone, so each kernel is compiled once per type.

mod gemm;
mod row;

pub use gemm::{add_bias, column_sums, matmul, matmul_a_bt, matmul_at_b};
pub use row::{simd_available, vec_mat, vec_mat_f32, vec_mat_portable};
