//! Syntax -> model: names looked up in the vocabulary, arguments bound and range-checked,
//! widths inferred, default initializers and biases filled in.
//!
//! Checks that need one call only (an unknown name, a rate out of range) happen here; rules
//! across layers are in [`crate::check`]. A layer that cannot be resolved gets a stand-in and
//! a [`Gap`], so later checks skip what depends on it instead of piling up errors.

mod args;
mod conv;
mod dense;
mod names;
mod shapes;

use proc_macro2::Span;
use syn::Ident;

use crate::diagnostics::Diagnostics;
use crate::model::{
    Activation, BiasReason, DeclaredWidth, Initializer, Layer, LayerKind, Network, Shape, feed,
};
use crate::syntax::{LayerCall, NetworkDef};
use crate::vocab;

use args::{AllowSlot, Signature, allows_on, bind_call, width_literal};
use conv::{resolve_conv2d, resolve_pool};
use dense::resolve_dense;
use names::{build_activation, unknown_layer};
pub(crate) use shapes::chain_of;
use shapes::{infer_shapes, input_shape};

/// A resolved network and what could not be resolved in it.
pub(crate) struct Resolved {
    pub network: Network,
    pub gaps: Gaps,
}

/// What resolution could not determine, per layer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Gap {
    /// The layer's name is unknown; it stands in as an identity layer.
    pub unknown_layer: bool,
    /// The layer's activation is unknown (an unknown layer, or an unknown dense argument).
    pub unknown_activation: bool,
    /// The layer's output width is unknown (its own width is invalid, or one before it is).
    pub unknown_width: bool,
}

/// The gaps of every layer, plus the network's own.
#[derive(Debug, Default)]
pub(crate) struct Gaps {
    pub layers: Vec<Gap>,
    /// The input width is invalid.
    pub unknown_input: bool,
}

impl Gaps {
    fn layer(&self, index: usize) -> Gap {
        self.layers.get(index).copied().unwrap_or_default()
    }

    /// Whether the width of the rows entering layer `index` is known (`index == len` for the
    /// network's output).
    pub fn input_width_known(&self, index: usize) -> bool {
        match index.checked_sub(1) {
            None => !self.unknown_input,
            Some(previous) => !self.layer(previous).unknown_width,
        }
    }

    /// Whether layer `index` is fully known.
    pub fn layer_known(&self, index: usize) -> bool {
        let gap = self.layer(index);
        !gap.unknown_layer && !gap.unknown_activation
    }

    /// Whether the activation the kernel of dense layer `index` feeds is known: its own, and
    /// every layer the look-ahead of [`feed`] passes.
    pub fn feed_known(&self, layers: &[Layer], index: usize) -> bool {
        if !self.layer_known(index) {
            return false;
        }
        if layers.get(index).and_then(Layer::activation) != Some(Activation::Linear) {
            return true;
        }
        for (next, layer) in layers.iter().enumerate().skip(index + 1) {
            if !self.layer_known(next) {
                return false;
            }
            if !layer.is_transparent() {
                return true;
            }
        }
        true
    }
}

/// Resolves a parsed definition, recording errors in `diagnostics`.
pub(crate) fn resolve(def: NetworkDef, diagnostics: &mut Diagnostics) -> Resolved {
    let input = input_shape(&def.input, def.input_span, diagnostics);
    let declared_output = def.output.as_ref().and_then(|literal| {
        width_literal(literal, "the output width", diagnostics).map(|value| DeclaredWidth {
            value,
            span: literal.span(),
        })
    });
    let mut layers = Vec::with_capacity(def.layers.len());
    let mut gaps = Gaps {
        layers: Vec::with_capacity(def.layers.len()),
        unknown_input: input.is_none(),
    };
    if def.layers.is_empty() {
        diagnostics.error(
            def.open.span,
            "a network needs at least one layer, like `< dense(10, softmax) >`",
        );
    }
    for (index, call) in def.layers.iter().enumerate() {
        let (layer, gap) = resolve_layer(index, call, diagnostics);
        layers.push(layer);
        gaps.layers.push(gap);
    }
    infer_shapes(&mut layers, &mut gaps, input, diagnostics);
    fill_default_initializers(&mut layers, &gaps);
    fill_default_biases(&mut layers);
    Resolved {
        network: Network {
            attrs: def.attrs,
            vis: def.vis,
            name: def.name,
            input_width: input.and_then(Shape::len).unwrap_or(0),
            input_shape: input.unwrap_or(Shape::Flat(0)),
            // A width points at its literal; an image shape at its parentheses.
            input_span: match def.input.as_slice() {
                [width] => width.span(),
                _ => def.input_span,
            },
            declared_output,
            layers,
            advice: Vec::new(),
        },
        gaps,
    }
}

fn resolve_layer(index: usize, call: &LayerCall, diagnostics: &mut Diagnostics) -> (Layer, Gap) {
    let name = call.name.to_string();
    let mut gap = Gap::default();
    let (kind, allow) = match name.as_str() {
        vocab::DENSE => {
            let (dense, allow, unknown_activation) = resolve_dense(call, diagnostics);
            gap.unknown_activation = unknown_activation;
            (LayerKind::Dense(dense), allow)
        }
        vocab::CONV2D => {
            let (conv, allow, unknown_activation) = resolve_conv2d(call, diagnostics);
            gap.unknown_activation = unknown_activation;
            (LayerKind::Conv2d(conv), allow)
        }
        vocab::MAXPOOL | vocab::AVGPOOL => {
            let owner = if name == vocab::MAXPOOL {
                vocab::MAXPOOL
            } else {
                vocab::AVGPOOL
            };
            let (pool, allow) = resolve_pool(call, owner, diagnostics);
            let kind = if owner == vocab::MAXPOOL {
                LayerKind::MaxPool(pool)
            } else {
                LayerKind::AvgPool(pool)
            };
            (kind, allow)
        }
        vocab::GLOBAL_AVGPOOL | vocab::FLATTEN => {
            let owner = if name == vocab::FLATTEN {
                vocab::FLATTEN
            } else {
                vocab::GLOBAL_AVGPOOL
            };
            let binding = bind_call(call, layer_signature(owner, &[]), diagnostics);
            let kind = if owner == vocab::FLATTEN {
                LayerKind::Flatten
            } else {
                LayerKind::GlobalAvgPool
            };
            (kind, binding.allow)
        }
        vocab::BATCHNORM => {
            let binding = bind_call(
                call,
                layer_signature(vocab::BATCHNORM, vocab::BATCHNORM_PARAMS),
                diagnostics,
            );
            let kind = LayerKind::BatchNorm {
                momentum: binding
                    .number("momentum")
                    .map_or(vocab::BATCHNORM_DEFAULT_MOMENTUM, |(value, _)| value),
                epsilon: binding
                    .number("epsilon")
                    .map_or(vocab::BATCHNORM_DEFAULT_EPSILON, |(value, _)| value),
            };
            (kind, binding.allow)
        }
        vocab::DROPOUT | vocab::ALPHA_DROPOUT => {
            let (owner, params) = if name == vocab::DROPOUT {
                (vocab::DROPOUT, vocab::DROPOUT_PARAMS)
            } else {
                (vocab::ALPHA_DROPOUT, vocab::ALPHA_DROPOUT_PARAMS)
            };
            let binding = bind_call(call, layer_signature(owner, params), diagnostics);
            let rate = binding.number("rate").map_or(0.0, |(value, _)| value);
            let kind = if owner == vocab::DROPOUT {
                LayerKind::Dropout { rate }
            } else {
                LayerKind::AlphaDropout { rate }
            };
            (kind, binding.allow)
        }
        _ => match vocab::ACTIVATIONS.iter().find(|known| **known == name) {
            Some(known) => {
                let signature = layer_signature(known, vocab::activation_params(known));
                let binding = bind_call(call, signature, diagnostics);
                let activation = build_activation(known, &binding, diagnostics);
                (LayerKind::Activation(activation), binding.allow)
            }
            None => {
                diagnostics.error(call.name.span(), unknown_layer(&name));
                gap = Gap {
                    unknown_layer: true,
                    unknown_activation: true,
                    unknown_width: true,
                };
                (LayerKind::Activation(Activation::Linear), Vec::new())
            }
        },
    };
    let layer = Layer {
        field: field_name(&kind, index, call.name.span()),
        kind,
        in_width: 0,
        out_width: 0,
        in_shape: Shape::Flat(0),
        out_shape: Shape::Flat(0),
        span: call.name.span(),
        allow,
    };
    (layer, gap)
}

fn layer_signature(owner: &'static str, params: &'static [vocab::Param]) -> Signature {
    Signature {
        owner,
        params,
        allow: AllowSlot::Layer(allows_on(owner)),
    }
}

/// The struct field of a layer: its kind in snake case and its position.
fn field_name(kind: &LayerKind, index: usize, span: Span) -> Ident {
    let prefix = match kind {
        LayerKind::Dense(_) => "dense",
        LayerKind::Conv2d(_) => "conv2d",
        LayerKind::MaxPool(_) => "max_pool",
        LayerKind::AvgPool(_) => "avg_pool",
        LayerKind::GlobalAvgPool => "global_avg_pool",
        LayerKind::Flatten => "flatten",
        LayerKind::BatchNorm { .. } => "batch_norm",
        LayerKind::Dropout { .. } => "dropout",
        LayerKind::AlphaDropout { .. } => "alpha_dropout",
        LayerKind::Activation(activation) => activation.dsl_name(),
    };
    Ident::new(&format!("{prefix}_{index}"), span)
}

/// An omitted initializer becomes the one that fits the activation the kernel feeds.
fn fill_default_initializers(layers: &mut [Layer], gaps: &Gaps) {
    for index in 0..layers.len() {
        let activation = feed(layers, index).activation;
        let known = gaps.feed_known(layers, index);
        if let Some(weights) = layers.get_mut(index).and_then(Layer::weights_mut)
            && weights.initializer_was_default
            && known
        {
            weights.initializer = Initializer::default_for(activation);
        }
    }
}

/// A linear dense layer straight before batch norm gets no bias unless `bias = ..` is written:
/// batch norm subtracts the batch mean, cancelling any bias, and adds its own shift.
fn fill_default_biases(layers: &mut [Layer]) {
    let next_is_batchnorm: Vec<bool> = (0..layers.len())
        .map(|index| {
            layers
                .get(index + 1)
                .is_some_and(|next| matches!(next.kind, LayerKind::BatchNorm { .. }))
        })
        .collect();
    for (layer, before_batchnorm) in layers.iter_mut().zip(next_is_batchnorm) {
        if let Some(dense) = layer.weights_mut()
            && before_batchnorm
            && dense.activation == Activation::Linear
            && dense.bias_reason == BiasReason::Default
        {
            dense.bias = false;
            dense.bias_reason = BiasReason::BeforeBatchNorm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::NetworkDef;

    fn resolved(source: &str) -> (Resolved, bool) {
        let Ok(def) = syn::parse_str::<NetworkDef>(source) else {
            panic!("{source} parses");
        };
        let mut diagnostics = Diagnostics::new();
        let resolved = resolve(def, &mut diagnostics);
        (resolved, diagnostics.finish().is_err())
    }

    #[test]
    fn gaps_stop_width_checks_after_an_unknown_width() {
        let (resolved, failed) = resolved("Net(8) < dense(4), dens(3), relu, dense(2) >");
        assert!(failed);
        let gaps = &resolved.gaps;
        assert!(gaps.input_width_known(0) && gaps.input_width_known(1));
        assert!(!gaps.input_width_known(2) && !gaps.input_width_known(4));
        assert!(gaps.layer_known(0) && !gaps.layer_known(1) && gaps.layer_known(2));
        // dense 0 feeds the unknown layer; dense 3 feeds nothing (linear output).
        assert!(!gaps.feed_known(&resolved.network.layers, 0));
        assert!(gaps.feed_known(&resolved.network.layers, 3));
    }

    #[test]
    fn an_invalid_input_width_hides_every_width() {
        let (resolved, failed) = resolved("Net(0) < dense(4), relu >");
        assert!(failed);
        assert!(!resolved.gaps.input_width_known(0));
        assert!(!resolved.gaps.input_width_known(2));
    }

    #[test]
    fn a_valid_network_has_no_gaps() {
        let (resolved, failed) = resolved("Net(8) < dense(4, relu), dense(2, softmax) >");
        assert!(!failed);
        assert!(
            resolved
                .gaps
                .layers
                .iter()
                .all(|gap| *gap == Gap::default())
        );
    }
}
