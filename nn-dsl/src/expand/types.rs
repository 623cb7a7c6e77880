//! The runtime type and constructor expression of each layer.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

use crate::model::{Activation, Dense, Initializer, Layer, LayerKind};

/// A width as an unsuffixed literal (`784`, not `784usize`), as a user would write it.
pub(super) fn int(value: usize) -> Literal {
    Literal::usize_unsuffixed(value)
}

/// A hyperparameter as an unsuffixed literal (`0.2`, not `0.2f64`).
fn float(value: f64) -> Literal {
    Literal::f64_unsuffixed(value)
}

/// The field type of `layer`, generic over the element type `T`.
pub(super) fn layer_type(layer: &Layer) -> TokenStream {
    let (input, output) = (int(layer.in_width), int(layer.out_width));
    let ty = match &layer.kind {
        LayerKind::Dense(dense) => {
            let activation = activation_type(dense.activation);
            let output = quote_spanned!(dense.units_span=> #output);
            quote!(::nn::Dense<#input, #output, #activation, T>)
        }
        LayerKind::BatchNorm { .. } => quote!(::nn::BatchNorm<#output, T>),
        LayerKind::Dropout { .. } => quote!(::nn::Dropout<#output, T>),
        LayerKind::AlphaDropout { .. } => quote!(::nn::AlphaDropout<#output, T>),
        LayerKind::Activation(activation) => {
            let activation = activation_type(*activation);
            quote!(::nn::ActivationLayer<#output, #activation, T>)
        }
    };
    quote_spanned!(layer.span=> #ty)
}

/// The runtime type of an activation.
pub(super) fn activation_type(activation: Activation) -> TokenStream {
    match activation {
        Activation::Linear => quote!(::nn::activation::Linear),
        Activation::Relu => quote!(::nn::activation::Relu),
        Activation::LeakyRelu(_) => quote!(::nn::activation::LeakyRelu),
        Activation::PRelu => quote!(::nn::activation::PRelu<T>),
        Activation::RRelu(..) => quote!(::nn::activation::RRelu<T>),
        Activation::Elu(_) => quote!(::nn::activation::Elu),
        Activation::Selu => quote!(::nn::activation::Selu),
        Activation::Sigmoid => quote!(::nn::activation::Sigmoid),
        Activation::Tanh => quote!(::nn::activation::Tanh),
        Activation::Softmax => quote!(::nn::activation::Softmax),
        Activation::Gelu { .. } => quote!(::nn::activation::Gelu),
        Activation::Swish => quote!(::nn::activation::Swish),
    }
}

/// The runtime `ActivationKind` of an activation.
pub(super) fn activation_kind(activation: Activation) -> TokenStream {
    let variant = match activation {
        Activation::Linear => quote!(Linear),
        Activation::Relu => quote!(Relu),
        Activation::LeakyRelu(_) => quote!(LeakyRelu),
        Activation::PRelu => quote!(PRelu),
        Activation::RRelu(..) => quote!(RRelu),
        Activation::Elu(_) => quote!(Elu),
        Activation::Selu => quote!(Selu),
        Activation::Sigmoid => quote!(Sigmoid),
        Activation::Tanh => quote!(Tanh),
        Activation::Softmax => quote!(Softmax),
        Activation::Gelu { .. } => quote!(Gelu),
        Activation::Swish => quote!(Swish),
    };
    quote!(::nn::activation::ActivationKind::#variant)
}

/// An expression building the activation. Values the macro has range-checked go through
/// `checked`, whose error branch the checks make unreachable.
fn activation_value(activation: Activation) -> TokenStream {
    match activation {
        Activation::LeakyRelu(alpha) => {
            let alpha = float(alpha);
            quote!(::nn::__private::checked(::nn::activation::LeakyRelu::new(#alpha)))
        }
        Activation::RRelu(lower, upper) => {
            let (lower, upper) = (float(lower), float(upper));
            quote!(::nn::__private::checked(::nn::activation::RRelu::new(#lower, #upper)))
        }
        Activation::Elu(alpha) => {
            quote!(::nn::__private::checked(::nn::activation::Elu::new(#alpha)))
        }
        Activation::PRelu => quote!(::nn::activation::PRelu::default()),
        Activation::Gelu { approximate: true } => {
            quote!(::nn::activation::Gelu::tanh_approximation())
        }
        Activation::Gelu { approximate: false } => quote!(::nn::activation::Gelu::exact()),
        other => activation_type(other),
    }
}

fn initializer_value(initializer: Initializer) -> TokenStream {
    match initializer {
        Initializer::GlorotNormal => quote!(::nn::Initializer::GlorotNormal),
        Initializer::GlorotUniform => quote!(::nn::Initializer::GlorotUniform),
        Initializer::LecunNormal => quote!(::nn::Initializer::LecunNormal),
        Initializer::LecunUniform => quote!(::nn::Initializer::LecunUniform),
        Initializer::HeNormal => quote!(::nn::Initializer::HeNormal),
        Initializer::HeUniform => quote!(::nn::Initializer::HeUniform),
        Initializer::Zeros => quote!(::nn::Initializer::Zeros),
        Initializer::Ones => quote!(::nn::Initializer::Ones),
        Initializer::RandomNormal { stddev } => {
            quote!(::nn::Initializer::RandomNormal { stddev: #stddev })
        }
        Initializer::RandomUniform { limit } => {
            quote!(::nn::Initializer::RandomUniform { limit: #limit })
        }
    }
}

/// An expression building `layer` (named after its field), drawing weights from `rng`.
pub(super) fn layer_value(layer: &Layer, rng: &TokenStream) -> TokenStream {
    let name = layer.field.to_string();
    let value = match &layer.kind {
        LayerKind::Dense(dense) => dense_value(dense, rng),
        LayerKind::BatchNorm { momentum, epsilon }
            if is_default_batch_norm(*momentum, *epsilon) =>
        {
            quote!(::nn::BatchNorm::new())
        }
        LayerKind::BatchNorm { momentum, epsilon } => {
            let (momentum, epsilon) = (float(*momentum), float(*epsilon));
            quote! {
                ::nn::__private::checked(
                    ::nn::BatchNorm::new().with_momentum(#momentum).and_then(|l| l.with_epsilon(#epsilon)),
                )
            }
        }
        LayerKind::Dropout { rate } => quote!(::nn::__private::checked(::nn::Dropout::new(#rate))),
        LayerKind::AlphaDropout { rate } => {
            quote!(::nn::__private::checked(::nn::AlphaDropout::new(#rate)))
        }
        LayerKind::Activation(activation) => {
            let activation = activation_value(*activation);
            quote!(::nn::ActivationLayer::new(#activation))
        }
    };
    quote_spanned!(layer.span=> #value.named(#name))
}

/// Whether batch norm's options are the runtime's defaults (Keras': momentum 0.99, epsilon 1e-3).
fn is_default_batch_norm(momentum: f64, epsilon: f64) -> bool {
    momentum == 0.99 && epsilon == 1e-3
}

fn dense_value(dense: &Dense, rng: &TokenStream) -> TokenStream {
    let activation = activation_value(dense.activation);
    let initializer = initializer_value(dense.initializer);
    let mut value = quote!(::nn::Dense::new(#activation, #initializer, #rng));
    if !dense.bias {
        value = quote!(#value.without_bias());
    }
    if dense.l1 != 0.0 || dense.l2 != 0.0 {
        let (l1, l2) = (float(dense.l1), float(dense.l2));
        value = quote!(::nn::__private::checked(#value.with_penalties(#l1, #l2)));
    }
    value
}
