//! Weights to and from PyTorch and Keras: the `network!` twin of a framework's model.
//!
//! Train where the cluster is, bring the weights home: a PyTorch `state_dict` or a Keras
//! model's weights, saved as safetensors, load into the `network!` struct of the same
//! architecture (its *twin*), and the twin's weights save the other way.
//!
//! | function | reads / writes |
//! |---|---|
//! | [`load_pytorch`], [`save_pytorch`] | a `state_dict` in safetensors (`safetensors.torch.save_file(model.state_dict(), path)`) |
//! | [`load_keras`], [`save_keras`] | Keras weights in safetensors, keyed `{layer index}.{weight name}` (script below) |
//! | [`from_framework_bytes`], [`to_framework_bytes`] | the same, in memory |
//!
//! # Which module is which layer
//!
//! [`Naming::Sequential`] (the usual case) numbers the framework's modules as its sequential
//! container does, one module per layer of the twin, in order:
//!
//! | twin layer | PyTorch `nn.Sequential` | Keras `Sequential` (`model.layers`) |
//! |---|---|---|
//! | `dense(n)` (linear) | `Linear` | `Dense` |
//! | `dense(n, act)` | `Linear`, then the activation module (`nn.ReLU()`, `nn.PReLU(n)`, ...) | `Dense(activation=act)`; for `prelu`: `Dense`, then `PReLU` |
//! | `batchnorm` | `BatchNorm1d` | `BatchNormalization` |
//! | `dropout`, `alpha_dropout`, an activation | one module each (`nn.PReLU(n)` holds tensors) | one layer each |
//!
//! So `dense(8, bias = true), batchnorm, prelu, dense(6, elu), dense(3)` is PyTorch's
//! `Sequential(Linear(4, 8), BatchNorm1d(8), PReLU(8), Linear(8, 6), ELU(), Linear(6, 3))`:
//! tensors `0.weight`, `1.running_mean`, `2.weight`, `3.weight`, `5.bias`, ... A model
//! that is not one sequential container names its modules with [`Naming::Modules`]: one name
//! per module that holds tensors, in the twin's order (`["fc1", "bn1", "act1", "fc2",
//! "head"]` for attributes `self.fc1`, ...).
//!
//! # Names and layouts
//!
//! | twin | PyTorch | Keras |
//! |---|---|---|
//! | `kernel [in, out]` | `Linear.weight [out, in]` (transposed on the way) | `Dense.kernel [in, out]` |
//! | `bias [out]` | `Linear.bias` | `Dense.bias` |
//! | `gamma`, `beta` | `BatchNorm1d.weight`, `.bias` | `BatchNormalization.gamma`, `.beta` |
//! | `moving_mean`, `moving_variance` | `.running_mean`, `.running_var` | `.moving_mean`, `.moving_variance` |
//! | (none) | `.num_batches_tracked`: ignored on load, written as 0 | |
//! | `alpha [n]` | `PReLU.weight [n]` (a shared `[1]` is repeated on load) | `PReLU.alpha [n]` |
//!
//! The numbers move unchanged; what differs between the frameworks is how batch norm goes on
//! training and its epsilon, which belong to the architecture: a PyTorch twin writes
//! `batchnorm(momentum = 0.9, epsilon = 1e-5)` (PyTorch's momentum 0.1 is 0.9 here; see
//! [`crate::BatchNorm::pytorch`]), a Keras twin the defaults. Files may hold F32 or F64;
//! values are converted to the twin's element type.
//!
//! Loading checks everything before it changes anything: every tensor the twin has must be
//! in the file with the framework's shape, and the file must hold nothing else. A twin whose
//! layers are in another order, or a kernel saved without its transpose, fails with the
//! tensor's name, the expected shape and the one found (a square kernel cannot tell: check
//! the outputs on a few inputs, as the tests do).
//!
//! # Keras weights as safetensors
//!
//! Keras 3 saves `.weights.h5`; this short script writes (and reads) the safetensors files
//! [`load_keras`] and [`save_keras`] use (`pip install keras safetensors`):
//!
//! ```python
//! import keras, numpy as np
//! from safetensors.numpy import save_file, load_file
//!
//! def save_keras_safetensors(model, path):
//!     """Every weight as "{index in model.layers}.{weight name}", e.g. "0.kernel"."""
//!     save_file({f"{i}.{w.name}": np.ascontiguousarray(keras.ops.convert_to_numpy(w))
//!                for i, layer in enumerate(model.layers) for w in layer.weights}, path)
//!
//! def load_keras_safetensors(model, path):
//!     tensors = load_file(path)
//!     for i, layer in enumerate(model.layers):
//!         layer.set_weights([tensors[f"{i}.{w.name}"] for w in layer.weights])
//! ```
//!
//! `tests/fixtures/interop/gen_interop.py` uses it, and the tests check a Keras and a
//! PyTorch model's outputs against their twins' within 1e-5.

mod plan;
mod read;
mod write;

use std::fmt;
use std::path::Path;

use crate::{Error, Float, Network, Result};

/// The framework whose names and layouts a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    /// PyTorch `state_dict` names (`0.weight`), `Linear.weight` as `[out, in]`.
    PyTorch,
    /// Keras names (`0.kernel`) by layer index, `Dense.kernel` as `[in, out]`.
    Keras,
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PyTorch => "PyTorch",
            Self::Keras => "Keras",
        })
    }
}

/// How the framework's modules are named (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Naming {
    /// The indices of a sequential container: `0`, `1`, ... one per layer of the twin (two
    /// for a dense layer with its activation as a separate module).
    #[default]
    Sequential,
    /// One name per module that holds tensors, in the twin's order (`fc1`, `bn1`, ...).
    Modules(Vec<String>),
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::Io {
        context: path.display().to_string(),
        kind: e.kind(),
        message: format!("cannot read the weights file: {e}"),
    })
}

/// Loads framework weights (safetensors `bytes`) into `network`, its twin.
///
/// # Errors
/// - [`Error::Format`] if `bytes` are not safetensors, or `naming` lists a wrong number of
///   module names;
/// - [`Error::MissingTensor`] naming the framework's tensor (`3.running_var`) the twin needs;
/// - [`Error::ShapeMismatch`] naming it, with the framework's expected shape and the found one;
/// - [`Error::DtypeMismatch`] for data other than F32 or F64;
/// - [`Error::UnexpectedTensor`] naming a tensor the twin has no place for.
///
/// On an error `network` is unchanged.
pub fn from_framework_bytes<T: Float, N: Network<T> + ?Sized>(
    network: &mut N,
    framework: Framework,
    bytes: &[u8],
    naming: &Naming,
) -> Result<()> {
    let context = format!("{framework} safetensors bytes");
    read::import(network, framework, bytes, naming, &context)
}

/// The safetensors bytes of `network`'s tensors in `framework`'s names and layouts.
///
/// # Errors
/// [`Error::Format`] if `naming` lists a wrong number of module names, and
/// [`Error::Unsupported`] for an image layer (not mapped yet).
pub fn to_framework_bytes<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    framework: Framework,
    naming: &Naming,
) -> Result<Vec<u8>> {
    write::export(network, framework, naming)
}

/// Loads a PyTorch `state_dict` saved as safetensors at `path` into `network`.
///
/// # Errors
/// [`Error::Io`] naming `path` if it cannot be read, else those of [`from_framework_bytes`]
/// (with `path` as their context). On an error `network` is unchanged.
pub fn load_pytorch<T: Float, N: Network<T> + ?Sized>(
    network: &mut N,
    path: impl AsRef<Path>,
    naming: &Naming,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    read::import(
        network,
        Framework::PyTorch,
        &bytes,
        naming,
        &path.display().to_string(),
    )
}

/// Loads Keras weights saved as safetensors (module docs' script) at `path` into `network`.
///
/// # Errors
/// As [`load_pytorch`].
pub fn load_keras<T: Float, N: Network<T> + ?Sized>(
    network: &mut N,
    path: impl AsRef<Path>,
    naming: &Naming,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    read::import(
        network,
        Framework::Keras,
        &bytes,
        naming,
        &path.display().to_string(),
    )
}

/// Saves `network`'s tensors as a PyTorch `state_dict` in safetensors at `path`, atomically
/// (`model.load_state_dict(safetensors.torch.load_file(path))` reads it).
///
/// # Errors
/// Those of [`to_framework_bytes`], and [`Error::Io`] naming `path` if it cannot be written.
pub fn save_pytorch<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    path: impl AsRef<Path>,
    naming: &Naming,
) -> Result<()> {
    let bytes = write::export(network, Framework::PyTorch, naming)?;
    crate::io::write_atomic(&bytes, path.as_ref(), |file| Box::new(file))
}

/// Saves `network`'s tensors as Keras weights in safetensors at `path`, atomically (the
/// module docs' `load_keras_safetensors` reads it).
///
/// # Errors
/// As [`save_pytorch`].
pub fn save_keras<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    path: impl AsRef<Path>,
    naming: &Naming,
) -> Result<()> {
    let bytes = write::export(network, Framework::Keras, naming)?;
    crate::io::write_atomic(&bytes, path.as_ref(), |file| Box::new(file))
}
