//! Exporting a network's inference graph to [ONNX], for ONNX Runtime and other engines.
//!
//! [`to_onnx`] walks a network's layers ([`Network::visit_layers`]) and writes one ONNX model:
//!
//! - **opset 17** of the default domain (`ai.onnx`), IR version 8, producer `nn`;
//! - one input, [`INPUT`] (`"input"`), of shape `[batch, INPUT]`, and one output, [`OUTPUT`]
//!   (`"output"`), of shape `[batch, OUTPUT]`, where `batch` is a symbolic dimension
//!   ([`BATCH_AXIS`]): any batch size runs;
//! - element type `FLOAT` for an `f32` network, `DOUBLE` for an `f64` one, in every tensor;
//! - the weights as initializers named as in the safetensors files of [`crate::io`]
//!   (`dense_0.kernel`, `batch_norm_1.moving_mean`), intermediate values named after their
//!   layer (`dense_0/gemm`, `dense_0/relu`).
//!
//! The graph is the network's inference function, [`Network::predict`]: dropout is left out,
//! batch norm uses its running statistics, RReLU its mean slope. How each layer and activation
//! becomes nodes is tabled in the `layer`, `image` and `activation` submodules' docs, repeated
//! here:
//!
//! | layer | ONNX |
//! |---|---|
//! | dense | `Gemm(x, kernel [in, out], bias)` (`MatMul` without a bias), then its activation |
//! | batch norm | `BatchNormalization(epsilon)` on `[batch, width]` |
//! | dropout, alpha dropout | nothing |
//! | conv2d | `Conv(x, kernel [OC, IC, KH, KW], bias; kernel_shape, strides, pads)`, then its activation |
//! | maxpool, avgpool | `MaxPool`, `AveragePool` (`kernel_shape`, `strides`; valid) |
//! | global_avgpool | `GlobalAveragePool`, `Flatten` (f64: `ReduceMean` over the height and width) |
//! | batchnorm over channels | `BatchNormalization(epsilon)` on NCHW |
//! | flatten | `Transpose` to NHWC, `Flatten`, where a dense layer, softmax or the output needs a row |
//! | sigmoid, tanh, relu | `Sigmoid`, `Tanh`, `Relu` |
//! | softmax | `Softmax(axis = -1)` (on the flat row) |
//! | leaky_relu, rrelu | `LeakyRelu(alpha)`; RReLU's alpha is `(lower + upper) / 2` |
//! | prelu | `PRelu` with the per-unit slopes (`[C, H, W]` on an image) |
//! | elu, selu | `Elu`, `Selu` (f32); for f64, `Relu`, `Min`, `Exp`, `Sub`, `Mul`, `Add` |
//! | gelu | `0.5 · x · (1 + Erf(x / √2))`; for f64, `Erf` runs on a float `Cast` |
//! | gelu(tanh) | `0.5 · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))` |
//! | swish | `x · Sigmoid(x)` |
//!
//! Images: the graph's input and output stay rows (`[batch, H · W · C]`, channels-last as
//! Keras lays images out); before the first image layer the row is reshaped to NHWC and
//! transposed to the NCHW that ONNX's `Conv` and pooling take, image layers follow each other
//! in NCHW, and before a dense layer (or the output) the image is transposed back and
//! flattened, which is Keras' `Flatten`. Convolution padding is written as explicit `pads`
//! (TensorFlow's split for `same`: the odd row or column goes to the bottom or right).
//!
//! ONNX Runtime's CPU provider (1.32) has no double kernels for `Elu`, `Selu`, `Erf`, `Conv`,
//! `AveragePool` and `GlobalAveragePool`, hence the f64 spellings: ELU and SELU from operators
//! it has in double, `ReduceMean` for the global average, and `Erf`, `Conv` and `AveragePool`
//! computed in single precision between two `Cast`s (a relative error of about 1e-7).
//! Attributes (slopes, alpha, epsilon) are single precision in ONNX.
//! `tests/onnx_export.rs` checks, for networks covering every activation, batch norm,
//! convolutions (valid and same padding, strides, rectangular kernels), pooling and batch
//! norm over channels in f32 and f64, that `onnx.checker` accepts the model and that ONNX
//! Runtime's outputs equal `predict`'s within 1e-5.
//!
//! ```
//! use nn_runtime::{BatchNorm, Dense, Initializer, activation::Relu, layer::Inspect, seeded_rng};
//! // Layers assembled by hand; `to_onnx(&network)` takes a generated network the same way.
//! let dense = Dense::<3, 2, Relu>::new(Relu, Initializer::HeNormal, &mut seeded_rng(0)).named("dense_0");
//! let norm = BatchNorm::<2>::new().named("batch_norm_1");
//! let layers: [&dyn Inspect<f32>; 2] = [&dense, &norm];
//! let bytes = nn_runtime::onnx::layers_to_onnx(&layers, 3, 2, "Tiny")?;
//! assert!(!bytes.is_empty());
//!
//! // Layers that do not fit together are refused, naming the layer.
//! let err = nn_runtime::onnx::layers_to_onnx(&layers, 4, 2, "Tiny").unwrap_err();
//! assert_eq!(err.to_string(), "to_onnx: dense_0: expected inputs of width 3, got width 4");
//! let err = nn_runtime::onnx::layers_to_onnx(&[&dense, &norm, &norm], 3, 2, "Twice").unwrap_err();
//! assert!(err.to_string().contains("two tensors named batch_norm_1.gamma"), "{err}");
//! # Ok::<(), nn_runtime::Error>(())
//! ```
//!
//! [ONNX]: https://onnx.ai

mod activation;
mod graph;
mod image;
mod layer;
mod proto;
mod value;

use std::path::Path;

use graph::GraphBuilder;
use proto::{GraphProto, ModelProto, OperatorSetIdProto, ValueInfoProto};
use value::Value;

use crate::layer::Inspect;
use crate::{Error, Float, Network, Result};

/// The ONNX operator set version the exported graphs use.
pub const OPSET: i64 = 17;
/// The ONNX IR version of the exported models (the one that goes with opset 17).
pub const IR_VERSION: i64 = 8;
/// The name of the graph's input, `[batch, INPUT]`.
pub const INPUT: &str = "input";
/// The name of the graph's output, `[batch, OUTPUT]`.
pub const OUTPUT: &str = "output";
/// The symbolic name of the batch dimension of the input and output.
pub const BATCH_AXIS: &str = "batch";

/// The ONNX model (protobuf bytes) of `network`'s inference graph.
///
/// The graph is named after the network's type (`Mnist`); see the [module docs](self) for
/// the opset, names and the nodes of each layer.
///
/// # Errors
/// [`Error::Format`] if two layers share a name (their initializers would collide): no
/// generated network has two, but a [`crate::network::Chain`] of two generated networks does
/// (both have a `dense_0`); export such parts one by one. [`Error::WidthMismatch`] if a
/// layer's width does not follow from the one before it, which the compiler rules out for
/// generated networks.
pub fn to_onnx<T: Float, N: Network<T> + ?Sized>(network: &N) -> Result<Vec<u8>> {
    let mut walk = Walk::new::<T>(N::INPUT)?;
    network.visit_layers(&mut |layer| walk.layer(layer));
    walk.finish(N::OUTPUT, short_type_name(std::any::type_name::<N>()))
}

/// The ONNX model of layers assembled by hand (as [`Network::visit_layers`] would hand them
/// out), taking inputs of width `input`, in a graph called `name`.
///
/// # Errors
/// [`Error::WidthMismatch`] if a layer does not take the width the one before it gives (or
/// `input`), or the last one does not give `output`; [`Error::Format`] if two layers share
/// a name.
pub fn layers_to_onnx<T: Float>(
    layers: &[&dyn Inspect<T>],
    input: usize,
    output: usize,
    name: &str,
) -> Result<Vec<u8>> {
    let mut walk = Walk::new::<T>(input)?;
    for &layer in layers {
        walk.layer(layer);
    }
    walk.finish(output, name)
}

/// Writes [`to_onnx`]'s model of `network` to `path` (conventionally `*.onnx`), atomically
/// as [`crate::io::save`] does: a failed write leaves a file already at `path` as it was.
///
/// # Errors
/// The errors of [`to_onnx`], and [`Error::Io`] naming `path` if it cannot be written.
pub fn save_onnx<T: Float, N: Network<T> + ?Sized>(
    network: &N,
    path: impl AsRef<Path>,
) -> Result<()> {
    let bytes = to_onnx(network)?;
    crate::io::write_atomic(&bytes, path.as_ref(), |file| Box::new(file))
}

/// The graph under construction while the layers are visited, with the first error.
struct Walk {
    graph: GraphBuilder,
    /// The last layer's output, the input before the first layer.
    current: Value,
    input: usize,
    failure: Option<Error>,
}

impl Walk {
    fn new<T: Float>(input: usize) -> Result<Self> {
        Ok(Self {
            graph: GraphBuilder::new::<T>(INPUT)?,
            current: Value::flat(INPUT, input),
            input,
            failure: None,
        })
    }

    fn layer<T: Float>(&mut self, layer: &dyn Inspect<T>) {
        if self.failure.is_some() {
            return;
        }
        match layer::emit(&mut self.graph, self.current.clone(), layer) {
            Ok(value) => self.current = value,
            Err(error) => self.failure = Some(error),
        }
    }

    fn finish(mut self, output: usize, name: &str) -> Result<Vec<u8>> {
        if let Some(error) = self.failure {
            return Err(error);
        }
        let last = self.current;
        if last.layout.width() != output {
            return Err(Error::WidthMismatch {
                context: "to_onnx: the output".to_owned(),
                expected: output,
                actual: last.layout.width(),
            });
        }
        let elem_type = self.graph.elem_type();
        let last = last.into_flat(&mut self.graph, OUTPUT);
        self.graph.identity_to(&last, OUTPUT);
        let input_doc = "a batch of inputs, one row per sample";
        let output_doc = "the network's predictions, one row per sample";
        let graph = GraphProto {
            node: self.graph.nodes,
            name: name.to_owned(),
            initializer: self.graph.initializers,
            doc_string: format!("the inference graph of {name}"),
            input: vec![ValueInfoProto::batch_by(
                INPUT, elem_type, self.input, input_doc,
            )],
            output: vec![ValueInfoProto::batch_by(
                OUTPUT, elem_type, output, output_doc,
            )],
        };
        let model = ModelProto {
            ir_version: IR_VERSION,
            producer_name: "nn".to_owned(),
            producer_version: env!("CARGO_PKG_VERSION").to_owned(),
            doc_string: String::new(),
            graph: Some(graph),
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            }],
        };
        Ok(proto::encode(&model))
    }
}

/// `Mnist` from `my_crate::models::Mnist<f32>`.
fn short_type_name(full: &str) -> &str {
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
}
