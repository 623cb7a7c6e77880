//! Where layers may go: softmax only as the output; and advice against a linear dense layer
//! straight into another and against deep sigmoid/tanh stacks with no batch norm.

use crate::diagnostics::Diagnostics;
use crate::model::{Activation, AdviceKind, Allow, LayerKind, Network};
use crate::resolve::Gaps;

/// Softmax turns scores into probabilities that sum to 1: a hidden layer would hand the next
/// one a squashed, coupled signal, and the fused softmax cross-entropy loss expects it last.
pub(crate) fn check_softmax_is_output(
    network: &Network,
    gaps: &Gaps,
    diagnostics: &mut Diagnostics,
) {
    let last = network.layers.len().saturating_sub(1);
    for (index, layer) in network.layers.iter().enumerate() {
        if index < last
            && gaps.layer_known(index)
            && layer.activation() == Some(Activation::Softmax)
        {
            diagnostics.error(
                layer.activation_span(),
                "`softmax` fits only the output layer: it squashes its inputs into probabilities \
                 that sum to 1, which hides the scale of each unit from the layers after it\n\
                 help: use `relu` (or another hidden activation) here, and `softmax` on the last layer",
            );
        }
    }
}

/// Softmax over a single unit always outputs 1, so its gradient is 0 and nothing is learned;
/// a one-output classifier wants `sigmoid`.
pub(crate) fn check_softmax_width(network: &Network, gaps: &Gaps, diagnostics: &mut Diagnostics) {
    for (index, layer) in network.layers.iter().enumerate() {
        let known = gaps.layer_known(index) && gaps.input_width_known(index + 1);
        if known && layer.out_width == 1 && layer.activation() == Some(Activation::Softmax) {
            diagnostics.error(
                layer.activation_span(),
                "`softmax` over 1 unit always outputs 1, so its gradient is 0 and nothing is learned\n\
                 help: for one output use `sigmoid`, like `dense(1, sigmoid)`",
            );
        }
    }
}

/// Two linear maps compose into one: a dense layer with no activation straight into another
/// dense layer (batch norm and dropout in between change nothing) adds parameters but no
/// expressive power. Silenced by `allow = linear_stack` on the first dense layer.
pub(crate) fn check_linear_stack(network: &Network, diagnostics: &mut Diagnostics) {
    let layers = &network.layers;
    for (index, layer) in layers.iter().enumerate() {
        if layer
            .weights()
            .is_none_or(|weights| weights.activation != Activation::Linear)
            || layer.allows(Allow::LinearStack)
        {
            continue;
        }
        let next = layers
            .iter()
            .skip(index + 1)
            .find(|next| !next.is_transparent());
        if let Some(next) = next.filter(|next| next.weights().is_some()) {
            let name = layer.dsl_name();
            let next_name = if next.dsl_name() == name {
                format!("another `{name}`")
            } else {
                format!("`{}`", next.dsl_name())
            };
            let example = if name == "conv2d" {
                "conv2d(32, 3, relu)"
            } else {
                "dense(300, relu)"
            };
            diagnostics.advise(
                AdviceKind::LinearStack,
                layer.span,
                format!(
                    "`{name}` with no activation feeds straight into {next_name}: two linear maps \
                     compose into one, so this layer adds parameters but no expressive power; give it \
                     an activation, like `{example}`, or write `allow = linear_stack`"
                ),
            );
        }
    }
}

/// How many sigmoid/tanh layers in a row, with no batch norm between them, make a stack deep
/// enough for the advice.
pub(crate) const SATURATING_STACK_DEPTH: usize = 4;

/// Sigmoid and tanh have derivatives below 1 almost everywhere (at most 1/4 for sigmoid), so
/// gradients shrink at every such layer on the way back; batch norm keeps the inputs in the
/// non-saturated range. Reported once per stack, on the activation that makes it four deep;
/// silenced by `allow = saturating_stack` on any layer of the stack.
pub(crate) fn check_saturating_stack(network: &Network, diagnostics: &mut Diagnostics) {
    let mut stack: Vec<usize> = Vec::new();
    let mut reported = false;
    for (index, layer) in network.layers.iter().enumerate() {
        if matches!(layer.kind, LayerKind::BatchNorm { .. }) {
            stack.clear();
            reported = false;
            continue;
        }
        if !layer.activation().is_some_and(Activation::is_saturating) {
            continue;
        }
        stack.push(index);
        if reported || stack.len() < SATURATING_STACK_DEPTH {
            continue;
        }
        reported = true;
        let allowed = stack
            .iter()
            .filter_map(|index| network.layers.get(*index))
            .any(|layer| layer.allows(Allow::SaturatingStack));
        if !allowed {
            diagnostics.advise(
                AdviceKind::SaturatingStack,
                layer.activation_span(),
                format!(
                    "{SATURATING_STACK_DEPTH} `sigmoid`/`tanh` layers in a row with no `batchnorm`: \
                     their derivatives are below 1 almost everywhere, so gradients shrink at every \
                     layer on the way back; put `batchnorm` between them, use `relu`, or write \
                     `allow = saturating_stack`"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::AdviceKind;
    use crate::tests::support::{analyze_str, network};

    fn kinds(source: &str) -> Vec<AdviceKind> {
        network(source)
            .advice
            .iter()
            .map(|advice| advice.kind)
            .collect()
    }

    #[test]
    fn softmax_last_is_fine() {
        assert!(analyze_str("Net(8) < dense(4), softmax >").is_ok());
        assert!(analyze_str("Net(8) < softmax, dense(4) >").is_err());
    }

    #[test]
    fn a_stack_needs_four_saturating_activations() {
        let three = "Net(8) < dense(8, sigmoid), tanh, dense(8, tanh) >";
        assert!(kinds(three).is_empty());
        let four = "Net(8) < dense(8, sigmoid), tanh, dense(8, tanh), relu, sigmoid >";
        assert_eq!(kinds(four), [AdviceKind::SaturatingStack]);
    }

    #[test]
    fn a_linear_output_is_not_a_stack() {
        assert!(kinds("Net(8) < dense(8, relu), dense(2) >").is_empty());
        assert_eq!(
            kinds("Net(8) < dense(8), dropout(0.5), dense(2) >"),
            [AdviceKind::LinearStack]
        );
    }
}
