//! The image layers (convolution, pooling, batch norm over channels) as ONNX nodes on NCHW
//! values, and activations applied to a value in either layout.
//!
//! | layer | nodes | initializers |
//! |---|---|---|
//! | conv2d | `Conv(x, W, B; kernel_shape, strides, pads)`, then the activation | `{layer}.kernel` `[OC, IC, KH, KW]` (ONNX's layout; the runtime's is `[KH, KW, IC, OC]`), `{layer}.bias` `[OC]` |
//! | maxpool | `MaxPool(kernel_shape, strides)` (valid) | |
//! | avgpool | `AveragePool(kernel_shape, strides)` (valid) | |
//! | global_avgpool | `GlobalAveragePool`, `Flatten`: `[batch, C]` (f64: `ReduceMean(axes = [2, 3], keepdims = 0)`) | |
//! | batchnorm over channels | `BatchNormalization(epsilon)` on NCHW | `{layer}.gamma`, `.beta`, `.moving_mean`, `.moving_variance` `[C]` |
//!
//! `pads` are explicit, `[top, left, bottom, right]`: the layer's own zero padding before the
//! first row and column (TensorFlow's split for `same`, the extra row or column at the bottom
//! or right), and after the last whatever the output size needs, never `auto_pad`.
//!
//! Activations are element-wise in either layout, but for two: softmax normalizes the whole
//! row, so an image is flattened before it; PReLU has one slope per unit, `(h, w, c)` on an
//! image, so its slopes `[H · W · C]` (NHWC) become an initializer `[C, H, W]` that `PRelu`
//! broadcasts over the batch.
//!
//! ONNX Runtime (1.32) has no double-precision CPU kernels for `Conv`, `AveragePool` and
//! `GlobalAveragePool`: an f64 graph casts the input and the weights of those two to float,
//! runs the operator in single precision and casts the result back (a relative error of about
//! 1e-7), and averages globally with `ReduceMean`, which it has in double.

use ndarray::ArrayView1;

use super::activation;
use super::graph::GraphBuilder;
use super::proto::{AttributeProto, FLOAT};
use super::value::{Hwc, Layout, Value};
use crate::activation::ActivationSpec;
use crate::layer::LayerSpec;
use crate::{Error, Float, Result};

/// Appends the inference nodes of the image layer `spec` named `layer` applied to `x`;
/// returns the output value. `spec` is not an image layer: `x` unchanged.
///
/// # Errors
/// [`Error::WidthMismatch`] if `x` does not hold the layer's input (or a PReLU has the wrong
/// number of slopes), and the errors of [`GraphBuilder::initializer`].
pub(super) fn emit<T: Float>(
    graph: &mut GraphBuilder,
    x: Value,
    layer: &str,
    spec: LayerSpec<'_, T>,
) -> Result<Value> {
    Ok(match spec {
        LayerSpec::Conv2d {
            input,
            output,
            kernel,
            bias,
            stride,
            pad_before,
            activation,
            ..
        } => {
            let x = x.into_image(graph, input, layer)?;
            let (kh, kw, ic, oc) = kernel.dim();
            let onnx_kernel = kernel.permuted_axes([3, 2, 0, 1]);
            let kernel = graph.initializer(
                &format!("{layer}.kernel"),
                &[oc, ic, kh, kw],
                onnx_kernel.iter().copied(),
            )?;
            let mut inputs = vec![x, kernel];
            if let Some(bias) = bias {
                inputs.push(graph.initializer(
                    &format!("{layer}.bias"),
                    &[oc],
                    bias.iter().copied(),
                )?);
            }
            let after = |size_in: usize, size_out: usize, k: usize, s: usize, before: usize| {
                ((size_out - 1) * s + k).saturating_sub(size_in + before)
            };
            let pads = [
                pad_before.0,
                pad_before.1,
                after(input.0, output.0, kh, stride.0, pad_before.0),
                after(input.1, output.1, kw, stride.1, pad_before.1),
            ];
            let mut attributes = window(&[kh, kw], stride);
            attributes.push(AttributeProto::ints("pads", &to_i64(&pads)));
            let z = in_single(graph, "Conv", &inputs, attributes, &format!("{layer}/conv"));
            apply(graph, Value::image(z, output), &activation, layer)?
        }
        LayerSpec::MaxPool2d {
            input,
            output,
            window: size,
            stride,
        } => {
            let x = x.into_image(graph, input, layer)?;
            let attributes = window(&[size.0, size.1], stride);
            let y = graph.node("MaxPool", &[&x], attributes, &format!("{layer}/max_pool"));
            Value::image(y, output)
        }
        LayerSpec::AvgPool2d {
            input,
            output,
            window: size,
            stride,
        } => {
            let x = x.into_image(graph, input, layer)?;
            let attributes = window(&[size.0, size.1], stride);
            let base = format!("{layer}/average_pool");
            let y = in_single(graph, "AveragePool", &[x], attributes, &base);
            Value::image(y, output)
        }
        LayerSpec::GlobalAvgPool { input } => {
            let x = x.into_image(graph, input, layer)?;
            let y = if graph.is_double() {
                let attributes = vec![
                    AttributeProto::ints("axes", &[2, 3]),
                    AttributeProto::int("keepdims", 0),
                ];
                graph.node("ReduceMean", &[&x], attributes, &format!("{layer}/mean"))
            } else {
                let base = format!("{layer}/global_average_pool");
                let pooled = graph.node("GlobalAveragePool", &[&x], vec![], &base);
                let axis = vec![AttributeProto::int("axis", 1)];
                graph.node("Flatten", &[&pooled], axis, &format!("{layer}/flatten"))
            };
            Value::flat(y, input.2)
        }
        LayerSpec::BatchNorm2d {
            input,
            gamma,
            beta,
            moving_mean,
            moving_variance,
            epsilon,
        } => {
            let x = x.into_image(graph, input, layer)?;
            let dims = [gamma.len()];
            let mut tensor = |suffix: &str, values: ArrayView1<'_, T>| {
                graph.initializer(&format!("{layer}.{suffix}"), &dims, values.iter().copied())
            };
            let gamma = tensor("gamma", gamma)?;
            let beta = tensor("beta", beta)?;
            let mean = tensor("moving_mean", moving_mean)?;
            let variance = tensor("moving_variance", moving_variance)?;
            let y = graph.node(
                "BatchNormalization",
                &[&x, &gamma, &beta, &mean, &variance],
                vec![AttributeProto::float("epsilon", epsilon)],
                &format!("{layer}/batch_norm"),
            );
            Value::image(y, input)
        }
        _ => x,
    })
}

/// Appends the nodes of the activation `spec` of `layer` applied to `x`, in `x`'s layout
/// (an image is flattened for softmax, and gets its PReLU slopes as `[C, H, W]`).
///
/// # Errors
/// [`Error::WidthMismatch`] if a PReLU's slopes are not one per value of `x`, and the errors
/// of [`GraphBuilder::initializer`].
pub(super) fn apply<T: Float>(
    graph: &mut GraphBuilder,
    x: Value,
    spec: &ActivationSpec<'_, T>,
    layer: &str,
) -> Result<Value> {
    if let ActivationSpec::PRelu { alpha } = spec
        && alpha.len() != x.layout.width()
    {
        return Err(Error::WidthMismatch {
            context: format!("to_onnx: {layer}.alpha"),
            expected: x.layout.width(),
            actual: alpha.len(),
        });
    }
    Ok(match (x.layout, spec) {
        (Layout::Image(_), ActivationSpec::Softmax) => {
            let width = x.layout.width();
            let row = x.into_flat(graph, layer);
            Value::flat(activation::emit(graph, &row, spec, layer)?, width)
        }
        (Layout::Image(shape), ActivationSpec::PRelu { alpha }) => {
            let slopes = graph.initializer(
                &format!("{layer}.alpha"),
                &[shape.2, shape.0, shape.1],
                channels_first(alpha, shape),
            )?;
            let y = graph.node(
                "PRelu",
                &[&x.name, &slopes],
                vec![],
                &format!("{layer}/prelu"),
            );
            Value::image(y, shape)
        }
        (layout, spec) => Value {
            name: activation::emit(graph, &x.name, spec, layer)?,
            layout,
        },
    })
}

/// The per-unit values of an NHWC image `shape`, in CHW order.
fn channels_first<'a, T: Float>(
    values: &'a ArrayView1<'_, T>,
    (h, w, c): Hwc,
) -> impl Iterator<Item = T> + 'a {
    (0..c).flat_map(move |ch| (0..h * w).map(move |pixel| values[pixel * c + ch]))
}

/// `kernel_shape` and `strides` of a window.
fn window(kernel: &[usize], stride: (usize, usize)) -> Vec<AttributeProto> {
    vec![
        AttributeProto::ints("kernel_shape", &to_i64(kernel)),
        AttributeProto::ints("strides", &to_i64(&[stride.0, stride.1])),
    ]
}

fn to_i64(values: &[usize]) -> Vec<i64> {
    values.iter().map(|&v| v as i64).collect()
}

/// `op(inputs)`; in an f64 graph on inputs cast to float, its result cast back to double
/// (for the operators ONNX Runtime has no double kernel of).
fn in_single(
    graph: &mut GraphBuilder,
    op: &str,
    inputs: &[String],
    attributes: Vec<AttributeProto>,
    base: &str,
) -> String {
    if !graph.is_double() {
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        return graph.node(op, &inputs, attributes, base);
    }
    let singles: Vec<String> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| graph.cast(input, FLOAT, &format!("{base}_input{i}_single")))
        .collect();
    let singles: Vec<&str> = singles.iter().map(String::as_str).collect();
    let single = graph.node(op, &singles, attributes, &format!("{base}_single"));
    let double = graph.elem_type();
    graph.cast(&single, double, base)
}
