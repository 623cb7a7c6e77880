//! Helpers: run the pipeline on source text and read back messages and spans.

use crate::analyze;
use crate::model::Network;

/// The source text an error is spanned on (proc-macro2's `span-locations`, on in tests).
pub(crate) fn source_text(error: &syn::Error) -> Option<String> {
    error.span().source_text()
}

/// Lexes `source` and analyzes it.
pub(crate) fn analyze_str(source: &str) -> syn::Result<Network> {
    let tokens: proc_macro2::TokenStream = source
        .parse()
        .map_err(|error: proc_macro2::LexError| syn::Error::new(error.span(), error))?;
    analyze(tokens)
}

/// Analyzes a network that must be valid.
#[track_caller]
pub(crate) fn network(source: &str) -> Network {
    match analyze_str(source) {
        Ok(network) => network,
        Err(errors) => panic!("`{source}` should analyze, got: {:?}", messages_of(errors)),
    }
}

/// One reported error: its message and the source text it is spanned on.
#[derive(Debug, Clone)]
pub(crate) struct Reported {
    pub message: String,
    pub token: Option<String>,
    /// The column the span starts at (0-based).
    pub column: usize,
}

fn messages_of(errors: syn::Error) -> Vec<Reported> {
    errors
        .into_iter()
        .map(|error| Reported {
            message: error.to_string(),
            token: source_text(&error),
            column: error.span().start().column,
        })
        .collect()
}

/// The errors for a network that must be invalid.
#[track_caller]
pub(crate) fn errors(source: &str) -> Vec<Reported> {
    match analyze_str(source) {
        Ok(_) => panic!("`{source}` should not analyze"),
        Err(errors) => messages_of(errors),
    }
}

/// Asserts `source` gives exactly one error, containing every fragment, spanned on `token`.
#[track_caller]
pub(crate) fn assert_error(source: &str, fragments: &[&str], token: &str) {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "`{source}` gave {errors:#?}");
    let Some(error) = errors.first() else {
        return;
    };
    for fragment in fragments {
        assert!(
            error.message.contains(fragment),
            "`{source}`: message `{}` lacks `{fragment}`",
            error.message
        );
    }
    assert_eq!(
        error.token.as_deref(),
        Some(token),
        "`{source}`: `{}` is spanned on the wrong token",
        error.message
    );
}

/// Asserts what every analyzed network satisfies (`crate::invariants`).
#[track_caller]
pub(crate) fn check_invariants(network: &Network) {
    if let Some(violation) = crate::invariants::violation(network) {
        panic!("broken invariant: {violation}");
    }
}
