//! The runtime of `nn`: layers, activations, initializers, losses and optimizers on ndarray.
//!
//! Users depend on the facade crate `nn`, which re-exports everything here together with the
//! `network!` macro. This crate holds the numerics, generic over the element type ([`Float`]:
//! `f32` by default, `f64` for checks) and tested once, so the code the macro generates stays
//! a thin, straight-line arrangement of these layers.

// The `blas` feature sends ndarray's GEMMs to CBLAS; the system's OpenBLAS provides it.
#[cfg(feature = "blas")]
#[link(name = "openblas")]
unsafe extern "C" {}

pub mod activation;
mod buffer;
pub mod data;
mod error;
mod float;
pub mod health;
pub mod init;
pub mod interop;
pub mod io;
pub mod kernel;
pub mod layer;
pub mod loss;
pub mod network;
pub mod onnx;
pub mod optim;
mod param;
mod rng;
pub mod train;
pub mod validate;

pub use buffer::Buffer;
pub use data::{CsvOptions, Dataset, Labels, Standardizer};
pub use error::{Error, Result};
pub use float::Float;
pub use init::Initializer;
pub use io::{from_bytes, load, save, to_bytes};
pub use layer::{
    ActivationLayer, AlphaDropout, AvgPool2d, BatchNorm, BatchNorm2d, Conv2d, Dense, Dropout,
    Flatten, GlobalAvgPool, Layer, MaxPool2d, Padding,
};
pub use network::{Network, NetworkState};
pub use param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
pub use rng::{SeededRng, seeded_rng};
pub use train::{
    EarlyStopping, EpochRecord, Fit, FitConfig, Guard, History, Metrics, Monitor, Progress,
    Schedule, Validation,
};

/// Re-exports of the crates the runtime's API is made of, so users never meet version skew.
pub mod reexports {
    pub use ndarray;
    pub use rand;
    pub use rand_distr;
}

pub use loss::{GradientOf, Loss, Targets};
pub use optim::{Adam, AdamW, GradientClip, Optimizer, RmsProp, Sgd};
