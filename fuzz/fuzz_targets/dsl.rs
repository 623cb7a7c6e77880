//! Arbitrary text, lexed by proc_macro2, into the `network!` front end (`nn_dsl::check`) and
//! the whole macro (`nn_dsl::network`): never a panic; an accepted network satisfies the
//! model's invariants; what the macro emits parses as Rust items.
#![no_main]

use libfuzzer_sys::fuzz_target;
use proc_macro2::TokenStream;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let Ok(tokens) = text.parse::<TokenStream>() else {
        return;
    };
    let output = match nn_dsl::check(tokens.clone()) {
        Ok(checked) => {
            if let Some(violation) = checked.invariant_violation() {
                panic!("accepted `{text}` with a broken invariant: {violation}");
            }
            checked.expand()
        }
        Err(_) => nn_dsl::network(tokens),
    };
    if let Err(error) = syn::parse2::<syn::File>(output.clone()) {
        panic!("the output for `{text}` does not parse: {error}\n{output}");
    }
});
