//! The resolved network: every name looked up, every default filled in, every width inferred.
//!
//! This is what the checks read and what the expansion generates code from. It holds
//! plain values (no syntax), plus the spans the expansion needs to put type errors and advice
//! on the user's tokens.

use proc_macro2::{Ident, Span};
use syn::{Attribute, Visibility};

use crate::vocab;

/// A whole `network!` definition, resolved and checked.
pub(crate) struct Network {
    /// Outer attributes and doc comments, forwarded to the generated struct.
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// The width of one input row, `784` in `Mnist(784)`, `784` in `Mnist(28, 28, 1)`.
    pub input_width: usize,
    /// The input's shape: flat, or an image.
    pub input_shape: Shape,
    pub input_span: Span,
    /// The width written after `->`, if any (checked equal to the last layer's output width).
    pub declared_output: Option<DeclaredWidth>,
    /// The layers in order; never empty once checked.
    pub layers: Vec<Layer>,
    /// Soft advice that survived its opt-outs, for the expansion to emit as warnings.
    pub advice: Vec<Advice>,
}

impl Network {
    /// The width of one output row: the last layer's output width (the input width if there
    /// are no layers, which the checks reject).
    pub fn output_width(&self) -> usize {
        self.layers
            .last()
            .map_or(self.input_width, |layer| layer.out_width)
    }
}

/// The shape of the values between two layers. Batches are rows either way: an image is a
/// row of `height · width · channels` values in channels-last order (Keras'), so a flat
/// width is the product and `flatten` moves no data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// A row of features.
    Flat(usize),
    /// An image: height, width, channels.
    Image {
        height: usize,
        width: usize,
        channels: usize,
    },
}

impl Shape {
    /// The number of values in one row (`None` if it overflows `usize`).
    pub fn len(self) -> Option<usize> {
        match self {
            Self::Flat(width) => Some(width),
            Self::Image {
                height,
                width,
                channels,
            } => height.checked_mul(width)?.checked_mul(channels),
        }
    }

    /// The shape as shown in shape chains: `784`, `28x28x1`.
    pub fn text(self) -> String {
        match self {
            Self::Flat(width) => width.to_string(),
            Self::Image {
                height,
                width,
                channels,
            } => format!("{height}x{width}x{channels}"),
        }
    }
}

/// A width written by the user, with the span of its literal.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeclaredWidth {
    pub value: usize,
    pub span: Span,
}

/// One layer of the network.
pub(crate) struct Layer {
    pub kind: LayerKind,
    /// The width of the rows this layer takes.
    pub in_width: usize,
    /// The width of the rows this layer gives: `units` for a dense layer, `in_width` otherwise.
    pub out_width: usize,
    /// The shape this layer takes (its product is `in_width`).
    pub in_shape: Shape,
    /// The shape this layer gives (its product is `out_width`).
    pub out_shape: Shape,
    /// The span of the layer's name (`dense`, `batchnorm`, `relu`, ...).
    pub span: Span,
    /// The struct field (and safetensors prefix) of this layer: `dense_0`, `batch_norm_1`,
    /// `relu_2`, numbered by position.
    pub field: Ident,
    /// The opt-outs written on this layer (`allow = ...`).
    pub allow: Vec<Allow>,
}

impl Layer {
    /// Whether `allow = <kind>` is written on this layer.
    pub fn allows(&self, kind: Allow) -> bool {
        self.allow.contains(&kind)
    }

    /// The weights of a layer with a kernel: a dense layer's, or a convolution's.
    pub fn weights(&self) -> Option<&Dense> {
        match &self.kind {
            LayerKind::Dense(dense) => Some(dense),
            LayerKind::Conv2d(conv) => Some(&conv.weights),
            _ => None,
        }
    }

    /// The weights of a layer with a kernel, writable.
    pub fn weights_mut(&mut self) -> Option<&mut Dense> {
        match &mut self.kind {
            LayerKind::Dense(dense) => Some(dense),
            LayerKind::Conv2d(conv) => Some(&mut conv.weights),
            _ => None,
        }
    }

    /// The activation this layer applies itself: a dense or convolution layer's own
    /// activation, or an activation layer's. `None` for the others.
    pub fn activation(&self) -> Option<Activation> {
        match &self.kind {
            LayerKind::Activation(activation) => Some(*activation),
            _ => self.weights().map(|weights| weights.activation),
        }
    }

    /// The span of the token naming this layer's activation: the activation argument of a
    /// dense or convolution layer, or the layer name of an activation layer.
    pub fn activation_span(&self) -> Span {
        self.weights()
            .and_then(|weights| weights.activation_span)
            .unwrap_or(self.span)
    }

    /// The layer's name in the DSL, as shown in width chains: `dense`, `batchnorm`, `relu`, ...
    pub fn dsl_name(&self) -> &'static str {
        match &self.kind {
            LayerKind::Dense(_) => vocab::DENSE,
            LayerKind::Conv2d(_) => vocab::CONV2D,
            LayerKind::MaxPool(_) => vocab::MAXPOOL,
            LayerKind::AvgPool(_) => vocab::AVGPOOL,
            LayerKind::GlobalAvgPool => vocab::GLOBAL_AVGPOOL,
            LayerKind::Flatten => vocab::FLATTEN,
            LayerKind::BatchNorm { .. } => vocab::BATCHNORM,
            LayerKind::Dropout { .. } => vocab::DROPOUT,
            LayerKind::AlphaDropout { .. } => vocab::ALPHA_DROPOUT,
            LayerKind::Activation(activation) => activation.dsl_name(),
        }
    }

    /// Whether this layer passes values through to the next activation without one of its own
    /// (batch norm, the dropouts, pooling and flatten: none changes which activation the
    /// kernel before it feeds), so the pairing check looks through it.
    pub fn is_transparent(&self) -> bool {
        matches!(
            self.kind,
            LayerKind::BatchNorm { .. }
                | LayerKind::Dropout { .. }
                | LayerKind::AlphaDropout { .. }
                | LayerKind::MaxPool(_)
                | LayerKind::AvgPool(_)
                | LayerKind::GlobalAvgPool
                | LayerKind::Flatten
        )
    }

    /// Whether the generated struct has a field for this layer: every layer but `flatten`,
    /// which only relabels the shape (an image row is already the flat row, channels last).
    pub fn has_field(&self) -> bool {
        !matches!(self.kind, LayerKind::Flatten)
    }
}

/// What a layer is, with its hyperparameters.
pub(crate) enum LayerKind {
    Dense(Dense),
    /// Batch normalization (Keras' meaning of momentum: the weight of the old running value).
    BatchNorm {
        momentum: f64,
        epsilon: f64,
    },
    Dropout {
        rate: f64,
    },
    /// Alpha dropout, which keeps SELU's mean and variance.
    AlphaDropout {
        rate: f64,
    },
    /// An activation on its own, as in `dense(300, he_normal), batchnorm, relu`.
    Activation(Activation),
    /// A 2-d convolution over an image.
    Conv2d(Conv2d),
    /// Max pooling over windows of an image.
    MaxPool(Pool),
    /// Average pooling over windows of an image.
    AvgPool(Pool),
    /// The mean of every channel over the whole image: an image in, its channels out.
    GlobalAvgPool,
    /// An image read as a flat row.
    Flatten,
}

/// A convolution: `filters` kernels of `kernel` over the input's channels.
pub(crate) struct Conv2d {
    /// The kernels' activation, initializer and bias, as a dense layer's (`units` is the
    /// number of filters).
    pub weights: Dense,
    /// Kernel height and width.
    pub kernel: (usize, usize),
    pub kernel_span: Span,
    /// Vertical and horizontal step.
    pub stride: (usize, usize),
    pub padding: Padding,
}

/// How a convolution treats the border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Padding {
    /// Only whole windows: the output shrinks by the kernel size minus one.
    Valid,
    /// Zeros around the border so that the output is `ceil(input / stride)`.
    Same,
}

/// A pooling window and its step.
pub(crate) struct Pool {
    pub window: (usize, usize),
    pub window_span: Span,
    pub stride: (usize, usize),
}

/// A dense (fully connected) layer.
pub(crate) struct Dense {
    pub units: usize,
    pub units_span: Span,
    /// The layer's own activation; `Linear` when none is written.
    pub activation: Activation,
    /// The span of the activation argument, if one is written.
    pub activation_span: Option<Span>,
    pub initializer: Initializer,
    /// The span of the initializer argument, if one is written.
    pub initializer_span: Option<Span>,
    /// Whether the initializer was picked to fit the activation, rather than written.
    pub initializer_was_default: bool,
    pub bias: bool,
    pub bias_reason: BiasReason,
    pub l1: f64,
    pub l2: f64,
    /// The input width written as `input = N`, checked against the inferred one.
    pub declared_input: Option<DeclaredWidth>,
}

/// Why a dense layer has a bias or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BiasReason {
    /// The default: a bias.
    Default,
    /// A linear dense layer straight before batch norm has no bias: batch norm subtracts the
    /// batch mean, which cancels any bias, and adds its own shift (beta).
    BeforeBatchNorm,
    /// Written as `bias = true` or `bias = false`.
    Explicit,
}

/// An activation with its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Activation {
    Linear,
    Relu,
    /// Negative slope (default 0.01).
    LeakyRelu(f64),
    PRelu,
    /// Lower and upper bound of the random negative slope (default 1/8, 1/3).
    RRelu(f64, f64),
    /// Saturation value of the negative part (default 1).
    Elu(f64),
    Selu,
    Sigmoid,
    Tanh,
    Softmax,
    /// `approximate`: the tanh approximation (`gelu(tanh)`) instead of the exact erf form.
    Gelu {
        approximate: bool,
    },
    Swish,
}

impl Activation {
    /// The activation's name in the DSL.
    pub fn dsl_name(self) -> &'static str {
        match self {
            Self::Linear => vocab::LINEAR,
            Self::Relu => vocab::RELU,
            Self::LeakyRelu(_) => vocab::LEAKY_RELU,
            Self::PRelu => vocab::PRELU,
            Self::RRelu(..) => vocab::RRELU,
            Self::Elu(_) => vocab::ELU,
            Self::Selu => vocab::SELU,
            Self::Sigmoid => vocab::SIGMOID,
            Self::Tanh => vocab::TANH,
            Self::Softmax => vocab::SOFTMAX,
            Self::Gelu { .. } => vocab::GELU,
            Self::Swish => vocab::SWISH,
        }
    }

    /// The initializer family whose variance fits this activation (DESIGN.md's pairing table).
    pub fn family(self) -> InitFamily {
        match self {
            Self::Linear | Self::Sigmoid | Self::Tanh | Self::Softmax => InitFamily::Glorot,
            Self::Relu
            | Self::LeakyRelu(_)
            | Self::PRelu
            | Self::RRelu(..)
            | Self::Elu(_)
            | Self::Gelu { .. }
            | Self::Swish => InitFamily::He,
            Self::Selu => InitFamily::Lecun,
        }
    }

    /// Whether the activation saturates (derivative near zero for large inputs).
    pub fn is_saturating(self) -> bool {
        matches!(self, Self::Sigmoid | Self::Tanh)
    }
}

/// How a kernel is first filled; mirrors `nn_runtime::Initializer`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Initializer {
    GlorotNormal,
    GlorotUniform,
    LecunNormal,
    LecunUniform,
    HeNormal,
    HeUniform,
    Zeros,
    Ones,
    RandomNormal { stddev: f64 },
    RandomUniform { limit: f64 },
}

impl Initializer {
    /// The initializer's name in the DSL.
    pub fn dsl_name(self) -> &'static str {
        match self {
            Self::GlorotNormal => vocab::GLOROT_NORMAL,
            Self::GlorotUniform => vocab::GLOROT_UNIFORM,
            Self::LecunNormal => vocab::LECUN_NORMAL,
            Self::LecunUniform => vocab::LECUN_UNIFORM,
            Self::HeNormal => vocab::HE_NORMAL,
            Self::HeUniform => vocab::HE_UNIFORM,
            Self::Zeros => vocab::ZEROS,
            Self::Ones => vocab::ONES,
            Self::RandomNormal { .. } => vocab::RANDOM_NORMAL,
            Self::RandomUniform { .. } => vocab::RANDOM_UNIFORM,
        }
    }

    /// The variance-preserving family this initializer belongs to; `None` for the constants
    /// and the fixed-scale distributions, which fit no activation.
    pub fn family(self) -> Option<InitFamily> {
        match self {
            Self::GlorotNormal | Self::GlorotUniform => Some(InitFamily::Glorot),
            Self::LecunNormal | Self::LecunUniform => Some(InitFamily::Lecun),
            Self::HeNormal | Self::HeUniform => Some(InitFamily::He),
            Self::Zeros | Self::Ones | Self::RandomNormal { .. } | Self::RandomUniform { .. } => {
                None
            }
        }
    }

    /// The initializer picked when none is written: the normal of the fitting family for the
    /// ReLU family and SELU, and Keras' default `glorot_uniform` for the rest.
    pub fn default_for(activation: Activation) -> Self {
        match activation.family() {
            InitFamily::He => Self::HeNormal,
            InitFamily::Lecun => Self::LecunNormal,
            InitFamily::Glorot => Self::GlorotUniform,
        }
    }
}

/// The three variance rules of DESIGN.md's pairing table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InitFamily {
    /// Var(W) = 2 / (fan_in + fan_out): linear, tanh, sigmoid, softmax.
    Glorot,
    /// Var(W) = 2 / fan_in: the ReLU family.
    He,
    /// Var(W) = 1 / fan_in: SELU.
    Lecun,
}

impl InitFamily {
    /// The initializers of the family, normal first.
    pub fn members(self) -> [Initializer; 2] {
        match self {
            Self::Glorot => [Initializer::GlorotNormal, Initializer::GlorotUniform],
            Self::He => [Initializer::HeNormal, Initializer::HeUniform],
            Self::Lecun => [Initializer::LecunNormal, Initializer::LecunUniform],
        }
    }
}

/// An opt-out written as `allow = <name>` on a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Allow {
    /// Keep an initializer that does not fit the activation (a hard error otherwise).
    InitMismatch,
    /// Silence [`AdviceKind::SelfNormalization`].
    SelfNormalization,
    /// Silence [`AdviceKind::LinearStack`].
    LinearStack,
    /// Silence [`AdviceKind::SaturatingStack`].
    SaturatingStack,
    /// Silence [`AdviceKind::UnusedPixels`].
    UnusedPixels,
}

impl Allow {
    /// Every opt-out, in the order the docs list them.
    pub const ALL: [Allow; 5] = [
        Self::InitMismatch,
        Self::SelfNormalization,
        Self::LinearStack,
        Self::SaturatingStack,
        Self::UnusedPixels,
    ];

    /// The opt-out's name in the DSL.
    pub fn dsl_name(self) -> &'static str {
        match self {
            Self::InitMismatch => vocab::INIT_MISMATCH,
            Self::SelfNormalization => vocab::SELF_NORMALIZATION,
            Self::LinearStack => vocab::LINEAR_STACK,
            Self::SaturatingStack => vocab::SATURATING_STACK,
            Self::UnusedPixels => vocab::UNUSED_PIXELS,
        }
    }
}

/// Soft advice: a warning the expansion emits on `span` unless the layer opts out.
#[derive(Debug, Clone)]
pub(crate) struct Advice {
    pub kind: AdviceKind,
    pub span: Span,
    pub message: String,
}

/// The kinds of soft advice; each has an opt-out of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdviceKind {
    /// Batch norm or plain dropout after SELU, which breaks self-normalization.
    SelfNormalization,
    /// A dense layer with no activation straight into another dense layer.
    LinearStack,
    /// Four or more sigmoid/tanh layers in a row with no batch norm.
    SaturatingStack,
    /// A window and stride under valid padding that never reach the last rows or columns.
    UnusedPixels,
}

impl AdviceKind {
    /// The opt-out that silences this advice.
    pub fn allow(self) -> Allow {
        match self {
            Self::SelfNormalization => Allow::SelfNormalization,
            Self::LinearStack => Allow::LinearStack,
            Self::SaturatingStack => Allow::SaturatingStack,
            Self::UnusedPixels => Allow::UnusedPixels,
        }
    }

    /// The advice's name, in snake case (for the warning const the expansion emits).
    pub fn name(self) -> &'static str {
        self.allow().dsl_name()
    }
}

/// The activation the weights of dense layer `index` feed, and where it is applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Feed {
    pub activation: Activation,
    /// The index of the activation layer applying it, when the dense layer is linear itself
    /// and an activation layer follows (through batch norm and dropouts).
    pub applied_by: Option<usize>,
}

/// The activation the kernel of layer `index` feeds: the dense layer's own activation, or, if
/// it is linear, the next activation layer after batch norm and dropouts; linear if a dense
/// layer or the end of the network comes first.
pub(crate) fn feed(layers: &[Layer], index: usize) -> Feed {
    let own = layers
        .get(index)
        .and_then(Layer::activation)
        .unwrap_or(Activation::Linear);
    if own != Activation::Linear {
        return Feed {
            activation: own,
            applied_by: None,
        };
    }
    let linear = Feed {
        activation: Activation::Linear,
        applied_by: None,
    };
    for (next, layer) in layers.iter().enumerate().skip(index + 1) {
        match &layer.kind {
            LayerKind::Activation(activation) => {
                return Feed {
                    activation: *activation,
                    applied_by: Some(next),
                };
            }
            _ if layer.is_transparent() => {}
            _ => return linear,
        }
    }
    linear
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::support::network;

    #[test]
    fn names_match_the_vocabulary() {
        let activations = [
            Activation::Relu,
            Activation::LeakyRelu(0.01),
            Activation::PRelu,
            Activation::RRelu(0.1, 0.3),
            Activation::Elu(1.0),
            Activation::Selu,
            Activation::Gelu { approximate: false },
            Activation::Swish,
            Activation::Sigmoid,
            Activation::Tanh,
            Activation::Softmax,
            Activation::Linear,
        ];
        let names: Vec<&str> = activations
            .iter()
            .map(|activation| activation.dsl_name())
            .collect();
        assert_eq!(names, vocab::ACTIVATIONS);
        let allows: Vec<&str> = Allow::ALL.iter().map(|allow| allow.dsl_name()).collect();
        assert_eq!(allows, vocab::ALLOWS);
        for kind in [
            AdviceKind::SelfNormalization,
            AdviceKind::LinearStack,
            AdviceKind::SaturatingStack,
            AdviceKind::UnusedPixels,
        ] {
            assert_eq!(kind.name(), kind.allow().dsl_name());
        }
    }

    #[test]
    fn families_and_defaults() {
        for family in [InitFamily::Glorot, InitFamily::He, InitFamily::Lecun] {
            for member in family.members() {
                assert_eq!(member.family(), Some(family));
            }
        }
        assert_eq!(Initializer::Zeros.family(), None);
        assert_eq!(Initializer::RandomUniform { limit: 0.1 }.family(), None);
        assert_eq!(
            Initializer::default_for(Activation::Elu(1.0)),
            Initializer::HeNormal
        );
        assert_eq!(
            Initializer::default_for(Activation::Selu),
            Initializer::LecunNormal
        );
        assert_eq!(
            Initializer::default_for(Activation::Softmax),
            Initializer::GlorotUniform
        );
        assert!(Activation::Tanh.is_saturating() && Activation::Sigmoid.is_saturating());
        assert!(!Activation::Relu.is_saturating());
    }

    #[test]
    fn feed_looks_through_batchnorm_and_dropouts() {
        let net = network(
            "Net(8) < dense(8), batchnorm, alpha_dropout(0.1), dropout(0.1), selu, dense(4, relu), dense(4), dense(2) >",
        );
        let fed = |index| feed(&net.layers, index);
        assert_eq!(
            fed(0),
            Feed {
                activation: Activation::Selu,
                applied_by: Some(4)
            }
        );
        assert_eq!(
            fed(5),
            Feed {
                activation: Activation::Relu,
                applied_by: None
            }
        );
        assert_eq!(
            fed(6),
            Feed {
                activation: Activation::Linear,
                applied_by: None
            }
        );
        assert_eq!(
            fed(7),
            Feed {
                activation: Activation::Linear,
                applied_by: None
            }
        );
        assert_eq!(fed(99).activation, Activation::Linear);
    }

    #[test]
    fn layer_accessors() {
        let net = network("Net(8) < dense(8, tanh), batchnorm, relu >");
        let names: Vec<&str> = net.layers.iter().map(Layer::dsl_name).collect();
        assert_eq!(names, ["dense", "batchnorm", "relu"]);
        let activations: Vec<Option<Activation>> =
            net.layers.iter().map(Layer::activation).collect();
        assert_eq!(
            activations,
            [Some(Activation::Tanh), None, Some(Activation::Relu)]
        );
        let transparent: Vec<bool> = net.layers.iter().map(Layer::is_transparent).collect();
        assert_eq!(transparent, [false, true, false]);
        let spans: Vec<Option<String>> = net
            .layers
            .iter()
            .map(|layer| layer.activation_span().source_text())
            .collect();
        assert_eq!(
            spans,
            [Some("tanh"), Some("batchnorm"), Some("relu")].map(|text| text.map(String::from))
        );
    }
}
