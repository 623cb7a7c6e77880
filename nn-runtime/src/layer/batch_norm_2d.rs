use ndarray::{Array1, ArrayView2, ArrayViewMut2};

use super::batch_norm::{channel_norm_api, channel_norm_tensors, check_two_rows};
use super::channel_norm::ChannelNorm;
use crate::param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
use crate::validate::{check_batch, check_hyperparameter, check_same_shape};
use crate::{Float, Layer, Result, SeededRng};

/// Batch normalization over the channels of channels-last images (Keras'
/// `BatchNormalization(axis=-1)` after a `Conv2D`, PyTorch's `nn.BatchNorm2d`).
///
/// The same layer as [`super::BatchNorm`], with one `gamma`, `beta`, running mean and
/// running variance per channel; each channel's statistics are taken over the batch and all
/// `H · W` positions (`n = batch · H · W` values, also in the unbiased running variance
/// `var · n / (n - 1)` of [`BatchNorm2d::pytorch`]). Keras' defaults, and PyTorch's through
/// [`BatchNorm2d::pytorch`], exactly as [`super::BatchNorm`] documents.
///
/// Training needs a batch of at least two images ([`crate::Error::BatchTooSmall`]), as
/// [`super::BatchNorm`] (PyTorch only needs two values per channel).
///
/// Generics: `H, W` the height and width, `C` the channels, `T` the element type.
///
/// # Shapes
/// - input and output: `[batch, H · W · C]` (NHWC rows), `batch >= 2` in training
/// - `gamma`, `beta`, `moving_mean`, `moving_variance`: `[C]`
///
/// ```
/// use nn_runtime::layer::BatchNorm2d;
/// use nn_runtime::{Layer, seeded_rng};
/// // Two 1x2 images of one channel: the channel's four values are normalized together.
/// let mut bn = BatchNorm2d::<1, 2, 1, f64>::new();
/// let x = ndarray::array![[1.0, 3.0], [5.0, 7.0]];
/// let y = bn.forward_train(x.view(), &mut seeded_rng(0))?;
/// // mean 4, variance 5
/// assert!((y[[0, 0]] + 3.0 / 5.001f64.sqrt()).abs() < 1e-12);
/// assert!((bn.moving_mean()[0] - 0.04).abs() < 1e-12);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchNorm2d<const H: usize, const W: usize, const C: usize, T: Float = f32> {
    name: &'static str,
    norm: ChannelNorm<T>,
}

impl<const H: usize, const W: usize, const C: usize, T: Float> BatchNorm2d<H, W, C, T> {
    const WIDTH: usize = H * W * C;

    /// A batch norm over channels with Keras' defaults: momentum 0.99, epsilon 1e-3, biased
    /// running variance, gamma 1, beta 0, moving mean 0, moving variance 1.
    pub fn new() -> Self {
        Self {
            name: "batch_normalization",
            norm: ChannelNorm::new(C, Self::DEFAULT_MOMENTUM, Self::DEFAULT_EPSILON),
        }
    }

    channel_norm_api!(
        "nn.BatchNorm2d",
        "nn_runtime::layer::BatchNorm2d::<2, 2, 3>"
    );
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Default for BatchNorm2d<H, W, C, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Layer<T>
    for BatchNorm2d<H, W, C, T>
{
    fn input_width(&self) -> usize {
        Self::WIDTH
    }

    fn output_width(&self) -> usize {
        Self::WIDTH
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        _rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, Self::WIDTH)?;
        check_two_rows(self.name, input.nrows())?;
        Ok(self.norm.forward_train(input))
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        check_batch(self.name, &input, Self::WIDTH)?;
        check_same_shape(self.name, &[input.nrows(), Self::WIDTH], output.shape())?;
        self.norm.forward_infer(input, output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        let widths = (Self::WIDTH, Self::WIDTH);
        super::check_backward(self.name, &self.norm.output, widths, &input, &grad_output)?;
        Ok(self.norm.backward(grad_output))
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.norm.output.view()
    }
}

channel_norm_tensors!([const H: usize, const W: usize, const C: usize] BatchNorm2d<H, W, C, T>, C);
