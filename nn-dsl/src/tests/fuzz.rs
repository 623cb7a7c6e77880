//! Random and mutated token streams: `analyze` must return, never panic, and whatever it
//! accepts must satisfy the model's invariants.
//! The bounded twin of the libFuzzer target `fuzz/fuzz_targets/dsl.rs` (FUZZING.md).

use std::str::FromStr;

use proc_macro2::{Group, TokenStream, TokenTree};
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::support::check_invariants;
use crate::analyze;

/// Valid networks to mutate.
const SEEDS: &[&str] = &[
    "/// Doc.\n pub Net(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >",
    "Net(8) -> 2 < dense(4, he_normal), batchnorm(momentum = 0.9, epsilon = 1e-5), relu, dropout(0.5), dense(2, sigmoid) >",
    "pub(crate) Net(16) < dense(8, leaky_relu(0.2), l2 = 1e-4, bias = false, input = 16), rrelu(0.1, 0.3), \
     dense(8, elu(1.0), allow = [init_mismatch, linear_stack]), alpha_dropout(0.1), dense(4, gelu(tanh)), swish, \
     dense(2, random_normal(0.05), allow = init_mismatch) >",
    "Net(4) < dense(4, tanh), dense(4, tanh), dense(4, sigmoid), dense(4), tanh(allow = saturating_stack), \
     dense(3, selu), dropout(0.1, allow = self_normalization), dense(2, softmax) >",
];

/// Fragments inserted by mutations: names, numbers, punctuation, groups.
const FRAGMENTS: &[&str] = &[
    "dense",
    "batchnorm",
    "dropout",
    "alpha_dropout",
    "relu",
    "softmax",
    "selu",
    "tanh",
    "he_normal",
    "zeros",
    "random_normal",
    "allow",
    "init_mismatch",
    "input",
    "bias",
    "l2",
    "gelu",
    "x",
    "_",
    "pub",
    "true",
    "0",
    "1",
    "784",
    "0.5",
    "1.0",
    "-",
    "1e999",
    "99999999999999999999999",
    "300f32",
    "0x10",
    "1u8",
    "'c'",
    "\"relu\"",
    "b\"x\"",
    "<",
    ">",
    "->",
    ",",
    "=",
    "==",
    ";",
    "#",
    "!",
    "(4)",
    "(0)",
    "(relu, 3)",
    "()",
    "[]",
    "[init_mismatch]",
    "{}",
    "(a = 1)",
    "#[doc = \"x\"]",
];

fn trees(source: &str) -> Vec<TokenTree> {
    TokenStream::from_str(source).map_or_else(|_| Vec::new(), |stream| stream.into_iter().collect())
}

/// One edit at the `target`-th token in pre-order (groups included, their contents after them).
#[derive(Debug, Clone, Copy)]
enum Edit {
    Delete,
    Duplicate,
    SwapWithNext,
    Insert(usize),
    Replace(usize),
}

fn apply(
    tokens: Vec<TokenTree>,
    edit: Edit,
    target: usize,
    position: &mut usize,
) -> Vec<TokenTree> {
    let mut out = Vec::with_capacity(tokens.len() + 2);
    let mut iter = tokens.into_iter().peekable();
    while let Some(token) = iter.next() {
        let here = *position == target;
        *position += 1;
        let token = match token {
            TokenTree::Group(group) if !here => {
                let inner = apply(group.stream().into_iter().collect(), edit, target, position);
                let mut rebuilt = Group::new(group.delimiter(), inner.into_iter().collect());
                rebuilt.set_span(group.span());
                TokenTree::Group(rebuilt)
            }
            other => other,
        };
        if !here {
            out.push(token);
            continue;
        }
        match edit {
            Edit::Delete => {}
            Edit::Duplicate => {
                out.push(token.clone());
                out.push(token);
            }
            Edit::SwapWithNext => match iter.next() {
                Some(next) => {
                    out.push(next);
                    out.push(token);
                }
                None => out.push(token),
            },
            Edit::Insert(fragment) => {
                out.extend(trees(
                    FRAGMENTS
                        .get(fragment % FRAGMENTS.len())
                        .copied()
                        .unwrap_or(""),
                ));
                out.push(token);
            }
            Edit::Replace(fragment) => {
                out.extend(trees(
                    FRAGMENTS
                        .get(fragment % FRAGMENTS.len())
                        .copied()
                        .unwrap_or(""),
                ));
            }
        }
    }
    out
}

fn edit() -> impl Strategy<Value = (Edit, usize)> {
    let kind = prop_oneof![
        Just(Edit::Delete),
        Just(Edit::Duplicate),
        Just(Edit::SwapWithNext),
        any::<usize>().prop_map(Edit::Insert),
        any::<usize>().prop_map(Edit::Replace),
    ];
    (kind, 0..120usize)
}

/// Analyzes `stream`; an accepted network must satisfy the invariants, and what the macro
/// emits (the expansion, or the errors and the stand-in struct) must parse as Rust items, so
/// that a user sees our errors and not a parse error of generated code.
fn run(stream: TokenStream) {
    let output = match analyze(stream.clone()) {
        Ok(network) => {
            check_invariants(&network);
            // Code generation must not panic either (huge widths once overflowed a count).
            crate::expand::expand(&network)
        }
        Err(errors) => crate::expand::fallback(&stream, errors),
    };
    if let Err(error) = syn::parse2::<syn::File>(output.clone()) {
        panic!("the output for `{stream}` does not parse: {error}\n{output}");
    }
}

#[test]
fn huge_widths_expand_to_an_error_not_a_panic() {
    for source in [
        "Net(4294967296) < dense(4294967296, softmax) >",
        "Net(1) < dense(18446744073709551615, relu), batchnorm, dense(2, softmax) >",
    ] {
        let Ok(stream) = TokenStream::from_str(source) else {
            panic!("{source} lexes");
        };
        let network = analyze(stream).expect("the front end accepts it");
        let output = crate::expand::expand(&network).to_string();
        assert!(output.contains("compile_error"), "{source}: {output}");
    }
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(6000))]

    #[test]
    fn mutated_networks_never_panic(seed in 0..SEEDS.len(), edits in prop::collection::vec(edit(), 1..5)) {
        let mut tokens = trees(SEEDS.get(seed).copied().unwrap_or(""));
        for (edit, target) in edits {
            tokens = apply(tokens, edit, target, &mut 0);
        }
        run(tokens.into_iter().collect());
    }
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn fragment_soup_never_panics(fragments in prop::collection::vec(0..FRAGMENTS.len(), 0..24)) {
        let source: Vec<&str> = fragments.iter().filter_map(|index| FRAGMENTS.get(*index).copied()).collect();
        let source = source.join(" ");
        if let Ok(stream) = TokenStream::from_str(&source) {
            run(stream);
        }
        if let Ok(stream) = TokenStream::from_str(&format!("Net(8) < {source} >")) {
            run(stream);
        }
    }

    #[test]
    fn random_strings_never_panic(chars in prop::collection::vec(
        prop::sample::select(
            "abdelnrsu_ABN 0123456789.,=<>()[]{}-#!/\"'\n".chars().collect::<Vec<char>>()
        ),
        0..60,
    )) {
        let source: String = chars.into_iter().collect();
        if let Ok(stream) = TokenStream::from_str(&format!("Net(8) < {source} >")) {
            run(stream);
        }
        if let Ok(stream) = TokenStream::from_str(&source) {
            run(stream);
        }
    }
}

#[test]
fn the_seeds_are_valid() {
    for seed in SEEDS {
        let Ok(stream) = TokenStream::from_str(seed) else {
            panic!("{seed} lexes");
        };
        match analyze(stream) {
            Ok(network) => check_invariants(&network),
            Err(error) => panic!("{seed}: {error}"),
        }
    }
}

/// Found by the proptests above once the output had to parse: the fallback copied malformed
/// attributes and visibilities into the stand-in struct, so rustc reported a parse error of
/// the macro's output instead of the macro's own error.
#[test]
fn a_malformed_header_gives_the_errors_without_a_stand_in() {
    for source in [
        "# (4) dense",
        "#[= \"Doc.\"] pub Net(784) < dense(10, softmax) >",
        "pub(4) Net(4) < dense(2, softmax) >",
        "pub(relu, 3) Net(4) < dense(2, softmax) >",
    ] {
        let Ok(stream) = TokenStream::from_str(source) else {
            panic!("{source} lexes");
        };
        let output = crate::network(stream);
        let text = output.to_string();
        assert!(text.contains("compile_error"), "{source}: {text}");
        assert!(!text.contains("struct"), "{source}: {text}");
        assert!(syn::parse2::<syn::File>(output).is_ok(), "{source}: {text}");
    }
    // A well-formed header with an error in the layers still gets its stand-in.
    let Ok(stream) = TokenStream::from_str("#[derive(Default)] pub(crate) Net(4) < dense(0) >")
    else {
        panic!("lexes");
    };
    let text = crate::network(stream).to_string();
    assert!(text.contains("struct Net"), "{text}");
}
