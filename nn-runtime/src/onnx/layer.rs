//! Each layer of the runtime, in inference form, as ONNX nodes.
//!
//! | layer | nodes | initializers |
//! |---|---|---|
//! | dense with a bias | `Gemm(x, kernel, bias)`, then the activation | `{layer}.kernel` `[in, out]`, `{layer}.bias` `[out]` |
//! | dense without one | `MatMul(x, kernel)`, then the activation | `{layer}.kernel` |
//! | batch norm | `BatchNormalization(x, gamma, beta, moving_mean, moving_variance; epsilon)` on `[batch, width]` (ONNX's `N × C`) | `{layer}.gamma`, `.beta`, `.moving_mean`, `.moving_variance` |
//! | dropout, alpha dropout | none: the identity at inference | |
//! | activation | as in the activation table, in the input's layout | `{layer}.alpha` for PReLU |
//! | conv2d, pooling, batch norm over channels | as in the `image` module's table | |
//!
//! Dense layers and batch norm take rows: an image before them is flattened first (the
//! `value` module); image layers take NCHW images, and a row before them is reshaped.

use super::graph::GraphBuilder;
use super::image;
use super::proto::AttributeProto;
use super::value::Value;
use crate::layer::{Inspect, LayerSpec};
use crate::{Error, Float, Result};

/// Appends the inference nodes of `layer` applied to the value `x`; returns the output value.
///
/// # Errors
/// [`Error::WidthMismatch`] if the layer does not take inputs of `x`'s width (or a PReLU
/// has not one slope per unit), and the errors of [`GraphBuilder::initializer`]: a tensor
/// name taken by an earlier layer of the same name.
pub(super) fn emit<T: Float>(
    graph: &mut GraphBuilder,
    x: Value,
    layer: &dyn Inspect<T>,
) -> Result<Value> {
    let name = layer.name();
    let row = |graph: &mut GraphBuilder, x: Value, expected: usize| {
        let width = x.layout.width();
        if expected == width {
            Ok(x.into_flat(graph, name))
        } else {
            Err(Error::WidthMismatch {
                context: format!("to_onnx: {name}"),
                expected,
                actual: width,
            })
        }
    };
    Ok(match layer.spec() {
        LayerSpec::Dense {
            kernel,
            bias,
            activation,
            ..
        } => {
            let (rows, cols) = kernel.dim();
            let x = row(graph, x, rows)?;
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
                        &[&x, &kernel, &bias],
                        vec![],
                        &format!("{name}/gemm"),
                    )
                }
                None => graph.node("MatMul", &[&x, &kernel], vec![], &format!("{name}/matmul")),
            };
            image::apply(graph, Value::flat(z, cols), &activation, name)?
        }
        LayerSpec::BatchNorm {
            gamma,
            beta,
            moving_mean,
            moving_variance,
            epsilon,
        } => {
            let width = gamma.len();
            let x = row(graph, x, width)?;
            let dims = [width];
            let mut tensor = |suffix: &str, values: ndarray::ArrayView1<'_, T>| {
                graph.initializer(&format!("{name}.{suffix}"), &dims, values.iter().copied())
            };
            let gamma = tensor("gamma", gamma)?;
            let beta = tensor("beta", beta)?;
            let mean = tensor("moving_mean", moving_mean)?;
            let variance = tensor("moving_variance", moving_variance)?;
            let output = graph.node(
                "BatchNormalization",
                &[&x, &gamma, &beta, &mean, &variance],
                vec![AttributeProto::float("epsilon", epsilon)],
                &format!("{name}/batch_norm"),
            );
            Value::flat(output, width)
        }
        // The next layer that needs a flat row converts the NCHW value itself.
        LayerSpec::Dropout { .. } | LayerSpec::AlphaDropout { .. } | LayerSpec::Flatten { .. } => x,
        LayerSpec::Activation(spec) => image::apply(graph, x, &spec, name)?,
        spec @ (LayerSpec::Conv2d { .. }
        | LayerSpec::MaxPool2d { .. }
        | LayerSpec::AvgPool2d { .. }
        | LayerSpec::GlobalAvgPool { .. }
        | LayerSpec::BatchNorm2d { .. }) => image::emit(graph, x, name, spec)?,
    })
}
