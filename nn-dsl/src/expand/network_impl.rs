//! The trait implementations: `Network` (forward, backward, predict), `Parameters`,
//! `Tensors` and `AcceptsInput`, each straight-line code over the layer fields.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use super::describe::{
    layer_text, parameter_count, summary_activation, summary_initializer, summary_note,
};
use super::types::{activation_kind, int};
use crate::model::{Activation, Network};

pub(super) fn trait_impls(network: &Network) -> TokenStream {
    let name = &network.name;
    let network_impl = network_impl(network);
    let fields: Vec<_> = network
        .layers
        .iter()
        .filter(|layer| layer.has_field())
        .map(|layer| &layer.field)
        .collect();
    let input = int(network.input_width);
    // A composition error (`Chain` of mismatched widths) points at the input width.
    let input_width = quote_spanned!(network.input_span=> ::nn::network::Width<#input>);
    quote! {
        #network_impl

        #[automatically_derived]
        impl<T: ::nn::Float> ::nn::Parameters<T> for #name<T> {
            fn visit_params(&mut self, visit: &mut dyn FnMut(::nn::ParamMut<'_, T>)) {
                #(::nn::Parameters::visit_params(&mut self.#fields, visit);)*
            }
        }

        #[automatically_derived]
        impl<T: ::nn::Float> ::nn::Tensors<T> for #name<T> {
            fn visit_tensors(&self, visit: &mut dyn FnMut(::nn::TensorRef<'_, T>)) {
                #(::nn::Tensors::visit_tensors(&self.#fields, visit);)*
            }

            fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(::nn::TensorMut<'_, T>)) {
                #(::nn::Tensors::visit_tensors_mut(&mut self.#fields, visit);)*
            }
        }

        #[automatically_derived]
        impl<T: ::nn::Float> ::nn::network::AcceptsInput<#input_width> for #name<T> {}
    }
}

fn network_impl(network: &Network) -> TokenStream {
    let name = &network.name;
    let name_text = name.to_string();
    let (input, output) = (int(network.input_width), int(network.output_width()));
    // `flatten` only relabels the shape: no field, no step.
    let layers: Vec<&crate::model::Layer> = network
        .layers
        .iter()
        .filter(|layer| layer.has_field())
        .collect();
    let fields: Vec<_> = layers.iter().map(|layer| &layer.field).collect();
    let (Some(last), Some(first_field), Some(last_field)) =
        (layers.last(), fields.first(), fields.last())
    else {
        // The checks reject an empty layer list; nothing to generate.
        return TokenStream::new();
    };
    // The activation the output layer applies itself: a fused loss needs its logits there.
    let output_activation = activation_kind(last.activation().unwrap_or(Activation::Linear));

    // Backward: the last layer first, entering through its pre-activation for a fused loss;
    // each layer gets the output of the layer before it (the first, the kept input).
    let previous_output = |index: usize| match index.checked_sub(1).and_then(|i| fields.get(i)) {
        Some(previous) => quote!(::nn::Layer::output(&self.#previous)),
        None => quote!(__input),
    };
    let last_index = layers.len() - 1;
    let last_input = previous_output(last_index);
    // The layers between the last and the first; the first gets the input gradient only when
    // the caller asks for it (`input_gradient`), else the cheaper parameters-only pass.
    let middle = fields
        .iter()
        .enumerate()
        .take(last_index)
        .skip(1)
        .rev()
        .map(|(index, field)| {
            let layer_input = previous_output(index);
            quote!(let __grad = ::nn::Layer::backward(&mut self.#field, #layer_input, __grad)?;)
        });
    let last_step = |entry: TokenStream, parameters_only: TokenStream| {
        if last_index == 0 {
            quote! {
                if input_gradient {
                    ::nn::Layer::#entry(&mut self.#last_field, __last_input, grad)?
                } else {
                    ::nn::Layer::#parameters_only(&mut self.#last_field, __last_input, grad)?;
                    ::nn::Layer::output(&self.#last_field)
                }
            }
        } else {
            quote!(::nn::Layer::#entry(&mut self.#last_field, __last_input, grad)?)
        }
    };
    let from_output = last_step(quote!(backward), quote!(backward_parameters));
    let from_pre_activation = last_step(
        quote!(backward_from_pre_activation),
        quote!(backward_parameters_from_pre_activation),
    );
    let first_step = (last_index > 0).then(|| {
        quote! {
            #(#middle)*
            let __grad = if input_gradient {
                ::nn::Layer::backward(&mut self.#first_field, __input, __grad)?
            } else {
                ::nn::Layer::backward_parameters(&mut self.#first_field, __input, __grad)?;
                ::nn::Layer::output(&self.#first_field)
            };
        }
    });

    // Only dense layers with L1/L2 factors add a penalty.
    let penalized = layers.iter().filter(|layer| {
        matches!(&layer.kind, crate::model::LayerKind::Dense(dense) if dense.l1 != 0.0 || dense.l2 != 0.0)
    }).map(|layer| &layer.field);
    // Dropout is the identity at inference; the layers write into reused scratch.
    let predict = super::infer::predict_body(network);
    let visits = network.layers.iter().map(visit_layer);

    let infos = network.layers.iter().map(|layer| {
        let field = layer.field.to_string();
        let kind = layer_text(layer);
        let (layer_in, layer_out) = (int(layer.in_width), int(layer.out_width));
        let shape = keras_shape(layer.out_shape);
        let params = int(parameter_count(layer));
        let activation = summary_activation(layer);
        let initializer = summary_initializer(layer);
        let note = summary_note(layer);
        quote! {
            ::nn::network::LayerInfo {
                name: #field,
                kind: #kind,
                input: #layer_in,
                output: #layer_out,
                shape: #shape,
                params: #params,
                activation: #activation,
                initializer: #initializer,
                note: #note,
            }
        }
    });

    let input_shape = match network.input_shape {
        crate::model::Shape::Image { .. } => {
            let shape = keras_shape(network.input_shape);
            quote!(.with_input_shape(#shape))
        }
        crate::model::Shape::Flat(_) => TokenStream::new(),
    };

    quote! {
        impl<T: ::nn::Float> #name<T> {
            /// The backward pass of `Network::backward` (`input_gradient`) and of
            /// `Network::backward_parameters` (not: the first layer skips its input gradient,
            /// and the returned view, its output, is meant to be dropped).
            #[doc(hidden)]
            fn __nn_backward(
                &mut self,
                grad: ::nn::__private::ndarray::ArrayView2<'_, T>,
                of: ::nn::loss::GradientOf,
                input_gradient: bool,
            ) -> ::nn::Result<::nn::__private::ndarray::ArrayView2<'_, T>> {
                let __input = self.state.training_input()?;
                let __last_input = #last_input;
                let __grad = match of {
                    ::nn::loss::GradientOf::Output => #from_output,
                    ::nn::loss::GradientOf::PreActivation => #from_pre_activation,
                };
                #first_step
                Ok(__grad)
            }
        }

        #[automatically_derived]
        impl<T: ::nn::Float> ::nn::Network<T> for #name<T> {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const OUTPUT_ACTIVATION: ::nn::activation::ActivationKind = #output_activation;
            type Input = ::nn::network::Width<#input>;
            type Output = ::nn::network::Width<#output>;

            fn forward_train(
                &mut self,
                input: ::nn::__private::ndarray::ArrayView2<'_, T>,
            ) -> ::nn::Result<::nn::__private::ndarray::ArrayView2<'_, T>> {
                let (__rng, __x) = self.state.begin_training_step(input, #input)?;
                #(let __x = ::nn::Layer::forward_train(&mut self.#fields, __x, __rng)?;)*
                Ok(__x)
            }

            fn output(&self) -> ::nn::__private::ndarray::ArrayView2<'_, T> {
                ::nn::Layer::output(&self.#last_field)
            }

            fn pre_activation(&self) -> ::nn::__private::ndarray::ArrayView2<'_, T> {
                ::nn::Layer::pre_activation(&self.#last_field)
            }

            fn backward(
                &mut self,
                grad: ::nn::__private::ndarray::ArrayView2<'_, T>,
                of: ::nn::loss::GradientOf,
            ) -> ::nn::Result<::nn::__private::ndarray::ArrayView2<'_, T>> {
                self.__nn_backward(grad, of, true)
            }

            fn backward_parameters(
                &mut self,
                grad: ::nn::__private::ndarray::ArrayView2<'_, T>,
                of: ::nn::loss::GradientOf,
            ) -> ::nn::Result<()> {
                self.__nn_backward(grad, of, false).map(drop)
            }

            fn predict(
                &self,
                input: ::nn::__private::ndarray::ArrayView2<'_, T>,
            ) -> ::nn::Result<::nn::__private::ndarray::Array2<T>> {
                self.state.check_input(&input, #input)?;
                #predict
            }

            fn penalty(&self) -> T {
                T::zero() #(+ ::nn::Layer::penalty(&self.#penalized))*
            }

            fn visit_layers(&self, visit: &mut dyn FnMut(&dyn ::nn::layer::Inspect<T>)) {
                #(#visits)*
            }

            fn summary(&self) -> ::nn::network::Summary {
                ::nn::network::Summary::new(#name_text, #input, &[#(#infos),*])#input_shape
            }
        }
    }
}

/// The `visit_layers` call for one layer: its field, or for a `flatten` (no field) a fresh
/// `Flatten` of its input's shape, so that walkers see where an image becomes a row.
fn visit_layer(layer: &crate::model::Layer) -> TokenStream {
    let field = &layer.field;
    match (&layer.kind, layer.in_shape) {
        (_, _) if layer.has_field() => quote!(visit(&self.#field);),
        (
            crate::model::LayerKind::Flatten,
            crate::model::Shape::Image {
                height,
                width,
                channels,
            },
        ) => {
            let (h, w, c) = (int(height), int(width), int(channels));
            let name = field.to_string();
            quote!(visit(&::nn::layer::Flatten::<#h, #w, #c, T>::new().named(#name));)
        }
        _ => TokenStream::new(),
    }
}

/// A shape as Keras prints it: `(batch, 300)`, `(batch, 24, 24, 6)`.
fn keras_shape(shape: crate::model::Shape) -> String {
    match shape {
        crate::model::Shape::Flat(width) => format!("(batch, {width})"),
        crate::model::Shape::Image {
            height,
            width,
            channels,
        } => format!("(batch, {height}, {width}, {channels})"),
    }
}
