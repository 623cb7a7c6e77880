//! Encoding tensors to safetensors bytes and decoding them back, checked.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use safetensors::tensor::{Dtype, Metadata, SafeTensors, View};

use super::{FORMAT, VERSION};
use crate::{Error, Float, Result, Tensors};

/// One tensor, encoded, as the `safetensors` crate wants to see it (also what the weight
/// exchange writes).
pub(crate) struct Encoded {
    /// The element type.
    pub dtype: Dtype,
    /// The dimensions.
    pub shape: Vec<usize>,
    /// The little-endian bytes.
    pub bytes: Vec<u8>,
}

impl View for &Encoded {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The safetensors dtype of `T`: `F32` for `f32`, `F64` for `f64` (as [`Float::DTYPE`] says).
///
/// The element type itself is checked too, since the bytes are written with `f32`'s or
/// `f64`'s own `to_le_bytes`.
fn dtype_of<T: Float>(context: &str) -> Result<Dtype> {
    let id = TypeId::of::<T>();
    match T::DTYPE {
        "F32" if id == TypeId::of::<f32>() => Ok(Dtype::F32),
        "F64" if id == TypeId::of::<f64>() => Ok(Dtype::F64),
        other => Err(Error::Format {
            context: context.to_owned(),
            message: format!(
                "element type {} with dtype {other}; expected f32 (F32) or f64 (F64)",
                std::any::type_name::<T>()
            ),
        }),
    }
}

/// Appends the little-endian bytes of `value` to `out`, bit-exact (NaN payloads included).
///
/// `T` is `f32` or `f64` ([`dtype_of`] checked it), so one of the downcasts succeeds.
fn push_le<T: Float>(value: &T, out: &mut Vec<u8>) {
    let any: &dyn Any = value;
    if let Some(v) = any.downcast_ref::<f32>() {
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Some(v) = any.downcast_ref::<f64>() {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Decodes little-endian `bytes` (whole elements of `T`, any alignment) into values,
/// bit-exact.
///
/// `T` is `f32` or `f64` ([`dtype_of`] checked it), so one of the downcasts succeeds.
fn decode_le<T: Float>(bytes: &[u8]) -> Vec<T> {
    let size = std::mem::size_of::<T>();
    bytes
        .chunks_exact(size)
        .map(|chunk| {
            let mut value = T::zero();
            let any: &mut dyn Any = &mut value;
            if let Some(v) = any.downcast_mut::<f32>() {
                let mut raw = [0u8; 4];
                raw.copy_from_slice(chunk);
                *v = f32::from_le_bytes(raw);
            } else if let Some(v) = any.downcast_mut::<f64>() {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(chunk);
                *v = f64::from_le_bytes(raw);
            }
            value
        })
        .collect()
}

fn key(layer: &str, name: &str) -> String {
    format!("{layer}.{name}")
}

fn duplicate_key(context: &str, key: &str) -> Error {
    Error::Format {
        context: context.to_owned(),
        message: format!(
            "the model has two tensors named {key}; expected every layer to have its own name \
             (give each one with `.named(..)`)"
        ),
    }
}

/// The safetensors bytes of every tensor of `model`, with the `nn` format metadata.
pub(super) fn encode<T: Float, M: Tensors<T> + ?Sized>(model: &M) -> Result<Vec<u8>> {
    const CONTEXT: &str = "to_bytes";
    let dtype = dtype_of::<T>(CONTEXT)?;
    let mut tensors: Vec<(String, Encoded)> = Vec::new();
    let mut problem = None;
    let mut seen = HashSet::new();
    model.visit_tensors(&mut |t| {
        if problem.is_some() {
            return;
        }
        let key = key(t.layer, t.name);
        if t.data.len() != t.shape.len() {
            problem = Some(Error::Format {
                context: key,
                message: format!(
                    "{} values for shape {:?}; expected {}",
                    t.data.len(),
                    t.shape.dims(),
                    t.shape.len()
                ),
            });
            return;
        }
        if !seen.insert(key.clone()) {
            problem = Some(duplicate_key(CONTEXT, &key));
            return;
        }
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(t.data));
        for value in t.data {
            push_le(value, &mut bytes);
        }
        tensors.push((
            key,
            Encoded {
                dtype,
                shape: t.shape.dims().to_vec(),
                bytes,
            },
        ));
    });
    if let Some(problem) = problem {
        return Err(problem);
    }
    let metadata = HashMap::from([
        ("format".to_owned(), FORMAT.to_owned()),
        ("version".to_owned(), VERSION.to_owned()),
    ]);
    let mut bytes = safetensors::tensor::serialize(
        tensors.iter().map(|(k, v)| (k.as_str(), v)),
        Some(metadata),
    )
    .map_err(|e| Error::Format {
        context: CONTEXT.to_owned(),
        message: format!("cannot serialize: {e}"),
    })?;
    canonicalize_metadata(&mut bytes);
    Ok(bytes)
}

/// Puts the two metadata entries in a fixed order, so the same model always gives the same
/// bytes.
///
/// The `safetensors` crate takes the metadata as a `HashMap`, whose iteration order (and so
/// the header's text) changes from one map to the next. Both orders have the same length, so
/// swapping one for the other in the header changes no offset.
fn canonicalize_metadata(bytes: &mut [u8]) {
    let unordered = format!(r#""__metadata__":{{"version":"{VERSION}","format":"{FORMAT}"}}"#);
    let ordered = format!(r#""__metadata__":{{"format":"{FORMAT}","version":"{VERSION}"}}"#);
    let header_end = bytes
        .get(..8)
        .and_then(|n| usize::try_from(u64::from_le_bytes(n.try_into().ok()?)).ok())
        .and_then(|n| n.checked_add(8))
        .map_or(0, |end| end.min(bytes.len()));
    let header = &mut bytes[..header_end];
    if let Some(at) = header
        .windows(unordered.len())
        .position(|w| w == unordered.as_bytes())
    {
        header[at..at + ordered.len()].copy_from_slice(ordered.as_bytes());
    }
}

/// Parses and checks the header of a safetensors buffer before the `safetensors` crate sees it.
///
/// `SafeTensors::deserialize` checks the same things, but adds the data offsets of the header
/// to the header's length unchecked: a crafted header whose offsets sum to nearly `u64::MAX`
/// overflows there (a panic in a debug build). Here the data length is compared with the
/// bytes there are, so the sum stays within the buffer's length. The messages also say where
/// a truncated file ends.
fn read_header(bytes: &[u8], context: &str) -> Result<Metadata> {
    let format_error = |message: String| Error::Format {
        context: context.to_owned(),
        message,
    };
    let Some((length, rest)) = bytes.split_first_chunk::<8>() else {
        return Err(format_error(format!(
            "{} bytes; expected at least 8 (a safetensors file starts with its header's length)",
            bytes.len()
        )));
    };
    let header_len = u64::from_le_bytes(*length);
    let Some(header) = usize::try_from(header_len).ok().and_then(|n| rest.get(..n)) else {
        return Err(format_error(format!(
            "the header claims {header_len} bytes but only {} follow; expected a complete \
             safetensors file (truncated?)",
            rest.len()
        )));
    };
    let text = std::str::from_utf8(header)
        .map_err(|e| format_error(format!("the header is not UTF-8 ({e}); expected JSON")))?;
    let metadata: Metadata = serde_json::from_str(text)
        .map_err(|e| format_error(format!("invalid safetensors header: {e}")))?;
    let data = rest.len() - header.len();
    if metadata.data_len() != data {
        return Err(format_error(format!(
            "the header describes {} bytes of tensor data but {data} follow; expected exactly \
             that many (truncated or padded file?)",
            metadata.data_len()
        )));
    }
    Ok(metadata)
}

/// Checks the `format`/`version` metadata: files of another format (a converted PyTorch or
/// Keras model) are read as plain safetensors; files of this format must be of this version.
fn check_version(metadata: &Metadata, context: &str) -> Result<()> {
    let Some(entries) = metadata.metadata() else {
        return Ok(());
    };
    if entries.get("format").map(String::as_str) != Some(FORMAT) {
        return Ok(());
    }
    match entries.get("version").map(String::as_str) {
        Some(VERSION) => Ok(()),
        found => Err(Error::Format {
            context: context.to_owned(),
            message: format!(
                "format {FORMAT} version {}; expected version {VERSION} (written by another \
                 release of nn?)",
                found.map_or_else(|| "(none)".to_owned(), |v| format!("{v:?}"))
            ),
        }),
    }
}

/// Parses a safetensors buffer after [`read_header`]'s checks, for readers of files other
/// tools wrote (`crate::interop`).
pub(crate) fn parse<'a>(bytes: &'a [u8], context: &str) -> Result<SafeTensors<'a>> {
    read_header(bytes, context)?;
    SafeTensors::deserialize(bytes).map_err(|e| Error::Format {
        context: context.to_owned(),
        message: format!("not a valid safetensors file ({} bytes): {e}", bytes.len()),
    })
}

/// Checks `bytes` against `model` and, only if everything fits, copies the values in.
pub(super) fn decode_into<T: Float, M: Tensors<T> + ?Sized>(
    model: &mut M,
    bytes: &[u8],
    context: &str,
) -> Result<()> {
    let dtype = dtype_of::<T>(context)?;
    let metadata = read_header(bytes, context)?;
    check_version(&metadata, context)?;
    let file = SafeTensors::deserialize(bytes).map_err(|e| Error::Format {
        context: context.to_owned(),
        message: format!("not a valid safetensors file ({} bytes): {e}", bytes.len()),
    })?;

    // Check everything, in the model's order, and decode into staging buffers; the model is
    // not touched yet.
    let mut staged: HashMap<String, Vec<T>> = HashMap::new();
    let mut problem = None;
    model.visit_tensors(&mut |t| {
        if problem.is_some() {
            return;
        }
        let key = key(t.layer, t.name);
        if staged.contains_key(&key) {
            problem = Some(duplicate_key(context, &key));
            return;
        }
        let Ok(view) = file.tensor(&key) else {
            problem = Some(Error::MissingTensor {
                context: context.to_owned(),
                name: key,
                expected: format!("dtype {}, shape {:?}", T::DTYPE, t.shape.dims()),
            });
            return;
        };
        if view.dtype() != dtype {
            problem = Some(Error::DtypeMismatch {
                context: key,
                expected: T::DTYPE.to_owned(),
                actual: view.dtype().to_string(),
            });
            return;
        }
        if view.shape() != t.shape.dims() {
            problem = Some(Error::ShapeMismatch {
                context: key,
                expected: t.shape.dims().to_vec(),
                actual: view.shape().to_vec(),
            });
            return;
        }
        let expected_bytes = std::mem::size_of_val(t.data);
        if view.data().len() != expected_bytes || t.data.len() != t.shape.len() {
            problem = Some(Error::Format {
                context: key,
                message: format!(
                    "{} data bytes; expected {expected_bytes}",
                    view.data().len()
                ),
            });
            return;
        }
        staged.insert(key, decode_le(view.data()));
    });
    if let Some(problem) = problem {
        return Err(problem);
    }
    let mut extra: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| !staged.contains_key(*name))
        .collect();
    extra.sort_unstable();
    if let Some(name) = extra.first() {
        return Err(Error::UnexpectedTensor {
            context: context.to_owned(),
            name: (*name).to_owned(),
        });
    }

    // All checks passed: copy. `visit_tensors_mut` visits what `visit_tensors` did; a tensor
    // it would not have visited is left alone rather than half-written.
    model.visit_tensors_mut(&mut |t| {
        if let Some(values) = staged.get(&key(t.layer, t.name))
            && values.len() == t.data.len()
        {
            t.data.copy_from_slice(values);
        }
    });
    Ok(())
}
