//! Which initializer fits which activation: the pairing table the `network!` macro enforces at
//! compile time, available at run time to diagnostics.

use super::Initializer;
use crate::activation::ActivationKind;

/// The three variance rules: each initializer family keeps activations and gradients at a
/// steady scale for one kind of activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InitFamily {
    /// Glorot & Bengio (2010): `Var(W) = 2 / (fan_in + fan_out)`, for linear, tanh, sigmoid
    /// and softmax.
    Glorot,
    /// He et al. (2015): `Var(W) = 2 / fan_in`, for the ReLU family, GELU and swish.
    He,
    /// LeCun (1998), as Klambauer et al. (2017) use it: `Var(W) = 1 / fan_in`, for SELU.
    Lecun,
}

impl ActivationKind {
    /// The initializer family derived for this activation.
    ///
    /// ```
    /// use nn_runtime::activation::ActivationKind;
    /// use nn_runtime::init::InitFamily;
    /// assert_eq!(ActivationKind::Relu.init_family(), InitFamily::He);
    /// assert_eq!(ActivationKind::Selu.init_family(), InitFamily::Lecun);
    /// assert_eq!(ActivationKind::Tanh.init_family(), InitFamily::Glorot);
    /// ```
    pub fn init_family(self) -> InitFamily {
        match self {
            Self::Linear | Self::Sigmoid | Self::Tanh | Self::Softmax => InitFamily::Glorot,
            Self::Relu
            | Self::LeakyRelu
            | Self::PRelu
            | Self::RRelu
            | Self::Elu
            | Self::Gelu
            | Self::Swish => InitFamily::He,
            Self::Selu => InitFamily::Lecun,
        }
    }

    /// The initializer `network!` picks for this activation when none is written:
    /// `he_normal` for the He family, `lecun_normal` for SELU, `glorot_uniform` otherwise.
    pub fn fitting_initializer(self) -> Initializer {
        match self.init_family() {
            InitFamily::He => Initializer::HeNormal,
            InitFamily::Lecun => Initializer::LecunNormal,
            InitFamily::Glorot => Initializer::GlorotUniform,
        }
    }

    /// Whether the activation saturates: its derivative goes to zero for large inputs
    /// (sigmoid and tanh).
    pub fn is_saturating(self) -> bool {
        matches!(self, Self::Sigmoid | Self::Tanh)
    }

    /// Whether the activation is in the ReLU family, whose units can die (never be on the
    /// positive side).
    pub fn is_relu_family(self) -> bool {
        matches!(
            self,
            Self::Relu | Self::LeakyRelu | Self::PRelu | Self::RRelu | Self::Elu
        )
    }
}

impl Initializer {
    /// The variance rule this initializer follows; `None` for constants and fixed-scale
    /// distributions, which fit no activation.
    pub fn family(&self) -> Option<InitFamily> {
        match self {
            Self::GlorotNormal | Self::GlorotUniform => Some(InitFamily::Glorot),
            Self::LecunNormal | Self::LecunUniform => Some(InitFamily::Lecun),
            Self::HeNormal | Self::HeUniform => Some(InitFamily::He),
            Self::Zeros | Self::Ones | Self::RandomNormal { .. } | Self::RandomUniform { .. } => {
                None
            }
        }
    }

    /// Whether this initializer fits `activation` (the same rule as `network!`'s check).
    ///
    /// ```
    /// use nn_runtime::{activation::ActivationKind, Initializer};
    /// assert!(Initializer::HeUniform.fits(ActivationKind::Relu));
    /// assert!(!Initializer::GlorotUniform.fits(ActivationKind::Selu));
    /// assert!(!Initializer::RandomNormal { stddev: 0.01 }.fits(ActivationKind::Tanh));
    /// ```
    pub fn fits(&self, activation: ActivationKind) -> bool {
        self.family() == Some(activation.init_family())
    }
}
