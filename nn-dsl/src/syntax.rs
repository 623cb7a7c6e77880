//! The surface syntax of `network!`, as written, with every token kept for its span.
//!
//! Nothing here is looked up or checked: `dense(300, relux)` parses, and resolution reports
//! the unknown name. The grammar is in [`crate::parse`].

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Ident, LitBool, LitFloat, LitInt, Token, Visibility};

/// `#[attrs] vis Name(input) -> output < layer, ... >`, the input a width (`784`) or an image
/// shape (`28, 28, 1`: height, width, channels).
pub(crate) struct NetworkDef {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// One literal (a width) or three (height, width, channels).
    pub input: Vec<LitInt>,
    /// The span of the input's parentheses.
    pub input_span: Span,
    pub output: Option<LitInt>,
    /// The `<` opening the layer list (where "no layers" is reported).
    pub open: Token![<],
    pub layers: Vec<LayerCall>,
}

/// `name` or `name(args)`: a layer in the list, or an activation or initializer argument.
pub(crate) struct LayerCall {
    pub name: Ident,
    pub args: Option<Args>,
}

/// The parenthesized arguments of a call.
pub(crate) struct Args {
    /// The span of the parentheses.
    pub span: Span,
    pub items: Vec<Arg>,
}

/// One argument: `value` or `key = value`.
pub(crate) enum Arg {
    Positional(Value),
    Keyword { key: Ident, value: Value },
}

/// An argument value.
pub(crate) enum Value {
    Number(Number),
    Bool(LitBool),
    /// A name with optional arguments: `relu`, `leaky_relu(0.2)`, `random_normal(0.05)`.
    Call(LayerCall),
    /// `[name, ...]`, for `allow = [a, b]`.
    List {
        span: Span,
        names: Vec<Ident>,
    },
    /// `(a, b)`, for a kernel, window or stride of two sizes: `kernel = (3, 5)`.
    Tuple {
        span: Span,
        items: Vec<Number>,
    },
}

/// A number literal, possibly negated: `300`, `0.5`, `-1.0`.
pub(crate) struct Number {
    pub minus: Option<Token![-]>,
    pub literal: NumberLit,
}

/// An integer or a float literal.
pub(crate) enum NumberLit {
    Int(LitInt),
    Float(LitFloat),
}

impl Number {
    /// The number as written, for messages (`-1.5`).
    pub fn text(&self) -> String {
        let sign = if self.minus.is_some() { "-" } else { "" };
        match &self.literal {
            NumberLit::Int(lit) => format!("{sign}{lit}"),
            NumberLit::Float(lit) => format!("{sign}{lit}"),
        }
    }
}

impl Value {
    /// The value as written, for messages.
    pub fn text(&self) -> String {
        match self {
            Self::Number(number) => number.text(),
            Self::Bool(lit) => lit.value.to_string(),
            Self::Call(call) => call.name.to_string(),
            Self::List { names, .. } => {
                let names: Vec<String> = names.iter().map(ToString::to_string).collect();
                format!("[{}]", names.join(", "))
            }
            Self::Tuple { items, .. } => {
                let items: Vec<String> = items.iter().map(Number::text).collect();
                format!("({})", items.join(", "))
            }
        }
    }
}

impl ToTokens for Number {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.minus.to_tokens(tokens);
        match &self.literal {
            NumberLit::Int(lit) => lit.to_tokens(tokens),
            NumberLit::Float(lit) => lit.to_tokens(tokens),
        }
    }
}

impl ToTokens for Value {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Self::Number(number) => number.to_tokens(tokens),
            Self::Bool(lit) => lit.to_tokens(tokens),
            Self::Call(call) => call.to_tokens(tokens),
            Self::List { span, names } => {
                let mut inner = TokenStream::new();
                for name in names {
                    name.to_tokens(&mut inner);
                }
                let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Bracket, inner);
                group.set_span(*span);
                group.to_tokens(tokens);
            }
            Self::Tuple { span, items } => {
                let mut inner = TokenStream::new();
                for item in items {
                    item.to_tokens(&mut inner);
                }
                let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, inner);
                group.set_span(*span);
                group.to_tokens(tokens);
            }
        }
    }
}

impl ToTokens for LayerCall {
    /// The name and, if any, the parentheses (their contents are not needed for spans).
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.name.to_tokens(tokens);
        if let Some(args) = &self.args {
            let mut group =
                proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, TokenStream::new());
            group.set_span(args.span);
            group.to_tokens(tokens);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_written() {
        for (source, text, tokens) in [
            ("-1.5", "-1.5", "- 1.5"),
            ("300", "300", "300"),
            ("true", "true", "true"),
            ("leaky_relu(0.2)", "leaky_relu", "leaky_relu ()"),
            ("[a, b]", "[a, b]", "[a b]"),
        ] {
            let Ok(value) = syn::parse_str::<Value>(source) else {
                panic!("{source} parses");
            };
            assert_eq!(value.text(), text);
            assert_eq!(value.to_token_stream().to_string(), tokens);
        }
    }
}
