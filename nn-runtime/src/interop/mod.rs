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
//! | `conv2d(f, k)`, `conv2d(f, k, act)` | `Conv2d`, then the activation module, as `dense` | `Conv2D(activation=act)`; for `prelu`: `Conv2D`, then `PReLU` |
//! | `batchnorm` | `BatchNorm1d`; on images `BatchNorm2d` | `BatchNormalization` |
//! | `maxpool`, `avgpool` | `MaxPool2d`, `AvgPool2d` | `MaxPooling2D`, `AveragePooling2D` |
//! | `global_avgpool` | two: `AdaptiveAvgPool2d(1)`, then `Flatten()` | `GlobalAveragePooling2D` |
//! | `flatten` | `Flatten` | `Flatten` |
//! | `dropout`, `alpha_dropout`, an activation | one module each (`nn.PReLU(n)` holds tensors) | one layer each |
//!
//! The rule: every module of the container takes an index, whether it holds tensors or not
//! (activations, dropout, pooling, flatten); the twin's layers map to modules one to one,
//! except that PyTorch has no activation inside `Linear` and `Conv2d` (the activation is the
//! next module), Keras has one inside `Dense` and `Conv2D` (but PReLU, a layer of its own),
//! and PyTorch spells a global average pooling as two modules.
//!
//! So `dense(8, bias = true), batchnorm, prelu, dense(6, elu), dense(3)` is PyTorch's
//! `Sequential(Linear(4, 8), BatchNorm1d(8), PReLU(8), Linear(8, 6), ELU(), Linear(6, 3))`:
//! tensors `0.weight`, `1.running_mean`, `2.weight`, `3.weight`, `5.bias`, ... and
//! `conv2d(4, 3, relu), maxpool(2), flatten, dense(10)` is `Sequential(Conv2d(c, 4, 3),
//! ReLU(), MaxPool2d(2), Flatten(), Linear(n, 10))` (`0.weight`, `4.weight`) or Keras'
//! `[Conv2D(4, 3, activation="relu"), MaxPooling2D(2), Flatten(), Dense(10)]` (`0.kernel`,
//! `3.kernel`). A model that is not one sequential container names its modules with
//! [`Naming::Modules`]: one name per module that holds tensors, in the twin's order
//! (`["fc1", "bn1", "act1", "fc2", "head"]` for attributes `self.fc1`, ...).
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
//! | conv `kernel [kh, kw, in, out]` | `Conv2d.weight [out, in, kh, kw]` (axes permuted) | `Conv2D.kernel [kh, kw, in, out]` |
//! | conv `bias [out]` | `Conv2d.bias` | `Conv2D.bias` |
//! | batch norm on images: `gamma`, ... `[c]` | `BatchNorm2d.weight`, ... as `BatchNorm1d` | `BatchNormalization.gamma`, ... |
//! | `alpha [h · w · c]` on an image | none (`nn.PReLU` has a slope per channel at most): [`Error::Unsupported`] | `PReLU.alpha [h, w, c]` |
//!
//! # Images: channels last here and in Keras, channels first in PyTorch
//!
//! The twin's rows hold images channels last, `(h, w, c)` in order, as Keras does; PyTorch's
//! tensors are `[n, c, h, w]`, so its `nn.Flatten()` numbers an image's features `(c, h, w)`.
//! From a `flatten` to the next dense layer, PyTorch's per-feature tensors are in that order:
//! the input axis of that dense layer's `Linear.weight`, and a `BatchNorm1d` or `PReLU`
//! between them. They are reordered on the way in and out (nothing to do for Keras, nor after
//! a `global_avgpool`, whose output is one value per channel). Feed the twin channels-last
//! rows: a PyTorch batch `x` is `x.permute(0, 2, 3, 1).reshape(n, -1)`.
//!
//! Padding: the twin's `padding = same` is TensorFlow's (the odd pixel after); PyTorch's
//! symmetric `padding=p` is the same where the total is even (a 3x3 kernel at stride 1, or at
//! stride 2 on an odd size, with `padding=1`).
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
//! `tests/fixtures/interop/gen_interop.py` uses it, and the tests check Keras and PyTorch
//! models' outputs against their twins' within 1e-5: dense ones, and convolutional ones with
//! batch norm, pooling, flatten and a batch norm after the flatten.

mod layout;
mod plan;
mod read;
mod write;

use std::fmt;
use std::path::Path;

use crate::{Error, Float, Network, Result};

/// The framework whose names and layouts a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    /// PyTorch `state_dict` names (`0.weight`), `Linear.weight` as `[out, in]`,
    /// `Conv2d.weight` as `[out, in, kh, kw]`, images channels first.
    PyTorch,
    /// Keras names (`0.kernel`) by layer index, `Dense.kernel` as `[in, out]`,
    /// `Conv2D.kernel` as `[kh, kw, in, out]`, images channels last (as the twin).
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
    /// The indices of a sequential container: `0`, `1`, ... one per module, holding tensors
    /// or not (see the [module docs](self)): one per layer of the twin, two for a PyTorch
    /// dense or convolution with its activation as a separate module (and for Keras' PReLU),
    /// two for PyTorch's global average pooling (`AdaptiveAvgPool2d(1)`, `Flatten()`).
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
/// - [`Error::Unsupported`] as [`to_framework_bytes`];
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
/// [`Error::Unsupported`] for what the framework has no module for (PyTorch: a `prelu` on an
/// image, with a slope per value).
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
    load_file(network, Framework::PyTorch, path.as_ref(), naming)
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
    load_file(network, Framework::Keras, path.as_ref(), naming)
}

/// [`load_pytorch`] and [`load_keras`]: the file's bytes into `network`, errors in its name.
fn load_file<T: Float, N: Network<T> + ?Sized>(
    network: &mut N,
    framework: Framework,
    path: &Path,
    naming: &Naming,
) -> Result<()> {
    let bytes = read_file(path)?;
    read::import(
        network,
        framework,
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
