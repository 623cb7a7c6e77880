//! Each layer of the runtime, in inference form, as ONNX nodes.
//!
//! | layer | nodes | initializers |
//! |---|---|---|
//! | dense with a bias | `Gemm(x, kernel, bias)`, then the activation | `{layer}.kernel` `[in, out]`, `{layer}.bias` `[out]` |
//! | dense without one | `MatMul(x, kernel)`, then the activation | `{layer}.kernel` |
//! | batch norm | `BatchNormalization(x, gamma, beta, moving_mean, moving_variance; epsilon)` on `[batch, width]` (ONNX's `N × C`) | `{layer}.gamma`, `.beta`, `.moving_mean`, `.moving_variance` |
//! | dropout, alpha dropout | none: the identity at inference | |
//! | activation | as in the activation table | `{layer}.alpha` for PReLU |

use super::activation;
use super::graph::GraphBuilder;
use super::proto::AttributeProto;
use crate::activation::ActivationSpec;
use crate::layer::{Inspect, LayerSpec};
use crate::{Error, Float, Result};

/// Appends the inference nodes of `layer` applied to the value `x` of width `width`; returns
/// the output's name and width.
///
/// # Errors
/// [`Error::WidthMismatch`] if the layer does not take inputs of width `width`, and the
/// errors of [`GraphBuilder::initializer`]: a tensor name taken by an earlier layer of the
/// same name.
pub(super) fn emit<T: Float>(
    graph: &mut GraphBuilder,
    x: &str,
    width: usize,
    layer: &dyn Inspect<T>,
) -> Result<(String, usize)> {
    let name = layer.name();
    let takes = |expected: usize| {
        if expected == width {
            Ok(())
        } else {
            Err(Error::WidthMismatch {
                context: format!("to_onnx: {name}"),
                expected,
                actual: width,
            })
        }
    };
    if let Some(ActivationSpec::PRelu { alpha }) = layer.spec().activation() {
        let units = match layer.spec() {
            LayerSpec::Dense { kernel, .. } => kernel.ncols(),
            _ => width,
        };
        if alpha.len() != units {
            return Err(Error::WidthMismatch {
                context: format!("to_onnx: {name}.alpha"),
                expected: units,
                actual: alpha.len(),
            });
        }
    }
    Ok(match layer.spec() {
        LayerSpec::Dense {
            kernel,
            bias,
            activation,
            ..
        } => {
            let (rows, cols) = kernel.dim();
            takes(rows)?;
            let kernel = graph.initializer(
                &format!("{name}.kernel"),
                &[rows, cols],
                kernel.iter().copied(),
            )?;
            let z = match bias {
                Some(bias) => {
                    let bias = graph.initializer(
                        &format!("{name}.bias"),
                        &[cols],
                        bias.iter().copied(),
                    )?;
                    graph.node(
                        "Gemm",
                        &[x, &kernel, &bias],
                        vec![],
                        &format!("{name}/gemm"),
                    )
                }
                None => graph.node("MatMul", &[x, &kernel], vec![], &format!("{name}/matmul")),
            };
            (activation::emit(graph, &z, &activation, name)?, cols)
        }
        LayerSpec::BatchNorm {
            gamma,
            beta,
            moving_mean,
            moving_variance,
            epsilon,
        } => {
            takes(gamma.len())?;
            let dims = [gamma.len()];
            let mut tensor = |suffix: &str, values: ndarray::ArrayView1<'_, T>| {
                graph.initializer(&format!("{name}.{suffix}"), &dims, values.iter().copied())
            };
            let gamma = tensor("gamma", gamma)?;
            let beta = tensor("beta", beta)?;
            let mean = tensor("moving_mean", moving_mean)?;
            let variance = tensor("moving_variance", moving_variance)?;
            let output = graph.node(
                "BatchNormalization",
                &[x, &gamma, &beta, &mean, &variance],
                vec![AttributeProto::float("epsilon", epsilon)],
                &format!("{name}/batch_norm"),
            );
            (output, width)
        }
        LayerSpec::Dropout { .. } | LayerSpec::AlphaDropout { .. } => (x.to_owned(), width),
        LayerSpec::Activation(spec) => (activation::emit(graph, x, &spec, name)?, width),
        other => {
            return Err(Error::Unsupported {
                context: "to_onnx".to_owned(),
                message: format!(
                    "{name} is a {} layer, which the ONNX export does not cover yet (dense, \
                     batch norm, dropout and activation layers are exported)",
                    other.kind_name()
                ),
            });
        }
    })
}
