//! Width-agnostic numeric kernels on ndarray views: the arithmetic every layer shares.
//!
//! Layers are generic over their widths only as labels; their bodies call these functions,
//! which are generic over the element type alone, so each kernel is compiled once per type.

mod gemm;

pub use gemm::{add_bias, matmul, matmul_a_bt, matmul_at_b};
