//! How the generated docs and summary describe each layer.

use crate::model::{Activation, BiasReason, Initializer, Layer, LayerKind, Network, Padding};

/// The layer as a canonical DSL call with every default filled in: `dense(300, relu, he_normal)`.
pub(super) fn layer_text(layer: &Layer) -> String {
    match &layer.kind {
        LayerKind::Dense(dense) => {
            let mut text = format!("dense({}", dense.units);
            if dense.activation != Activation::Linear {
                text.push_str(&format!(", {}", activation_text(dense.activation)));
            }
            text.push_str(&format!(", {}", initializer_text(dense.initializer)));
            if dense.l1 != 0.0 {
                text.push_str(&format!(", l1 = {}", dense.l1));
            }
            if dense.l2 != 0.0 {
                text.push_str(&format!(", l2 = {}", dense.l2));
            }
            if !dense.bias {
                text.push_str(", bias = false");
            }
            text.push(')');
            text
        }
        LayerKind::BatchNorm { momentum, epsilon } => {
            format!("batchnorm(momentum = {momentum}, epsilon = {epsilon})")
        }
        LayerKind::Dropout { rate } => format!("dropout({rate})"),
        LayerKind::AlphaDropout { rate } => format!("alpha_dropout({rate})"),
        LayerKind::Activation(activation) => activation_text(*activation),
        LayerKind::Conv2d(conv) => {
            let weights = &conv.weights;
            let mut text = format!("conv2d({}, {}", weights.units, size_arg(conv.kernel));
            if weights.activation != Activation::Linear {
                text.push_str(&format!(", {}", activation_text(weights.activation)));
            }
            text.push_str(&format!(", {}", initializer_text(weights.initializer)));
            if conv.stride != (1, 1) {
                text.push_str(&format!(", stride = {}", size_arg(conv.stride)));
            }
            if conv.padding == Padding::Same {
                text.push_str(", padding = same");
            }
            if !weights.bias {
                text.push_str(", bias = false");
            }
            text.push(')');
            text
        }
        LayerKind::MaxPool(pool) | LayerKind::AvgPool(pool) => {
            let mut text = format!("{}({}", layer.dsl_name(), size_arg(pool.window));
            if pool.stride != pool.window {
                text.push_str(&format!(", stride = {}", size_arg(pool.stride)));
            }
            text.push(')');
            text
        }
        LayerKind::GlobalAvgPool | LayerKind::Flatten => layer.dsl_name().to_owned(),
    }
}

/// A size as the DSL writes it: `3`, or `(3, 5)`.
fn size_arg((height, width): (usize, usize)) -> String {
    if height == width {
        height.to_string()
    } else {
        format!("({height}, {width})")
    }
}

/// An activation with its parameters: `leaky_relu(0.2)`, `relu`.
pub(super) fn activation_text(activation: Activation) -> String {
    match activation {
        Activation::LeakyRelu(alpha) => format!("leaky_relu({alpha})"),
        Activation::RRelu(lower, upper) => format!("rrelu({lower}, {upper})"),
        Activation::Elu(alpha) => format!("elu({alpha})"),
        Activation::Gelu { approximate: true } => "gelu(tanh)".to_owned(),
        other => other.dsl_name().to_owned(),
    }
}

fn initializer_text(initializer: Initializer) -> String {
    match initializer {
        Initializer::RandomNormal { stddev } => format!("random_normal({stddev})"),
        Initializer::RandomUniform { limit } => format!("random_uniform({limit})"),
        other => other.dsl_name().to_owned(),
    }
}

/// The activation column of the summary: what the layer applies itself, `-` for none.
pub(super) fn summary_activation(layer: &Layer) -> String {
    match layer.activation() {
        Some(activation) => activation_text(activation),
        None => "-".to_owned(),
    }
}

/// The initializer column: the kernel's initializer, marked when chosen by default.
pub(super) fn summary_initializer(layer: &Layer) -> String {
    match layer.weights() {
        Some(dense) if dense.initializer_was_default => {
            format!("{} (default)", initializer_text(dense.initializer))
        }
        Some(dense) => initializer_text(dense.initializer),
        None => "-".to_owned(),
    }
}

/// A note for the summary: why a dense layer has no bias.
pub(super) fn summary_note(layer: &Layer) -> &'static str {
    match layer.weights() {
        Some(dense) if dense.bias_reason == BiasReason::BeforeBatchNorm => {
            "no bias: the batchnorm that follows shifts by beta"
        }
        _ if matches!(layer.kind, LayerKind::Flatten) => "no data moves: rows are channels-last",
        _ => "",
    }
}

/// The number of learned scalars of `layer`, or `None` if it does not fit in `usize`.
pub(super) fn checked_parameter_count(layer: &Layer) -> Option<usize> {
    let per_unit_slopes = |activation| match activation {
        Activation::PRelu => layer.out_width,
        _ => 0,
    };
    match &layer.kind {
        LayerKind::Dense(dense) => {
            let bias = if dense.bias { dense.units } else { 0 };
            layer
                .in_width
                .checked_mul(dense.units)?
                .checked_add(bias)?
                .checked_add(per_unit_slopes(dense.activation))
        }
        LayerKind::BatchNorm { .. } => channels(layer).checked_mul(2),
        LayerKind::Dropout { .. } | LayerKind::AlphaDropout { .. } => Some(0),
        LayerKind::Activation(activation) => Some(per_unit_slopes(*activation)),
        LayerKind::Conv2d(conv) => {
            let weights = &conv.weights;
            let bias = if weights.bias { weights.units } else { 0 };
            conv.kernel
                .0
                .checked_mul(conv.kernel.1)?
                .checked_mul(channels_in(layer))?
                .checked_mul(weights.units)?
                .checked_add(bias)?
                .checked_add(per_unit_slopes(weights.activation))
        }
        LayerKind::MaxPool(_)
        | LayerKind::AvgPool(_)
        | LayerKind::GlobalAvgPool
        | LayerKind::Flatten => Some(0),
    }
}

/// The number of features batch norm normalizes: the channels of an image, or the width.
fn channels(layer: &Layer) -> usize {
    match layer.out_shape {
        crate::model::Shape::Image { channels, .. } => channels,
        crate::model::Shape::Flat(width) => width,
    }
}

/// The channels of a layer's input image (its width, for a flat input).
fn channels_in(layer: &Layer) -> usize {
    match layer.in_shape {
        crate::model::Shape::Image { channels, .. } => channels,
        crate::model::Shape::Flat(width) => width,
    }
}

/// The number of learned scalars of `layer`; [`too_many_parameters`] has rejected networks
/// where this overflows, so saturation never shows.
pub(super) fn parameter_count(layer: &Layer) -> usize {
    checked_parameter_count(layer).unwrap_or(usize::MAX)
}

/// An error on the first layer whose parameters (or the running total) overflow `usize`.
pub(super) fn too_many_parameters(network: &Network) -> Option<syn::Error> {
    let mut total: usize = 0;
    for layer in &network.layers {
        let sum = checked_parameter_count(layer).and_then(|count| total.checked_add(count));
        match sum {
            Some(sum) => total = sum,
            None => {
                return Some(syn::Error::new(
                    layer.span,
                    format!(
                        "`{}` {} -> {} brings the network's parameter count past what `usize` holds; \
                         no machine has that much memory: use smaller widths",
                        layer.dsl_name(),
                        layer.in_width,
                        layer.out_width
                    ),
                ));
            }
        }
    }
    None
}

/// The Markdown table appended to the struct's docs.
pub(super) fn layer_table(network: &Network) -> String {
    let mut table = String::from(
        "# Layers\n\nGenerated by `network!`.\n\n| field | layer | in → out | parameters |\n|---|---|---|---|\n",
    );
    let mut total = 0;
    for layer in &network.layers {
        let params = parameter_count(layer);
        total = params.saturating_add(total);
        table.push_str(&format!(
            "| `{}` | `{}` | {} → {} | {} |\n",
            layer.field,
            layer_text(layer),
            layer.in_shape.text(),
            layer.out_shape.text(),
            params
        ));
    }
    table.push_str(&format!(
        "\nInput {}, output width {}, {} parameters in all.",
        match network.input_shape {
            crate::model::Shape::Flat(width) => format!("width {width}"),
            image => image.text(),
        },
        network.output_width(),
        total
    ));
    table
}
