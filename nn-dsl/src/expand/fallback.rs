//! When a definition has errors: the errors, plus a stand-in struct with the user's name,
//! visibility and attributes, so code elsewhere that names the network (`Net::new(42)`) does
//! not add a cascade of "cannot find type" errors to the real ones (thiserror's fallback).

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};

/// The compile errors and, when the header can be read, a stand-in struct.
pub(crate) fn fallback(input: &TokenStream, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    let Some(header) = read_header(input) else {
        return errors;
    };
    let Header { attrs, vis, name } = header;
    let stand_in = quote! {
        #(#attrs)*
        #vis struct #name<T = f32>(::core::marker::PhantomData<T>);
    };
    // The header is read leniently: a malformed attribute (`#(x)`, `#[= 1]`) or visibility
    // (`pub(4)`) would make the stand-in fail to parse, and rustc would report that instead
    // of the macro's errors. Emit the errors alone then.
    if syn::parse2::<syn::DeriveInput>(stand_in.clone()).is_err() {
        return errors;
    }
    quote! {
        #errors
        #stand_in

        #[automatically_derived]
        impl #name {
            /// A stand-in: the `network!` definition has errors.
            pub fn new(_seed: u64) -> Self {
                Self(::core::marker::PhantomData)
            }
        }
    }
}

struct Header {
    attrs: Vec<TokenStream>,
    vis: TokenStream,
    name: proc_macro2::Ident,
}

/// Reads `#[attr]* vis? Name` leniently from the start of the input; `None` if it is not there.
fn read_header(input: &TokenStream) -> Option<Header> {
    let mut tokens = input.clone().into_iter().peekable();
    let mut attrs = Vec::new();
    while matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '#') {
        let hash = tokens.next()?;
        let group = tokens.next()?;
        if !matches!(&group, TokenTree::Group(_)) {
            return None;
        }
        attrs.push(TokenStream::from_iter([hash, group]));
    }
    let mut vis = TokenStream::new();
    if matches!(tokens.peek(), Some(TokenTree::Ident(i)) if i == "pub") {
        vis.extend(tokens.next());
        if matches!(tokens.peek(), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis)
        {
            vis.extend(tokens.next());
        }
    }
    match tokens.next()? {
        // A keyword (`struct`, `type`, `Self`) is no name: a stand-in would not parse and
        // would hide the macro's own error, so emit none.
        TokenTree::Ident(name) if syn::parse2::<syn::Ident>(name.to_token_stream()).is_ok() => {
            Some(Header { attrs, vis, name })
        }
        _ => None,
    }
}
