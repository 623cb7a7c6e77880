//! Collects every error and piece of advice, so that independent mistakes are reported at
//! once (serde's `Ctxt`, without the panicking drop bomb: the macro never panics).

use proc_macro2::Span;
use quote::ToTokens;

use crate::model::{Advice, AdviceKind};

/// The errors and advice found so far. Drained by [`Diagnostics::finish`].
#[must_use = "call `finish` to report the errors"]
#[derive(Default)]
pub(crate) struct Diagnostics {
    errors: Vec<syn::Error>,
    advice: Vec<Advice>,
}

impl Diagnostics {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Records an error on `span`.
    pub(crate) fn error(&mut self, span: Span, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error spanning all of `tokens` (for example `-1.5`, two tokens).
    pub(crate) fn error_spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error already built (one from syn, for example).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Records soft advice.
    pub(crate) fn advise(&mut self, kind: AdviceKind, span: Span, message: impl Into<String>) {
        self.advice.push(Advice {
            kind,
            span,
            message: message.into(),
        });
    }

    /// All errors combined into one (each keeps its span and becomes its own `compile_error!`),
    /// or the advice if there were no errors.
    pub(crate) fn finish(self) -> syn::Result<Vec<Advice>> {
        let mut errors = self.errors.into_iter();
        match errors.next() {
            None => Ok(self.advice),
            Some(mut first) => {
                first.extend(errors);
                Err(first)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_errors_gives_the_advice() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.advise(AdviceKind::LinearStack, Span::call_site(), "advice");
        let advice = diagnostics.finish().map_err(|_| ()).unwrap_or_default();
        assert_eq!(advice.len(), 1);
    }

    #[test]
    fn errors_are_combined_in_order() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.error(Span::call_site(), "first");
        diagnostics.error_spanned(quote::quote!(-1.5), "second");
        diagnostics.push(syn::Error::new(Span::call_site(), "third"));
        diagnostics.advise(AdviceKind::LinearStack, Span::call_site(), "advice");
        let Err(error) = diagnostics.finish() else {
            panic!("expected errors");
        };
        let messages: Vec<String> = error.into_iter().map(|error| error.to_string()).collect();
        assert_eq!(messages, ["first", "second", "third"]);
    }
}
