//! Binds the arguments of a call to the parameters the vocabulary table lists: positional in
//! order, then keywords; types and ranges checked; unknown and repeated keywords reported.

use proc_macro2::Span;
use syn::{Ident, LitInt};

use crate::diagnostics::Diagnostics;
use crate::model::Allow;
use crate::suggest::{self, Hint};
use crate::syntax::{Arg, Args, LayerCall, Number, NumberLit, Value};
use crate::vocab::{self, Category, Param, ParamKind};

/// Where `allow = ...` may be written in a call.
#[derive(Clone, Copy)]
pub(super) enum AllowSlot {
    /// On a layer, for these opt-outs.
    Layer(&'static [Allow]),
    /// Inside an argument of `layer` (an activation or initializer of a dense layer).
    Argument { layer: &'static str },
}

/// What a call accepts.
#[derive(Clone, Copy)]
pub(super) struct Signature {
    /// The name of the called thing, for messages.
    pub owner: &'static str,
    pub params: &'static [Param],
    pub allow: AllowSlot,
}

/// A bound parameter value and the span of what was written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Bound {
    Number(f64),
    Width(usize),
    Bool(bool),
    Choice(&'static str),
    Size(usize, usize),
}

/// The values bound to a signature's parameters.
pub(super) struct Binding {
    params: &'static [Param],
    values: Vec<Option<(Bound, Span)>>,
    /// Whether each parameter was written (even if its value was rejected).
    given: Vec<bool>,
    /// The opt-outs written.
    pub allow: Vec<Allow>,
}

impl Binding {
    fn new(params: &'static [Param]) -> Self {
        Self {
            params,
            values: vec![None; params.len()],
            given: vec![false; params.len()],
            allow: Vec::new(),
        }
    }

    /// Records that parameter `index` was written, and its value if it was valid. Returns
    /// `false` if it had been written before.
    fn set(&mut self, index: usize, value: Option<(Bound, Span)>) -> bool {
        match (self.given.get_mut(index), self.values.get_mut(index)) {
            (Some(given), Some(entry)) if !*given => {
                *given = true;
                *entry = value;
                true
            }
            _ => false,
        }
    }

    fn get(&self, name: &str) -> Option<(Bound, Span)> {
        let index = self.params.iter().position(|param| param.name == name)?;
        self.values.get(index).copied().flatten()
    }

    /// The number bound to `name`, with its span.
    pub fn number(&self, name: &str) -> Option<(f64, Span)> {
        match self.get(name)? {
            (Bound::Number(value), span) => Some((value, span)),
            _ => None,
        }
    }

    /// The width bound to `name`, with its span.
    pub fn width(&self, name: &str) -> Option<(usize, Span)> {
        match self.get(name)? {
            (Bound::Width(value), span) => Some((value, span)),
            _ => None,
        }
    }

    /// The boolean bound to `name`.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            (Bound::Bool(value), _) => Some(value),
            _ => None,
        }
    }

    /// The size bound to `name` (`(height, width)`), with its span.
    pub fn size(&self, name: &str) -> Option<((usize, usize), Span)> {
        match self.get(name)? {
            (Bound::Size(height, width), span) => Some(((height, width), span)),
            _ => None,
        }
    }

    /// The choice bound to `name`.
    pub fn choice(&self, name: &str) -> Option<&'static str> {
        match self.get(name)? {
            (Bound::Choice(value), _) => Some(value),
            _ => None,
        }
    }
}

/// The arguments of a call split into positional and keyword ones. A positional argument
/// after a keyword is reported and dropped.
pub(super) struct Split<'a> {
    pub positional: Vec<&'a Value>,
    pub keywords: Vec<(&'a Ident, &'a Value)>,
}

pub(super) fn split<'a>(args: Option<&'a Args>, diagnostics: &mut Diagnostics) -> Split<'a> {
    let mut split = Split {
        positional: Vec::new(),
        keywords: Vec::new(),
    };
    for arg in args.map_or(&[][..], |args| &args.items) {
        match arg {
            Arg::Positional(value) if split.keywords.is_empty() => split.positional.push(value),
            Arg::Positional(value) => diagnostics.error_spanned(
                value,
                format!(
                    "positional argument `{}` after a keyword argument; positional arguments come first",
                    value.text()
                ),
            ),
            Arg::Keyword { key, value } => split.keywords.push((key, value)),
        }
    }
    split
}

/// Binds a whole call: positional arguments in order, then keywords, then the required check.
pub(super) fn bind_call(
    call: &LayerCall,
    signature: Signature,
    diagnostics: &mut Diagnostics,
) -> Binding {
    let split = split(call.args.as_ref(), diagnostics);
    let mut binding = Binding::new(signature.params);
    bind_positional(&mut binding, &split.positional, signature, diagnostics);
    bind_keywords(&mut binding, &split.keywords, signature, diagnostics);
    check_required(&binding, &call.name, signature, diagnostics);
    binding
}

/// Binds only keyword arguments (a dense layer handles its positional arguments itself).
pub(super) fn bind_keywords_only(
    keywords: &[(&Ident, &Value)],
    signature: Signature,
    diagnostics: &mut Diagnostics,
) -> Binding {
    let mut binding = Binding::new(signature.params);
    bind_keywords(&mut binding, keywords, signature, diagnostics);
    binding
}

fn bind_positional(
    binding: &mut Binding,
    positional: &[&Value],
    signature: Signature,
    diagnostics: &mut Diagnostics,
) {
    let slots: Vec<usize> = (0..signature.params.len())
        .filter(|index| {
            signature
                .params
                .get(*index)
                .is_some_and(|param| param.positional)
        })
        .collect();
    if let Some(extra) = positional.get(slots.len()) {
        diagnostics.error_spanned(extra, too_many_arguments(signature, &slots));
    }
    for (value, &index) in positional.iter().zip(&slots) {
        let Some(param) = signature.params.get(index) else {
            continue;
        };
        let converted = convert(signature.owner, param, value, diagnostics);
        binding.set(index, converted);
    }
}

fn too_many_arguments(signature: Signature, slots: &[usize]) -> String {
    let owner = signature.owner;
    let names: Vec<&str> = slots
        .iter()
        .filter_map(|index| signature.params.get(*index))
        .map(|param| param.name)
        .collect();
    if !names.is_empty() {
        let count = names.len();
        let plural = if count == 1 { "" } else { "s" };
        return format!(
            "`{owner}` takes at most {count} argument{plural} ({}), and this is one more",
            suggest::list(&names, "and")
        );
    }
    if signature.params.is_empty() {
        return format!("`{owner}` takes no arguments");
    }
    let example: Vec<String> = signature
        .params
        .iter()
        .map(|param| format!("{} = {}", param.name, param.example))
        .collect();
    format!(
        "`{owner}` takes only keyword arguments, like `{owner}({})`",
        example.join(", ")
    )
}

fn bind_keywords(
    binding: &mut Binding,
    keywords: &[(&Ident, &Value)],
    signature: Signature,
    diagnostics: &mut Diagnostics,
) {
    let owner = signature.owner;
    for (key, value) in keywords {
        let name = key.to_string();
        if name == vocab::ALLOW {
            bind_allow(binding, key, value, signature, diagnostics);
            continue;
        }
        let Some(index) = signature.params.iter().position(|param| param.name == name) else {
            diagnostics.error(key.span(), unknown_keyword(&name, signature));
            continue;
        };
        let Some(param) = signature.params.get(index) else {
            continue;
        };
        let converted = convert(owner, param, value, diagnostics);
        if !binding.set(index, converted) {
            diagnostics.error(key.span(), format!("`{owner}` {name} is given twice"));
        }
    }
}

fn unknown_keyword(name: &str, signature: Signature) -> String {
    let owner = signature.owner;
    let mut keys: Vec<&str> = signature.params.iter().map(|param| param.name).collect();
    if let AllowSlot::Layer(allows) = signature.allow
        && !allows.is_empty()
    {
        keys.push(vocab::ALLOW);
    }
    let mut message = format!("unknown `{owner}` option `{name}`");
    if let Some(found) = suggest::best_match(name, &keys) {
        message.push_str(&format!("\nhelp: did you mean `{found}`?"));
    } else if keys.is_empty() {
        message.push_str(&format!("; `{owner}` takes no options"));
    } else {
        message.push_str(&format!(
            "\nhelp: `{owner}` takes {}",
            suggest::list(&keys, "and")
        ));
    }
    message
}

fn bind_allow(
    binding: &mut Binding,
    key: &Ident,
    value: &Value,
    signature: Signature,
    diagnostics: &mut Diagnostics,
) {
    let owner = signature.owner;
    let applicable = match signature.allow {
        AllowSlot::Argument { layer } => {
            diagnostics.error(
                key.span(),
                format!("`allow` belongs on the `{layer}` layer, not inside `{owner}`"),
            );
            return;
        }
        AllowSlot::Layer(applicable) => applicable,
    };
    let names: Vec<&Ident> = match value {
        Value::Call(LayerCall { name, args: None }) => vec![name],
        Value::List { names, .. } => names.iter().collect(),
        other => {
            diagnostics.error_spanned(
                other,
                format!(
                    "`allow` takes an opt-out or a list of them, like `allow = {}` or `allow = [{}, {}]`, found `{}`",
                    vocab::INIT_MISMATCH,
                    vocab::INIT_MISMATCH,
                    vocab::LINEAR_STACK,
                    other.text()
                ),
            );
            return;
        }
    };
    for name in names {
        let text = name.to_string();
        let Some(allow) = Allow::ALL
            .into_iter()
            .find(|allow| allow.dsl_name() == text)
        else {
            diagnostics.error(name.span(), unknown_allow(&text));
            continue;
        };
        if !applicable.contains(&allow) {
            diagnostics.error(
                name.span(),
                format!(
                    "`allow = {text}` has no effect on `{owner}`: it applies to {}",
                    suggest::list(allow_targets(allow), "and")
                ),
            );
        } else if binding.allow.contains(&allow) {
            diagnostics.error(name.span(), format!("`{text}` is allowed twice"));
        } else {
            binding.allow.push(allow);
        }
    }
}

fn unknown_allow(name: &str) -> String {
    let mut message = format!("unknown opt-out `{name}`");
    match suggest::hint(name, &[Category::Allow]) {
        Hint::DidYouMean(found) => message.push_str(&format!("\nhelp: did you mean `{found}`?")),
        Hint::OtherCategory { .. } | Hint::Nothing => message.push_str(&format!(
            "\nhelp: the opt-outs are {}",
            suggest::list(vocab::ALLOWS, "and")
        )),
    }
    message
}

/// The layers an opt-out can be written on (the layers whose rule or advice it silences).
pub(super) fn allow_targets(allow: Allow) -> &'static [&'static str] {
    match allow {
        Allow::InitMismatch | Allow::LinearStack => &[vocab::DENSE, vocab::CONV2D],
        Allow::UnusedPixels => &[vocab::CONV2D, vocab::MAXPOOL, vocab::AVGPOOL],
        Allow::SelfNormalization => &[vocab::BATCHNORM, vocab::DROPOUT],
        Allow::SaturatingStack => &[vocab::DENSE, vocab::SIGMOID, vocab::TANH],
    }
}

/// The opt-outs that can be written on the layer called `name`.
pub(super) fn allows_on(name: &str) -> &'static [Allow] {
    match name {
        vocab::DENSE => &[
            Allow::InitMismatch,
            Allow::LinearStack,
            Allow::SaturatingStack,
        ],
        vocab::CONV2D => &[Allow::InitMismatch, Allow::LinearStack, Allow::UnusedPixels],
        vocab::MAXPOOL | vocab::AVGPOOL => &[Allow::UnusedPixels],
        vocab::BATCHNORM | vocab::DROPOUT => &[Allow::SelfNormalization],
        vocab::SIGMOID | vocab::TANH => &[Allow::SaturatingStack],
        _ => &[],
    }
}

fn check_required(
    binding: &Binding,
    name: &Ident,
    signature: Signature,
    diagnostics: &mut Diagnostics,
) {
    let owner = signature.owner;
    for (param, given) in signature.params.iter().zip(&binding.given) {
        if param.required && !given {
            let example = if param.positional {
                format!("{owner}({})", param.example)
            } else {
                format!("{owner}({} = {})", param.name, param.example)
            };
            diagnostics.error(
                name.span(),
                format!("`{owner}` needs a {}, like `{example}`", param.name),
            );
        }
    }
}

/// Converts one written value to the parameter's type, checking its range.
fn convert(
    owner: &str,
    param: &Param,
    value: &Value,
    diagnostics: &mut Diagnostics,
) -> Option<(Bound, Span)> {
    let name = param.name;
    let span = value_span(value);
    match param.kind {
        ParamKind::Number(range) => {
            let Value::Number(number) = value else {
                diagnostics.error_spanned(
                    value,
                    format!(
                        "`{owner}` {name} takes a number, like `{}`, found `{}`",
                        param.example,
                        value.text()
                    ),
                );
                return None;
            };
            let parsed = number_value(number, diagnostics)?;
            if !parsed.is_finite() {
                diagnostics.error_spanned(
                    number,
                    format!(
                        "`{owner}` {name} `{}` is too large to be a finite number",
                        number.text()
                    ),
                );
                return None;
            }
            if !range.contains(parsed) {
                diagnostics.error_spanned(
                    number,
                    format!(
                        "`{owner}` {name} must be {}, found `{}`: {}",
                        range.describe(),
                        number.text(),
                        param.meaning
                    ),
                );
                return None;
            }
            Some((Bound::Number(parsed), span))
        }
        ParamKind::Width => {
            let width = width_value(value, &format!("`{owner}` {name}"), diagnostics)?;
            Some((Bound::Width(width), span))
        }
        ParamKind::Size => {
            let (height, width) = size_value(value, &format!("`{owner}` {name}"), diagnostics)?;
            Some((Bound::Size(height, width), span))
        }
        ParamKind::Bool => match value {
            Value::Bool(literal) => Some((Bound::Bool(literal.value), span)),
            other => {
                diagnostics.error_spanned(
                    other,
                    format!(
                        "`{owner}` {name} takes `true` or `false`, found `{}`",
                        other.text()
                    ),
                );
                None
            }
        },
        ParamKind::Choice(choices) => {
            if let Value::Call(LayerCall {
                name: written,
                args: None,
            }) = value
            {
                let text = written.to_string();
                if let Some(choice) = choices.iter().find(|choice| **choice == text) {
                    return Some((Bound::Choice(choice), span));
                }
                let mut message = format!(
                    "`{owner}` {name} takes {}, found `{text}`",
                    suggest::list(choices, "or")
                );
                if let Some(found) = suggest::best_match(&text, choices) {
                    message.push_str(&format!("\nhelp: did you mean `{found}`?"));
                }
                diagnostics.error(written.span(), message);
            } else {
                diagnostics.error_spanned(
                    value,
                    format!(
                        "`{owner}` {name} takes {}, found `{}`",
                        suggest::list(choices, "or"),
                        value.text()
                    ),
                );
            }
            None
        }
    }
}

/// The span of the first token of a value (the whole value is spanned by `error_spanned`).
pub(super) fn value_span(value: &Value) -> Span {
    match value {
        Value::Number(number) => match (&number.minus, &number.literal) {
            (Some(minus), _) => minus.span,
            (None, NumberLit::Int(literal)) => literal.span(),
            (None, NumberLit::Float(literal)) => literal.span(),
        },
        Value::Bool(literal) => literal.span,
        Value::Call(call) => call.name.span(),
        Value::List { span, .. } | Value::Tuple { span, .. } => *span,
    }
}

/// One side of a size: a positive integer literal.
fn size_number(number: &Number, what: &str, diagnostics: &mut Diagnostics) -> Option<usize> {
    match number {
        Number {
            minus: None,
            literal: NumberLit::Int(literal),
        } => width_literal(literal, what, diagnostics),
        other => {
            diagnostics.error_spanned(
                other,
                format!(
                    "{what} must be whole numbers, like `(3, 5)`, found `{}`",
                    other.text()
                ),
            );
            None
        }
    }
}

/// A size written as a value: `3` (square) or `(3, 5)` (height, width), each a positive
/// integer.
pub(super) fn size_value(
    value: &Value,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<(usize, usize)> {
    match value {
        Value::Tuple { items, .. } if items.len() == 2 => {
            let mut sizes = items
                .iter()
                .map(|item| size_number(item, what, diagnostics));
            let (height, width) = (sizes.next().flatten(), sizes.next().flatten());
            Some((height?, width?))
        }
        Value::Tuple { .. } => {
            diagnostics.error_spanned(
                value,
                format!(
                    "{what} takes one size or two, `(height, width)`, like `(3, 5)`, found `{}`",
                    value.text()
                ),
            );
            None
        }
        other => width_value(other, what, diagnostics).map(|size| (size, size)),
    }
}

/// The value of a number literal (integers are accepted as numbers).
fn number_value(number: &Number, diagnostics: &mut Diagnostics) -> Option<f64> {
    let parsed = match &number.literal {
        NumberLit::Int(literal) => literal.base10_parse::<f64>(),
        NumberLit::Float(literal) => literal.base10_parse::<f64>(),
    };
    match parsed {
        Ok(value) if number.minus.is_some() => Some(-value),
        Ok(value) => Some(value),
        Err(error) => {
            diagnostics.push(error);
            None
        }
    }
}

/// A width written as a value: a positive integer literal.
pub(super) fn width_value(
    value: &Value,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<usize> {
    match value {
        Value::Number(Number {
            minus: None,
            literal: NumberLit::Int(literal),
        }) => width_literal(literal, what, diagnostics),
        other => {
            diagnostics.error_spanned(
                other,
                format!(
                    "{what} must be a whole number of units, like `300`, found `{}`",
                    other.text()
                ),
            );
            None
        }
    }
}

/// A width written as an integer literal: at least 1, and fitting in `usize`.
pub(super) fn width_literal(
    literal: &LitInt,
    what: &str,
    diagnostics: &mut Diagnostics,
) -> Option<usize> {
    match literal.base10_parse::<usize>() {
        Ok(0) => {
            diagnostics.error(
                literal.span(),
                format!("{what} must be at least 1, found `0`"),
            );
            None
        }
        Ok(width) => Some(width),
        Err(error) => {
            diagnostics.error(
                literal.span(),
                format!("{what} `{}` is too large: {error}", literal.base10_digits()),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(source: &str, params: &'static [Param], allow: AllowSlot) -> (Binding, Vec<String>) {
        let Ok(call) = syn::parse_str::<LayerCall>(source) else {
            panic!("{source} parses");
        };
        let signature = Signature {
            owner: "test",
            params,
            allow,
        };
        let mut diagnostics = Diagnostics::new();
        let binding = bind_call(&call, signature, &mut diagnostics);
        let messages = match diagnostics.finish() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|error| error.to_string()).collect(),
        };
        (binding, messages)
    }

    const LAYER: AllowSlot = AllowSlot::Layer(&[Allow::SelfNormalization]);

    #[test]
    fn positional_then_keyword() {
        let (binding, messages) = bind("rrelu(0.1, upper = 0.2)", vocab::RRELU_PARAMS, LAYER);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(binding.number("lower").map(|(value, _)| value), Some(0.1));
        assert_eq!(binding.number("upper").map(|(value, _)| value), Some(0.2));
        assert!(binding.width("lower").is_none());
        assert_eq!(binding.bool("lower"), None);
    }

    #[test]
    fn integers_are_numbers() {
        let (binding, messages) = bind("dropout(0)", vocab::DROPOUT_PARAMS, LAYER);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(binding.number("rate").map(|(value, _)| value), Some(0.0));
    }

    #[test]
    fn keywords_only_and_allow() {
        let (binding, messages) = bind(
            "batchnorm(epsilon = 1e-5, allow = self_normalization)",
            vocab::BATCHNORM_PARAMS,
            LAYER,
        );
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(
            binding.number("epsilon").map(|(value, _)| value),
            Some(1e-5)
        );
        assert!(binding.number("momentum").is_none());
        assert_eq!(binding.allow, [Allow::SelfNormalization]);
    }

    #[test]
    fn a_rejected_value_still_counts_as_given() {
        let (binding, messages) = bind("dropout(2.0, rate = 0.5)", vocab::DROPOUT_PARAMS, LAYER);
        assert!(binding.number("rate").is_none());
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages
                .iter()
                .any(|message| message.contains("is given twice"))
        );
    }

    #[test]
    fn choices() {
        let (binding, messages) = bind("gelu(approximate = tanh)", vocab::GELU_PARAMS, LAYER);
        assert!(messages.is_empty(), "{messages:?}");
        assert_eq!(binding.choice("approximate"), Some("tanh"));
        let (_, messages) = bind("gelu(0.5)", vocab::GELU_PARAMS, LAYER);
        assert!(
            messages
                .iter()
                .any(|message| message.contains("takes `tanh` or `none`, found `0.5`"))
        );
    }

    #[test]
    fn allow_inside_an_argument() {
        let slot = AllowSlot::Argument { layer: "dense" };
        let (binding, messages) = bind("relu(allow = init_mismatch)", &[], slot);
        assert!(binding.allow.is_empty());
        assert_eq!(
            messages,
            ["`allow` belongs on the `dense` layer, not inside `test`"]
        );
    }

    #[test]
    fn too_many_arguments_messages() {
        let (_, messages) = bind("x(1, 2)", &[], LAYER);
        assert_eq!(messages, ["`test` takes no arguments"]);
        let (_, messages) = bind("x(1)", vocab::BATCHNORM_PARAMS, LAYER);
        assert_eq!(
            messages,
            ["`test` takes only keyword arguments, like `test(momentum = 0.99, epsilon = 0.001)`"]
        );
    }
}
