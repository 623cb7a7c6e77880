//! Reading a framework's safetensors file into a network, checked before anything changes.

use std::collections::{HashMap, HashSet};

use safetensors::tensor::{Dtype, TensorView};

use super::plan::{Entry, plan};
use super::{Framework, Naming};
use crate::{Error, Float, Network, Result};

/// The values of `view` as `f64`, from F32 or F64 data (little-endian).
fn values(view: &TensorView<'_>, key: &str) -> Result<Vec<f64>> {
    let data = view.data();
    match view.dtype() {
        Dtype::F32 => Ok(data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect()),
        Dtype::F64 => Ok(data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()),
        other => Err(Error::DtypeMismatch {
            context: key.to_owned(),
            expected: "F32 or F64".to_owned(),
            actual: other.to_string(),
        }),
    }
}

/// The framework's `values` in the network's order (`framework[k] = network[order[k]]`).
fn to_network_order(values: Vec<f64>, order: Option<&[usize]>) -> Vec<f64> {
    let Some(order) = order else {
        return values;
    };
    let mut out = vec![0.0; values.len()];
    for (&at, value) in order.iter().zip(values) {
        out[at] = value;
    }
    out
}

/// The network's values for `entry` from the file: shape checked, reordered, broadcast.
fn stage(file: &safetensors::SafeTensors<'_>, entry: &Entry, context: &str) -> Result<Vec<f64>> {
    let expected = entry.framework_shape.clone();
    let Ok(view) = file.tensor(&entry.key) else {
        return Err(Error::MissingTensor {
            context: context.to_owned(),
            name: entry.key.clone(),
            expected: format!(
                "the {} of shape {expected:?}, for {}",
                entry.what, entry.nn_key
            ),
        });
    };
    let found = values(&view, &entry.key)?;
    let count: usize = expected.iter().product();
    if view.shape() == expected.as_slice() {
        Ok(to_network_order(found, entry.order.as_deref()))
    } else if let (true, [1], Some(&slope)) = (entry.broadcast, view.shape(), found.first()) {
        Ok(vec![slope; count])
    } else {
        Err(Error::ShapeMismatch {
            context: format!(
                "{context}: {} (the {} for {})",
                entry.key, entry.what, entry.nn_key
            ),
            expected,
            actual: view.shape().to_vec(),
        })
    }
}

/// Checks every tensor `network` needs against `bytes` and, only if all fit, copies them in.
pub(super) fn import<T: Float, N: Network<T> + ?Sized>(
    network: &mut N,
    framework: Framework,
    bytes: &[u8],
    naming: &Naming,
    context: &str,
) -> Result<()> {
    let entries = plan(network, framework, naming)?;
    let file = crate::io::parse_safetensors(bytes, context)?;
    let mut staged: HashMap<String, Vec<T>> = HashMap::new();
    for entry in &entries {
        let values = stage(&file, entry, context)?;
        staged.insert(
            entry.nn_key.clone(),
            values.into_iter().map(T::cast).collect(),
        );
    }
    let used: HashSet<&str> = entries.iter().map(|e| e.key.as_str()).collect();
    // PyTorch's BatchNorm1d and BatchNorm2d count their batches; nothing here corresponds to that.
    let ignored: HashSet<String> = entries
        .iter()
        .filter(|e| framework == Framework::PyTorch && e.nn_key.ends_with(".moving_mean"))
        .map(|e| format!("{}.num_batches_tracked", e.module))
        .collect();
    let mut extra: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| !used.contains(*name) && !ignored.contains(*name))
        .collect();
    extra.sort_unstable();
    if let Some(name) = extra.first() {
        return Err(Error::UnexpectedTensor {
            context: context.to_owned(),
            name: (*name).to_owned(),
        });
    }
    network.visit_tensors_mut(&mut |t| {
        if let Some(values) = staged.get(&format!("{}.{}", t.layer, t.name)) {
            t.data.copy_from_slice(values);
        }
    });
    Ok(())
}
