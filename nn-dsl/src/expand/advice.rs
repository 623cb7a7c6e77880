//! Soft advice as warnings on stable Rust: each piece of advice becomes a use of a deprecated
//! constant, spanned on the user's token, whose deprecation note is the advice. This is the
//! only stable way for a proc macro to warn (`proc_macro::Diagnostic` is unstable); the
//! warning reads "use of deprecated constant `…::<kind>`: <advice>". Each kind has an opt-out in
//! the DSL (`allow = <kind>`), since `#[allow(deprecated)]` on the macro call does not reach it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote_spanned};

use crate::model::Advice;

/// One `const _` block per piece of advice.
pub(super) fn warnings(advice: &[Advice]) -> TokenStream {
    advice.iter().map(warning).collect()
}

fn warning(advice: &Advice) -> TokenStream {
    let constant = format_ident!("{}", advice.kind.name(), span = advice.span);
    let note = &advice.message;
    let span: Span = advice.span;
    quote_spanned! {span=>
        const _: () = {
            #[deprecated(note = #note)]
            #[allow(non_upper_case_globals)]
            const #constant: () = ();
            #constant
        };
    }
}
