//! Initializer vs the activation its weights feed (DESIGN.md's pairing table).
//!
//! Each variance-preserving initializer is derived for one kind of activation: Glorot for
//! linear, tanh, sigmoid and softmax; He for the ReLU family; LeCun for SELU. With the wrong
//! one the variance of activations (and gradients) grows or shrinks by a constant factor at
//! every layer, so deep networks train slowly or not at all. Constants and fixed-scale
//! distributions fit no activation. Any mismatch is kept with `allow = init_mismatch`.

use crate::diagnostics::Diagnostics;
use crate::model::{Activation, Allow, Feed, InitFamily, Initializer, Network, feed};
use crate::resolve::Gaps;
use crate::suggest;

/// Whether `initializer` fits `activation`.
pub(crate) fn fits(initializer: Initializer, activation: Activation) -> bool {
    initializer.family() == Some(activation.family())
}

pub(crate) fn check_initializers(network: &Network, gaps: &Gaps, diagnostics: &mut Diagnostics) {
    let layers = &network.layers;
    for (index, layer) in layers.iter().enumerate() {
        let Some(dense) = layer.weights() else {
            continue;
        };
        let Some(span) = dense.initializer_span else {
            continue;
        };
        if dense.initializer_was_default
            || layer.allows(Allow::InitMismatch)
            || !gaps.feed_known(layers, index)
        {
            continue;
        }
        let fed = feed(layers, index);
        if !fits(dense.initializer, fed.activation) {
            diagnostics.error(
                span,
                mismatch_message(network, index, dense.initializer, fed),
            );
        }
    }
}

fn mismatch_message(
    network: &Network,
    index: usize,
    initializer: Initializer,
    fed: Feed,
) -> String {
    let init = initializer.dsl_name();
    let activation = fed.activation;
    let name = activation.dsl_name();
    let target = if let Some(at) = fed.applied_by {
        let through: Vec<&str> = network
            .layers
            .iter()
            .take(at)
            .skip(index + 1)
            .map(|layer| layer.dsl_name())
            .collect();
        if through.is_empty() {
            format!("`{name}`, the activation these weights feed")
        } else {
            format!(
                "`{name}`, the activation these weights feed through {}",
                suggest::list(&through, "and")
            )
        }
    } else if activation != Activation::Linear {
        format!("`{name}`")
    } else if index + 1 >= network.layers.len() {
        String::from("a linear output layer (no activation follows these weights)")
    } else {
        String::from("a linear layer (no activation follows these weights before the next `dense`)")
    };
    let why = match initializer {
        Initializer::Zeros | Initializer::Ones => String::from(
            "a constant kernel gives every unit the same output and the same gradient, so the units never learn different features",
        ),
        Initializer::RandomNormal { .. } | Initializer::RandomUniform { .. } => format!(
            "a fixed scale ignores fan_in, so the variance grows or shrinks at every layer; {}",
            variance_argument(activation)
        ),
        _ => variance_argument(activation),
    };
    let [normal, uniform] = activation.family().members();
    format!(
        "`{init}` does not fit {target}: {why}\nhelp: use `{}` or `{}`, or write `allow = init_mismatch` on this layer to keep it",
        normal.dsl_name(),
        uniform.dsl_name()
    )
}

/// The variance argument for the family that fits `activation`, in one sentence.
fn variance_argument(activation: Activation) -> String {
    let name = activation.dsl_name();
    match activation.family() {
        InitFamily::He => format!(
            "`{name}` passes on about half of its input's variance, so keeping the variance from layer to layer needs Var(W) = 2/fan_in (He et al. 2015)"
        ),
        InitFamily::Lecun => String::from(
            "SELU keeps activations at mean 0 and variance 1 only when Var(W) = 1/fan_in (Klambauer et al. 2017)",
        ),
        InitFamily::Glorot if activation == Activation::Linear => String::from(
            "a linear layer keeps the variance of activations forward and of gradients backward when Var(W) = 2/(fan_in + fan_out) (Glorot & Bengio 2010)",
        ),
        InitFamily::Glorot => format!(
            "`{name}` is nearly linear around 0, so keeping the variance of activations forward and of gradients backward needs Var(W) = 2/(fan_in + fan_out) (Glorot & Bengio 2010)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_follows_the_families() {
        assert!(fits(Initializer::HeUniform, Activation::LeakyRelu(0.2)));
        assert!(fits(Initializer::LecunUniform, Activation::Selu));
        assert!(fits(Initializer::GlorotNormal, Activation::Linear));
        assert!(!fits(Initializer::HeNormal, Activation::Selu));
        assert!(!fits(Initializer::LecunNormal, Activation::Tanh));
        assert!(!fits(Initializer::Ones, Activation::Linear));
        assert!(!fits(
            Initializer::RandomNormal { stddev: 0.05 },
            Activation::Relu
        ));
    }

    #[test]
    fn every_family_has_its_variance_argument() {
        for (activation, fragment) in [
            (Activation::Swish, "2/fan_in"),
            (Activation::Selu, "1/fan_in"),
            (Activation::Sigmoid, "2/(fan_in + fan_out)"),
            (Activation::Linear, "a linear layer"),
        ] {
            assert!(variance_argument(activation).contains(fragment));
        }
    }
}
