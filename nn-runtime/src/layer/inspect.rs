//! Reading a layer from outside: what it is ([`LayerSpec`]) and its name, for diagnostics and
//! exporters that walk a network with [`crate::Network::visit_layers`].

use ndarray::{ArrayView1, ArrayView2, ArrayView4};

use super::{
    ActivationLayer, AlphaDropout, AvgPool2d, BatchNorm, BatchNorm2d, Conv2d, Dense, Dropout,
    Flatten, GlobalAvgPool, Layer, MaxPool2d, Padding,
};
use crate::activation::{Activation, ActivationSpec};
use crate::{Float, Initializer};

/// What a layer is, with its weights and settings as views: enough to rebuild its inference
/// function elsewhere (an ONNX graph) or to judge its health (which activation, which weights).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LayerSpec<'a, T> {
    /// `f(x · kernel + bias)`.
    Dense {
        /// The kernel `[in, out]`.
        kernel: ArrayView2<'a, T>,
        /// The bias `[out]`, if the layer has one.
        bias: Option<ArrayView1<'a, T>>,
        /// The activation `f`.
        activation: ActivationSpec<'a, T>,
        /// How the kernel was first filled ([`Initializer::Zeros`] for a layer built from
        /// given weights).
        initializer: Initializer,
    },
    /// Batch normalization; at inference `gamma · (x − mean) / sqrt(variance + epsilon) + beta`.
    BatchNorm {
        /// The scale `[width]`.
        gamma: ArrayView1<'a, T>,
        /// The shift `[width]`.
        beta: ArrayView1<'a, T>,
        /// The running mean `[width]`.
        moving_mean: ArrayView1<'a, T>,
        /// The running variance `[width]`.
        moving_variance: ArrayView1<'a, T>,
        /// Added to the variance before the square root.
        epsilon: f64,
    },
    /// A 2-d convolution over channels-last images: `f(conv(x, kernel) + bias)`.
    Conv2d {
        /// The input's height, width and channels.
        input: (usize, usize, usize),
        /// The output's height, width and channels.
        output: (usize, usize, usize),
        /// The kernel `[KH, KW, IC, OC]` (Keras' layout).
        kernel: ArrayView4<'a, T>,
        /// The bias `[OC]`, if the layer has one.
        bias: Option<ArrayView1<'a, T>>,
        /// The strides along the height and the width.
        stride: (usize, usize),
        /// The padding rule.
        padding: Padding,
        /// The zero padding before the first row and column (the rest is after the last;
        /// TensorFlow's split for [`Padding::Same`]).
        pad_before: (usize, usize),
        /// The activation `f`.
        activation: ActivationSpec<'a, T>,
        /// How the kernel was first filled ([`Initializer::Zeros`] for given weights).
        initializer: Initializer,
    },
    /// Max pooling over windows (valid padding).
    MaxPool2d {
        /// The input's height, width and channels.
        input: (usize, usize, usize),
        /// The output's height, width and channels.
        output: (usize, usize, usize),
        /// The window's height and width.
        window: (usize, usize),
        /// The strides along the height and the width.
        stride: (usize, usize),
    },
    /// Average pooling over windows (valid padding).
    AvgPool2d {
        /// The input's height, width and channels.
        input: (usize, usize, usize),
        /// The output's height, width and channels.
        output: (usize, usize, usize),
        /// The window's height and width.
        window: (usize, usize),
        /// The strides along the height and the width.
        stride: (usize, usize),
    },
    /// The mean of each channel over all positions: `[H · W · C] -> [C]`.
    GlobalAvgPool {
        /// The input's height, width and channels.
        input: (usize, usize, usize),
    },
    /// Batch normalization per channel of channels-last images; at inference
    /// `gamma · (x − mean) / sqrt(variance + epsilon) + beta` per channel.
    BatchNorm2d {
        /// The input's (and output's) height, width and channels.
        input: (usize, usize, usize),
        /// The scale `[C]`.
        gamma: ArrayView1<'a, T>,
        /// The shift `[C]`.
        beta: ArrayView1<'a, T>,
        /// The running mean `[C]`.
        moving_mean: ArrayView1<'a, T>,
        /// The running variance `[C]`.
        moving_variance: ArrayView1<'a, T>,
        /// Added to the variance before the square root.
        epsilon: f64,
    },
    /// An image read as a flat row: the identity on the data (rows are channels-last), which
    /// marks where the image ends. PyTorch's `nn.Flatten` orders the same features `(c, h, w)`.
    Flatten {
        /// The image's height, width and channels.
        input: (usize, usize, usize),
    },
    /// Inverted dropout: the identity at inference.
    Dropout {
        /// The fraction of units dropped in training.
        rate: f64,
    },
    /// Alpha dropout (for SELU networks): the identity at inference.
    AlphaDropout {
        /// The fraction of units dropped in training.
        rate: f64,
    },
    /// An activation on its own.
    Activation(ActivationSpec<'a, T>),
}

impl<'a, T> LayerSpec<'a, T> {
    /// The activation the layer applies, if it applies one.
    pub fn activation(&self) -> Option<&ActivationSpec<'a, T>> {
        match self {
            Self::Dense { activation, .. }
            | Self::Conv2d { activation, .. }
            | Self::Activation(activation) => Some(activation),
            _ => None,
        }
    }

    /// The layer's kind as a word (`"dense"`, `"batchnorm"`, ...): the DSL's name for it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Dense { .. } => "dense",
            Self::BatchNorm { .. } => "batchnorm",
            Self::Conv2d { .. } => "conv2d",
            Self::MaxPool2d { .. } => "maxpool",
            Self::AvgPool2d { .. } => "avgpool",
            Self::GlobalAvgPool { .. } => "global_avgpool",
            Self::BatchNorm2d { .. } => "batchnorm",
            Self::Flatten { .. } => "flatten",
            Self::Dropout { .. } => "dropout",
            Self::AlphaDropout { .. } => "alpha_dropout",
            Self::Activation(_) => "activation",
        }
    }
}

/// A layer as diagnostics and exporters see it: a [`Layer`] (its output, pre-activation and
/// widths) with a name and a [`LayerSpec`]. Every layer of the runtime implements it, and
/// networks hand their layers out as `&dyn Inspect<T>`.
///
/// ```
/// use nn_runtime::activation::{ActivationSpec, Relu};
/// use nn_runtime::layer::{Inspect, LayerSpec};
/// use nn_runtime::{Dense, Initializer, seeded_rng};
/// let dense = Dense::<3, 2, Relu>::new(Relu, Initializer::HeNormal, &mut seeded_rng(0)).named("hidden");
/// let layer: &dyn Inspect<f32> = &dense;
/// assert_eq!(layer.name(), "hidden");
/// let LayerSpec::Dense { kernel, activation, .. } = layer.spec() else { panic!() };
/// assert_eq!(kernel.dim(), (3, 2));
/// assert_eq!(activation, ActivationSpec::Relu);
/// ```
pub trait Inspect<T: Float>: Layer<T> {
    /// The layer's name (`dense_0`): the prefix of its saved tensors.
    fn name(&self) -> &'static str;

    /// What the layer is, with views of its weights.
    fn spec(&self) -> LayerSpec<'_, T>;

    /// The gradient of the loss with respect to the layer's pre-activation from the last
    /// backward pass, for layers that keep it (dense); `None` otherwise or before a backward
    /// pass.
    fn backpropagated_gradient(&self) -> Option<ArrayView2<'_, T>> {
        None
    }
}

impl<const IN: usize, const OUT: usize, A: Activation<T>, T: Float> Inspect<T>
    for Dense<IN, OUT, A, T>
{
    fn name(&self) -> &'static str {
        Dense::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::Dense {
            kernel: self.kernel().view(),
            bias: self.bias().map(|bias| bias.view()),
            activation: self.activation().spec(),
            initializer: self.initializer(),
        }
    }

    fn backpropagated_gradient(&self) -> Option<ArrayView2<'_, T>> {
        let grad = self.grad_pre_activation();
        (!grad.is_empty()).then_some(grad)
    }
}

impl<const N: usize, T: Float> Inspect<T> for BatchNorm<N, T> {
    fn name(&self) -> &'static str {
        BatchNorm::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::BatchNorm {
            gamma: self.gamma().view(),
            beta: self.beta().view(),
            moving_mean: self.moving_mean().view(),
            moving_variance: self.moving_variance().view(),
            epsilon: self.epsilon(),
        }
    }
}

impl<const N: usize, T: Float> Inspect<T> for Dropout<N, T> {
    fn name(&self) -> &'static str {
        Dropout::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::Dropout { rate: self.rate() }
    }
}

impl<const N: usize, T: Float> Inspect<T> for AlphaDropout<N, T> {
    fn name(&self) -> &'static str {
        AlphaDropout::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::AlphaDropout { rate: self.rate() }
    }
}

impl<const N: usize, A: Activation<T>, T: Float> Inspect<T> for ActivationLayer<N, A, T> {
    fn name(&self) -> &'static str {
        ActivationLayer::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::Activation(self.activation().spec())
    }
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
> Inspect<T> for Conv2d<IH, IW, IC, OH, OW, OC, A, T>
{
    fn name(&self) -> &'static str {
        Conv2d::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::Conv2d {
            input: (IH, IW, IC),
            output: (OH, OW, OC),
            kernel: self.kernel().view(),
            bias: self.bias().map(|bias| bias.view()),
            stride: self.stride(),
            padding: self.padding(),
            pad_before: self.pad_before(),
            activation: self.activation().spec(),
            initializer: self.initializer(),
        }
    }

    fn backpropagated_gradient(&self) -> Option<ArrayView2<'_, T>> {
        let grad = self.grad_pre_activation();
        (!grad.is_empty()).then_some(grad)
    }
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    Inspect<T> for MaxPool2d<IH, IW, C, OH, OW, T>
{
    fn name(&self) -> &'static str {
        MaxPool2d::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::MaxPool2d {
            input: (IH, IW, C),
            output: (OH, OW, C),
            window: self.window(),
            stride: self.stride(),
        }
    }
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    Inspect<T> for AvgPool2d<IH, IW, C, OH, OW, T>
{
    fn name(&self) -> &'static str {
        AvgPool2d::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::AvgPool2d {
            input: (IH, IW, C),
            output: (OH, OW, C),
            window: self.window(),
            stride: self.stride(),
        }
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Inspect<T>
    for GlobalAvgPool<H, W, C, T>
{
    fn name(&self) -> &'static str {
        GlobalAvgPool::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::GlobalAvgPool { input: (H, W, C) }
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Inspect<T>
    for BatchNorm2d<H, W, C, T>
{
    fn name(&self) -> &'static str {
        BatchNorm2d::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::BatchNorm2d {
            input: (H, W, C),
            gamma: self.gamma().view(),
            beta: self.beta().view(),
            moving_mean: self.moving_mean().view(),
            moving_variance: self.moving_variance().view(),
            epsilon: self.epsilon(),
        }
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Inspect<T> for Flatten<H, W, C, T> {
    fn name(&self) -> &'static str {
        Flatten::name(self)
    }

    fn spec(&self) -> LayerSpec<'_, T> {
        LayerSpec::Flatten { input: (H, W, C) }
    }
}
