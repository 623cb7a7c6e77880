//! What every network the front end accepts satisfies, as a check that names the first broken
//! rule: the unit tests assert it, and the fuzz target (`fuzz/fuzz_targets/dsl.rs`) fails on it.

use crate::check::fits;
use crate::model::{Activation, Allow, LayerKind, Network, Shape, feed};

fn channels(shape: Shape) -> Option<usize> {
    match shape {
        Shape::Image { channels, .. } => Some(channels),
        Shape::Flat(_) => None,
    }
}

/// What `layer`'s kind requires of its shapes, or the broken rule.
fn shape_violation(
    kind: &LayerKind,
    in_shape: Shape,
    out_shape: Shape,
    in_width: usize,
    out_width: usize,
) -> Option<String> {
    let holds = match kind {
        LayerKind::Dense(dense) => out_shape == Shape::Flat(dense.units),
        LayerKind::Conv2d(conv) => channels(out_shape) == Some(conv.weights.units),
        LayerKind::MaxPool(_) | LayerKind::AvgPool(_) => {
            channels(in_shape).is_some() && channels(out_shape) == channels(in_shape)
        }
        LayerKind::GlobalAvgPool => Some(out_width) == channels(in_shape),
        LayerKind::Flatten => channels(in_shape).is_some() && out_shape == Shape::Flat(in_width),
        _ => out_shape == in_shape,
    };
    (!holds).then(|| format!("shape {in_shape:?} -> {out_shape:?} does not fit the layer"))
}

/// The first broken invariant of an accepted `network`, in words, or `None`: shapes chain up,
/// agree with the widths and fit each layer's kind, widths are at least 1, every kernel's
/// initializer fits what it feeds (or is allowed not to), softmax only last, a declared
/// output width matches, field names are unique.
pub(crate) fn violation(network: &Network) -> Option<String> {
    if network.layers.is_empty() {
        return Some("no layers".to_owned());
    }
    if network.input_width == 0 {
        return Some("input width 0".to_owned());
    }
    let mut width = network.input_width;
    let mut fields = Vec::with_capacity(network.layers.len());
    let last = network.layers.len() - 1;
    for (index, layer) in network.layers.iter().enumerate() {
        let at = format!("layer {index} ({})", layer.dsl_name());
        if layer.in_width != width {
            return Some(format!(
                "{at}: input width {}, the previous output {width}",
                layer.in_width
            ));
        }
        if layer.in_shape.len() != Some(layer.in_width)
            || layer.out_shape.len() != Some(layer.out_width)
        {
            return Some(format!("{at}: shapes and widths disagree"));
        }
        if let Some(weights) = layer.weights() {
            let fed = feed(&network.layers, index).activation;
            if !fits(weights.initializer, fed) && !layer.allows(Allow::InitMismatch) {
                return Some(format!(
                    "{at}: {} feeding {} accepted without allow = init_mismatch",
                    weights.initializer.dsl_name(),
                    fed.dsl_name()
                ));
            }
        }
        if let Some(broken) = shape_violation(
            &layer.kind,
            layer.in_shape,
            layer.out_shape,
            layer.in_width,
            layer.out_width,
        ) {
            return Some(format!("{at}: {broken}"));
        }
        if layer.out_width == 0 {
            return Some(format!("{at}: output width 0"));
        }
        if layer.activation() == Some(Activation::Softmax) && index != last {
            return Some(format!("{at}: softmax before the last layer"));
        }
        fields.push(layer.field.to_string());
        width = layer.out_width;
    }
    if let Some(declared) = network.declared_output
        && declared.value != width
    {
        return Some(format!(
            "declared output {}, inferred {width}",
            declared.value
        ));
    }
    let count = fields.len();
    fields.sort_unstable();
    fields.dedup();
    if fields.len() != count {
        return Some("two layers with the same field name".to_owned());
    }
    None
}
