//! Every error the pipeline reports: its message (substrings) and the token it is spanned on.

use super::support::{analyze_str, assert_error, errors};

#[test]
fn unknown_names_with_suggestions() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Net(8) < dens(4) >",
            &["unknown layer `dens`", "\nhelp: did you mean `dense`?"],
            "dens",
        ),
        (
            "Net(8) < ReLU >",
            &["unknown layer `ReLU`", "did you mean `relu`?"],
            "ReLU",
        ),
        (
            "Net(8) < batchnrom >",
            &["did you mean `batchnorm`?"],
            "batchnrom",
        ),
        (
            "Net(8) < lstm(4) >",
            &[
                "unknown layer `lstm`",
                "help: the layers are `dense`, `conv2d`, `maxpool`, `avgpool`, `global_avgpool`, `flatten`, `batchnorm`, `dropout` and `alpha_dropout`, and the activations `relu`",
            ],
            "lstm",
        ),
        (
            "Net(8) < dense(4, relux) >",
            &[
                "unknown activation or initializer `relux`",
                "did you mean `relu`?",
            ],
            "relux",
        ),
        (
            "Net(8) < dense(4, relu, normal_he) >",
            &["did you mean `he_normal`?"],
            "normal_he",
        ),
        (
            "Net(8) < dense(4, relu, He_Normal) >",
            &["did you mean `he_normal`?"],
            "He_Normal",
        ),
        (
            "Net(8) < dense(4, sigmod) >",
            &["did you mean `sigmoid`?"],
            "sigmod",
        ),
        (
            "Net(8) < dense(4, foo) >",
            &[
                "unknown activation or initializer `foo`",
                "the activations are",
                "the initializers are `glorot_normal`",
            ],
            "foo",
        ),
        (
            "Net(8) < dense(4, relu, allow = init_mismatc) >",
            &[
                "unknown opt-out `init_mismatc`",
                "did you mean `init_mismatch`?",
            ],
            "init_mismatc",
        ),
        (
            "Net(8) < dense(4, relu, allow = everything) >",
            &[
                "unknown opt-out `everything`",
                "the opt-outs are `init_mismatch`, `self_normalization`, `linear_stack`, `saturating_stack` and `unused_pixels`",
            ],
            "everything",
        ),
        (
            "Net(8) < dense(4, relu, l3 = 0.1) >",
            &["unknown `dense` option `l3`", "did you mean `l1`?"],
            "l3",
        ),
        (
            "Net(8) < dense(4, relu, dropout = 0.1) >",
            &[
                "unknown `dense` option `dropout`",
                "`dense` takes `l1`, `l2`, `bias`, `input` and `allow`",
            ],
            "dropout",
        ),
        (
            "Net(8) < batchnorm(momentm = 0.9) >",
            &[
                "unknown `batchnorm` option `momentm`",
                "did you mean `momentum`?",
            ],
            "momentm",
        ),
        (
            "Net(8) < relu(alpha = 0.1) >",
            &["unknown `relu` option `alpha`", "`relu` takes no options"],
            "alpha",
        ),
        (
            "Net(8) < dense(4, gelu(tahn)) >",
            &[
                "`gelu` approximate takes `tanh` or `none`, found `tahn`",
                "did you mean `tanh`?",
            ],
            "tahn",
        ),
    ];
    for (source, fragments, token) in cases {
        assert_error(source, fragments, token);
    }
}

#[test]
fn names_in_the_wrong_slot() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Net(8) < dense(4), he_normal >",
            &[
                "`he_normal` is an initializer, not a layer",
                "help: an initializer goes inside `dense`, after the activation: `dense(300, relu, he_normal)`",
            ],
            "he_normal",
        ),
        (
            "Net(8) < he_normall >",
            &[
                "unknown layer `he_normall`",
                "did you mean the initializer `he_normal`?",
            ],
            "he_normall",
        ),
        (
            "Net(8) < linear_stack >",
            &[
                "`linear_stack` is an opt-out, not a layer",
                "write `allow = linear_stack` inside the layer",
            ],
            "linear_stack",
        ),
        (
            "Net(8) < dense(4, batchnorm) >",
            &[
                "`batchnorm` is a layer, not an activation or initializer",
                "`dense(300), batchnorm`",
            ],
            "batchnorm",
        ),
        (
            "Net(8) < dense(4, alpha_dropot) >",
            &[
                "unknown activation or initializer `alpha_dropot`",
                "did you mean the layer `alpha_dropout`?",
            ],
            "alpha_dropot",
        ),
        (
            "Net(8) < dense(4, init_mismatch) >",
            &[
                "`init_mismatch` is an opt-out, not an activation or initializer",
                "allow = init_mismatch",
            ],
            "init_mismatch",
        ),
        (
            "Net(8) < dense(4, l2) >",
            &["`l2` is a `dense` option, written with its value: `l2 = 0.0001`"],
            "l2",
        ),
        ("Net(8) < dense(4, bias) >", &["`bias = false`"], "bias"),
    ];
    for (source, fragments, token) in cases {
        assert_error(source, fragments, token);
    }
}

#[test]
fn argument_counts_and_types() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Net(8) < dense >",
            &["`dense` needs a width, like `dense(300, relu)`"],
            "dense",
        ),
        ("Net(8) < dense() >", &["`dense` needs a width"], "dense"),
        (
            "Net(8) < dense(relu) >",
            &["`dense` needs its width first, like `dense(300, relu)`"],
            "relu",
        ),
        (
            "Net(8) < dense(300.5) >",
            &["`dense` width must be a whole number of units, like `300`, found `300.5`"],
            "300.5",
        ),
        (
            "Net(8) < dense(-3) >",
            &["`dense` width must be a whole number", "found `-3`"],
            "-3",
        ),
        (
            "Net(8) < dense(true) >",
            &["`dense` width must be a whole number", "found `true`"],
            "true",
        ),
        (
            "Net(8) < dense(4, relu, tanh) >",
            &["`dense` takes one activation, and `relu` is already given"],
            "tanh",
        ),
        (
            "Net(8) < dense(4, relu, he_normal, glorot_uniform) >",
            &["`dense` takes one initializer, and `he_normal` is already given"],
            "glorot_uniform",
        ),
        (
            "Net(8) < dense(4, he_normal, relu) >",
            &["the activation comes before the initializer: `dense(.., relu, he_normal)`"],
            "relu",
        ),
        (
            "Net(8) < dense(4, 0.5) >",
            &["expected an activation or an initializer", "found `0.5`"],
            "0.5",
        ),
        (
            "Net(8) < dense(4, l2 = 0.1, relu) >",
            &[
                "positional argument `relu` after a keyword argument; positional arguments come first",
            ],
            "relu",
        ),
        (
            "Net(8) < dense(4, bias = 1) >",
            &["`dense` bias takes `true` or `false`, found `1`"],
            "1",
        ),
        (
            "Net(8) < dense(4, input = 2.5) >",
            &["`dense` input must be a whole number"],
            "2.5",
        ),
        (
            "Net(8) < dropout >",
            &["`dropout` needs a rate, like `dropout(0.5)`"],
            "dropout",
        ),
        (
            "Net(8) < alpha_dropout() >",
            &["`alpha_dropout` needs a rate, like `alpha_dropout(0.5)`"],
            "alpha_dropout",
        ),
        (
            "Net(8) < dropout(0.5, 0.2) >",
            &["`dropout` takes at most 1 argument (`rate`), and this is one more"],
            "0.2",
        ),
        (
            "Net(8) < rrelu(0.1, 0.2, 0.3) >",
            &["`rrelu` takes at most 2 arguments (`lower` and `upper`)"],
            "0.3",
        ),
        (
            "Net(8) < dropout(high) >",
            &["`dropout` rate takes a number, like `0.5`, found `high`"],
            "high",
        ),
        (
            "Net(8) < dropout(rate = [a]) >",
            &["`dropout` rate takes a number", "found `[a]`"],
            "[a]",
        ),
        (
            "Net(8) < relu(0.5) >",
            &["`relu` takes no arguments"],
            "0.5",
        ),
        (
            "Net(8) < batchnorm(0.9) >",
            &[
                "`batchnorm` takes only keyword arguments, like `batchnorm(momentum = 0.99, epsilon = 0.001)`",
            ],
            "0.9",
        ),
        (
            "Net(8) < dense(4, relu, he_normal(1)) >",
            &["`he_normal` takes no arguments"],
            "1",
        ),
        (
            "Net(8) < dense(4, relu, random_normal, allow = init_mismatch) >",
            &["`random_normal` needs a stddev, like `random_normal(0.05)`"],
            "random_normal",
        ),
        (
            "Net(8) < dense(4, relu(allow = init_mismatch)) >",
            &["`allow` belongs on the `dense` layer, not inside `relu`"],
            "allow",
        ),
        (
            "Net(8) < batchnorm(allow = init_mismatch) >",
            &["`allow = init_mismatch` has no effect on `batchnorm`: it applies to `dense`"],
            "init_mismatch",
        ),
        (
            "Net(8) < dense(4, relu), sigmoid(allow = self_normalization) >",
            &[
                "`allow = self_normalization` has no effect on `sigmoid`: it applies to `batchnorm` and `dropout`",
            ],
            "self_normalization",
        ),
        (
            "Net(8) < dense(4, allow = 3) >",
            &[
                "`allow` takes an opt-out or a list of them, like `allow = init_mismatch`",
                "found `3`",
            ],
            "3",
        ),
    ];
    for (source, fragments, token) in cases {
        assert_error(source, fragments, token);
    }
}

#[test]
fn repeated_keywords_are_spanned_on_the_repeat() {
    for (source, fragment, token) in [
        (
            "Net(8) < dense(4, l2 = 0.1, l2 = 0.2) >",
            "`dense` l2 is given twice",
            "l2",
        ),
        (
            "Net(8) < dropout(0.2, rate = 0.3) >",
            "`dropout` rate is given twice",
            "rate",
        ),
        (
            "Net(8) < dropout(rate = 0.2, rate = 0.3) >",
            "`dropout` rate is given twice",
            "rate",
        ),
        (
            "Net(8) < dropout(rate = 2.0, rate = 0.3) >",
            "`dropout` rate is given twice",
            "rate",
        ),
        (
            "Net(8) < batchnorm(epsilon = 0.1, epsilon = 0.1) >",
            "`batchnorm` epsilon is given twice",
            "epsilon",
        ),
        (
            "Net(8) < dense(4, allow = [linear_stack, linear_stack]) >",
            "`linear_stack` is allowed twice",
            "linear_stack",
        ),
    ] {
        let errors = errors(source);
        let Some(error) = errors.iter().find(|error| error.message.contains(fragment)) else {
            panic!("{source}: {errors:#?}");
        };
        let last = source.rfind(token).unwrap_or_default();
        assert_eq!(error.column, last, "{source}: {}", error.message);
        assert_eq!(error.token.as_deref(), Some(token));
    }
}

#[test]
fn ranges() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Net(8) < dense(0) >",
            &["`dense` width must be at least 1, found `0`"],
            "0",
        ),
        (
            "Net(0) < dense(4) >",
            &["the input width must be at least 1, found `0`"],
            "0",
        ),
        (
            "Net(8) -> 0 < dense(4) >",
            &["the output width must be at least 1, found `0`"],
            "0",
        ),
        (
            "Net(8) < dense(4, input = 0) >",
            &["`dense` input must be at least 1, found `0`"],
            "0",
        ),
        (
            "Net(8) < dense(99999999999999999999999) >",
            &["`dense` width `99999999999999999999999` is too large:"],
            "99999999999999999999999",
        ),
        (
            "Net(99999999999999999999999) < dense(4) >",
            &["the input width `99999999999999999999999` is too large:"],
            "99999999999999999999999",
        ),
        (
            "Net(8) < dropout(1.0) >",
            &[
                "`dropout` rate must be in [0, 1), found `1.0`: the rate is the probability of dropping each unit",
            ],
            "1.0",
        ),
        (
            "Net(8) < dropout(-0.1) >",
            &["`dropout` rate must be in [0, 1), found `-0.1`"],
            "-0.1",
        ),
        (
            "Net(8) < alpha_dropout(1) >",
            &["`alpha_dropout` rate must be in [0, 1), found `1`"],
            "1",
        ),
        (
            "Net(8) < batchnorm(momentum = 1.0) >",
            &["`batchnorm` momentum must be in (0, 1), found `1.0`"],
            "1.0",
        ),
        (
            "Net(8) < batchnorm(momentum = 0) >",
            &["`batchnorm` momentum must be in (0, 1), found `0`"],
            "0",
        ),
        (
            "Net(8) < batchnorm(epsilon = 0) >",
            &["`batchnorm` epsilon must be > 0, found `0`"],
            "0",
        ),
        (
            "Net(8) < batchnorm(epsilon = -1e-3) >",
            &["`batchnorm` epsilon must be > 0, found `-1e-3`"],
            "-1e-3",
        ),
        (
            "Net(8) < leaky_relu(0) >",
            &[
                "`leaky_relu` alpha must be > 0, found `0`",
                "a slope of 0 is `relu`",
            ],
            "0",
        ),
        (
            "Net(8) < dense(4, leaky_relu(-0.2)) >",
            &["`leaky_relu` alpha must be > 0, found `-0.2`"],
            "-0.2",
        ),
        (
            "Net(8) < elu(0.0) >",
            &["`elu` alpha must be > 0, found `0.0`"],
            "0.0",
        ),
        (
            "Net(8) < dense(4, elu(alpha = -1)) >",
            &["`elu` alpha must be > 0, found `-1`"],
            "-1",
        ),
        (
            "Net(8) < rrelu(0.2, 1.0) >",
            &["`rrelu` upper must be in [0, 1), found `1.0`"],
            "1.0",
        ),
        (
            "Net(8) < rrelu(-0.1, 0.2) >",
            &["`rrelu` lower must be in [0, 1), found `-0.1`"],
            "-0.1",
        ),
        (
            "Net(8) < rrelu(0.5, 0.1) >",
            &[
                "`rrelu` lower bound 0.5 is above its upper bound 0.1",
                "U(lower, upper)",
                "rrelu(0.1, 0.3)",
            ],
            "0.5",
        ),
        (
            "Net(8) < rrelu(0.5) >",
            &["`rrelu` lower bound 0.5 is above its upper bound 0.3333:"],
            "0.5",
        ),
        (
            "Net(8) < rrelu(upper = 0.1) >",
            &["lower bound 0.125 is above its upper bound 0.1"],
            "0.1",
        ),
        (
            "Net(8) < dense(4, l2 = -0.1) >",
            &["`dense` l2 must be >= 0, found `-0.1`"],
            "-0.1",
        ),
        (
            "Net(8) < dense(4, l1 = 1e999) >",
            &["`dense` l1 `1e999` is too large to be a finite number"],
            "1e999",
        ),
        (
            "Net(8) < dense(4, relu, random_uniform(0), allow = init_mismatch) >",
            &["`random_uniform` limit must be > 0, found `0`"],
            "0",
        ),
        (
            "Net(8) < dense(4, relu, random_normal(stddev = -1.0), allow = init_mismatch) >",
            &["`random_normal` stddev must be > 0, found `-1.0`"],
            "-1.0",
        ),
        (
            "Net(8) < >",
            &["a network needs at least one layer, like `< dense(10, softmax) >`"],
            "<",
        ),
    ];
    for (source, fragments, token) in cases {
        assert_error(source, fragments, token);
    }
}

#[test]
fn softmax_only_on_the_output() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "Net(8) < dense(4, softmax), dense(2, softmax) >",
            &[
                "`softmax` fits only the output layer",
                "help: use `relu` (or another hidden activation) here",
            ],
            "softmax",
        ),
        (
            "Net(8) < dense(4), softmax, dense(2, softmax) >",
            &["`softmax` fits only the output layer"],
            "softmax",
        ),
        (
            "Net(8) < dense(4, softmax), dropout(0.1) >",
            &["`softmax` fits only the output layer"],
            "softmax",
        ),
        (
            "Net(8) < dense(1, softmax) >",
            &[
                "`softmax` over 1 unit always outputs 1",
                "use `sigmoid`, like `dense(1, sigmoid)`",
            ],
            "softmax",
        ),
    ];
    for (source, fragments, token) in cases {
        assert_error(source, fragments, token);
    }
    assert!(analyze_str("Net(8) < dense(4), batchnorm, softmax >").is_ok());
    assert!(analyze_str("Net(8) < dense(4, relu), dense(2, softmax) >").is_ok());
}

#[test]
fn declared_widths_show_the_inferred_chain() {
    assert_error(
        "Net(784) < dense(300, relu), batchnorm, dense(100, relu, input = 200), dense(10, softmax) >",
        &[
            "`input = 200` does not match the inferred input width of this layer, 300: 784 -> dense 300 -> batchnorm 300",
        ],
        "200",
    );
    assert_error(
        "Net(784) -> 12 < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >",
        &[
            "declared output width 12 does not match the inferred output width 10: \
             784 -> dense 300 -> batchnorm 300 -> dense 100 -> dense 10",
        ],
        "12",
    );
    assert!(
        analyze_str(
            "Net(784) -> 10 < dense(300), batchnorm, relu, dense(10, softmax, input = 300) >"
        )
        .is_ok()
    );
}

#[test]
fn several_errors_at_once_in_source_order() {
    let source = "Net(0) < dens(4), dense(0), dropout(1.5), dense(3, relu, glorot_uniform), \
                  dense(2, softmax), dense(2, softmax) >";
    let errors = errors(source);
    let expected = [
        ("the input width must be at least 1", "0"),
        ("unknown layer `dens`", "dens"),
        ("`dense` width must be at least 1", "0"),
        ("`dropout` rate must be in [0, 1)", "1.5"),
        ("`glorot_uniform` does not fit `relu`", "glorot_uniform"),
        ("`softmax` fits only the output layer", "softmax"),
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, (fragment, token)) in errors.iter().zip(expected) {
        assert!(
            error.message.contains(fragment),
            "{} lacks {fragment}",
            error.message
        );
        assert_eq!(error.token.as_deref(), Some(token), "{}", error.message);
    }
    let mut columns: Vec<usize> = errors.iter().map(|error| error.column).collect();
    let in_order = columns.clone();
    columns.sort_unstable();
    assert_eq!(columns, in_order);
}

#[test]
fn one_mistake_gives_one_error() {
    // An unknown layer hides its width, so a later declared width is not compared.
    assert_error(
        "Net(8) -> 10 < dens(300), dense(10, relu, input = 300) >",
        &["unknown layer `dens`"],
        "dens",
    );
    // An unknown activation skips the pairing check.
    assert_error(
        "Net(8) < dense(4, relux, he_normal) >",
        &["unknown activation"],
        "relux",
    );
    // An unknown layer after a linear dense hides the activation its weights feed.
    assert_error(
        "Net(8) < dense(4, glorot_uniform), relux >",
        &["unknown layer `relux`"],
        "relux",
    );
    // A zero width hides the output width.
    assert_error(
        "Net(8) -> 5 < dense(0) >",
        &["`dense` width must be at least 1"],
        "0",
    );
    // An invalid input width hides every width.
    assert_error(
        "Net(0) -> 5 < dense(4, input = 3) >",
        &["the input width must be at least 1"],
        "0",
    );
}

#[test]
fn parse_errors_stop_at_the_first() {
    let errors = errors("Net(8) < dense(4, relu) dense(2) >");
    assert_eq!(errors.len(), 1);
    assert!(
        errors
            .iter()
            .all(|error| error.message.contains("expected `,` or `>` after a layer"))
    );
}
