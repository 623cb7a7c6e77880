//! What every network the front end accepts satisfies, as a check that names the first broken
//! rule: the unit tests assert it, and the fuzz target (`fuzz/fuzz_targets/dsl.rs`) fails on it.

use crate::check::fits;
use crate::model::{Activation, Allow, LayerKind, Network, feed};

/// The first broken invariant of an accepted `network`, in words, or `None`: widths chain up
/// and are at least 1, every kernel's initializer fits what it feeds (or is allowed not to),
/// softmax only last, a declared output width matches, field names are unique.
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
        match &layer.kind {
            LayerKind::Dense(dense) => {
                if layer.out_width != dense.units {
                    return Some(format!(
                        "{at}: output width {}, units {}",
                        layer.out_width, dense.units
                    ));
                }
                let fed = feed(&network.layers, index).activation;
                if !fits(dense.initializer, fed) && !layer.allows(Allow::InitMismatch) {
                    return Some(format!(
                        "{at}: {} feeding {} accepted without allow = init_mismatch",
                        dense.initializer.dsl_name(),
                        fed.dsl_name()
                    ));
                }
            }
            _ if layer.out_width != layer.in_width => {
                return Some(format!(
                    "{at}: output width {} differs from the input width {}",
                    layer.out_width, layer.in_width
                ));
            }
            _ => {}
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
