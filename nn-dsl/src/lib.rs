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
mod invariants;
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

/// A definition that parsed, resolved and passed every check: what [`check`] returns.
pub struct Checked {
    network: Network,
}

impl std::fmt::Debug for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checked")
            .field("name", &self.network.name.to_string())
            .field("layers", &self.layers())
            .field("advice", &self.advice())
            .finish()
    }
}

impl Checked {
    /// The generated code: the struct, its methods and trait impls, and the advice as
    /// warnings. Widths too large for the runtime expand to a spanned `compile_error!`.
    #[must_use]
    pub fn expand(&self) -> TokenStream2 {
        expand::expand(&self.network)
    }

    /// The number of layers.
    #[must_use]
    pub fn layers(&self) -> usize {
        self.network.layers.len()
    }

    /// The number of pieces of advice (warnings) the checks gave.
    #[must_use]
    pub fn advice(&self) -> usize {
        self.network.advice.len()
    }

    /// The first invariant of the resolved model that does not hold (widths chain up, every
    /// initializer fits or is allowed, softmax only last, unique field names), or `None`.
    /// For tests and fuzz targets: `Some` is a bug in this crate.
    #[doc(hidden)]
    #[must_use]
    pub fn invariant_violation(&self) -> Option<String> {
        invariants::violation(&self.network)
    }
}

/// Parses, resolves and checks a `network!` body without generating code.
///
/// # Errors
/// Every error found, combined in one `syn::Error` (iterate it for each one), each spanned
/// on the offending token: syntax errors (the first only), unknown names, bad arguments,
/// width mismatches and cross-layer rules.
pub fn check(input: TokenStream2) -> syn::Result<Checked> {
    analyze(input).map(|network| Checked { network })
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
