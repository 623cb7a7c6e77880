//! How the generated docs and summary describe each layer.

use crate::model::{Activation, BiasReason, Initializer, Layer, LayerKind, Network};

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
    match &layer.kind {
        LayerKind::Dense(dense) if dense.initializer_was_default => {
            format!("{} (default)", initializer_text(dense.initializer))
        }
        LayerKind::Dense(dense) => initializer_text(dense.initializer),
        _ => "-".to_owned(),
    }
}

/// A note for the summary: why a dense layer has no bias.
pub(super) fn summary_note(layer: &Layer) -> &'static str {
    match &layer.kind {
        LayerKind::Dense(dense) if dense.bias_reason == BiasReason::BeforeBatchNorm => {
            "no bias: the batchnorm that follows shifts by beta"
        }
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
        LayerKind::BatchNorm { .. } => layer.out_width.checked_mul(2),
        LayerKind::Dropout { .. } | LayerKind::AlphaDropout { .. } => Some(0),
        LayerKind::Activation(activation) => Some(per_unit_slopes(*activation)),
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
            layer.in_width,
            layer.out_width,
            params
        ));
    }
    table.push_str(&format!(
        "\nInput width {}, output width {}, {} parameters in all.",
        network.input_width,
        network.output_width(),
        total
    ));
    table
}
