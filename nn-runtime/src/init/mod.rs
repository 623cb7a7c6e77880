//! Weight initializers: the variance-preserving rules of Glorot, LeCun and He, and plain
//! distributions for deliberate experiments.
//!
//! | initializer | distribution | variance |
//! |---|---|---|
//! | `glorot_normal` | truncated normal | 2 / (fan_in + fan_out) |
//! | `glorot_uniform` | U(-r, r), r = sqrt(6 / (fan_in + fan_out)) | 2 / (fan_in + fan_out) |
//! | `lecun_normal` | truncated normal | 1 / fan_in |
//! | `lecun_uniform` | U(-r, r), r = sqrt(3 / fan_in) | 1 / fan_in |
//! | `he_normal` | truncated normal | 2 / fan_in |
//! | `he_uniform` | U(-r, r), r = sqrt(6 / fan_in) | 2 / fan_in |
//!
//! The `*_normal` initializers follow Keras: a normal truncated at two standard deviations,
//! whose standard deviation is divided by 0.87962566103423978 (the standard deviation of a
//! unit normal truncated at ±2) so that the variance is exactly the target.
//!
//! **How PyTorch differs.** `torch.nn.init.xavier_normal_` and `kaiming_normal_` draw from an
//! untruncated normal with σ = gain·sqrt(1/n) (same variance, heavier tails), and PyTorch has no
//! LeCun initializer (`calculate_gain('selu')` is 3/4, not the self-normalizing 1). Its
//! `trunc_normal_` cuts at the absolute values ±2, not at ±2σ, and does not rescale. PyTorch's
//! default `Linear` init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), variance 1 / (3 fan_in), the
//! "standard" init Glorot & Bengio (2010) showed to shrink activations layer after layer; here it
//! is `RandomUniform { limit: 1/sqrt(fan_in) }`, written on purpose.

mod pairing;
mod truncated_normal;

use ndarray::{Array2, Array4};
use rand_distr::{Distribution, StandardNormal};

use crate::{Float, SeededRng};

pub use pairing::InitFamily;
pub use truncated_normal::{TRUNCATED_NORMAL_STDDEV, sample_truncated_normal};

/// How a weight tensor is first filled.
///
/// ```
/// use nn_runtime::{Initializer, seeded_rng};
/// let kernel = Initializer::HeNormal.sample::<f32>(784, 300, &mut seeded_rng(42));
/// assert_eq!(kernel.dim(), (784, 300));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Initializer {
    /// Glorot & Bengio (2010), normal: truncated normal with Var(W) = 2 / (fan_in + fan_out).
    /// Fits linear, tanh, sigmoid and softmax outputs.
    GlorotNormal,
    /// Glorot & Bengio (2010), uniform: U(-r, r), r = sqrt(6 / (fan_in + fan_out)).
    GlorotUniform,
    /// LeCun et al. (1998), normal: truncated normal with Var(W) = 1 / fan_in. Fits SELU.
    LecunNormal,
    /// LeCun et al. (1998), uniform: U(-r, r), r = sqrt(3 / fan_in). Fits SELU.
    LecunUniform,
    /// He et al. (2015), normal: truncated normal with Var(W) = 2 / fan_in. Fits the ReLU family.
    HeNormal,
    /// He et al. (2015), uniform: U(-r, r), r = sqrt(6 / fan_in). Fits the ReLU family.
    HeUniform,
    /// All zeros (the default for biases).
    Zeros,
    /// All ones (the default for batch norm's gamma).
    Ones,
    /// An untruncated normal N(0, stddev²), as Keras' `RandomNormal`.
    RandomNormal {
        /// The standard deviation.
        stddev: f64,
    },
    /// U(-limit, limit), as Keras' `RandomUniform(-limit, limit)`.
    RandomUniform {
        /// The bound of the interval.
        limit: f64,
    },
}

impl Initializer {
    /// The initializer's name in the `network!` DSL and in Keras (`"he_normal"`, ...).
    pub fn dsl_name(&self) -> &'static str {
        match self {
            Self::GlorotNormal => "glorot_normal",
            Self::GlorotUniform => "glorot_uniform",
            Self::LecunNormal => "lecun_normal",
            Self::LecunUniform => "lecun_uniform",
            Self::HeNormal => "he_normal",
            Self::HeUniform => "he_uniform",
            Self::Zeros => "zeros",
            Self::Ones => "ones",
            Self::RandomNormal { .. } => "random_normal",
            Self::RandomUniform { .. } => "random_uniform",
        }
    }

    /// The variance of one weight drawn for a `fan_in x fan_out` kernel.
    ///
    /// ```
    /// use nn_runtime::Initializer;
    /// assert_eq!(Initializer::HeNormal.variance(100, 10), 0.02);
    /// assert_eq!(Initializer::GlorotUniform.variance(60, 40), 0.02);
    /// ```
    pub fn variance(&self, fan_in: usize, fan_out: usize) -> f64 {
        let fan_in = fan_in.max(1) as f64;
        let fan_avg = (fan_in + fan_out.max(1) as f64) / 2.0;
        match self {
            Self::GlorotNormal | Self::GlorotUniform => 1.0 / fan_avg,
            Self::LecunNormal | Self::LecunUniform => 1.0 / fan_in,
            Self::HeNormal | Self::HeUniform => 2.0 / fan_in,
            Self::Zeros | Self::Ones => 0.0,
            Self::RandomNormal { stddev } => stddev * stddev,
            Self::RandomUniform { limit } => limit * limit / 3.0,
        }
    }

    /// Draws a `fan_in x fan_out` kernel. The draws are made in `f64` and cast, so `f32` and
    /// `f64` kernels from the same seed agree up to rounding.
    pub fn sample<T: Float>(
        &self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut SeededRng,
    ) -> Array2<T> {
        self.sample_shape(fan_in, fan_out, (fan_in, fan_out), rng)
    }

    /// Draws a convolution kernel `[kh, kw, in_channels, out_channels]` (Keras' layout) with
    /// Keras' fans for convolutions: `fan_in = kh · kw · in_channels`, `fan_out = kh · kw ·
    /// out_channels`. The draws are made in the kernel's row-major order, as Keras does.
    ///
    /// ```
    /// use nn_runtime::{Initializer, seeded_rng};
    /// let kernel = Initializer::HeNormal.sample_conv::<f32>((3, 3), 1, 8, &mut seeded_rng(0));
    /// assert_eq!(kernel.dim(), (3, 3, 1, 8));
    /// ```
    pub fn sample_conv<T: Float>(
        &self,
        (kh, kw): (usize, usize),
        in_channels: usize,
        out_channels: usize,
        rng: &mut SeededRng,
    ) -> Array4<T> {
        let (fan_in, fan_out) = (kh * kw * in_channels, kh * kw * out_channels);
        self.sample_shape::<T>(fan_in, fan_out, (fan_in, out_channels), rng)
            .into_shape_with_order((kh, kw, in_channels, out_channels))
            .expect("invariant: kh * kw * in_channels * out_channels elements")
    }

    /// Draws a tensor of any `shape` whose variance follows `fan_in` and `fan_out` (for layers
    /// whose kernel is not simply `fan_in x fan_out`).
    pub fn sample_shape<T: Float>(
        &self,
        fan_in: usize,
        fan_out: usize,
        shape: (usize, usize),
        rng: &mut SeededRng,
    ) -> Array2<T> {
        let variance = self.variance(fan_in, fan_out);
        match self {
            Self::GlorotNormal | Self::LecunNormal | Self::HeNormal => {
                let stddev = variance.sqrt() / TRUNCATED_NORMAL_STDDEV;
                Array2::from_shape_simple_fn(shape, || {
                    T::cast(stddev * sample_truncated_normal(rng))
                })
            }
            Self::GlorotUniform | Self::LecunUniform | Self::HeUniform => {
                uniform(shape, (3.0 * variance).sqrt(), rng)
            }
            Self::RandomUniform { limit } => uniform(shape, *limit, rng),
            Self::RandomNormal { stddev } => Array2::from_shape_simple_fn(shape, || {
                let z: f64 = StandardNormal.sample(rng);
                T::cast(stddev * z)
            }),
            Self::Zeros => Array2::zeros(shape),
            Self::Ones => Array2::ones(shape),
        }
    }
}

fn uniform<T: Float>(shape: (usize, usize), limit: f64, rng: &mut SeededRng) -> Array2<T> {
    use rand::RngExt;
    Array2::from_shape_simple_fn(shape, || T::cast(limit * (2.0 * rng.random::<f64>() - 1.0)))
}
