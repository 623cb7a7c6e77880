//! Shape inference: from the input shape down, each layer's input and output shape, with an
//! error on the offending token that shows the inferred chain (`28x28x1 -> conv2d 5x5 ->
//! 24x24x6 -> maxpool 2 -> 12x12x6 -> dense needs a flat input: add flatten`).

use proc_macro2::Span;
use syn::LitInt;

use super::Gaps;
use super::args::width_literal;
use crate::diagnostics::Diagnostics;
use crate::model::{Activation, AdviceKind, Allow, Conv2d, Layer, LayerKind, Padding, Shape};

/// The input shape written in `Name(784)` or `Name(28, 28, 1)`.
pub(super) fn input_shape(
    literals: &[LitInt],
    span: Span,
    diagnostics: &mut Diagnostics,
) -> Option<Shape> {
    let shape = match literals {
        [width] => Shape::Flat(width_literal(width, "the input width", diagnostics)?),
        [height, width, channels] => {
            let sides = [
                width_literal(height, "the image height", diagnostics),
                width_literal(width, "the image width", diagnostics),
                width_literal(channels, "the number of channels", diagnostics),
            ];
            let [Some(height), Some(width), Some(channels)] = sides else {
                return None;
            };
            Shape::Image {
                height,
                width,
                channels,
            }
        }
        _ => {
            diagnostics.error(
                span,
                "the input is a width, like `784`, or an image shape, like `28, 28, 1`",
            );
            return None;
        }
    };
    if shape.len().is_none() {
        diagnostics.error(
            span,
            format!(
                "the input shape {} has more values than fit in `usize`",
                shape.text()
            ),
        );
        return None;
    }
    Some(shape)
}

/// One step of a shape chain: the layer and what it gives (`conv2d 5x5 -> 24x24x6`,
/// `maxpool 2 -> 12x12x6`, `dense 300`, `batchnorm 300`).
pub(crate) fn chain_step(layer: &Layer) -> String {
    let name = layer.dsl_name();
    let out = layer.out_shape.text();
    match &layer.kind {
        LayerKind::Conv2d(conv) => format!("{name} {} -> {out}", size_text(conv.kernel)),
        LayerKind::MaxPool(pool) | LayerKind::AvgPool(pool) => {
            format!("{name} {} -> {out}", size_text(pool.window))
        }
        LayerKind::GlobalAvgPool | LayerKind::Flatten => format!("{name} -> {out}"),
        _ => format!("{name} {out}"),
    }
}

/// The chain from `input` through `layers`: `784 -> dense 300 -> batchnorm 300`.
pub(crate) fn chain_of(input: Shape, layers: &[Layer]) -> String {
    let mut chain = input.text();
    for layer in layers {
        chain.push_str(" -> ");
        chain.push_str(&chain_step(layer));
    }
    chain
}

/// A window or kernel as written in chains: `5x5`.
fn size_text((height, width): (usize, usize)) -> String {
    format!("{height}x{width}")
}

/// Each layer's shapes, from the input down; unknown from the first layer whose shape cannot
/// be inferred (reported there, once).
pub(super) fn infer_shapes(
    layers: &mut [Layer],
    gaps: &mut Gaps,
    input: Option<Shape>,
    diagnostics: &mut Diagnostics,
) {
    let mut shape = input;
    for index in 0..layers.len() {
        let in_shape = shape;
        let out_shape = match (in_shape, layers.get(index)) {
            (Some(in_shape), Some(layer)) if !gaps.layer(index).unknown_layer => {
                let chain = input.map_or_else(String::new, |input| {
                    chain_of(input, layers.get(..index).unwrap_or_default())
                });
                output_shape(layer, in_shape, &chain, diagnostics)
            }
            _ => None,
        };
        let out_shape = out_shape.filter(|shape| {
            let fits = shape.len().is_some();
            if !fits && let Some(layer) = layers.get(index) {
                diagnostics.error(
                    layer.span,
                    format!(
                        "the shape {} has more values than fit in `usize`",
                        shape.text()
                    ),
                );
            }
            fits
        });
        if let Some(layer) = layers.get_mut(index) {
            layer.in_shape = in_shape.unwrap_or(Shape::Flat(0));
            layer.out_shape = out_shape.unwrap_or(Shape::Flat(0));
            layer.in_width = layer.in_shape.len().unwrap_or(0);
            layer.out_width = layer.out_shape.len().unwrap_or(0);
        }
        if let Some(gap) = gaps.layers.get_mut(index) {
            gap.unknown_width = in_shape.is_none() || out_shape.is_none();
        }
        shape = out_shape;
    }
}

/// What `layer` gives for `input`, or `None` after reporting why it cannot take it.
fn output_shape(
    layer: &Layer,
    input: Shape,
    chain: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Shape> {
    let output = geometry(layer, input, chain, diagnostics)?;
    if layer.activation() == Some(Activation::Softmax) && matches!(output, Shape::Image { .. }) {
        diagnostics.error(
            layer.activation_span(),
            format!(
                "`softmax` normalizes a flat row of class scores, and here it would apply to a {} \
                 image: add `flatten` and a `dense(classes, softmax)` layer\n  {chain} -> {}",
                output.text(),
                chain_step_to(layer, output)
            ),
        );
        return None;
    }
    Some(output)
}

/// [`chain_step`] for a layer whose shapes are not stored yet.
fn chain_step_to(layer: &Layer, output: Shape) -> String {
    let name = layer.dsl_name();
    let out = output.text();
    match &layer.kind {
        LayerKind::Conv2d(conv) => format!("{name} {} -> {out}", size_text(conv.kernel)),
        _ => format!("{name} {out}"),
    }
}

/// The shape `layer`'s geometry gives for `input`.
fn geometry(
    layer: &Layer,
    input: Shape,
    chain: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Shape> {
    let image = match input {
        Shape::Image {
            height,
            width,
            channels,
        } => Some((height, width, channels)),
        Shape::Flat(_) => None,
    };
    match &layer.kind {
        LayerKind::Dense(dense) => match image {
            None => (dense.units > 0).then_some(Shape::Flat(dense.units)),
            Some(_) => {
                diagnostics.error(
                    layer.span,
                    format!(
                        "`dense` needs a flat input, and here it gets a {} image: add `flatten` \
                         (or `global_avgpool`) before it\n  {chain} -> dense needs a flat input: \
                         add flatten",
                        input.text()
                    ),
                );
                None
            }
        },
        LayerKind::Conv2d(conv) => {
            let image = needs_image(layer, input, chain, diagnostics)?;
            conv_output(layer, conv, image, chain, diagnostics)
        }
        LayerKind::MaxPool(pool) | LayerKind::AvgPool(pool) => {
            let (height, width, channels) = needs_image(layer, input, chain, diagnostics)?;
            let (out_height, out_width) = valid_windows(
                layer,
                (pool.window, pool.window_span, pool.stride),
                (height, width, channels),
                chain,
                diagnostics,
            )?;
            Some(Shape::Image {
                height: out_height,
                width: out_width,
                channels,
            })
        }
        LayerKind::GlobalAvgPool => {
            let (_, _, channels) = needs_image(layer, input, chain, diagnostics)?;
            Some(Shape::Flat(channels))
        }
        LayerKind::Flatten => match image {
            Some(_) => input.len().map(Shape::Flat),
            None => {
                diagnostics.error(
                    layer.span,
                    format!(
                        "`flatten` reads an image as a flat row, and its input is already flat \
                         ({}): remove it\n  {chain} -> flatten",
                        input.text()
                    ),
                );
                None
            }
        },
        LayerKind::BatchNorm { .. }
        | LayerKind::Dropout { .. }
        | LayerKind::AlphaDropout { .. }
        | LayerKind::Activation(_) => Some(input),
    }
}

/// The image `layer` needs, or an error saying it gets a flat row.
fn needs_image(
    layer: &Layer,
    input: Shape,
    chain: &str,
    diagnostics: &mut Diagnostics,
) -> Option<(usize, usize, usize)> {
    match input {
        Shape::Image {
            height,
            width,
            channels,
        } => Some((height, width, channels)),
        Shape::Flat(width) => {
            let name = layer.dsl_name();
            diagnostics.error(
                layer.span,
                format!(
                    "`{name}` needs an image input (height x width x channels), and here it gets \
                     a flat row of {width}: declare the network's input as an image, like \
                     `Name(28, 28, 1)`, and keep `{name}` before any `flatten` or `dense`\n  \
                     {chain} -> {name} needs an image"
                ),
            );
            None
        }
    }
}

/// A convolution's output shape, from its geometry.
fn conv_output(
    layer: &Layer,
    conv: &Conv2d,
    (height, width, channels): (usize, usize, usize),
    chain: &str,
    diagnostics: &mut Diagnostics,
) -> Option<Shape> {
    let filters = conv.weights.units;
    if filters == 0 || conv.kernel.0 == 0 || conv.kernel.1 == 0 {
        return None;
    }
    let (out_height, out_width) = match conv.padding {
        Padding::Same => (
            height.div_ceil(conv.stride.0),
            width.div_ceil(conv.stride.1),
        ),
        Padding::Valid => valid_windows(
            layer,
            (conv.kernel, conv.kernel_span, conv.stride),
            (height, width, channels),
            chain,
            diagnostics,
        )?,
    };
    Some(Shape::Image {
        height: out_height,
        width: out_width,
        channels: filters,
    })
}

/// The number of whole windows of `window` every `stride` in `height x width`: an error if
/// the window is larger than the input, advice if the last rows or columns are never reached.
fn valid_windows(
    layer: &Layer,
    (window, window_span, stride): ((usize, usize), Span, (usize, usize)),
    (height, width, channels): (usize, usize, usize),
    chain: &str,
    diagnostics: &mut Diagnostics,
) -> Option<(usize, usize)> {
    let name = layer.dsl_name();
    if window.0 == 0 || window.1 == 0 || stride.0 == 0 || stride.1 == 0 {
        return None;
    }
    let what = if matches!(layer.kind, LayerKind::Conv2d(_)) {
        "kernel"
    } else {
        "window"
    };
    if window.0 > height || window.1 > width {
        diagnostics.error(
            window_span,
            format!(
                "the {what} {} is larger than its {height}x{width} input: use a smaller {what}, \
                 or `padding = same` on a convolution\n  {chain} -> {name} {} does not fit",
                size_text(window),
                size_text(window),
            ),
        );
        return None;
    }
    let out = (
        (height - window.0) / stride.0 + 1,
        (width - window.1) / stride.1 + 1,
    );
    let left = (
        (height - window.0) % stride.0,
        (width - window.1) % stride.1,
    );
    if (left.0 > 0 || left.1 > 0) && !layer.allows(Allow::UnusedPixels) {
        let remedy = if what == "kernel" {
            "`padding = same` keeps them"
        } else {
            "a window or stride that divides the input keeps them"
        };
        diagnostics.advise(
            AdviceKind::UnusedPixels,
            window_span,
            format!(
                "{name} {} with stride {} over a {height}x{width}x{channels} input never reaches \
                 its last {} row(s) and {} column(s), which are dropped: {remedy}; or write \
                 `allow = unused_pixels`",
                size_text(window),
                size_text(stride),
                left.0,
                left.1
            ),
        );
    }
    Some(out)
}
