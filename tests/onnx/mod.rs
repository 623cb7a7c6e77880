//! Helpers of tests/onnx_export.rs: the runner of check.py.

pub mod runner;
