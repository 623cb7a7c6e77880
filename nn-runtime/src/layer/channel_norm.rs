//! Batch normalization per channel, shared by [`super::BatchNorm`] (one row per sample) and
//! [`super::BatchNorm2d`] (one row per pixel): the state and the math over a `[rows, C]` view,
//! with `C` a runtime value. A layer's `[batch, k · C]` rows reshape to `[batch · k, C]` (the
//! channels-last layout puts a pixel's channels together), so the statistics of every channel
//! are taken over the batch and the `k` positions.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use crate::{Buffer, Float};

/// The per-channel state and settings of a batch norm (see [`super::BatchNorm`] for the math
/// and the conventions).
#[derive(Debug, Clone)]
pub(crate) struct ChannelNorm<T: Float> {
    pub(crate) momentum: f64,
    pub(crate) epsilon: f64,
    pub(crate) unbiased_running_variance: bool,
    pub(crate) gamma: Array1<T>,
    pub(crate) beta: Array1<T>,
    pub(crate) moving_mean: Array1<T>,
    pub(crate) moving_variance: Array1<T>,
    pub(crate) gamma_grad: Array1<T>,
    pub(crate) beta_grad: Array1<T>,
    batch_mean: Array1<T>,
    batch_variance: Array1<T>,
    inv_std: Array1<T>,
    grad_scale: Array1<T>,
    normalized: Buffer<T>,
    pub(crate) output: Buffer<T>,
    grad_input: Buffer<T>,
}

/// A standard-layout `[batch, k · C]` view as `[batch · k, C]`.
fn by_channel<T>(view: ArrayView2<'_, T>, channels: usize) -> ArrayView2<'_, T> {
    let rows = view.len() / channels;
    view.into_shape_with_order((rows, channels))
        .expect("invariant: a standard-layout view of a multiple of C columns")
}

/// The writable form of [`by_channel`].
fn by_channel_mut<T>(view: ArrayViewMut2<'_, T>, channels: usize) -> ArrayViewMut2<'_, T> {
    let rows = view.len() / channels;
    view.into_shape_with_order((rows, channels))
        .expect("invariant: a standard-layout view of a multiple of C columns")
}

impl<T: Float> ChannelNorm<T> {
    /// Keras' defaults over `channels`: momentum 0.99, epsilon 1e-3, biased running variance,
    /// gamma 1, beta 0, moving mean 0, moving variance 1.
    pub(crate) fn new(channels: usize, momentum: f64, epsilon: f64) -> Self {
        Self {
            momentum,
            epsilon,
            unbiased_running_variance: false,
            gamma: Array1::ones(channels),
            beta: Array1::zeros(channels),
            moving_mean: Array1::zeros(channels),
            moving_variance: Array1::ones(channels),
            gamma_grad: Array1::zeros(channels),
            beta_grad: Array1::zeros(channels),
            batch_mean: Array1::zeros(channels),
            batch_variance: Array1::zeros(channels),
            inv_std: Array1::zeros(channels),
            grad_scale: Array1::zeros(channels),
            normalized: Buffer::default(),
            output: Buffer::default(),
            grad_input: Buffer::default(),
        }
    }

    /// PyTorch's defaults: momentum 0.9 here (PyTorch's 0.1), epsilon 1e-5, unbiased running
    /// variance.
    pub(crate) fn pytorch(mut self) -> Self {
        self.momentum = 0.9;
        self.epsilon = 1e-5;
        self.unbiased_running_variance = true;
        self
    }

    fn channels(&self) -> usize {
        self.gamma.len()
    }

    /// The training forward pass over `input` (`[batch, k · C]`, checked by the caller):
    /// batch statistics per channel over `batch · k` rows, the running statistics updated.
    pub(crate) fn forward_train(&mut self, input: ArrayView2<'_, T>) -> ArrayView2<'_, T> {
        let c = self.channels();
        let (batch, width) = input.dim();
        let input = input.as_standard_layout();
        let input = by_channel(input.view(), c);
        let rows = input.nrows();
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
            by_channel_mut(self.normalized.resize(batch, width), c),
            by_channel_mut(self.output.resize(batch, width), c),
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
        self.output.view()
    }

    /// The inference forward pass with the running statistics, into `output` (`[batch, k ·
    /// C]`, checked by the caller).
    pub(crate) fn forward_infer(&self, input: ArrayView2<'_, T>, mut output: ArrayViewMut2<'_, T>) {
        let c = self.channels();
        let input = input.as_standard_layout();
        let infer = |output: ArrayViewMut2<'_, T>| {
            normalize_infer(
                by_channel(input.view(), c),
                self.moving_mean.view(),
                self.moving_variance.view(),
                self.gamma.view(),
                self.beta.view(),
                T::cast(self.epsilon),
                by_channel_mut(output, c),
            );
        };
        if output.is_standard_layout() {
            infer(output);
        } else {
            let mut standard = Array2::zeros(output.dim());
            infer(standard.view_mut());
            output.assign(&standard);
        }
    }

    /// The backward pass through the batch statistics of the last training forward pass
    /// (`grad_output` `[batch, k · C]`, checked by the caller); returns the input gradient.
    pub(crate) fn backward(&mut self, grad_output: ArrayView2<'_, T>) -> ArrayView2<'_, T> {
        let c = self.channels();
        let (batch, width) = grad_output.dim();
        let grad_output = grad_output.as_standard_layout();
        backward_train(
            by_channel(grad_output.view(), c),
            by_channel(self.normalized.view(), c),
            self.gamma.view(),
            self.inv_std.view(),
            self.grad_scale.view_mut(),
            self.gamma_grad.view_mut(),
            self.beta_grad.view_mut(),
            by_channel_mut(self.grad_input.resize(batch, width), c),
        );
        self.grad_input.view()
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
