//! The working set in one import: `use nn::prelude::*;`.

#[doc(no_inline)]
pub use nn_macros::network;
#[doc(no_inline)]
pub use nn_runtime::activation::{
    Activation, Elu, Gelu, LeakyRelu, Linear, PRelu, Pointwise, RRelu, Relu, Selu, Sigmoid,
    Softmax, Swish, Tanh,
};
#[doc(no_inline)]
pub use nn_runtime::health::{HealthReport, Problem, Thresholds, diagnose};
#[doc(no_inline)]
pub use nn_runtime::loss::{GradientOf, Loss, Targets};
#[doc(no_inline)]
pub use nn_runtime::optim::{Adam, AdamW, GradientClip, Optimizer, RmsProp, Sgd};
#[doc(no_inline)]
pub use nn_runtime::train::{
    Control, EarlyStopping, EpochRecord, Fit, FitConfig, Guard, History, Metrics, Monitor,
    Progress, Schedule, Validation,
};
#[doc(no_inline)]
pub use nn_runtime::{
    ActivationLayer, AlphaDropout, AvgPool2d, BatchNorm, BatchNorm2d, Conv2d, Dense, Dropout,
    Error, Float, GlobalAvgPool, Initializer, Layer, MaxPool2d, Network, Padding, Parameters,
    Tensors, seeded_rng,
};
#[doc(no_inline)]
pub use nn_runtime::{Dataset, Labels, Standardizer};
