//! Code generation from the checked [`Network`]: one plain struct with a field per layer,
//! straight-line forward and backward passes over those fields, parameter and tensor
//! visitors, a summary, the advice as stable warnings, and, when the definition has errors, a
//! stand-in struct so the rest of the user's code does not cascade into more errors.
//!
//! Everything generated names the runtime through absolute `::nn::` paths and calls layers
//! through their traits (`::nn::Layer::forward_train(&mut self.dense_0, ..)`), so a type error
//! lands on a clear path and the logic stays in the runtime, generic and tested once.

mod advice;
mod describe;
mod fallback;
mod infer;
mod item;
mod network_impl;
mod types;

pub(crate) use fallback::fallback;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Network;

/// The code for a checked network.
pub(crate) fn expand(network: &Network) -> TokenStream {
    if let Some(error) = describe::too_many_parameters(network) {
        return error.into_compile_error();
    }
    let item = item::struct_item(network);
    let inherent = item::inherent_impl(network);
    let traits = network_impl::trait_impls(network);
    let advice = advice::warnings(&network.advice);
    quote! {
        #item
        #inherent
        #traits
        #advice
    }
}
