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

/// Asserts what every analyzed network satisfies: widths chain up, every kernel's
/// initializer fits what it feeds (or is allowed not to), softmax only last.
#[track_caller]
pub(crate) fn check_invariants(network: &Network) {
    use crate::model::{Activation, Allow, LayerKind, Shape, feed};

    assert!(!network.layers.is_empty());
    assert!(network.input_width > 0);
    let mut width = network.input_width;
    let mut fields = Vec::new();
    let last = network.layers.len() - 1;
    for (index, layer) in network.layers.iter().enumerate() {
        assert_eq!(layer.in_width, width);
        assert_eq!(layer.in_shape.len(), Some(layer.in_width));
        assert_eq!(layer.out_shape.len(), Some(layer.out_width));
        if let Some(weights) = layer.weights() {
            let fed = feed(&network.layers, index).activation;
            assert!(
                crate::check::fits(weights.initializer, fed) || layer.allows(Allow::InitMismatch),
                "{} feeding {}",
                weights.initializer.dsl_name(),
                fed.dsl_name()
            );
        }
        let channels = |shape| match shape {
            Shape::Image { channels, .. } => Some(channels),
            Shape::Flat(_) => None,
        };
        match &layer.kind {
            LayerKind::Dense(dense) => assert_eq!(layer.out_shape, Shape::Flat(dense.units)),
            LayerKind::Conv2d(conv) => {
                assert_eq!(channels(layer.out_shape), Some(conv.weights.units));
            }
            LayerKind::MaxPool(_) | LayerKind::AvgPool(_) => {
                assert_eq!(channels(layer.out_shape), channels(layer.in_shape));
                assert!(channels(layer.in_shape).is_some());
            }
            LayerKind::GlobalAvgPool => {
                assert_eq!(Some(layer.out_width), channels(layer.in_shape));
            }
            LayerKind::Flatten => {
                assert!(channels(layer.in_shape).is_some());
                assert_eq!(layer.out_shape, Shape::Flat(layer.in_width));
            }
            _ => assert_eq!(layer.out_shape, layer.in_shape),
        }
        assert!(layer.out_width > 0);
        if layer.activation() == Some(Activation::Softmax) {
            assert_eq!(index, last);
        }
        fields.push(layer.field.to_string());
        width = layer.out_width;
    }
    if let Some(declared) = network.declared_output {
        assert_eq!(declared.value, width);
    }
    let count = fields.len();
    fields.sort_unstable();
    fields.dedup();
    assert_eq!(fields.len(), count);
}
