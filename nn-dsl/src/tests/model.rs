//! The resolved model: defaults, biases, widths, field names, parameters.

use super::advice::DESIGN_CARD;
use super::support::network;
use crate::model::{
    Activation, Allow, BiasReason, Dense, Feed, Initializer, LayerKind, Network, feed,
};

fn dense(network: &Network, index: usize) -> &Dense {
    match network.layers.get(index).map(|layer| &layer.kind) {
        Some(LayerKind::Dense(dense)) => dense,
        _ => panic!("layer {index} is not dense"),
    }
}

fn kinds(network: &Network) -> Vec<String> {
    network
        .layers
        .iter()
        .map(|layer| layer.dsl_name().to_owned())
        .collect()
}

#[test]
fn the_design_card() {
    let net = network(DESIGN_CARD);
    assert_eq!(net.attrs.len(), 1);
    assert!(matches!(net.vis, syn::Visibility::Public(_)));
    assert_eq!(net.name, "Net");
    assert_eq!(net.input_width, 784);
    assert_eq!(net.input_span.source_text().as_deref(), Some("784"));
    assert!(net.declared_output.is_none());
    assert_eq!(net.output_width(), 10);
    assert!(net.advice.is_empty());
    assert_eq!(kinds(&net), ["dense", "batchnorm", "dense", "dense"]);
    let widths: Vec<(usize, usize)> = net
        .layers
        .iter()
        .map(|layer| (layer.in_width, layer.out_width))
        .collect();
    assert_eq!(widths, [(784, 300), (300, 300), (300, 100), (100, 10)]);
    let fields: Vec<String> = net
        .layers
        .iter()
        .map(|layer| layer.field.to_string())
        .collect();
    assert_eq!(fields, ["dense_0", "batch_norm_1", "dense_2", "dense_3"]);
    for layer in &net.layers {
        assert!(layer.allow.is_empty());
    }
    let spans: Vec<Option<String>> = net
        .layers
        .iter()
        .map(|layer| layer.span.source_text())
        .collect();
    assert_eq!(
        spans,
        [
            Some("dense"),
            Some("batchnorm"),
            Some("dense"),
            Some("dense")
        ]
        .map(|s| s.map(String::from))
    );

    let first = dense(&net, 0);
    assert_eq!(first.units, 300);
    assert_eq!(first.units_span.source_text().as_deref(), Some("300"));
    assert_eq!(first.activation, Activation::Relu);
    assert_eq!(
        first
            .activation_span
            .and_then(|span| span.source_text())
            .as_deref(),
        Some("relu")
    );
    assert_eq!(first.initializer, Initializer::HeNormal);
    assert_eq!(
        first
            .initializer_span
            .and_then(|span| span.source_text())
            .as_deref(),
        Some("he_normal")
    );
    assert!(!first.initializer_was_default);
    // relu sits between the kernel and the batch norm, so the bias is not redundant.
    assert!(first.bias);
    assert_eq!(first.bias_reason, BiasReason::Default);
    assert_eq!((first.l1, first.l2), (0.0, 0.0));
    let Some(LayerKind::BatchNorm { momentum, epsilon }) =
        net.layers.get(1).map(|layer| &layer.kind)
    else {
        panic!("batch norm");
    };
    assert_eq!((*momentum, *epsilon), (0.99, 1e-3));
    let last = dense(&net, 3);
    assert_eq!(last.activation, Activation::Softmax);
    assert_eq!(last.initializer, Initializer::GlorotUniform);
    assert!(last.initializer_was_default);
}

#[test]
fn default_initializers_follow_the_activation_fed() {
    let cases = [
        ("dense(4, relu)", Initializer::HeNormal),
        ("dense(4, leaky_relu(0.2))", Initializer::HeNormal),
        ("dense(4, prelu)", Initializer::HeNormal),
        ("dense(4, rrelu)", Initializer::HeNormal),
        ("dense(4, elu)", Initializer::HeNormal),
        ("dense(4, gelu)", Initializer::HeNormal),
        ("dense(4, swish)", Initializer::HeNormal),
        ("dense(4, selu)", Initializer::LecunNormal),
        ("dense(4, tanh)", Initializer::GlorotUniform),
        ("dense(4, sigmoid)", Initializer::GlorotUniform),
        ("dense(4, softmax)", Initializer::GlorotUniform),
        ("dense(4, linear)", Initializer::GlorotUniform),
        ("dense(4)", Initializer::GlorotUniform),
        ("dense(4), batchnorm, relu", Initializer::HeNormal),
        ("dense(4), dropout(0.5), selu", Initializer::LecunNormal),
        ("dense(4), relu, batchnorm", Initializer::HeNormal),
        ("dense(4), dense(2, relu)", Initializer::GlorotUniform),
    ];
    for (layers, expected) in cases {
        let source = format!("Net(8) < {layers} >");
        let net = network(&source);
        let first = dense(&net, 0);
        assert_eq!(first.initializer, expected, "{source}");
        assert!(first.initializer_was_default, "{source}");
        assert!(first.initializer_span.is_none(), "{source}");
    }
}

#[test]
fn the_initializer_may_stand_in_the_activation_slot() {
    let net = network("Net(8) < dense(4, he_normal), batchnorm, relu >");
    let first = dense(&net, 0);
    assert_eq!(first.activation, Activation::Linear);
    assert!(first.activation_span.is_none());
    assert_eq!(first.initializer, Initializer::HeNormal);
    assert!(!first.initializer_was_default);
    assert_eq!(
        feed(&net.layers, 0),
        Feed {
            activation: Activation::Relu,
            applied_by: Some(2)
        }
    );
}

#[test]
fn bias_rule() {
    let cases = [
        (
            "dense(4), batchnorm, relu",
            false,
            BiasReason::BeforeBatchNorm,
        ),
        (
            "dense(4, he_normal), batchnorm, relu",
            false,
            BiasReason::BeforeBatchNorm,
        ),
        (
            "dense(4, linear), batchnorm",
            false,
            BiasReason::BeforeBatchNorm,
        ),
        (
            "dense(4, bias = true), batchnorm, relu",
            true,
            BiasReason::Explicit,
        ),
        ("dense(4, bias = false), relu", false, BiasReason::Explicit),
        ("dense(4, relu), batchnorm", true, BiasReason::Default),
        (
            "dense(4), dropout(0.1), batchnorm, relu",
            true,
            BiasReason::Default,
        ),
        ("dense(4), relu", true, BiasReason::Default),
    ];
    for (layers, bias, reason) in cases {
        let source = format!("Net(8) < {layers} >");
        let net = network(&source);
        let first = dense(&net, 0);
        assert_eq!((first.bias, first.bias_reason), (bias, reason), "{source}");
    }
}

#[test]
fn activation_parameters_and_defaults() {
    let cases = [
        ("leaky_relu", Activation::LeakyRelu(0.01)),
        ("leaky_relu(0.2)", Activation::LeakyRelu(0.2)),
        ("leaky_relu(alpha = 1)", Activation::LeakyRelu(1.0)),
        ("rrelu", Activation::RRelu(1.0 / 8.0, 1.0 / 3.0)),
        ("rrelu(0.1, 0.3)", Activation::RRelu(0.1, 0.3)),
        ("rrelu(upper = 0.5)", Activation::RRelu(1.0 / 8.0, 0.5)),
        ("rrelu(0.2, 0.2)", Activation::RRelu(0.2, 0.2)),
        ("elu", Activation::Elu(1.0)),
        ("elu(0.5)", Activation::Elu(0.5)),
        ("gelu", Activation::Gelu { approximate: false }),
        ("gelu(tanh)", Activation::Gelu { approximate: true }),
        (
            "gelu(approximate = none)",
            Activation::Gelu { approximate: false },
        ),
        ("prelu", Activation::PRelu),
        ("swish", Activation::Swish),
        ("selu", Activation::Selu),
    ];
    for (written, expected) in cases {
        for source in [
            format!("Net(8) < dense(4, {written}) >"),
            format!("Net(8) < dense(4), {written} >"),
        ] {
            let net = network(&source);
            let activation = match net.layers.last().map(|layer| &layer.kind) {
                Some(LayerKind::Dense(dense)) => dense.activation,
                Some(LayerKind::Activation(activation)) => *activation,
                _ => panic!("{source}"),
            };
            assert_eq!(activation, expected, "{source}");
        }
    }
}

#[test]
fn layer_parameters() {
    let net = network(
        "pub(crate) Net(8) -> 2 < dense(6, relu, random_uniform(limit = 0.1), l1 = 1e-5, l2 = 0.001, input = 8, \
         allow = [init_mismatch, saturating_stack]), batchnorm(momentum = 0.9, epsilon = 1e-5), dropout(0.25), \
         alpha_dropout(rate = 0.1), dense(2, softmax) >",
    );
    assert!(matches!(net.vis, syn::Visibility::Restricted(_)));
    assert_eq!(net.declared_output.map(|width| width.value), Some(2));
    assert_eq!(
        net.declared_output
            .and_then(|width| width.span.source_text())
            .as_deref(),
        Some("2")
    );
    let first = dense(&net, 0);
    assert_eq!(first.initializer, Initializer::RandomUniform { limit: 0.1 });
    assert_eq!((first.l1, first.l2), (1e-5, 0.001));
    assert_eq!(first.declared_input.map(|width| width.value), Some(8));
    let allow = net
        .layers
        .first()
        .map(|layer| layer.allow.clone())
        .unwrap_or_default();
    assert_eq!(allow, [Allow::InitMismatch, Allow::SaturatingStack]);
    let kinds: Vec<String> = net
        .layers
        .iter()
        .map(|layer| match &layer.kind {
            LayerKind::BatchNorm { momentum, epsilon } => format!("bn {momentum} {epsilon}"),
            LayerKind::Dropout { rate } => format!("dropout {rate}"),
            LayerKind::AlphaDropout { rate } => format!("alpha {rate}"),
            LayerKind::Dense(dense) => format!("dense {}", dense.units),
            LayerKind::Activation(activation) => activation.dsl_name().to_owned(),
            _ => format!("image layer {}", layer.dsl_name()),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "dense 6",
            "bn 0.9 0.00001",
            "dropout 0.25",
            "alpha 0.1",
            "dense 2"
        ]
    );
    let net = network("Net(8) < dense(4, relu, random_normal(0.05), allow = init_mismatch) >");
    assert_eq!(
        dense(&net, 0).initializer,
        Initializer::RandomNormal { stddev: 0.05 }
    );
}

#[test]
fn field_names_are_numbered_by_position() {
    let net = network(
        "Net(8) < dense(4), batchnorm, leaky_relu, dropout(0.1), dense(4, selu), alpha_dropout(0.1), prelu, \
         dense(2), softmax >",
    );
    let fields: Vec<String> = net
        .layers
        .iter()
        .map(|layer| layer.field.to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "dense_0",
            "batch_norm_1",
            "leaky_relu_2",
            "dropout_3",
            "dense_4",
            "alpha_dropout_5",
            "prelu_6",
            "dense_7",
            "softmax_8"
        ]
    );
}

#[test]
fn activation_layers_keep_the_width() {
    let net = network("Net(8) < dense(4), relu, dropout(0.5), dense(3), batchnorm, tanh >");
    let widths: Vec<(usize, usize)> = net
        .layers
        .iter()
        .map(|layer| (layer.in_width, layer.out_width))
        .collect();
    assert_eq!(widths, [(8, 4), (4, 4), (4, 4), (4, 3), (3, 3), (3, 3)]);
    assert_eq!(net.output_width(), 3);
}

#[test]
fn attributes_and_doc_comments_are_kept() {
    let net = network("/// One.\n/// Two.\n#[derive(Debug)] Net(8) < dense(2) >");
    assert_eq!(net.attrs.len(), 3);
    assert!(matches!(net.vis, syn::Visibility::Inherited));
}

#[test]
fn the_invariant_check_catches_broken_models() {
    use crate::invariants::violation;

    let valid = network("Net(4) < dense(3, relu), batchnorm, dense(2, softmax) >");
    assert_eq!(violation(&valid), None);

    let mut broken = network("Net(4) < dense(3, relu), batchnorm, dense(2, softmax) >");
    if let Some(layer) = broken.layers.get_mut(1) {
        layer.in_width = 5;
    }
    let message = violation(&broken).expect("a width that does not chain up");
    assert!(message.contains("layer 1 (batchnorm)"), "{message}");

    let mut broken = network("Net(4) < dense(3, relu), batchnorm, dense(2, softmax) >");
    broken.layers.swap(0, 2);
    assert!(violation(&broken).is_some());

    let mut broken = network("Net(4) < dense(3, relu), dense(2, relu) >");
    let field = broken.layers[0].field.clone();
    broken.layers[1].field = field;
    assert_eq!(
        violation(&broken).as_deref(),
        Some("two layers with the same field name")
    );
}

#[test]
fn check_is_the_public_front_end() {
    let tokens: proc_macro2::TokenStream = "Net(4) < dense(8, tanh), dense(8), dense(2, softmax) >"
        .parse()
        .unwrap();
    let checked = crate::check(tokens).unwrap();
    assert_eq!((checked.layers(), checked.advice()), (3, 1));
    assert_eq!(checked.invariant_violation(), None);
    assert!(checked.expand().to_string().contains("struct Net"));

    let tokens: proc_macro2::TokenStream = "Net(4) < dense(0, relu), softmax, dense(2) >"
        .parse()
        .unwrap();
    let errors = crate::check(tokens).unwrap_err();
    assert_eq!(errors.into_iter().count(), 2);
}
