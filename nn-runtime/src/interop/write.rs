//! Writing a network's tensors as a framework's safetensors file.

use std::collections::HashMap;

use safetensors::tensor::Dtype;

use super::plan::plan;
use super::{Framework, Naming};
use crate::io::Encoded;
use crate::{Error, Float, Network, Result};

/// `values` as little-endian bytes of the network's element type.
fn encode<T: Float>(values: &[f64]) -> (Dtype, Vec<u8>) {
    if T::DTYPE == "F64" {
        (
            Dtype::F64,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    } else {
        // Exact: the values were f32 before they were widened.
        (
            Dtype::F32,
            values
                .iter()
                .flat_map(|&v| (v as f32).to_le_bytes())
                .collect(),
        )
    }
}

/// The safetensors bytes of `network` in `framework`'s names and layouts.
pub(super) fn export<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    framework: Framework,
    naming: &Naming,
) -> Result<Vec<u8>> {
    let entries = plan(network, framework, naming)?;
    let by_key: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.nn_key.as_str(), i))
        .collect();
    let mut tensors: Vec<(String, Encoded)> = Vec::new();
    network.visit_tensors(&mut |t| {
        let Some(entry) = by_key
            .get(format!("{}.{}", t.layer, t.name).as_str())
            .map(|&i| &entries[i])
        else {
            return;
        };
        let values: Vec<f64> = match &entry.order {
            Some(order) => order.iter().map(|&at| t.data[at].as_f64()).collect(),
            None => t.data.iter().map(|v| v.as_f64()).collect(),
        };
        let (dtype, bytes) = encode::<T>(&values);
        tensors.push((
            entry.key.clone(),
            Encoded {
                dtype,
                shape: entry.framework_shape.clone(),
                bytes,
            },
        ));
        if framework == Framework::PyTorch && t.name == "moving_mean" {
            // A state_dict has it, and `load_state_dict` (strict) wants it: 0 batches seen.
            let bytes = 0i64.to_le_bytes().to_vec();
            let key = format!("{}.num_batches_tracked", entry.module);
            tensors.push((
                key,
                Encoded {
                    dtype: Dtype::I64,
                    shape: Vec::new(),
                    bytes,
                },
            ));
        }
    });
    let metadata = match framework {
        Framework::PyTorch => Some(HashMap::from([("format".to_owned(), "pt".to_owned())])),
        Framework::Keras => None,
    };
    safetensors::tensor::serialize(tensors.iter().map(|(k, v)| (k.as_str(), v)), metadata).map_err(
        |e| Error::Format {
            context: format!("to {framework} safetensors"),
            message: format!("cannot serialize: {e}"),
        },
    )
}
