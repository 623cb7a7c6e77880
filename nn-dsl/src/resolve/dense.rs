//! `dense(units, activation?, initializer?, key = value...)`: the width first, then an
//! activation and an initializer in that order (an initializer alone may stand in the
//! activation's place), then keyword options.

use proc_macro2::Span;

use super::args::{
    AllowSlot, Signature, bind_call, bind_keywords_only, split, value_span, width_value,
};
use super::layer_signature;
use super::names::{build_activation, build_initializer, unknown_dense_argument};
use crate::diagnostics::Diagnostics;
use crate::model::{Activation, Allow, BiasReason, DeclaredWidth, Dense, Initializer};
use crate::syntax::{LayerCall, Value};
use crate::vocab;

/// What the positional arguments after a dense layer's width (or a convolution's kernel)
/// turned out to be.
#[derive(Default)]
pub(super) struct DenseSlots {
    activation: Option<(Activation, Span, String)>,
    initializer: Option<(Initializer, Span, String)>,
    pub unknown: bool,
}

impl DenseSlots {
    /// The weights these slots describe, with `units` outputs (filters for a convolution),
    /// a bias unless `bias` says otherwise, and no penalties.
    pub fn weights(&self, (units, units_span): (usize, Span), bias: Option<bool>) -> Dense {
        let (activation, activation_span) = match &self.activation {
            Some((activation, span, _)) => (*activation, Some(*span)),
            None => (Activation::Linear, None),
        };
        let (initializer, initializer_span) = match &self.initializer {
            Some((initializer, span, _)) => (*initializer, Some(*span)),
            None => (Initializer::GlorotUniform, None),
        };
        Dense {
            units,
            units_span,
            activation,
            activation_span,
            initializer_was_default: initializer_span.is_none(),
            initializer,
            initializer_span,
            bias: bias.unwrap_or(true),
            bias_reason: if bias.is_some() {
                BiasReason::Explicit
            } else {
                BiasReason::Default
            },
            l1: 0.0,
            l2: 0.0,
            declared_input: None,
        }
    }
}

/// `dense(units, activation?, initializer?, l1 = .., l2 = .., bias = .., input = .., allow = ..)`:
/// the layer (widths and default initializer are filled in later), its opt-outs, and whether
/// an activation or initializer argument was unknown.
pub(super) fn resolve_dense(
    call: &LayerCall,
    diagnostics: &mut Diagnostics,
) -> (Dense, Vec<Allow>, bool) {
    let split = split(call.args.as_ref(), diagnostics);
    let mut positional = split.positional.iter();
    let units_value = positional.next();
    let (units, units_span) = match units_value {
        None => {
            diagnostics.error(
                call.name.span(),
                "`dense` needs a width, like `dense(300, relu)`",
            );
            (None, call.name.span())
        }
        Some(Value::Call(first)) => {
            diagnostics.error(
                first.name.span(),
                format!(
                    "`dense` needs its width first, like `dense(300, {})`",
                    first.name
                ),
            );
            (None, first.name.span())
        }
        Some(value) => (
            width_value(value, "`dense` width", diagnostics),
            value_span(value),
        ),
    };
    let mut slots = DenseSlots::default();
    for value in positional {
        resolve_dense_slot(value, vocab::DENSE, &mut slots, diagnostics);
    }
    let keywords = bind_keywords_only(
        &split.keywords,
        layer_signature(vocab::DENSE, vocab::DENSE_PARAMS),
        diagnostics,
    );
    let dense = Dense {
        l1: keywords.number("l1").map_or(0.0, |(value, _)| value),
        l2: keywords.number("l2").map_or(0.0, |(value, _)| value),
        declared_input: keywords
            .width("input")
            .map(|(value, span)| DeclaredWidth { value, span }),
        ..slots.weights((units.unwrap_or(0), units_span), keywords.bool("bias"))
    };
    (dense, keywords.allow, slots.unknown)
}

/// One positional argument of `owner` (`dense` after the width, `conv2d` after the kernel):
/// an activation or an initializer.
pub(super) fn resolve_dense_slot(
    value: &Value,
    owner: &'static str,
    slots: &mut DenseSlots,
    diagnostics: &mut Diagnostics,
) {
    let Value::Call(call) = value else {
        diagnostics.error_spanned(
            value,
            format!(
                "expected an activation or an initializer, like `{}`, found `{}`",
                example(owner),
                value.text()
            ),
        );
        return;
    };
    let name = call.name.to_string();
    let span = call.name.span();
    if let Some(known) = vocab::ACTIVATIONS.iter().find(|known| **known == name) {
        let signature = Signature {
            owner: known,
            params: vocab::activation_params(known),
            allow: AllowSlot::Argument { layer: owner },
        };
        let binding = bind_call(call, signature, diagnostics);
        let activation = build_activation(known, &binding, diagnostics);
        if let Some((_, _, first)) = &slots.activation {
            diagnostics.error(
                span,
                format!("`{owner}` takes one activation, and `{first}` is already given"),
            );
        } else {
            // Written after the initializer: reported, but kept, so the pairing check still
            // sees the activation the user meant.
            if let Some((_, _, initializer)) = &slots.initializer {
                diagnostics.error(
                    span,
                    format!(
                        "the activation comes before the initializer: `{owner}(.., {name}, {initializer})`"
                    ),
                );
            }
            slots.activation = Some((activation, span, name));
        }
        return;
    }
    if let Some(known) = vocab::INITIALIZERS.iter().find(|known| **known == name) {
        let signature = Signature {
            owner: known,
            params: vocab::initializer_params(known),
            allow: AllowSlot::Argument { layer: owner },
        };
        let binding = bind_call(call, signature, diagnostics);
        let initializer = build_initializer(known, &binding);
        if let Some((_, _, first)) = &slots.initializer {
            diagnostics.error(
                span,
                format!("`{owner}` takes one initializer, and `{first}` is already given"),
            );
        } else {
            slots.initializer = Some((initializer, span, name));
        }
        return;
    }
    slots.unknown = true;
    diagnostics.error(span, unknown_dense_argument(&name));
}

/// A call of `owner` with an activation and an initializer, for messages.
fn example(owner: &str) -> &'static str {
    if owner == vocab::CONV2D {
        "conv2d(32, 3, relu, he_normal)"
    } else {
        "dense(300, relu, he_normal)"
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Activation, Initializer, LayerKind};
    use crate::tests::support::{errors, network};

    #[test]
    fn slots_in_order() {
        let net =
            network("Net(8) < dense(4, elu(0.5), he_uniform), dense(2, lecun_uniform), selu >");
        let dense: Vec<(Activation, Initializer)> = net
            .layers
            .iter()
            .filter_map(|layer| match &layer.kind {
                LayerKind::Dense(dense) => Some((dense.activation, dense.initializer)),
                _ => None,
            })
            .collect();
        assert_eq!(
            dense,
            [
                (Activation::Elu(0.5), Initializer::HeUniform),
                (Activation::Linear, Initializer::LecunUniform)
            ]
        );
    }

    #[test]
    fn a_misplaced_activation_is_kept() {
        // One error (the order), not a second one for `he_normal` on a linear layer.
        assert_eq!(errors("Net(8) < dense(4, he_normal, relu) >").len(), 1);
    }
}
