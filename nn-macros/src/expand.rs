//! Code generation from the checked [`Network`].
//!
//! **This is the next step and is not written yet:** for now a valid network expands to
//! nothing. The plan (STYLE.md §5): the struct with one field per layer (`Layer::field`),
//! straight-line forward/backward over the fields, parameter visiting and naming, the advice
//! as stable warnings (the deprecated-const trick), and on error a fallback stub struct so the
//! user's other code does not cascade.

use proc_macro2::TokenStream;

use crate::model::Network;

/// The code for a checked network; empty until code generation lands.
pub(crate) fn expand(_network: &Network) -> TokenStream {
    TokenStream::new()
}
