//! The whole activation x initializer table (DESIGN.md's pairing table), written out by hand
//! rather than derived from the checker's own families.

use super::support::{analyze_str, errors, network};
use crate::model::{Initializer, LayerKind};

const ACTIVATIONS: [&str; 12] = [
    "linear",
    "relu",
    "leaky_relu",
    "prelu",
    "rrelu",
    "elu",
    "selu",
    "gelu",
    "swish",
    "sigmoid",
    "tanh",
    "softmax",
];

/// Initializers as written in the DSL, and the token the error is spanned on.
const INITIALIZERS: [(&str, &str); 10] = [
    ("glorot_normal", "glorot_normal"),
    ("glorot_uniform", "glorot_uniform"),
    ("lecun_normal", "lecun_normal"),
    ("lecun_uniform", "lecun_uniform"),
    ("he_normal", "he_normal"),
    ("he_uniform", "he_uniform"),
    ("zeros", "zeros"),
    ("ones", "ones"),
    ("random_normal(0.05)", "random_normal"),
    ("random_uniform(0.05)", "random_uniform"),
];

/// Whether the pair fits, per DESIGN.md: Glorot with linear, tanh, sigmoid and softmax; He
/// with the ReLU family (leaky ReLU, PReLU, RReLU, ELU, GELU, swish); LeCun with SELU; the
/// constants and fixed-scale distributions with nothing.
fn expected_fit(activation: &str, initializer: &str) -> bool {
    let glorot = ["linear", "sigmoid", "tanh", "softmax"];
    let he = [
        "relu",
        "leaky_relu",
        "prelu",
        "rrelu",
        "elu",
        "gelu",
        "swish",
    ];
    match initializer {
        "glorot_normal" | "glorot_uniform" => glorot.contains(&activation),
        "he_normal" | "he_uniform" => he.contains(&activation),
        "lecun_normal" | "lecun_uniform" => activation == "selu",
        _ => false,
    }
}

/// Every pair, with the activation as the dense layer's own and as a separate layer after
/// batch norm and dropout (the check looks through them).
fn layouts(activation: &str, initializer: &str) -> [String; 2] {
    [
        format!("Net(8) < dense(4, {activation}, {initializer}) >"),
        format!("Net(8) < dense(4, {initializer}), batchnorm, dropout(0.1), {activation} >"),
    ]
}

#[test]
fn every_pair_fits_or_is_an_error_on_the_initializer() {
    let mut fitting = 0;
    let mut mismatched = 0;
    for activation in ACTIVATIONS {
        for (initializer, token) in INITIALIZERS {
            for source in layouts(activation, initializer) {
                if expected_fit(activation, token) {
                    let net = network(&source);
                    assert!(net.advice.is_empty(), "{source}: {:?}", net.advice);
                    fitting += 1;
                } else {
                    let errors = errors(&source);
                    assert_eq!(errors.len(), 1, "{source}: {errors:#?}");
                    let Some(error) = errors.first() else {
                        continue;
                    };
                    assert!(
                        error
                            .message
                            .starts_with(&format!("`{token}` does not fit `{activation}`"))
                            || (activation == "linear" && error.message.contains("does not fit")),
                        "{source}: {}",
                        error.message
                    );
                    assert!(
                        error.message.contains("allow = init_mismatch"),
                        "{}",
                        error.message
                    );
                    assert_eq!(error.token.as_deref(), Some(token), "{source}");
                    mismatched += 1;
                }
            }
        }
    }
    // 4 Glorot activations x 2 + 7 He activations x 2 + SELU x 2, in two layouts.
    assert_eq!(fitting, (4 * 2 + 7 * 2 + 2) * 2);
    assert_eq!(mismatched, 12 * 10 * 2 - fitting);
}

#[test]
fn every_mismatch_is_allowed_with_init_mismatch() {
    for activation in ACTIVATIONS {
        for (initializer, _) in INITIALIZERS {
            let source =
                format!("Net(8) < dense(4, {activation}, {initializer}, allow = init_mismatch) >");
            let net = network(&source);
            let Some(LayerKind::Dense(dense)) = net.layers.first().map(|layer| &layer.kind) else {
                panic!("{source}: a dense layer");
            };
            assert_eq!(
                dense.initializer.dsl_name(),
                initializer.split('(').next().unwrap_or("")
            );
            assert!(!dense.initializer_was_default);
        }
    }
}

#[test]
fn the_message_names_what_fits_and_why() {
    let cases = [
        (
            "Net(8) < dense(4, relu, glorot_uniform) >",
            [
                "`glorot_uniform` does not fit `relu`",
                "Var(W) = 2/fan_in",
                "use `he_normal` or `he_uniform`",
            ],
        ),
        (
            "Net(8) < dense(4, selu, he_normal) >",
            [
                "`he_normal` does not fit `selu`",
                "only when Var(W) = 1/fan_in",
                "use `lecun_normal` or `lecun_uniform`",
            ],
        ),
        (
            "Net(8) < dense(4, tanh, he_uniform) >",
            [
                "`he_uniform` does not fit `tanh`",
                "Var(W) = 2/(fan_in + fan_out)",
                "use `glorot_normal` or `glorot_uniform`",
            ],
        ),
        (
            "Net(8) < dense(4, glorot_uniform), batchnorm, dropout(0.1), relu >",
            [
                "`relu`, the activation these weights feed through `batchnorm` and `dropout`",
                "2/fan_in",
                "he_normal",
            ],
        ),
        (
            "Net(8) < dense(4, glorot_uniform), relu >",
            [
                "`relu`, the activation these weights feed:",
                "2/fan_in",
                "he_uniform",
            ],
        ),
        (
            "Net(8) < dense(4, he_normal) >",
            [
                "does not fit a linear output layer",
                "2/(fan_in + fan_out)",
                "glorot_uniform",
            ],
        ),
        (
            "Net(8) < dense(4, relu, zeros) >",
            [
                "`zeros` does not fit `relu`",
                "the same output and the same gradient",
                "he_normal",
            ],
        ),
        (
            "Net(8) < dense(4, relu, random_normal(0.05)) >",
            [
                "`random_normal` does not fit `relu`",
                "a fixed scale ignores fan_in",
                "2/fan_in",
            ],
        ),
    ];
    for (source, fragments) in cases {
        let errors = errors(source);
        let Some(error) = errors.first() else {
            panic!("{source}: an error");
        };
        for fragment in fragments {
            assert!(
                error.message.contains(fragment),
                "{source}: {} lacks {fragment}",
                error.message
            );
        }
        assert!(error.message.contains("\nhelp: "), "{}", error.message);
    }
}

#[test]
fn linear_before_a_dense_layer_is_glorot() {
    let source = "Net(8) < dense(4, he_normal), dense(2, softmax) >";
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors.iter().all(|error| error
            .message
            .contains("does not fit a linear layer (no activation follows these weights before the next `dense`)")),
        "{errors:#?}"
    );
    assert!(
        analyze_str("Net(8) < dense(4, glorot_normal, allow = linear_stack), dense(2, softmax) >")
            .is_ok()
    );
}

#[test]
fn defaults_always_fit() {
    for activation in ACTIVATIONS {
        for source in [
            format!("Net(8) < dense(4, {activation}) >"),
            format!("Net(8) < dense(4), batchnorm, alpha_dropout(0.1), {activation} >"),
        ] {
            let net = network(&source);
            let Some(LayerKind::Dense(dense)) = net.layers.first().map(|layer| &layer.kind) else {
                panic!("{source}: a dense layer");
            };
            assert!(dense.initializer_was_default);
            assert!(
                expected_fit(activation, dense.initializer.dsl_name()),
                "{source}"
            );
            let expected = match activation {
                "selu" => Initializer::LecunNormal,
                "linear" | "sigmoid" | "tanh" | "softmax" => Initializer::GlorotUniform,
                _ => Initializer::HeNormal,
            };
            assert_eq!(dense.initializer, expected, "{source}");
        }
    }
}
