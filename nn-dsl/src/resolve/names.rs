//! Names: activations and initializers built from their names and bound parameters, and the
//! messages for names that are unknown or in the wrong slot.

use proc_macro2::Span;

use super::args::Binding;
use crate::diagnostics::Diagnostics;
use crate::model::{Activation, Initializer};
use crate::suggest::{self, Hint};
use crate::vocab::{self, Category};

pub(super) fn unknown_layer(name: &str) -> String {
    let mut message = format!("unknown layer `{name}`");
    match suggest::hint(name, &[Category::Layer, Category::Activation]) {
        Hint::DidYouMean(found) => message.push_str(&format!("\nhelp: did you mean `{found}`?")),
        Hint::OtherCategory {
            name: found,
            category,
            exact: true,
        } => {
            message = format!(
                "`{found}` is {}, not a layer\nhelp: {}",
                category.a_noun(),
                where_it_goes(category, found)
            );
        }
        Hint::OtherCategory {
            name: found,
            category,
            exact: false,
        } => message.push_str(&format!(
            "\nhelp: did you mean the {} `{found}`? {}",
            category.noun(),
            where_it_goes(category, found)
        )),
        Hint::Nothing => message.push_str(&format!(
            "\nhelp: the layers are {}, and the activations {}",
            suggest::list(vocab::LAYERS, "and"),
            suggest::list(vocab::ACTIVATIONS, "and")
        )),
    }
    message
}

/// Where a name of `category` is written, for "is a ..., not a ..." help.
fn where_it_goes(category: Category, name: &str) -> String {
    match category {
        Category::Initializer => format!(
            "an initializer goes inside `dense`, after the activation: `dense(300, relu, {name})`"
        ),
        Category::Allow => format!("write `allow = {name}` inside the layer it applies to"),
        Category::Layer => format!("write it as a layer of its own: `dense(300), {name}`"),
        Category::Activation => format!(
            "an activation goes inside `dense`, after the width (`dense(300, {name})`), or alone as a layer"
        ),
    }
}

pub(super) fn unknown_dense_argument(name: &str) -> String {
    if let Some(param) = vocab::DENSE_PARAMS.iter().find(|param| param.name == name) {
        return format!(
            "`{name}` is a `dense` option, written with its value: `{name} = {}`",
            param.example
        );
    }
    let mut message = format!("unknown activation or initializer `{name}`");
    match suggest::hint(name, &[Category::Activation, Category::Initializer]) {
        Hint::DidYouMean(found) => message.push_str(&format!("\nhelp: did you mean `{found}`?")),
        Hint::OtherCategory {
            name: found,
            category,
            exact: true,
        } => {
            message = format!(
                "`{found}` is {}, not an activation or initializer\nhelp: {}",
                category.a_noun(),
                where_it_goes(category, found)
            );
        }
        Hint::OtherCategory {
            name: found,
            category,
            exact: false,
        } => message.push_str(&format!(
            "\nhelp: did you mean the {} `{found}`? {}",
            category.noun(),
            where_it_goes(category, found)
        )),
        Hint::Nothing => message.push_str(&format!(
            "\nhelp: the activations are {}; the initializers are {}",
            suggest::list(vocab::ACTIVATIONS, "and"),
            suggest::list(vocab::INITIALIZERS, "and")
        )),
    }
    message
}

/// An activation from its name and bound parameters (defaults for the ones not written).
pub(super) fn build_activation(
    name: &str,
    binding: &Binding,
    diagnostics: &mut Diagnostics,
) -> Activation {
    match name {
        vocab::RELU => Activation::Relu,
        vocab::LEAKY_RELU => Activation::LeakyRelu(
            binding
                .number("alpha")
                .map_or(vocab::LEAKY_RELU_DEFAULT_ALPHA, |(value, _)| value),
        ),
        vocab::PRELU => Activation::PRelu,
        vocab::RRELU => {
            let lower = binding.number("lower");
            let upper = binding.number("upper");
            let lower_value = lower.map_or(vocab::RRELU_DEFAULT_LOWER, |(value, _)| value);
            let upper_value = upper.map_or(vocab::RRELU_DEFAULT_UPPER, |(value, _)| value);
            if lower_value > upper_value {
                let span = lower
                    .or(upper)
                    .map_or_else(Span::call_site, |(_, span)| span);
                let (lower_value, upper_value) = (short(lower_value), short(upper_value));
                diagnostics.error(
                    span,
                    format!(
                        "`rrelu` lower bound {lower_value} is above its upper bound {upper_value}: \
                         the negative slope is drawn from U(lower, upper)\nhelp: give both bounds, \
                         lower first, like `rrelu(0.1, 0.3)`"
                    ),
                );
                Activation::RRelu(vocab::RRELU_DEFAULT_LOWER, vocab::RRELU_DEFAULT_UPPER)
            } else {
                Activation::RRelu(lower_value, upper_value)
            }
        }
        vocab::ELU => Activation::Elu(
            binding
                .number("alpha")
                .map_or(vocab::ELU_DEFAULT_ALPHA, |(value, _)| value),
        ),
        vocab::SELU => Activation::Selu,
        vocab::SIGMOID => Activation::Sigmoid,
        vocab::TANH => Activation::Tanh,
        vocab::SOFTMAX => Activation::Softmax,
        vocab::GELU => Activation::Gelu {
            approximate: binding.choice("approximate") == Some(vocab::APPROXIMATE_TANH),
        },
        vocab::SWISH => Activation::Swish,
        _ => Activation::Linear,
    }
}

/// A number for a message, to at most 4 decimals (`0.3333` rather than `0.3333333333333333`).
fn short(value: f64) -> f64 {
    (value * 1e4).round() / 1e4
}

/// An initializer from its name and bound parameters.
pub(super) fn build_initializer(name: &str, binding: &Binding) -> Initializer {
    match name {
        vocab::GLOROT_NORMAL => Initializer::GlorotNormal,
        vocab::GLOROT_UNIFORM => Initializer::GlorotUniform,
        vocab::LECUN_NORMAL => Initializer::LecunNormal,
        vocab::LECUN_UNIFORM => Initializer::LecunUniform,
        vocab::HE_NORMAL => Initializer::HeNormal,
        vocab::HE_UNIFORM => Initializer::HeUniform,
        vocab::ZEROS => Initializer::Zeros,
        vocab::ONES => Initializer::Ones,
        vocab::RANDOM_NORMAL => Initializer::RandomNormal {
            stddev: binding.number("stddev").map_or(0.0, |(value, _)| value),
        },
        _ => Initializer::RandomUniform {
            limit: binding.number("limit").map_or(0.0, |(value, _)| value),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::support::network;

    #[test]
    fn every_activation_and_initializer_name_builds() {
        for name in vocab::ACTIVATIONS {
            let net = network(&format!("Net(8) < dense(4), {name} >"));
            let built = net.layers.last().and_then(|layer| layer.activation());
            assert_eq!(built.map(Activation::dsl_name), Some(*name));
        }
        for name in vocab::INITIALIZERS {
            let written = match *name {
                vocab::RANDOM_NORMAL | vocab::RANDOM_UNIFORM => format!("{name}(0.1)"),
                _ => String::from(*name),
            };
            let net = network(&format!(
                "Net(8) < dense(4, relu, {written}, allow = init_mismatch) >"
            ));
            let built = match net.layers.first().map(|layer| &layer.kind) {
                Some(crate::model::LayerKind::Dense(dense)) => dense.initializer,
                _ => panic!("a dense layer"),
            };
            assert_eq!(built.dsl_name(), *name);
        }
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(1.0 / 3.0).to_string(), "0.3333");
        assert_eq!(short(0.125).to_string(), "0.125");
    }

    #[test]
    fn unknown_name_messages() {
        assert!(unknown_layer("dense_layer").starts_with("unknown layer `dense_layer`"));
        assert!(unknown_dense_argument("input").contains("`input = 784`"));
        assert!(unknown_dense_argument("zero").contains("did you mean `zeros`?"));
    }
}
