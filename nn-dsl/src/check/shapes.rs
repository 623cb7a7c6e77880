//! Widths: every layer's input and output shape is inferred during resolution
//! (`crate::resolve`); here the widths the user declared are checked against the inferred
//! ones, and a mismatch shows the whole inferred chain.

use crate::diagnostics::Diagnostics;
use crate::model::{LayerKind, Network};
use crate::resolve::Gaps;

/// The inferred shapes up to (not including) layer `end`: `784 -> dense 300 -> batchnorm 300`.
pub(crate) fn chain(network: &Network, end: usize) -> String {
    let end = end.min(network.layers.len());
    crate::resolve::chain_of(
        network.input_shape,
        network.layers.get(..end).unwrap_or_default(),
    )
}

/// `dense(.., input = N)` states the width the layer expects; a stale `input` after an edit
/// further up would otherwise go unnoticed, since the width is inferred anyway.
pub(crate) fn check_declared_input_widths(
    network: &Network,
    gaps: &Gaps,
    diagnostics: &mut Diagnostics,
) {
    for (index, layer) in network.layers.iter().enumerate() {
        let LayerKind::Dense(dense) = &layer.kind else {
            continue;
        };
        let Some(declared) = dense.declared_input else {
            continue;
        };
        if gaps.input_width_known(index) && declared.value != layer.in_width {
            diagnostics.error(
                declared.span,
                format!(
                    "`input = {}` does not match the inferred input width of this layer, {}: {}",
                    declared.value,
                    layer.in_width,
                    chain(network, index)
                ),
            );
        }
    }
}

/// `Name(784) -> 10` states the output width, which the last layer must give: the width of
/// the targets is usually fixed by the data, and a wrong last `dense` is a common slip.
pub(crate) fn check_declared_output_width(
    network: &Network,
    gaps: &Gaps,
    diagnostics: &mut Diagnostics,
) {
    let Some(declared) = network.declared_output else {
        return;
    };
    let count = network.layers.len();
    if count == 0 || !gaps.input_width_known(count) {
        return;
    }
    let inferred = network.output_width();
    if declared.value != inferred {
        diagnostics.error(
            declared.span,
            format!(
                "declared output width {} does not match the inferred output width {inferred}: {}",
                declared.value,
                chain(network, count)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::support::network;

    #[test]
    fn chains() {
        let net =
            network("Net(784) < dense(300), batchnorm, relu, dropout(0.5), dense(10, softmax) >");
        assert_eq!(chain(&net, 0), "784");
        assert_eq!(chain(&net, 2), "784 -> dense 300 -> batchnorm 300");
        assert_eq!(
            chain(&net, 99),
            "784 -> dense 300 -> batchnorm 300 -> relu 300 -> dropout 300 -> dense 10"
        );
    }
}
