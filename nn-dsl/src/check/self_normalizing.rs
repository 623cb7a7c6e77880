//! SELU's self-normalization (Klambauer et al. 2017) holds only for a plain stack: LeCun
//! initialization, no batch norm, and alpha dropout instead of dropout. Breaking it is advice,
//! not an error: the network still trains, just without the guarantee.

use crate::diagnostics::Diagnostics;
use crate::model::{Activation, AdviceKind, Allow, LayerKind, Network};

/// Batch norm or plain dropout after SELU (looking back through batch norm and dropouts)
/// breaks the fixed point of mean 0 and variance 1 that SELU drives activations to.
/// Silenced by `allow = self_normalization` on the batch norm or dropout layer.
pub(crate) fn check_after_selu(network: &Network, diagnostics: &mut Diagnostics) {
    let layers = &network.layers;
    for (index, layer) in layers.iter().enumerate() {
        let message = match layer.kind {
            LayerKind::BatchNorm { .. } => String::from(
                "`batchnorm` after `selu` breaks self-normalization: SELU already drives activations \
                 to mean 0 and variance 1, and batch statistics pull against that fixed point; remove \
                 the `batchnorm`, or write `batchnorm(allow = self_normalization)`",
            ),
            LayerKind::Dropout { rate } => format!(
                "`dropout` after `selu` breaks self-normalization: dropping units to 0 shifts the mean \
                 and variance SELU keeps at 0 and 1; use `alpha_dropout({rate})`, which keeps them, or \
                 write `dropout({rate}, allow = self_normalization)`"
            ),
            _ => continue,
        };
        if layer.allows(Allow::SelfNormalization) {
            continue;
        }
        let before = layers
            .iter()
            .take(index)
            .rev()
            .find(|before| !before.is_transparent());
        if before.and_then(|before| before.activation()) == Some(Activation::Selu) {
            diagnostics.advise(AdviceKind::SelfNormalization, layer.span, message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::AdviceKind;
    use crate::tests::support::network;

    fn kinds(source: &str) -> Vec<AdviceKind> {
        network(source)
            .advice
            .iter()
            .map(|advice| advice.kind)
            .collect()
    }

    #[test]
    fn only_after_selu() {
        assert_eq!(
            kinds("Net(8) < dense(8, selu), dropout(0.1), batchnorm >").len(),
            2
        );
        assert!(
            kinds("Net(8) < dense(8, selu), alpha_dropout(0.1), dense(2, softmax) >").is_empty()
        );
        assert!(kinds("Net(8) < dense(8, elu), dropout(0.1), batchnorm >").is_empty());
        assert!(kinds("Net(8) < batchnorm, dense(8, selu) >").is_empty());
    }
}
