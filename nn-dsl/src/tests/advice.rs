//! Soft advice: when it is given, on which token, and its opt-outs.

use super::support::{analyze_str, network};
use crate::model::AdviceKind;

/// The design card of DESIGN.md.
pub(crate) const DESIGN_CARD: &str = "/// Classifies handwritten digits.\n\
    pub Net(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >";

/// The advice for a valid network: kind and the source text it is spanned on.
fn advice(source: &str) -> Vec<(AdviceKind, String, String)> {
    network(source)
        .advice
        .into_iter()
        .map(|advice| {
            (
                advice.kind,
                advice.span.source_text().unwrap_or_default(),
                advice.message,
            )
        })
        .collect()
}

#[track_caller]
fn assert_one(source: &str, kind: AdviceKind, token: &str, fragments: &[&str]) {
    let advice = advice(source);
    assert_eq!(advice.len(), 1, "{source}: {advice:#?}");
    for (found_kind, found_token, message) in advice {
        assert_eq!(found_kind, kind, "{source}");
        assert_eq!(found_token, token, "{source}");
        for fragment in fragments {
            assert!(
                message.contains(fragment),
                "{source}: {message} lacks {fragment}"
            );
        }
        assert!(!message.contains('\n'), "advice is one line: {message}");
    }
}

#[track_caller]
fn assert_none(source: &str) {
    let advice = advice(source);
    assert!(advice.is_empty(), "{source}: {advice:#?}");
}

#[test]
fn the_design_card_gets_no_advice() {
    assert_none(DESIGN_CARD);
    assert_none("Net(784) < dense(300, he_normal), batchnorm, relu, dense(10, softmax) >");
}

#[test]
fn batchnorm_after_selu() {
    for source in [
        "Net(8) < dense(8, selu), batchnorm, dense(2, softmax) >",
        "Net(8) < dense(8, lecun_normal), selu, batchnorm, dense(2, softmax) >",
        "Net(8) < dense(8, selu), alpha_dropout(0.1), batchnorm, dense(2, softmax) >",
    ] {
        assert_one(
            source,
            AdviceKind::SelfNormalization,
            "batchnorm",
            &[
                "`batchnorm` after `selu` breaks self-normalization",
                "batchnorm(allow = self_normalization)",
            ],
        );
    }
    assert_none(
        "Net(8) < dense(8, selu), batchnorm(allow = self_normalization), dense(2, softmax) >",
    );
    assert_none("Net(8) < dense(8, lecun_normal), batchnorm, selu, dense(2, softmax) >");
}

#[test]
fn dropout_after_selu() {
    assert_one(
        "Net(8) < dense(8, selu), dropout(0.2), dense(2, softmax) >",
        AdviceKind::SelfNormalization,
        "dropout",
        &[
            "`dropout` after `selu` breaks self-normalization",
            "use `alpha_dropout(0.2)`",
        ],
    );
    assert_none(
        "Net(8) < dense(8, selu), dropout(0.2, allow = self_normalization), dense(2, softmax) >",
    );
    assert_none("Net(8) < dense(8, selu), alpha_dropout(0.2), dense(2, softmax) >");
    assert_none("Net(8) < dense(8, relu), dropout(0.2), dense(2, softmax) >");
}

#[test]
fn linear_dense_into_dense() {
    for source in [
        "Net(8) < dense(8), dense(2, softmax) >",
        "Net(8) < dense(8, linear), dense(2, softmax) >",
        "Net(8) < dense(8, glorot_normal), batchnorm, dropout(0.1), dense(2, softmax) >",
    ] {
        assert_one(
            source,
            AdviceKind::LinearStack,
            "dense",
            &["two linear maps compose into one", "allow = linear_stack"],
        );
    }
    assert_none("Net(8) < dense(8, allow = linear_stack), dense(2, softmax) >");
    assert_none("Net(8) < dense(8), relu, dense(2, softmax) >");
    assert_none("Net(8) < dense(8, relu), dense(2) >");
}

#[test]
fn saturating_stack() {
    let deep = "Net(8) < dense(8, tanh), dense(8, tanh), dense(8, sigmoid), dense(8), tanh, dense(2, softmax) >";
    assert_one(
        deep,
        AdviceKind::SaturatingStack,
        "tanh",
        &[
            "4 `sigmoid`/`tanh` layers in a row with no `batchnorm`",
            "allow = saturating_stack",
        ],
    );
    let Some(first) = network(deep).advice.into_iter().next() else {
        panic!("advice");
    };
    assert_eq!(
        first.span.start().column,
        deep.rfind("tanh").unwrap_or_default()
    );
    assert_none("Net(8) < dense(8, tanh), dense(8, tanh), dense(8, sigmoid), dense(2, softmax) >");
    assert_none(
        "Net(8) < dense(8, tanh), dense(8, tanh), batchnorm, dense(8, sigmoid), dense(8, tanh), dense(2, softmax) >",
    );
    assert_none(
        "Net(8) < dense(8, tanh, allow = saturating_stack), dense(8, tanh), dense(8, sigmoid), dense(8, tanh), dense(2, softmax) >",
    );
    assert_none(
        "Net(8) < dense(8, tanh), dense(8, tanh), dense(8, sigmoid), dense(8), tanh(allow = saturating_stack), dense(2, softmax) >",
    );
    // One advice per stack, however deep.
    assert_eq!(
        advice("Net(8) < dense(8, tanh), dense(8, tanh), dense(8, tanh), dense(8, tanh), dense(8, tanh), dense(2, softmax) >")
            .len(),
        1
    );
}

#[test]
fn several_pieces_of_advice_in_order() {
    let kinds: Vec<AdviceKind> = advice(
        "Net(8) < dense(8), dense(8, selu), dropout(0.1), dense(8, tanh), dense(8, tanh), dense(8, tanh), dense(8, tanh) >",
    )
    .into_iter()
    .map(|(kind, _, _)| kind)
    .collect();
    assert_eq!(
        kinds,
        [
            AdviceKind::LinearStack,
            AdviceKind::SaturatingStack,
            AdviceKind::SelfNormalization
        ]
    );
}

#[test]
fn advice_is_not_reported_with_errors() {
    assert!(analyze_str("Net(8) < dense(8), dense(0) >").is_err());
}
