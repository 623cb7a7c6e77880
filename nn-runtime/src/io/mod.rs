//! Saving and loading a model's tensors in the [safetensors] format.
//!
//! [`save`] and [`to_bytes`] write every tensor a model visits ([`Tensors::visit_tensors`]):
//! parameters and state such as batch norm's running statistics. [`load`] and [`from_bytes`]
//! read them back into a model of the same architecture, checking every name, dtype and shape
//! before changing anything: a failed load leaves the model as it was. [`from_bytes`] takes a
//! byte slice, so weights can be compiled into a binary with `include_bytes!`.
//!
//! ```
//! use nn_runtime::{Dense, Initializer, activation::Relu, seeded_rng};
//!
//! let mut rng = seeded_rng(1);
//! let a = Dense::<3, 2, Relu>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_0");
//! let bytes = nn_runtime::to_bytes(&a)?;
//!
//! let mut b = Dense::<3, 2, Relu>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_0");
//! assert_ne!(a.kernel(), b.kernel());
//! nn_runtime::from_bytes(&mut b, &bytes)?;
//! assert_eq!(a.kernel(), b.kernel());
//!
//! // A model of another shape is refused, and left as it was.
//! let mut c = Dense::<3, 4, Relu>::new(Relu, Initializer::HeNormal, &mut rng).named("dense_0");
//! let before = c.kernel().clone();
//! let err = nn_runtime::from_bytes(&mut c, &bytes).unwrap_err();
//! assert_eq!(err.to_string(), "dense_0.kernel: expected shape [3, 4], got shape [3, 2]");
//! assert_eq!(c.kernel(), &before);
//! # Ok::<(), nn_runtime::Error>(())
//! ```
//!
//! # Format
//!
//! A standard safetensors file: an 8-byte little-endian header length, a JSON header, then
//! the tensors' data, little-endian and row-major (C order). The dtype is the model's
//! [`Float::DTYPE`], `F32` or `F64`; a file of the other one is refused
//! (no silent conversion). The header's metadata is `{"format": "nn", "version": "1"}`; a file
//! of format `nn` and another version is refused, and a file without that metadata (written
//! by PyTorch's or Keras' tooling, say) is read as plain safetensors.
//!
//! Every tensor is stored under the key `"{layer}.{name}"`, where `layer` is the layer's name
//! (`dense_0`: the field name in a `network!` struct, given to a layer with `.named(..)`) and
//! `name` the tensor's name within it. Two layers with the same name cannot be saved.
//!
//! | layer | tensor | shape | kind |
//! |---|---|---|---|
//! | [`Dense<IN, OUT>`](crate::Dense) | `kernel` | `[IN, OUT]` | parameter |
//! | [`Dense<IN, OUT>`](crate::Dense) | `bias` (unless `without_bias`) | `[OUT]` | parameter |
//! | [`BatchNorm<N>`](crate::BatchNorm) | `gamma` | `[N]` | parameter |
//! | [`BatchNorm<N>`](crate::BatchNorm) | `beta` | `[N]` | parameter |
//! | [`BatchNorm<N>`](crate::BatchNorm) | `moving_mean` | `[N]` | state |
//! | [`BatchNorm<N>`](crate::BatchNorm) | `moving_variance` | `[N]` | state |
//! | [`PRelu`](crate::activation::PRelu) (in a dense or activation layer) | `alpha` | `[width]` | parameter |
//!
//! A PReLU inside a dense layer saves its slopes under the dense layer's name
//! (`dense_2.alpha`). Layers without tensors (dropout, other activations) save nothing.
//! Hyperparameters (batch norm's momentum and epsilon, dropout rates, penalties) are not
//! saved: they belong to the architecture, which is the code.
//!
//! # Keras
//!
//! The names and layouts are Keras' own: a Keras `Dense` layer's `kernel` is `[in, out]` and
//! its `bias` `[out]`; `BatchNormalization` has `gamma`, `beta`, `moving_mean` and
//! `moving_variance` of shape `[n]` (its running variance is the biased one, as here by
//! default); `PReLU` has `alpha` (of shape `[n]` for a dense input). Weights move between
//! the two by renaming the layers only (Keras' `dense_1/kernel` is `dense_0.kernel` here, or
//! whatever the layers are called). Keras' `PReLU` starts its slopes at 0, this runtime's at
//! 0.25: that matters for fresh models only, not for loaded weights.
//!
//! # PyTorch
//!
//! A PyTorch `state_dict` holds the same numbers under other names and, for dense layers,
//! another layout:
//!
//! | here | PyTorch | note |
//! |---|---|---|
//! | `dense_0.kernel` `[in, out]` | `Linear.weight` `[out, in]` | transposed: `kernel = weight.T` |
//! | `dense_0.bias` `[out]` | `Linear.bias` `[out]` | |
//! | `gamma` `[n]` | `BatchNorm1d.weight` `[n]` | |
//! | `beta` `[n]` | `BatchNorm1d.bias` `[n]` | |
//! | `moving_mean` `[n]` | `BatchNorm1d.running_mean` `[n]` | |
//! | `moving_variance` `[n]` | `BatchNorm1d.running_var` `[n]` | PyTorch's is updated with the unbiased batch variance |
//! | (none) | `BatchNorm1d.num_batches_tracked` (int64 scalar) | no counterpart: drop it |
//! | `alpha` `[n]` | `PReLU.weight` `[n]` (`num_parameters=n`) | a shared `PReLU()` has `[1]`: repeat it `n` times |
//!
//! The numbers copy over unchanged (apart from the transpose); what differs is how training
//! goes on. A batch norm that keeps training on PyTorch's terms needs
//! [`BatchNorm::pytorch`](crate::BatchNorm::pytorch) (momentum 0.9 here = PyTorch's 0.1,
//! epsilon 1e-5, unbiased running variance); for inference only epsilon matters. PyTorch's
//! `torch.save` writes pickles, not safetensors: convert with `safetensors.torch.save_file`
//! after renaming and transposing, and drop `num_batches_tracked` (or any extra tensor: an
//! extra tensor is an error here, [`Error::UnexpectedTensor`]).
//!
//! # Atomic saves
//!
//! [`save`] writes to a temporary file beside the target (`.{file name}.tmp-{pid}-{n}`),
//! syncs it, renames it over the target and syncs the directory (on Unix). A save that fails
//! midway (a full disk, a crash) leaves the previous file as it was and removes the temporary
//! file (a crash can leave it behind: it starts with a dot, and can be deleted).
//!
//! [safetensors]: https://huggingface.co/docs/safetensors

mod atomic;
mod codec;

/// Atomic writes of any bytes, for the other file formats the crate writes (ONNX models).
pub(crate) use atomic::write_atomic;
/// Checked parsing of safetensors written by other tools (PyTorch, Keras).
pub(crate) use codec::Encoded;
pub(crate) use codec::parse as parse_safetensors;

use std::fs::File;
use std::io::Write;
use std::path::Path;

use crate::{Error, Float, Result, Tensors};

/// The value of the `format` metadata entry of files written here.
pub const FORMAT: &str = "nn";
/// The value of the `version` metadata entry of files written here.
pub const VERSION: &str = "1";

/// Serializes every tensor of `model` into safetensors bytes (see the [module docs](self)).
///
/// # Errors
/// [`Error::Format`] if two tensors share a key (two layers with the same name), if a tensor's
/// data does not fit its shape, or if the element type is not `f32` or `f64`.
pub fn to_bytes<T: Float>(model: &(impl Tensors<T> + ?Sized)) -> Result<Vec<u8>> {
    codec::encode(model)
}

/// Deserializes safetensors bytes into `model`, checking every tensor first.
///
/// Every tensor the model has must be present, with the model's dtype and shape, and the
/// bytes must hold no other tensor. Only when all of that holds are the values copied in; on
/// an error the model is unchanged. The tensors are checked in the model's visiting order,
/// so the error names the first one that does not fit. Values are copied as stored, NaN and
/// infinities included: a model that diverged in training saves and loads as it is.
///
/// # Errors
/// - [`Error::Format`] if the bytes are not a valid safetensors file (truncated, corrupt), or
///   are of format `nn` but another version;
/// - [`Error::MissingTensor`] naming a tensor the model has and the bytes lack;
/// - [`Error::DtypeMismatch`] naming a tensor stored in another element type;
/// - [`Error::ShapeMismatch`] naming a tensor stored with another shape;
/// - [`Error::UnexpectedTensor`] naming a tensor the model does not have.
pub fn from_bytes<T: Float>(model: &mut (impl Tensors<T> + ?Sized), bytes: &[u8]) -> Result<()> {
    codec::decode_into(model, bytes, "safetensors bytes")
}

/// Saves every tensor of `model` to the safetensors file at `path`, atomically.
///
/// The bytes go to a temporary file in the same directory, which is synced to disk and then
/// renamed over `path`; on Unix the directory is synced too. If anything before the rename
/// fails, the temporary file is removed and a file already at `path` stays as it was.
///
/// # Errors
/// The errors of [`to_bytes`], and [`Error::Io`] naming `path` if the file cannot be written
/// (a missing directory, no permission, a full disk). The final sync of the directory is best
/// effort: its errors are ignored, since the new file is already in place.
pub fn save<T: Float>(model: &(impl Tensors<T> + ?Sized), path: impl AsRef<Path>) -> Result<()> {
    save_with(model, path, |file| Box::new(file))
}

/// [`save`], writing the temporary file through the writer `wrap` builds around it.
///
/// For tests and instrumentation: a writer that fails after some bytes shows what a full disk
/// does; one that counts bytes measures the file. `save(model, path)` is
/// `save_with(model, path, |file| Box::new(file))`. After the writer is flushed and dropped,
/// the file is synced and renamed over `path` as in [`save`]; if the writer fails (or panics),
/// the temporary file is removed and `path` is untouched.
///
/// ```
/// use std::io::{self, Write};
/// use nn_runtime::{BatchNorm, Error, io::save_with};
///
/// struct DiskFull;
/// impl Write for DiskFull {
///     fn write(&mut self, _: &[u8]) -> io::Result<usize> {
///         Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"))
///     }
///     fn flush(&mut self) -> io::Result<()> {
///         Ok(())
///     }
/// }
///
/// let dir = std::env::temp_dir();
/// let path = dir.join(format!("nn-doc-save-with-{}.safetensors", std::process::id()));
/// let bn = BatchNorm::<2>::new().named("batch_norm_0");
/// let err = save_with(&bn, &path, |_file| Box::new(DiskFull)).unwrap_err();
/// assert!(matches!(err, Error::Io { kind: io::ErrorKind::StorageFull, .. }));
/// assert!(!path.exists());
/// ```
///
/// # Errors
/// As [`save`]; the writer's errors come as [`Error::Io`] naming `path`.
pub fn save_with<T: Float>(
    model: &(impl Tensors<T> + ?Sized),
    path: impl AsRef<Path>,
    wrap: impl for<'a> FnOnce(&'a mut File) -> Box<dyn Write + 'a>,
) -> Result<()> {
    let bytes = to_bytes(model)?;
    atomic::write_atomic(&bytes, path.as_ref(), wrap)
}

/// Loads the safetensors file at `path` into `model`, checking every tensor first.
///
/// # Errors
/// [`Error::Io`] naming `path` if the file cannot be read, and otherwise the errors of
/// [`from_bytes`] (with `path` as the context). On an error the model is unchanged.
pub fn load<T: Float>(
    model: &mut (impl Tensors<T> + ?Sized),
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::Io {
        context: path.display().to_string(),
        kind: e.kind(),
        message: format!("cannot read the weights file: {e}"),
    })?;
    codec::decode_into(model, &bytes, &path.display().to_string())
}
