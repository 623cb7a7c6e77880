use ndarray::{Array1, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use crate::param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
use crate::validate::{check_batch, check_hyperparameter, check_same_shape};
use crate::{Buffer, Error, Float, Layer, Result, SeededRng};

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
    momentum: f64,
    epsilon: f64,
    unbiased_running_variance: bool,
    gamma: Array1<T>,
    beta: Array1<T>,
    moving_mean: Array1<T>,
    moving_variance: Array1<T>,
    gamma_grad: Array1<T>,
    beta_grad: Array1<T>,
    batch_mean: Array1<T>,
    batch_variance: Array1<T>,
    inv_std: Array1<T>,
    grad_scale: Array1<T>,
    normalized: Buffer<T>,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const N: usize, T: Float> BatchNorm<N, T> {
    /// Keras' default momentum: the weight of the old running value.
    pub const DEFAULT_MOMENTUM: f64 = 0.99;
    /// Keras' default epsilon.
    pub const DEFAULT_EPSILON: f64 = 1e-3;

    /// A batch norm with Keras' defaults: momentum 0.99, epsilon 1e-3, biased running variance,
    /// gamma 1, beta 0, moving mean 0, moving variance 1.
    pub fn new() -> Self {
        Self {
            name: "batch_normalization",
            momentum: Self::DEFAULT_MOMENTUM,
            epsilon: Self::DEFAULT_EPSILON,
            unbiased_running_variance: false,
            gamma: Array1::ones(N),
            beta: Array1::zeros(N),
            moving_mean: Array1::zeros(N),
            moving_variance: Array1::ones(N),
            gamma_grad: Array1::zeros(N),
            beta_grad: Array1::zeros(N),
            batch_mean: Array1::zeros(N),
            batch_variance: Array1::zeros(N),
            inv_std: Array1::zeros(N),
            grad_scale: Array1::zeros(N),
            normalized: Buffer::default(),
            output: Buffer::default(),
            grad_input: Buffer::default(),
        }
    }

    /// A batch norm matching PyTorch's `nn.BatchNorm1d` defaults: momentum 0.9 here (PyTorch's
    /// 0.1), epsilon 1e-5, running variance updated with the unbiased batch variance.
    ///
    /// ```
    /// let bn = nn_runtime::BatchNorm::<4>::pytorch();
    /// assert_eq!((bn.momentum(), bn.epsilon()), (0.9, 1e-5));
    /// assert!(bn.unbiased_running_variance());
    /// ```
    pub fn pytorch() -> Self {
        let mut bn = Self::new();
        bn.momentum = 0.9;
        bn.epsilon = 1e-5;
        bn.unbiased_running_variance = true;
        bn
    }

    /// Sets the momentum, the weight of the old running value (Keras' meaning; PyTorch's
    /// `momentum = m` is `1 - m` here).
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] unless `0 < momentum < 1`.
    pub fn with_momentum(mut self, momentum: f64) -> Result<Self> {
        check_hyperparameter(self.name, "momentum", momentum, "0 < momentum < 1", |m| {
            m > 0.0 && m < 1.0
        })?;
        self.momentum = momentum;
        Ok(self)
    }

    /// Sets epsilon, added to the variance before the square root.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] unless `epsilon > 0`.
    pub fn with_epsilon(mut self, epsilon: f64) -> Result<Self> {
        check_hyperparameter(self.name, "epsilon", epsilon, "epsilon > 0", |e| e > 0.0)?;
        self.epsilon = epsilon;
        Ok(self)
    }

    /// Whether the running variance is updated with the unbiased batch variance
    /// `var · n / (n - 1)` (PyTorch) instead of the biased one (Keras, the default). The
    /// normalization in training uses the biased variance either way.
    pub fn with_unbiased_running_variance(mut self, unbiased: bool) -> Self {
        self.unbiased_running_variance = unbiased;
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
        self.momentum
    }

    /// Epsilon, added to the variance before the square root.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Whether the running variance is updated with the unbiased batch variance.
    pub fn unbiased_running_variance(&self) -> bool {
        self.unbiased_running_variance
    }

    /// The learned scale `[N]`.
    pub fn gamma(&self) -> &Array1<T> {
        &self.gamma
    }

    /// The learned shift `[N]`.
    pub fn beta(&self) -> &Array1<T> {
        &self.beta
    }

    /// The running mean `[N]` used at inference.
    pub fn moving_mean(&self) -> &Array1<T> {
        &self.moving_mean
    }

    /// The running variance `[N]` used at inference.
    pub fn moving_variance(&self) -> &Array1<T> {
        &self.moving_variance
    }

    /// The gradient of the loss with respect to gamma, from the last backward pass.
    pub fn gamma_grad(&self) -> &Array1<T> {
        &self.gamma_grad
    }

    /// The gradient of the loss with respect to beta, from the last backward pass.
    pub fn beta_grad(&self) -> &Array1<T> {
        &self.beta_grad
    }
}

impl<const N: usize, T: Float> Default for BatchNorm<N, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes the column means of `input` into `mean` and the biased column variances into
/// `variance` (two passes, no allocation).
fn column_moments<T: Float>(
    input: ArrayView2<'_, T>,
    mut mean: ArrayViewMut1<'_, T>,
    mut variance: ArrayViewMut1<'_, T>,
) {
    let inv_n = T::one() / T::cast(input.nrows() as f64);
    mean.fill(T::zero());
    for row in input.axis_iter(Axis(0)) {
        Zip::from(&mut mean).and(&row).for_each(|m, &x| *m += x);
    }
    mean.map_inplace(|m| *m *= inv_n);
    variance.fill(T::zero());
    for row in input.axis_iter(Axis(0)) {
        Zip::from(&mut variance)
            .and(&row)
            .and(&mean)
            .for_each(|v, &x, &m| *v += (x - m) * (x - m));
    }
    variance.map_inplace(|v| *v *= inv_n);
}

/// `moving = momentum · moving + (1 - momentum) · correction · batch`.
fn update_running<T: Float>(
    moving: ArrayViewMut1<'_, T>,
    batch: ArrayView1<'_, T>,
    momentum: f64,
    correction: f64,
) {
    let old = T::cast(momentum);
    let new = T::cast((1.0 - momentum) * correction);
    Zip::from(moving)
        .and(batch)
        .for_each(|m, &b| *m = old * *m + new * b);
}

/// `normalized = (input - mean) · inv_std`, `output = gamma · normalized + beta`, row by row.
fn normalize_train<T: Float>(
    input: ArrayView2<'_, T>,
    mean: ArrayView1<'_, T>,
    inv_std: ArrayView1<'_, T>,
    gamma: ArrayView1<'_, T>,
    beta: ArrayView1<'_, T>,
    mut normalized: ArrayViewMut2<'_, T>,
    mut output: ArrayViewMut2<'_, T>,
) {
    Zip::from(normalized.axis_iter_mut(Axis(0)))
        .and(output.axis_iter_mut(Axis(0)))
        .and(input.axis_iter(Axis(0)))
        .for_each(|mut xhat, mut y, x| {
            Zip::from(&mut xhat)
                .and(&x)
                .and(&mean)
                .and(&inv_std)
                .for_each(|xhat, &x, &m, &s| *xhat = (x - m) * s);
            Zip::from(&mut y)
                .and(&xhat)
                .and(&gamma)
                .and(&beta)
                .for_each(|y, &xhat, &g, &b| *y = g * xhat + b);
        });
}

/// `output = gamma · (input - mean) / sqrt(variance + epsilon) + beta` with fixed statistics.
fn normalize_infer<T: Float>(
    input: ArrayView2<'_, T>,
    mean: ArrayView1<'_, T>,
    variance: ArrayView1<'_, T>,
    gamma: ArrayView1<'_, T>,
    beta: ArrayView1<'_, T>,
    epsilon: T,
    mut output: ArrayViewMut2<'_, T>,
) {
    Zip::from(output.axis_iter_mut(Axis(0)))
        .and(input.axis_iter(Axis(0)))
        .for_each(|mut y, x| {
            Zip::from(&mut y)
                .and(&x)
                .and(&mean)
                .and(&variance)
                .and(&gamma)
                .and(&beta)
                .for_each(|y, &x, &m, &v, &g, &b| *y = g * (x - m) / (v + epsilon).sqrt() + b);
        });
}

/// The backward pass through the batch statistics. Writes `gamma_grad = Σ dy · x̂`,
/// `beta_grad = Σ dy` and `grad_input = gamma · inv_std / n · (n · dy - beta_grad - x̂ ·
/// gamma_grad)`; `scale` is scratch for `gamma · inv_std / n`.
#[allow(clippy::too_many_arguments)]
fn backward_train<T: Float>(
    grad_output: ArrayView2<'_, T>,
    normalized: ArrayView2<'_, T>,
    gamma: ArrayView1<'_, T>,
    inv_std: ArrayView1<'_, T>,
    mut scale: ArrayViewMut1<'_, T>,
    mut gamma_grad: ArrayViewMut1<'_, T>,
    mut beta_grad: ArrayViewMut1<'_, T>,
    mut grad_input: ArrayViewMut2<'_, T>,
) {
    let n = T::cast(grad_output.nrows() as f64);
    gamma_grad.fill(T::zero());
    beta_grad.fill(T::zero());
    for (dy, xhat) in grad_output
        .axis_iter(Axis(0))
        .zip(normalized.axis_iter(Axis(0)))
    {
        Zip::from(&mut gamma_grad)
            .and(&mut beta_grad)
            .and(&dy)
            .and(&xhat)
            .for_each(|gg, bg, &dy, &xhat| {
                *gg += dy * xhat;
                *bg += dy;
            });
    }
    Zip::from(&mut scale)
        .and(&gamma)
        .and(&inv_std)
        .for_each(|c, &g, &s| *c = g * s / n);
    Zip::from(grad_input.axis_iter_mut(Axis(0)))
        .and(grad_output.axis_iter(Axis(0)))
        .and(normalized.axis_iter(Axis(0)))
        .for_each(|dx, dy, xhat| {
            Zip::from(dx)
                .and(&dy)
                .and(&xhat)
                .and(&scale)
                .and(&gamma_grad)
                .and(&beta_grad)
                .for_each(|dx, &dy, &xhat, &c, &gg, &bg| *dx = c * (n * dy - bg - xhat * gg));
        });
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
        let rows = input.nrows();
        if rows < 2 {
            return Err(Error::BatchTooSmall {
                context: self.name.to_owned(),
                minimum: 2,
                actual: rows,
            });
        }
        column_moments(
            input,
            self.batch_mean.view_mut(),
            self.batch_variance.view_mut(),
        );
        let epsilon = T::cast(self.epsilon);
        Zip::from(&mut self.inv_std)
            .and(&self.batch_variance)
            .for_each(|s, &v| *s = T::one() / (v + epsilon).sqrt());
        normalize_train(
            input,
            self.batch_mean.view(),
            self.inv_std.view(),
            self.gamma.view(),
            self.beta.view(),
            self.normalized.resize(rows, N),
            self.output.resize(rows, N),
        );
        update_running(
            self.moving_mean.view_mut(),
            self.batch_mean.view(),
            self.momentum,
            1.0,
        );
        let correction = if self.unbiased_running_variance {
            rows as f64 / (rows as f64 - 1.0)
        } else {
            1.0
        };
        update_running(
            self.moving_variance.view_mut(),
            self.batch_variance.view(),
            self.momentum,
            correction,
        );
        Ok(self.output.view())
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        check_batch(self.name, &input, N)?;
        check_same_shape(self.name, &[input.nrows(), N], output.shape())?;
        normalize_infer(
            input,
            self.moving_mean.view(),
            self.moving_variance.view(),
            self.gamma.view(),
            self.beta.view(),
            T::cast(self.epsilon),
            output,
        );
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(self.name, &self.output, (N, N), &input, &grad_output)?;
        backward_train(
            grad_output,
            self.normalized.view(),
            self.gamma.view(),
            self.inv_std.view(),
            self.grad_scale.view_mut(),
            self.gamma_grad.view_mut(),
            self.beta_grad.view_mut(),
            self.grad_input.resize(input.nrows(), N),
        );
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const N: usize, T: Float> Parameters<T> for BatchNorm<N, T> {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        visit(ParamMut {
            layer: self.name,
            name: "gamma",
            shape: TensorShape::from([N]),
            value: self.gamma.as_slice_mut().expect("gamma is contiguous"),
            grad: self
                .gamma_grad
                .as_slice()
                .expect("gamma_grad is contiguous"),
        });
        visit(ParamMut {
            layer: self.name,
            name: "beta",
            shape: TensorShape::from([N]),
            value: self.beta.as_slice_mut().expect("beta is contiguous"),
            grad: self.beta_grad.as_slice().expect("beta_grad is contiguous"),
        });
    }
}

impl<const N: usize, T: Float> Tensors<T> for BatchNorm<N, T> {
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        let shape = TensorShape::from([N]);
        for (name, kind, tensor) in [
            ("gamma", TensorKind::Parameter, &self.gamma),
            ("beta", TensorKind::Parameter, &self.beta),
            ("moving_mean", TensorKind::State, &self.moving_mean),
            ("moving_variance", TensorKind::State, &self.moving_variance),
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
        let shape = TensorShape::from([N]);
        for (name, kind, tensor) in [
            ("gamma", TensorKind::Parameter, &mut self.gamma),
            ("beta", TensorKind::Parameter, &mut self.beta),
            ("moving_mean", TensorKind::State, &mut self.moving_mean),
            (
                "moving_variance",
                TensorKind::State,
                &mut self.moving_variance,
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
