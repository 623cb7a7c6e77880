//! Reading a layer from outside: what it is ([`LayerSpec`]) and its name, for diagnostics and
//! exporters that walk a network with [`crate::Network::visit_layers`].

use ndarray::{ArrayView1, ArrayView2};

use super::{ActivationLayer, AlphaDropout, BatchNorm, Dense, Dropout, Layer};
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
            Self::Dense { activation, .. } | Self::Activation(activation) => Some(activation),
            _ => None,
        }
    }

    /// The layer's kind as a word (`"dense"`, `"batchnorm"`, ...): the DSL's name for it.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Dense { .. } => "dense",
            Self::BatchNorm { .. } => "batchnorm",
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
