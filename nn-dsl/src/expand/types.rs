//! The runtime type and constructor expression of each layer.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};

use crate::model::{
    Activation, Conv2d, Dense, Initializer, Layer, LayerKind, Padding, Pool, Shape,
};

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
        LayerKind::BatchNorm { .. } => match layer.out_shape {
            Shape::Image {
                height,
                width,
                channels,
            } => {
                let (height, width, channels) = (int(height), int(width), int(channels));
                quote!(::nn::layer::BatchNorm2d<#height, #width, #channels, T>)
            }
            Shape::Flat(_) => quote!(::nn::BatchNorm<#output, T>),
        },
        LayerKind::Conv2d(conv) => {
            let activation = activation_type(conv.weights.activation);
            let [ih, iw, ic] = image_dims(layer.in_shape);
            let [oh, ow, oc] = image_dims(layer.out_shape);
            let oc = quote_spanned!(conv.weights.units_span=> #oc);
            quote!(::nn::layer::Conv2d<#ih, #iw, #ic, #oh, #ow, #oc, #activation, T>)
        }
        LayerKind::MaxPool(_) | LayerKind::AvgPool(_) => {
            let [ih, iw, channels] = image_dims(layer.in_shape);
            let [oh, ow, _] = image_dims(layer.out_shape);
            let pool = if matches!(layer.kind, LayerKind::MaxPool(_)) {
                quote!(MaxPool2d)
            } else {
                quote!(AvgPool2d)
            };
            quote!(::nn::layer::#pool<#ih, #iw, #channels, #oh, #ow, T>)
        }
        LayerKind::GlobalAvgPool => {
            let [height, width, channels] = image_dims(layer.in_shape);
            quote!(::nn::layer::GlobalAvgPool<#height, #width, #channels, T>)
        }
        // `flatten` has no field (`Layer::has_field`); this type is never emitted.
        LayerKind::Flatten => quote!(()),
        LayerKind::Dropout { .. } => quote!(::nn::Dropout<#output, T>),
        LayerKind::AlphaDropout { .. } => quote!(::nn::AlphaDropout<#output, T>),
        LayerKind::Activation(activation) => {
            let activation = activation_type(*activation);
            quote!(::nn::ActivationLayer<#output, #activation, T>)
        }
    };
    quote_spanned!(layer.span=> #ty)
}

/// An image shape's height, width and channels as literals (a flat width reads as `1x1xN`,
/// which the shape inference never lets reach an image layer).
fn image_dims(shape: Shape) -> [Literal; 3] {
    match shape {
        Shape::Image {
            height,
            width,
            channels,
        } => [int(height), int(width), int(channels)],
        Shape::Flat(width) => [int(1), int(1), int(width)],
    }
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
        LayerKind::BatchNorm { momentum, epsilon } => {
            let ty = match layer.out_shape {
                Shape::Image { .. } => quote!(::nn::layer::BatchNorm2d),
                Shape::Flat(_) => quote!(::nn::BatchNorm),
            };
            if is_default_batch_norm(*momentum, *epsilon) {
                quote!(#ty::new())
            } else {
                let (momentum, epsilon) = (float(*momentum), float(*epsilon));
                quote! {
                    ::nn::__private::checked(
                        #ty::new().with_momentum(#momentum).and_then(|l| l.with_epsilon(#epsilon)),
                    )
                }
            }
        }
        LayerKind::Conv2d(conv) => conv_value(conv, rng),
        LayerKind::MaxPool(pool) => pool_value(quote!(::nn::layer::MaxPool2d), pool),
        LayerKind::AvgPool(pool) => pool_value(quote!(::nn::layer::AvgPool2d), pool),
        LayerKind::GlobalAvgPool => quote!(::nn::layer::GlobalAvgPool::new()),
        LayerKind::Flatten => quote!(()),
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

/// A size as a tuple expression: `(3, 3)`.
fn size(size: (usize, usize)) -> TokenStream {
    let (height, width) = (int(size.0), int(size.1));
    quote!((#height, #width))
}

fn conv_value(conv: &Conv2d, rng: &TokenStream) -> TokenStream {
    let weights = &conv.weights;
    let activation = activation_value(weights.activation);
    let initializer = initializer_value(weights.initializer);
    let (kernel, stride) = (size(conv.kernel), size(conv.stride));
    let padding = match conv.padding {
        Padding::Valid => quote!(::nn::layer::Padding::Valid),
        Padding::Same => quote!(::nn::layer::Padding::Same),
    };
    let mut value = quote! {
        ::nn::__private::checked(::nn::layer::Conv2d::new(#kernel, #stride, #padding, #activation, #initializer, #rng))
    };
    if !weights.bias {
        value = quote!(#value.without_bias());
    }
    value
}

fn pool_value(ty: TokenStream, pool: &Pool) -> TokenStream {
    let (window, stride) = (size(pool.window), size(pool.stride));
    quote!(::nn::__private::checked(#ty::new(#window, #stride)))
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
