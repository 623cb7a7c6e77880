//! Layers: each holds its parameters and the caches its backward pass needs.
//!
//! Every layer is generic over its widths (`const` parameters that label the type, so the
//! compiler can check how layers compose) and over its element type `T` (`f32` by default).
//! The arithmetic itself lives in width-agnostic kernels, so a network with fifty layers of
//! different widths compiles one copy of each kernel, not fifty.
//!
//! A training step runs [`Layer::forward_train`] on each layer in order, then
//! [`Layer::backward`] in reverse order, each layer receiving the same input it saw in the
//! forward pass. Inference uses [`Layer::forward_infer`] on `&self`.

mod activation_layer;
mod alpha_dropout;
mod avg_pool;
mod batch_norm;
mod batch_norm_2d;
mod channel_norm;
mod conv2d;
mod dense;
mod dense_kernel;
mod derived;
mod dropout;
mod flatten;
mod geometry;
mod global_pool;
mod inspect;
mod max_pool;

pub use crate::kernel::Padding;
pub use activation_layer::ActivationLayer;
pub use alpha_dropout::AlphaDropout;
pub use avg_pool::AvgPool2d;
pub use batch_norm::BatchNorm;
pub use batch_norm_2d::BatchNorm2d;
pub use conv2d::Conv2d;
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use global_pool::GlobalAvgPool;
pub use inspect::{Inspect, LayerSpec};
pub use max_pool::MaxPool2d;

use ndarray::{ArrayView2, ArrayViewMut2};

use crate::validate::check_same_shape;
use crate::{Buffer, Error, Float, Parameters, Result, SeededRng, Tensors};

/// One layer of a network: forward in training and inference mode, and backward.
///
/// # Shapes
/// - input: `[batch, input_width]`
/// - output: `[batch, output_width]`
///
/// # Checks
/// Every pass checks widths, empty batches and shapes. Layers do not scan their input for NaN
/// and infinities: a network checks its input once, where it enters
/// ([`crate::NetworkState::check_input`]), and values that overflow inside a training run
/// show as a non-finite loss in the history rather than as an error. A layer used on its own
/// should be given checked data ([`crate::validate::check_finite`]).
pub trait Layer<T: Float>: Parameters<T> + Tensors<T> {
    /// The width of the inputs this layer takes.
    fn input_width(&self) -> usize;

    /// The width of the outputs this layer gives.
    fn output_width(&self) -> usize;

    /// Training-mode forward pass. Keeps what backward needs (the pre-activation, the output,
    /// masks, batch statistics) and updates running statistics. Returns the output.
    ///
    /// # Errors
    /// [`crate::Error::WidthMismatch`] or [`crate::Error::EmptyBatch`] for a bad input; batch
    /// norm also needs at least two rows ([`crate::Error::BatchTooSmall`]).
    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>>;

    /// Inference-mode forward pass into `output` (`[batch, output_width]`): dropout is the
    /// identity, batch norm uses its running statistics, RReLU its mean slope.
    ///
    /// # Errors
    /// [`crate::Error::WidthMismatch`] or [`crate::Error::EmptyBatch`] for a bad input, and
    /// [`crate::Error::ShapeMismatch`] if `output` has the wrong shape.
    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()>;

    /// Inference on one sample: `input` (`input_width` values) in, `output` (`output_width`
    /// values) written, as [`Layer::forward_infer`] on a batch of one row. The batch-1 path
    /// of the generated `predict_one`; it allocates nothing. Dense layers run
    /// [`crate::kernel::vec_mat`], which sums in another order than the batch GEMM (results
    /// agree to rounding); other layers run their batch code on a one-row view.
    ///
    /// # Errors
    /// [`crate::Error::WidthMismatch`] or [`crate::Error::ShapeMismatch`] if a slice has the
    /// wrong length.
    fn infer_row(&self, input: &[T], output: &mut [T]) -> Result<()> {
        let (input_len, output_len) = (input.len(), output.len());
        // A slice of `len` values always makes a `1 x len` view; the error cannot occur.
        let row_error = |len: usize| Error::ShapeMismatch {
            context: "infer_row".to_owned(),
            expected: vec![1, len],
            actual: vec![len],
        };
        let input =
            ArrayView2::from_shape((1, input_len), input).map_err(|_| row_error(input_len))?;
        let output = ArrayViewMut2::from_shape((1, output_len), output)
            .map_err(|_| row_error(output_len))?;
        self.forward_infer(input, output)
    }

    /// Backward pass. `input` is the input of the last [`Layer::forward_train`] and
    /// `grad_output` the gradient of the loss with respect to that call's output. Writes the
    /// gradients of this layer's parameters (for this batch, not accumulated; L1/L2 penalties
    /// included) and returns the gradient with respect to `input`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidState`] if no training forward came first, and
    /// [`crate::Error::ShapeMismatch`] if the shapes differ from that forward pass.
    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>>;

    /// Like [`Layer::backward`], but `grad_pre_activation` is already the gradient with respect
    /// to this layer's pre-activation (the fused softmax cross-entropy gives `p - y` directly),
    /// so the activation's derivative is skipped. For layers without an activation this is
    /// [`Layer::backward`].
    ///
    /// # Errors
    /// As [`Layer::backward`].
    fn backward_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        self.backward(input, grad_pre_activation)
    }

    /// [`Layer::backward`] for the first layer of a network, whose input gradient nobody reads:
    /// writes the parameter gradients only. Dense and convolution layers skip the product
    /// that gives the input gradient (a quarter to a third of a training step's arithmetic in
    /// the first layer); other layers run [`Layer::backward`].
    ///
    /// # Errors
    /// As [`Layer::backward`].
    fn backward_parameters(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.backward(input, grad_output).map(drop)
    }

    /// [`Layer::backward_from_pre_activation`] without the input gradient, as
    /// [`Layer::backward_parameters`].
    ///
    /// # Errors
    /// As [`Layer::backward`].
    fn backward_parameters_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.backward_from_pre_activation(input, grad_pre_activation)
            .map(drop)
    }

    /// The output of the last training forward pass (empty before the first).
    fn output(&self) -> ArrayView2<'_, T>;

    /// The pre-activation of the last training forward pass: the logits a fused loss needs.
    /// For layers without an activation, the output.
    fn pre_activation(&self) -> ArrayView2<'_, T> {
        self.output()
    }

    /// The L1/L2 penalty this layer adds to the loss (zero for layers without one).
    fn penalty(&self) -> T {
        T::zero()
    }
}

/// The checks every layer's backward makes: a training forward came first (its `output` is
/// not empty), and `input` (`[rows, input_width]`) and `grad` (`[rows, output_width]`) match
/// that forward pass.
pub(crate) fn check_backward<T: Float>(
    name: &str,
    output: &Buffer<T>,
    (input_width, output_width): (usize, usize),
    input: &ArrayView2<'_, T>,
    grad: &ArrayView2<'_, T>,
) -> Result<()> {
    if output.is_empty() {
        return Err(Error::InvalidState {
            context: name.to_owned(),
            message: "backward called before a training forward pass".to_owned(),
        });
    }
    let rows = output.rows();
    check_same_shape(name, &[rows, input_width], input.shape())?;
    check_same_shape(name, &[rows, output_width], grad.shape())
}
