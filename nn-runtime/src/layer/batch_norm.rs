use ndarray::{Array1, ArrayView2, ArrayViewMut2};

use super::channel_norm::ChannelNorm;
use crate::param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
use crate::validate::{check_batch, check_hyperparameter, check_same_shape};
use crate::{Error, Float, Layer, Result, SeededRng};

/// Batch normalization (Ioffe & Szegedy 2015) over the feature axis, with Keras' conventions.
///
/// In training, each feature `j` is normalized with the statistics of the batch and then scaled
/// and shifted by learned `gamma_j` (starting at 1) and `beta_j` (starting at 0):
///
/// ```text
/// mean_j = Σ_i x_ij / n                      var_j = Σ_i (x_ij - mean_j)² / n   (biased)
/// y_ij   = gamma_j · (x_ij - mean_j) / sqrt(var_j + epsilon) + beta_j
/// ```
///
/// and the running statistics move towards the batch's:
/// `moving = momentum · moving + (1 - momentum) · batch`, starting at mean 0 and variance 1.
/// Inference normalizes with the running statistics instead. The backward pass goes through
/// the batch statistics: with `x̂ = (x - mean) / sqrt(var + epsilon)`,
/// `dx = gamma / sqrt(var + epsilon) · (dy - mean(dy) - x̂ · mean(dy · x̂))`, the means taken
/// over the batch.
///
/// **Defaults are Keras'** (`keras.layers.BatchNormalization`): `momentum = 0.99`, the weight
/// of the *old* running value; `epsilon = 1e-3`; the running variance is updated with the
/// *biased* batch variance (divided by `n`).
///
/// **Porting from PyTorch** (`nn.BatchNorm1d`), three things differ:
///
/// | PyTorch | here |
/// |---|---|
/// | `momentum = 0.1`, the weight of the *new* value | `with_momentum(1 - 0.1)`, i.e. `0.9` |
/// | `eps = 1e-5` | `with_epsilon(1e-5)` |
/// | `running_var` updated with the *unbiased* variance `var · n / (n - 1)` | `with_unbiased_running_variance(true)` |
///
/// [`BatchNorm::pytorch`] sets all three. The normalization itself uses the biased variance in
/// both libraries; only the running variance differs. PyTorch's `weight`/`bias`/`running_mean`/
/// `running_var` are `gamma`/`beta`/`moving_mean`/`moving_variance` here (Keras' names).
///
/// Training needs at least two rows: with one, every feature normalizes to zero
/// ([`Error::BatchTooSmall`]). Generics: `N` is the width, `T` the element type.
///
/// # Shapes
/// - input: `[batch, N]`, `batch >= 2` in training
/// - output: `[batch, N]`
/// - `gamma`, `beta`, `moving_mean`, `moving_variance`: `[N]`
///
/// ```
/// use nn_runtime::{BatchNorm, Layer, seeded_rng};
/// let mut bn = BatchNorm::<2, f64>::new();
/// let x = ndarray::array![[1.0, 10.0], [3.0, 30.0]];
/// let y = bn.forward_train(x.view(), &mut seeded_rng(0))?.to_owned();
/// // Each column becomes (x - mean) / sqrt(var + 1e-3): var is 1 and 100.
/// assert!((y[[0, 0]] + 1.0 / 1.001f64.sqrt()).abs() < 1e-12);
/// assert!((y[[1, 1]] - 10.0 / 100.001f64.sqrt()).abs() < 1e-12);
/// // moving = 0.99 · initial + 0.01 · batch.
/// assert!((bn.moving_mean()[1] - 0.2).abs() < 1e-12);
/// assert!((bn.moving_variance()[0] - 1.0).abs() < 1e-12);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm<const N: usize, T: Float = f32> {
    name: &'static str,
    norm: ChannelNorm<T>,
}

/// The settings and accessors [`BatchNorm`] and [`super::BatchNorm2d`] share: both hold a
/// `name` and a `norm: ChannelNorm<T>`; `$doc_layer` names PyTorch's counterpart in the docs.
macro_rules! channel_norm_api {
    ($torch:literal, $example:literal) => {
        /// Keras' default momentum: the weight of the old running value.
        pub const DEFAULT_MOMENTUM: f64 = 0.99;
        /// Keras' default epsilon.
        pub const DEFAULT_EPSILON: f64 = 1e-3;

        #[doc = concat!("A batch norm matching PyTorch's `", $torch, "` defaults: momentum 0.9 here (PyTorch's")]
        /// 0.1), epsilon 1e-5, running variance updated with the unbiased batch variance.
        ///
        /// ```
        #[doc = concat!("let bn = ", $example, "::pytorch();")]
        /// assert_eq!((bn.momentum(), bn.epsilon()), (0.9, 1e-5));
        /// assert!(bn.unbiased_running_variance());
        /// ```
        pub fn pytorch() -> Self {
            let mut bn = Self::new();
            bn.norm = bn.norm.pytorch();
            bn
        }

        /// Sets the momentum, the weight of the old running value (Keras' meaning; PyTorch's
        /// `momentum = m` is `1 - m` here).
        ///
        /// # Errors
        /// [`crate::Error::InvalidHyperparameter`] unless `0 < momentum < 1`.
        pub fn with_momentum(mut self, momentum: f64) -> Result<Self> {
            check_hyperparameter(self.name, "momentum", momentum, "0 < momentum < 1", |m| {
                m > 0.0 && m < 1.0
            })?;
            self.norm.momentum = momentum;
            Ok(self)
        }

        /// Sets epsilon, added to the variance before the square root.
        ///
        /// # Errors
        /// [`crate::Error::InvalidHyperparameter`] unless `epsilon > 0`.
        pub fn with_epsilon(mut self, epsilon: f64) -> Result<Self> {
            check_hyperparameter(self.name, "epsilon", epsilon, "epsilon > 0", |e| e > 0.0)?;
            self.norm.epsilon = epsilon;
            Ok(self)
        }

        /// Whether the running variance is updated with the unbiased batch variance
        /// `var · n / (n - 1)` (PyTorch) instead of the biased one (Keras, the default). The
        /// normalization in training uses the biased variance either way.
        pub fn with_unbiased_running_variance(mut self, unbiased: bool) -> Self {
            self.norm.unbiased_running_variance = unbiased;
            self
        }

        /// Names the layer; errors and saved tensors use the name.
        pub fn named(mut self, name: &'static str) -> Self {
            self.name = name;
            self
        }

        /// The layer's name.
        pub fn name(&self) -> &'static str {
            self.name
        }

        /// The momentum: the weight of the old running value.
        pub fn momentum(&self) -> f64 {
            self.norm.momentum
        }

        /// Epsilon, added to the variance before the square root.
        pub fn epsilon(&self) -> f64 {
            self.norm.epsilon
        }

        /// Whether the running variance is updated with the unbiased batch variance.
        pub fn unbiased_running_variance(&self) -> bool {
            self.norm.unbiased_running_variance
        }

        /// The learned scale, one per feature (channel).
        pub fn gamma(&self) -> &Array1<T> {
            &self.norm.gamma
        }

        /// The learned shift, one per feature (channel).
        pub fn beta(&self) -> &Array1<T> {
            &self.norm.beta
        }

        /// The running mean used at inference, one per feature (channel).
        pub fn moving_mean(&self) -> &Array1<T> {
            &self.norm.moving_mean
        }

        /// The running variance used at inference, one per feature (channel).
        pub fn moving_variance(&self) -> &Array1<T> {
            &self.norm.moving_variance
        }

        /// The gradient of the loss with respect to gamma, from the last backward pass.
        pub fn gamma_grad(&self) -> &Array1<T> {
            &self.norm.gamma_grad
        }

        /// The gradient of the loss with respect to beta, from the last backward pass.
        pub fn beta_grad(&self) -> &Array1<T> {
            &self.norm.beta_grad
        }
    };
}
pub(crate) use channel_norm_api;

impl<const N: usize, T: Float> BatchNorm<N, T> {
    /// A batch norm with Keras' defaults: momentum 0.99, epsilon 1e-3, biased running variance,
    /// gamma 1, beta 0, moving mean 0, moving variance 1.
    pub fn new() -> Self {
        Self {
            name: "batch_normalization",
            norm: ChannelNorm::new(N, Self::DEFAULT_MOMENTUM, Self::DEFAULT_EPSILON),
        }
    }

    channel_norm_api!("nn.BatchNorm1d", "nn_runtime::BatchNorm::<4>");
}

impl<const N: usize, T: Float> Default for BatchNorm<N, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The training-batch check batch norms share: at least two rows.
pub(crate) fn check_two_rows(name: &str, rows: usize) -> Result<()> {
    if rows < 2 {
        return Err(Error::BatchTooSmall {
            context: name.to_owned(),
            minimum: 2,
            actual: rows,
        });
    }
    Ok(())
}

impl<const N: usize, T: Float> Layer<T> for BatchNorm<N, T> {
    fn input_width(&self) -> usize {
        N
    }

    fn output_width(&self) -> usize {
        N
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        _rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, N)?;
        check_two_rows(self.name, input.nrows())?;
        Ok(self.norm.forward_train(input))
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        check_batch(self.name, &input, N)?;
        check_same_shape(self.name, &[input.nrows(), N], output.shape())?;
        self.norm.forward_infer(input, output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(self.name, &self.norm.output, (N, N), &input, &grad_output)?;
        Ok(self.norm.backward(grad_output))
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.norm.output.view()
    }
}

/// `Parameters` and `Tensors` for a layer holding `name` and `norm: ChannelNorm<T>` with `$c`
/// channels.
macro_rules! channel_norm_tensors {
    ([$($generics:tt)*] $layer:ty, $c:expr) => {
        impl<$($generics)*, T: Float> Parameters<T> for $layer {
            fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
                let norm = &mut self.norm;
                visit(ParamMut {
                    layer: self.name,
                    name: "gamma",
                    shape: TensorShape::from([$c]),
                    value: norm.gamma.as_slice_mut().expect("gamma is contiguous"),
                    grad: norm.gamma_grad.as_slice().expect("gamma_grad is contiguous"),
                });
                visit(ParamMut {
                    layer: self.name,
                    name: "beta",
                    shape: TensorShape::from([$c]),
                    value: norm.beta.as_slice_mut().expect("beta is contiguous"),
                    grad: norm.beta_grad.as_slice().expect("beta_grad is contiguous"),
                });
            }
        }

        impl<$($generics)*, T: Float> Tensors<T> for $layer {
            fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
                let shape = TensorShape::from([$c]);
                let norm = &self.norm;
                for (name, kind, tensor) in [
                    ("gamma", TensorKind::Parameter, &norm.gamma),
                    ("beta", TensorKind::Parameter, &norm.beta),
                    ("moving_mean", TensorKind::State, &norm.moving_mean),
                    ("moving_variance", TensorKind::State, &norm.moving_variance),
                ] {
                    visit(TensorRef {
                        layer: self.name,
                        name,
                        kind,
                        shape,
                        data: tensor
                            .as_slice()
                            .expect("batch norm tensors are contiguous"),
                    });
                }
            }

            fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
                let shape = TensorShape::from([$c]);
                let norm = &mut self.norm;
                for (name, kind, tensor) in [
                    ("gamma", TensorKind::Parameter, &mut norm.gamma),
                    ("beta", TensorKind::Parameter, &mut norm.beta),
                    ("moving_mean", TensorKind::State, &mut norm.moving_mean),
                    (
                        "moving_variance",
                        TensorKind::State,
                        &mut norm.moving_variance,
                    ),
                ] {
                    visit(TensorMut {
                        layer: self.name,
                        name,
                        kind,
                        shape,
                        data: tensor
                            .as_slice_mut()
                            .expect("batch norm tensors are contiguous"),
                    });
                }
            }
        }
    };
}
pub(crate) use channel_norm_tensors;

channel_norm_tensors!([const N: usize] BatchNorm<N, T>, N);
