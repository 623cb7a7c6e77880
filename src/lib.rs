//! `nn`: neural networks written as Rust macros and checked by the compiler.
//!
//! This facade re-exports the runtime ([`nn_runtime`]); the `network!` macro joins it once it
//! exists.

pub use nn_runtime::*;
