//! Snapshots of the generated code for a few canonical networks (insta + prettyplease), and a
//! bound on the expansion's size per layer so accidental growth shows up as a failing test.
//!
//! To refresh after an intended change: `INSTA_UPDATE=always cargo test -p nn-dsl
//! snapshots`, then review the `.snap` diff.

use super::support::network;
use crate::expand::expand;

/// The design card's network.
const MNIST: &str = "pub Mnist(784) < dense(300, relu, he_normal), batchnorm, \
                     dense(100, selu, lecun_normal), dense(10, softmax) >";

/// A linear dense layer before batch norm (no bias), an activation layer, dropout, a declared
/// output width and a doc comment.
const DIGITS: &str = "/// Small digits, 8x8.\n\
                      Digits(64) -> 10 < dense(128, he_normal), batchnorm, relu, dropout(0.2), \
                      dense(10, softmax) >";

/// Options (an activation parameter, a penalty), a default initializer, and a linear dense
/// layer straight into another: advice as a deprecation warning.
const TINY: &str = "Tiny(4) < dense(8, leaky_relu(0.2), l2 = 1e-4), dense(8), dense(2, sigmoid) >";

/// The expansion of `source`, pretty-printed.
fn expansion(source: &str) -> String {
    let tokens = expand(&network(source));
    match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("the expansion of `{source}` does not parse: {error}\n{tokens}"),
    }
}

/// A network of `hidden + 2` dense layers: `dense(64, relu)` in, `hidden` times
/// `dense(64, relu)`, `dense(10, softmax)` out. The compile-cost benchmark uses the same
/// shapes (`bench-compile/`).
fn deep(hidden: usize) -> String {
    let mut layers = vec!["dense(64, relu)"; hidden + 1];
    layers.push("dense(10, softmax)");
    format!("Deep(32) < {} >", layers.join(", "))
}

#[test]
fn design_card_network() {
    insta::assert_snapshot!("mnist", expansion(MNIST));
}

#[test]
fn network_with_activation_layer_and_dropout() {
    insta::assert_snapshot!("digits", expansion(DIGITS));
}

#[test]
fn network_with_options_and_advice() {
    insta::assert_snapshot!("tiny", expansion(TINY));
}

#[test]
fn convolutional_network() {
    insta::assert_snapshot!(
        "lenet",
        expansion(
            "/// LeNet-5 on 8x8 digits.\npub LeNet(8, 8, 1) < conv2d(6, 3, relu, padding = same), \
             maxpool(2), conv2d(16, 3, relu), batchnorm, flatten, dense(32, relu), dense(10, softmax) >"
        )
    );
}

fn lines(source: &str) -> usize {
    expansion(source).lines().count()
}

/// The design card network expands to 290 lines, 72.5 per layer (measured with rustc 1.95,
/// prettyplease 0.3; 26 of them the shared backward pass behind `backward` and
/// `backward_parameters`). The bound leaves about 10% of room, so only real growth (a new item
/// or statement per layer, say) fails; raise it deliberately, with the snapshots.
#[test]
fn expansion_size_per_layer_stays_bounded() {
    const MAX_LINES_PER_LAYER: f64 = 80.0;
    let per_layer = lines(MNIST) as f64 / 4.0;
    assert!(
        per_layer <= MAX_LINES_PER_LAYER,
        "the design card network expands to {per_layer} lines per layer, over {MAX_LINES_PER_LAYER}"
    );
}

/// Each added `dense(64, relu)` costs 36 lines (measured: 3 layers 259 lines, 50 layers
/// 1951): a field, a constructor, a forward, a backward and an inference step, a penalty
/// term, a summary row and three visitor calls. The fixed part (impl headers, `new`,
/// `predict_one`, ...) is amortized over the layers. Prints the numbers BENCHMARKS.md
/// quotes: `cargo test -p nn-dsl expansion_lines -- --nocapture`.
#[test]
fn expansion_lines_grow_linearly_with_the_layers() {
    const MAX_LINES_PER_ADDED_LAYER: f64 = 40.0;
    let small = lines(&deep(1));
    let large = lines(&deep(48));
    let marginal = (large - small) as f64 / 47.0;
    println!(
        "expansion lines: 3 layers {small} ({:.1}/layer), 50 layers {large} ({:.1}/layer), \
         {marginal:.1} lines per added dense layer",
        small as f64 / 3.0,
        large as f64 / 50.0,
    );
    assert!(
        marginal <= MAX_LINES_PER_ADDED_LAYER,
        "each added dense layer expands to {marginal} lines, over {MAX_LINES_PER_ADDED_LAYER}"
    );
}
