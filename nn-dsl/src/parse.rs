//! `impl Parse` for each syntax node, the grammar in each doc comment.
//!
//! Parsing stops at the first syntax error (syn's parse streams are fail-fast); everything
//! after parsing is collected and reported together.

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{
    Attribute, Ident, LitBool, LitFloat, LitInt, LitStr, Token, Visibility, bracketed,
    parenthesized, token,
};

use crate::syntax::{Arg, Args, LayerCall, NetworkDef, Number, NumberLit, Value};

const EXAMPLE: &str = "`network! { pub Mnist(784) < dense(300, relu), dense(10, softmax) > }`";

impl Parse for NetworkDef {
    /// ```text
    /// network := outer-attribute* visibility Name "(" INT ( "," INT "," INT )? ")" ( "->" INT )?
    ///            "<" ( layer ( "," layer )* ","? )? ">"
    /// ```
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Ident) {
            return Err(input.error(format!("expected the network's type name, as in {EXAMPLE}")));
        }
        let name: Ident = input.parse()?;
        if !input.peek(token::Paren) {
            return Err(input.error(format!(
                "expected the input width in parentheses after `{name}`, as in `{name}(784)`"
            )));
        }
        let content;
        let paren = parenthesized!(content in input);
        let mut input_shape = vec![width_literal(&content, "the input width")?];
        while content.peek(Token![,]) && input_shape.len() < 3 {
            content.parse::<Token![,]>()?;
            if content.is_empty() {
                break;
            }
            input_shape.push(width_literal(
                &content,
                "the image's height, width and channels",
            )?);
        }
        if !content.is_empty() || input_shape.len() == 2 {
            return Err(content.error(
                "expected the input width, like `784`, or an image shape, like `28, 28, 1` (height, width, channels)",
            ));
        }
        let output = if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            Some(width_literal(input, "the output width after `->`")?)
        } else {
            None
        };
        if !input.peek(Token![<]) {
            return Err(input.error(format!(
                "expected `<` to open the layer list, as in {EXAMPLE}"
            )));
        }
        let open: Token![<] = input.parse()?;
        let mut layers = Vec::new();
        while !input.peek(Token![>]) {
            if input.is_empty() {
                return Err(input.error("expected `>` to close the layer list"));
            }
            layers.push(input.parse()?);
            if input.peek(Token![>]) {
                break;
            }
            if input.is_empty() {
                return Err(input.error("expected `>` to close the layer list"));
            }
            if !input.peek(Token![,]) {
                return Err(input.error("expected `,` or `>` after a layer"));
            }
            input.parse::<Token![,]>()?;
        }
        input.parse::<Token![>]>()?;
        if !input.is_empty() {
            return Err(input
                .error("unexpected tokens after the layer list; `network!` defines one network"));
        }
        Ok(NetworkDef {
            attrs,
            vis,
            name,
            input: input_shape,
            input_span: paren.span.join(),
            output,
            open,
            layers,
        })
    }
}

/// An integer literal.
fn width_literal(input: ParseStream, what: &str) -> syn::Result<LitInt> {
    if !input.peek(LitInt) {
        return Err(input.error(format!("expected {what}, an integer literal like `784`")));
    }
    input.parse()
}

/// How deep a call sits: a layer's arguments may be calls (`dense(4, leaky_relu(0.2))`), their
/// arguments may not, so the recursion is bounded whatever the input.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// A layer in the list.
    Layer,
    /// An argument of a layer: an activation or an initializer, with arguments of its own.
    Argument,
    /// An argument of an argument: a name only.
    Leaf,
}

impl Level {
    fn inner(self) -> Level {
        match self {
            Level::Layer => Level::Argument,
            Level::Argument | Level::Leaf => Level::Leaf,
        }
    }
}

impl Parse for LayerCall {
    /// ```text
    /// call := NAME ( "(" ( arg ( "," arg )* ","? )? ")" )?
    /// ```
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_call(input, Level::Layer)
    }
}

fn parse_call(input: ParseStream, level: Level) -> syn::Result<LayerCall> {
    if input.peek(LitStr) {
        let literal: LitStr = input.parse()?;
        return Err(syn::Error::new(
            literal.span(),
            format!("names are written without quotes: `{}`", literal.value()),
        ));
    }
    if !input.peek(Ident::peek_any) {
        return Err(input.error(
            "expected a layer: `dense(..)`, `conv2d(..)`, `maxpool(..)`, `avgpool(..)`, `global_avgpool`, `flatten`, `batchnorm`, `dropout(..)`, `alpha_dropout(..)` or an activation",
        ));
    }
    let name = input.call(Ident::parse_any)?;
    if !input.peek(token::Paren) {
        return Ok(LayerCall { name, args: None });
    }
    if level == Level::Leaf {
        return Err(input.error(format!("`{name}` takes no arguments here")));
    }
    let args = parse_args(input, level.inner())?;
    Ok(LayerCall {
        name,
        args: Some(args),
    })
}

/// ```text
/// args := "(" ( arg ( "," arg )* ","? )? ")"
/// ```
fn parse_args(input: ParseStream, level: Level) -> syn::Result<Args> {
    let content;
    let paren = parenthesized!(content in input);
    let mut items = Vec::new();
    while !content.is_empty() {
        items.push(parse_arg(&content, level)?);
        if content.is_empty() {
            break;
        }
        if !content.peek(Token![,]) {
            return Err(content.error("expected `,` between arguments"));
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Args {
        span: paren.span.join(),
        items,
    })
}

/// ```text
/// arg := NAME "=" value | value
/// ```
fn parse_arg(input: ParseStream, level: Level) -> syn::Result<Arg> {
    if input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
        let key = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let value = parse_value(input, level)?;
        Ok(Arg::Keyword { key, value })
    } else {
        Ok(Arg::Positional(parse_value(input, level)?))
    }
}

impl Parse for Value {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        parse_value(input, Level::Argument)
    }
}

/// ```text
/// value := "-"? INT | "-"? FLOAT | "true" | "false" | call | "[" ( NAME ( "," NAME )* ","? )? "]"
///        | "(" number ( "," number )* ","? ")"
/// ```
fn parse_value(input: ParseStream, level: Level) -> syn::Result<Value> {
    if input.peek(LitInt)
        || input.peek(LitFloat)
        || (input.peek(Token![-]) && !input.peek(Token![->]))
    {
        return input.parse().map(Value::Number);
    }
    if input.peek(LitBool) {
        return input.parse().map(Value::Bool);
    }
    if input.peek(token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let mut names = Vec::new();
        while !content.is_empty() {
            if !content.peek(Ident::peek_any) {
                return Err(content.error("expected a name in the list"));
            }
            names.push(content.call(Ident::parse_any)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(Value::List {
            span: bracket.span.join(),
            names,
        });
    }
    if input.peek(token::Paren) {
        let content;
        let paren = parenthesized!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            items.push(content.parse()?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(Value::Tuple {
            span: paren.span.join(),
            items,
        });
    }
    if input.peek(LitStr) || input.peek(Ident::peek_any) {
        return parse_call(input, level).map(Value::Call);
    }
    Err(input.error("expected a number, a name, `true`, `false`, a list `[..]` or a pair `(3, 5)`"))
}

impl Parse for Number {
    /// ```text
    /// number := "-"? ( INT | FLOAT )
    /// ```
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let minus = if input.peek(Token![-]) {
            Some(input.parse()?)
        } else {
            None
        };
        let literal = if input.peek(LitInt) {
            NumberLit::Int(input.parse()?)
        } else if input.peek(LitFloat) {
            NumberLit::Float(input.parse()?)
        } else {
            return Err(input.error("expected a number after `-`"));
        };
        Ok(Number { minus, literal })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::support::source_text;

    fn parse(source: &str) -> syn::Result<NetworkDef> {
        let tokens: proc_macro2::TokenStream = source
            .parse()
            .map_err(|error: proc_macro2::LexError| syn::Error::new(error.span(), error))?;
        syn::parse2(tokens)
    }

    fn parse_error(source: &str) -> (String, Option<String>) {
        match parse(source) {
            Ok(_) => (String::from("<parsed>"), None),
            Err(error) => (error.to_string(), source_text(&error)),
        }
    }

    #[test]
    fn the_design_card() {
        let Ok(def) = parse(
            "/// Classifies digits.\n #[derive(Debug)] pub Net(784) -> 10 < dense(300, relu, he_normal), batchnorm, \
             dense(100, selu, lecun_normal), dense(10, softmax) >",
        ) else {
            panic!("the design card parses");
        };
        assert_eq!(def.attrs.len(), 2);
        assert!(matches!(def.vis, Visibility::Public(_)));
        assert_eq!(def.name, "Net");
        assert_eq!(def.input[0].base10_digits(), "784");
        assert_eq!(
            def.output.map(|lit| lit.to_string()),
            Some(String::from("10"))
        );
        let names: Vec<String> = def
            .layers
            .iter()
            .map(|layer| layer.name.to_string())
            .collect();
        assert_eq!(names, ["dense", "batchnorm", "dense", "dense"]);
        assert!(
            def.layers
                .iter()
                .skip(1)
                .take(1)
                .all(|layer| layer.args.is_none())
        );
    }

    #[test]
    fn arguments_of_every_shape() {
        let Ok(def) = parse(
            "Net(4) < dense(3, leaky_relu(0.2), random_normal(stddev = 0.05), l2 = 1e-4, bias = false, \
             allow = [init_mismatch, linear_stack], input = 4,), elu(-1.0), batchnorm(), >",
        ) else {
            panic!("parses");
        };
        assert!(matches!(def.vis, Visibility::Inherited));
        assert_eq!(def.layers.len(), 3);
        let Some(args) = def.layers.first().and_then(|layer| layer.args.as_ref()) else {
            panic!("dense has arguments");
        };
        let texts: Vec<String> = args
            .items
            .iter()
            .map(|arg| match arg {
                Arg::Positional(value) => value.text(),
                Arg::Keyword { key, value } => format!("{key}={}", value.text()),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "3",
                "leaky_relu",
                "random_normal",
                "l2=1e-4",
                "bias=false",
                "allow=[init_mismatch, linear_stack]",
                "input=4"
            ]
        );
        let Some(Arg::Positional(Value::Number(number))) = def
            .layers
            .get(1)
            .and_then(|layer| layer.args.as_ref())
            .and_then(|args| args.items.first())
        else {
            panic!("elu has a number");
        };
        assert_eq!(number.text(), "-1.0");
    }

    #[test]
    fn empty_layer_list_parses() {
        // Rejected later, with a better message than a parse error.
        assert!(parse("Net(4) < >").is_ok_and(|def| def.layers.is_empty()));
    }

    #[test]
    fn syntax_errors() {
        let cases = [
            (
                "pub (784) < relu >",
                "expected the network's type name",
                None,
            ),
            (
                "Net < relu >",
                "expected the input width in parentheses after `Net`",
                Some("<"),
            ),
            (
                "Net(x) < relu >",
                "expected the input width, an integer literal",
                Some("x"),
            ),
            (
                "Net(784, 3) < relu >",
                "or an image shape, like `28, 28, 1` (height, width, channels)",
                None,
            ),
            (
                "Net(28, 28, 1, 2) < relu >",
                "or an image shape, like `28, 28, 1` (height, width, channels)",
                Some(","),
            ),
            (
                "Net(784) -> x < relu >",
                "expected the output width after `->`",
                Some("x"),
            ),
            (
                "Net(784) [ relu ]",
                "expected `<` to open the layer list",
                None,
            ),
            (
                "Net(784) < relu",
                "expected `>` to close the layer list",
                None,
            ),
            (
                "Net(784) < relu relu >",
                "expected `,` or `>` after a layer",
                Some("relu"),
            ),
            ("Net(784) < 3 >", "expected a layer", Some("3")),
            (
                "Net(784) < dense(3 relu) >",
                "expected `,` between arguments",
                Some("relu"),
            ),
            (
                "Net(784) < dense(3, \"relu\") >",
                "names are written without quotes: `relu`",
                Some("\"relu\""),
            ),
            (
                "Net(784) < dense(3, allow = [1]) >",
                "expected a name in the list",
                Some("1"),
            ),
            (
                "Net(784) < dense(3, -x) >",
                "expected a number after `-`",
                Some("x"),
            ),
            (
                "Net(784) < dense(3, @) >",
                "expected a number, a name",
                Some("@"),
            ),
            (
                "Net(784) < relu > extra",
                "unexpected tokens after the layer list",
                Some("extra"),
            ),
        ];
        for (source, expected, token) in cases {
            let (message, text) = parse_error(source);
            assert!(message.contains(expected), "{source}: {message}");
            if let Some(token) = token {
                assert_eq!(text.as_deref(), Some(token), "{source}: {message}");
            }
        }
    }
}
