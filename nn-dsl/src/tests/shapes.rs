//! Images: shape inference through convolutions, pooling and flatten, and the errors that
//! show the inferred chain on the offending token.

use super::support::{assert_error, check_invariants, errors, network};
use crate::model::{AdviceKind, LayerKind, Shape};

const LENET: &str = "LeNet(28, 28, 1) < conv2d(6, 5, relu), maxpool(2), conv2d(16, 5, relu), \
     maxpool(2), flatten, dense(120, relu), dense(84, relu), dense(10, softmax) >";

fn image(height: usize, width: usize, channels: usize) -> Shape {
    Shape::Image {
        height,
        width,
        channels,
    }
}

#[test]
fn lenet_shapes_are_inferred_layer_by_layer() {
    let net = network(LENET);
    check_invariants(&net);
    let shapes: Vec<Shape> = net.layers.iter().map(|layer| layer.out_shape).collect();
    assert_eq!(
        shapes,
        [
            image(24, 24, 6),
            image(12, 12, 6),
            image(8, 8, 16),
            image(4, 4, 16),
            Shape::Flat(256),
            Shape::Flat(120),
            Shape::Flat(84),
            Shape::Flat(10)
        ]
    );
    assert_eq!(net.input_shape, image(28, 28, 1));
    assert_eq!(net.input_width, 784);
    assert_eq!(net.layers[5].in_width, 256);
    assert!(net.advice.is_empty());
    // Fields are named by position; flatten has one in the model, none in the struct.
    let names: Vec<String> = net.layers.iter().map(|l| l.field.to_string()).collect();
    assert_eq!(names[0], "conv2d_0");
    assert_eq!(names[1], "max_pool_1");
    assert_eq!(names[4], "flatten_4");
    assert!(!net.layers[4].has_field());
}

#[test]
fn same_padding_and_strides_follow_keras() {
    let net = network(
        "Net(28, 28, 3) < conv2d(8, 3, relu, padding = same), conv2d(8, 3, relu, stride = 2, padding = same), \
         conv2d(4, (3, 5), relu), avgpool(2, stride = 1), global_avgpool, dense(2, softmax) >",
    );
    check_invariants(&net);
    let shapes: Vec<Shape> = net.layers.iter().map(|layer| layer.out_shape).collect();
    assert_eq!(
        shapes,
        [
            image(28, 28, 8),
            image(14, 14, 8),
            image(12, 10, 4),
            image(11, 9, 4),
            Shape::Flat(4),
            Shape::Flat(2)
        ]
    );
    let LayerKind::Conv2d(conv) = &net.layers[2].kind else {
        panic!("a convolution");
    };
    assert_eq!((conv.kernel, conv.stride), ((3, 5), (1, 1)));
}

#[test]
fn convolutions_get_the_fitting_initializer_and_lose_the_bias_before_batchnorm() {
    let net = network("Net(8, 8, 1) < conv2d(4, 3), batchnorm, relu, flatten, dense(2, softmax) >");
    check_invariants(&net);
    let weights = net.layers[0].weights().expect("weights");
    assert_eq!(weights.initializer.dsl_name(), "he_normal");
    assert!(!weights.bias);
    // Batch norm after a convolution normalizes channels.
    assert_eq!(net.layers[1].out_shape, image(6, 6, 4));
}

#[test]
fn pairing_applies_to_convolutions_unchanged() {
    assert_error(
        "Net(8, 8, 1) < conv2d(4, 3, relu, glorot_uniform), flatten, dense(2, softmax) >",
        &["glorot_uniform", "relu", "he_normal"],
        "glorot_uniform",
    );
    network(
        "Net(8, 8, 1) < conv2d(4, 3, relu, glorot_uniform, allow = init_mismatch), flatten, dense(2, softmax) >",
    );
}

#[test]
fn dense_after_an_image_needs_flatten_and_shows_the_chain() {
    assert_error(
        "Net(28, 28, 1) < conv2d(6, 5, relu), maxpool(2), dense(10, softmax) >",
        &[
            "28x28x1 -> conv2d 5x5 -> 24x24x6 -> maxpool 2x2 -> 12x12x6 -> dense needs a flat input: add flatten",
        ],
        "dense",
    );
}

#[test]
fn image_layers_need_an_image() {
    assert_error(
        "Net(784) < conv2d(6, 5, relu), flatten, dense(10, softmax) >",
        &[
            "`conv2d` needs an image input",
            "flat row of 784",
            "Name(28, 28, 1)",
        ],
        "conv2d",
    );
    assert_error(
        "Net(8, 8, 1) < flatten, maxpool(2), dense(10, softmax) >",
        &[
            "`maxpool` needs an image",
            "8x8x1 -> flatten -> 64 -> maxpool needs an image",
        ],
        "maxpool",
    );
    assert_error(
        "Net(64) < flatten, dense(10, softmax) >",
        &["already flat (64)"],
        "flatten",
    );
}

#[test]
fn kernels_and_windows_larger_than_their_input_are_errors() {
    assert_error(
        "Net(8, 8, 1) < conv2d(4, 5, relu), conv2d(4, 5, relu), flatten, dense(2, softmax) >",
        &[
            "kernel 5x5 is larger than its 4x4 input",
            "8x8x1 -> conv2d 5x5 -> 4x4x4 -> conv2d 5x5 does not fit",
        ],
        "5",
    );
    assert_error(
        "Net(8, 8, 1) < maxpool((2, 9)), flatten, dense(2, softmax) >",
        &["window 2x9 is larger than its 8x8 input"],
        "(2, 9)",
    );
    // With same padding the kernel may be larger than the image.
    network("Net(4, 4, 1) < conv2d(2, 5, relu, padding = same), flatten, dense(2, softmax) >");
}

#[test]
fn zero_sizes_are_errors_on_their_token() {
    assert_error(
        "Net(8, 8, 1) < conv2d(0, 3, relu), flatten, dense(2, softmax) >",
        &["at least 1"],
        "0",
    );
    assert_error(
        "Net(8, 8, 1) < conv2d(4, (3, 0), relu), flatten, dense(2, softmax) >",
        &["at least 1"],
        "0",
    );
    assert_error(
        "Net(8, 8, 1) < maxpool(2, stride = 0), flatten, dense(2, softmax) >",
        &["at least 1"],
        "0",
    );
    assert_error(
        "Net(8, 0, 1) < flatten, dense(2, softmax) >",
        &["image width must be at least 1"],
        "0",
    );
}

#[test]
fn malformed_sizes_and_arguments_are_errors() {
    assert_error(
        "Net(8, 8, 1) < conv2d(4, relu), flatten, dense(2, softmax) >",
        &["needs a kernel size"],
        "relu",
    );
    assert_error(
        "Net(8, 8, 1) < conv2d(4, (3, 3, 3), relu), flatten, dense(2, softmax) >",
        &["one size or two"],
        "(3, 3, 3)",
    );
    assert_error(
        "Net(8, 8, 1) < conv2d(4, 3, relu, padding = full), flatten, dense(2, softmax) >",
        &["`valid` or `same`"],
        "full",
    );
    assert_error(
        "Net(8, 8, 1) < maxpool, flatten, dense(2, softmax) >",
        &["needs a window"],
        "maxpool",
    );
    assert!(!errors("Net(8, 8) < dense(2) >").is_empty());
}

#[test]
fn softmax_on_an_image_is_an_error() {
    assert_error(
        "Net(8, 8, 1) < conv2d(4, 3, softmax) >",
        &[
            "`softmax` normalizes a flat row",
            "a 6x6x4 image",
            "8x8x1 -> conv2d 3x3 -> 6x6x4",
        ],
        "softmax",
    );
}

#[test]
fn strides_that_drop_pixels_get_advice_with_an_opt_out() {
    let net = network("Net(7, 7, 1) < maxpool(2), flatten, dense(2, softmax) >");
    let advice: Vec<_> = net
        .advice
        .iter()
        .map(|a| (a.kind, a.message.clone()))
        .collect();
    assert_eq!(advice.len(), 1, "{advice:?}");
    assert_eq!(advice[0].0, AdviceKind::UnusedPixels);
    assert!(
        advice[0].1.contains("last 1 row(s) and 1 column(s)"),
        "{}",
        advice[0].1
    );
    let silenced =
        network("Net(7, 7, 1) < maxpool(2, allow = unused_pixels), flatten, dense(2, softmax) >");
    assert!(silenced.advice.is_empty());
    let conv =
        network("Net(8, 8, 1) < conv2d(2, 3, relu, stride = 2), flatten, dense(2, softmax) >");
    assert_eq!(conv.advice.len(), 1);
    assert!(conv.advice[0].message.contains("padding = same"));
    // A stride that divides leaves nothing: no advice.
    assert!(
        network("Net(8, 8, 1) < maxpool(2), flatten, dense(2, softmax) >")
            .advice
            .is_empty()
    );
}
