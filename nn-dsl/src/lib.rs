//! The implementation of `nn`'s `network!` macro on `proc_macro2`: parse -> resolve -> check
//! -> expand. A plain library, so tests and fuzz targets can link it; the proc-macro crate
//! `nn-macros` is a thin wrapper around [`network`].
//!
//! | stage | files | output |
//! |---|---|---|
//! | parse | `parse.rs` (grammar), `syntax.rs` (nodes) | the definition as written, with spans |
//! | resolve | `resolve.rs`, `resolve/args.rs`, using `vocab.rs` and `suggest.rs` | the `model::Network`: names looked up, arguments checked, widths inferred, defaults filled in |
//! | check | `check/` | errors and advice across layers |
//! | expand | `expand/` | the struct, its methods and trait impls, advice as warnings, the fallback on errors |
//!
//! Errors from resolution and checking are collected in a `Diagnostics` and all reported at
//! once. The macro never panics: every error is a spanned `compile_error!`, and the lints
//! below keep panicking constructs out of the macro's code (tests may use them).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

mod check;
mod diagnostics;
mod expand;
mod model;
mod parse;
mod resolve;
mod suggest;
mod syntax;
mod vocab;

#[cfg(test)]
mod tests;

use proc_macro2::TokenStream as TokenStream2;

use crate::diagnostics::Diagnostics;
use crate::model::Network;
use crate::syntax::NetworkDef;

/// Everything `network!` does, on `proc_macro2` tokens: the generated struct and its impls, or
/// on errors every error (as `compile_error!`s) plus a stand-in struct. Never panics.
///
/// The proc-macro crate `nn-macros` converts its `proc_macro::TokenStream` and calls this; the
/// grammar and the checks are documented on `nn::network!`.
#[must_use]
pub fn network(input: TokenStream2) -> TokenStream2 {
    match analyze(input.clone()) {
        Ok(network) => expand::expand(&network),
        Err(errors) => expand::fallback(&input, errors),
    }
}

/// Parses, resolves and checks a `network!` body: the network with its advice, or every error
/// found.
pub(crate) fn analyze(input: TokenStream2) -> syn::Result<Network> {
    let def: NetworkDef = syn::parse2(input)?;
    let mut diagnostics = Diagnostics::new();
    let resolved = resolve::resolve(def, &mut diagnostics);
    let mut network = resolved.network;
    check::check(&network, &resolved.gaps, &mut diagnostics);
    network.advice = diagnostics.finish()?;
    Ok(network)
}
