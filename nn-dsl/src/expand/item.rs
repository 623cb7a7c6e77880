//! The generated struct and its inherent methods.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::describe::layer_table;
use super::types::{int, layer_type, layer_value};
use crate::model::Network;

/// The struct: the user's attributes and docs, the generated layer table, one field per layer
/// and the network's state.
pub(super) fn struct_item(network: &Network) -> TokenStream {
    let Network {
        attrs, vis, name, ..
    } = network;
    let table = layer_table(network);
    let has_docs = attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let default_doc = (!has_docs).then(|| {
        let text = format!(
            " A neural network defined with `network!`: {} inputs, {} outputs.",
            network.input_width,
            network.output_width()
        );
        quote!(#[doc = #text])
    });
    let fields = network
        .layers
        .iter()
        .filter(|layer| layer.has_field())
        .map(|layer| {
            let field = &layer.field;
            let ty = layer_type(layer);
            let doc = format!(
                " `{}`: {} → {}.",
                super::describe::layer_text(layer),
                layer.in_shape.text(),
                layer.out_shape.text()
            );
            quote! {
                #[doc = #doc]
                pub #field: #ty
            }
        });
    quote! {
        #(#attrs)*
        #default_doc
        #[doc = ""]
        #[doc = #table]
        #[derive(Debug, Clone)]
        #vis struct #name<T: ::nn::Float = f32> {
            #(#fields,)*
            state: ::nn::NetworkState<T>,
        }
    }
}

/// `new`, `seeded`, `INPUT`, `OUTPUT`, `predict_one` and `summary`.
pub(super) fn inherent_impl(network: &Network) -> TokenStream {
    let name = &network.name;
    let name_text = name.to_string();
    let (input, output) = (int(network.input_width), int(network.output_width()));
    let rng = quote!(__rng);
    let with_fields = || network.layers.iter().filter(|layer| layer.has_field());
    let fields: Vec<_> = with_fields().map(|layer| &layer.field).collect();
    let values = with_fields().map(|layer| layer_value(layer, &rng));
    let state = format_ident!("__state");
    let predict_one = super::infer::predict_one_body(network);
    quote! {
        #[automatically_derived]
        impl #name {
            /// The width of one input row.
            pub const INPUT: usize = #input;
            /// The width of one output row.
            pub const OUTPUT: usize = #output;

            /// The network in `f32`, every weight drawn from `seed`: the same seed gives the
            /// same network on every machine. (For `f64`, use `seeded`.)
            pub fn new(seed: u64) -> Self {
                Self::seeded(seed)
            }
        }

        #[automatically_derived]
        impl<T: ::nn::Float> #name<T> {
            /// The network in element type `T` (`f32` or `f64`), every weight drawn from `seed`.
            pub fn seeded(seed: u64) -> Self {
                let mut #state = ::nn::NetworkState::new(#name_text, seed);
                let #rng = #state.rng();
                #(let #fields = #values;)*
                Self { #(#fields,)* state: #state }
            }

            /// Inference on one sample: `INPUT` values in, `OUTPUT` values out. Allocates
            /// nothing after its first call, which gives each dense layer of 4096 weights or
            /// more a copy of its kernel with every row on a cache line (refreshed in place
            /// after training or loading): the layers run on fixed-size arrays on the stack
            /// (on a thread-local scratch buffer for very wide networks), with `f32` dense
            /// layers on AVX-512 or AVX2/FMA where the processor has them. Agrees with
            /// `predict` to rounding.
            ///
            /// # Errors
            /// [`nn::Error::NonFinite`] for a NaN or infinite input.
            pub fn predict_one(&self, input: &[T; #input]) -> ::nn::Result<[T; #output]> {
                ::nn::network::check_row(self.state.name(), input)?;
                #predict_one
            }

            /// A Keras-style summary of the layers; `Display` prints it as a table.
            pub fn summary(&self) -> ::nn::network::Summary {
                <Self as ::nn::Network<T>>::summary(self)
            }
        }
    }
}
