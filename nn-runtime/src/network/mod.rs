//! Whole networks: the trait the `network!` macro implements for every struct it generates,
//! the per-network state it needs, its summary, and type-checked composition.
//!
//! A generated network is a plain struct with one field per layer. Its training forward
//! calls each layer's [`crate::Layer::forward_train`] in order, its backward each layer's
//! [`crate::Layer::backward`] in reverse, handing every layer the input it saw; none of that
//! needs dynamic dispatch. What every network shares lives here: the [`Network`] trait,
//! [`NetworkState`] (the training RNG and the cached input batch), [`Summary`], and
//! [`Chain`], which feeds one network into another only when the widths agree.

mod compose;
mod infer;
mod state;
mod summary;

pub use compose::{AcceptsInput, Chain, Width};
pub(crate) use infer::with_image_scratch;
pub use infer::{PingPong, check_row, with_row_scratch};
pub use state::NetworkState;
pub use summary::{LayerInfo, Summary};

use ndarray::{Array2, ArrayView2};

use crate::Error;

use crate::activation::ActivationKind;
use crate::layer::Inspect;
use crate::loss::GradientOf;
use crate::{Float, Parameters, Result, Tensors};

/// A network: a training forward that keeps what backward needs, a backward pass, inference,
/// and visitors over its parameters (for optimizers) and tensors (for saving).
///
/// Implemented by every struct `network!` generates, and by [`Chain`].
pub trait Network<T: Float = f32>: Parameters<T> + Tensors<T> {
    /// The width of the input.
    const INPUT: usize;
    /// The width of the output.
    const OUTPUT: usize;
    /// The activation of the output layer: losses check that they fit it.
    const OUTPUT_ACTIVATION: ActivationKind;
    /// The input width as a type, `Width<INPUT>`.
    type Input;
    /// The output width as a type, `Width<OUTPUT>`.
    type Output;

    /// Training-mode forward pass over a batch `[batch, INPUT]`; returns the output
    /// `[batch, OUTPUT]`. Dropout draws masks, batch norm uses and updates batch statistics.
    ///
    /// # Errors
    /// [`crate::Error::WidthMismatch`], [`crate::Error::EmptyBatch`] or
    /// [`crate::Error::NonFinite`] for a bad input, and the layers' own errors (batch norm
    /// needs two rows in training).
    fn forward_train(&mut self, input: ArrayView2<'_, T>) -> Result<ArrayView2<'_, T>>;

    /// The output of the last training forward pass.
    fn output(&self) -> ArrayView2<'_, T>;

    /// The output layer's pre-activation (the logits) of the last training forward pass.
    fn pre_activation(&self) -> ArrayView2<'_, T>;

    /// Backward pass from the loss gradient `grad` (with respect to the output, or to the
    /// output layer's pre-activation for a fused loss, as `of` says). Writes every parameter's
    /// gradient and returns the gradient with respect to the input.
    ///
    /// # Errors
    /// [`crate::Error::InvalidState`] before any training forward pass, and
    /// [`crate::Error::ShapeMismatch`] if `grad` does not match the last output.
    fn backward(&mut self, grad: ArrayView2<'_, T>, of: GradientOf) -> Result<ArrayView2<'_, T>>;

    /// [`Network::backward`] without the gradient with respect to the input, which a training
    /// step does not need: writes every parameter's gradient, and the first layer skips the
    /// product that would give its input gradient. `fit` calls this; so should a hand-written
    /// training loop.
    ///
    /// The parameter gradients are bit for bit those of [`Network::backward`]
    /// (`tests/backward_parameters.rs` in the facade checks dense, convolutional, one-layer and
    /// chained networks).
    ///
    /// # Errors
    /// As [`Network::backward`].
    fn backward_parameters(&mut self, grad: ArrayView2<'_, T>, of: GradientOf) -> Result<()> {
        self.backward(grad, of).map(drop)
    }

    /// Inference on a batch `[batch, INPUT]`: dropout off, batch norm on its running
    /// statistics. Returns `[batch, OUTPUT]`.
    ///
    /// # Errors
    /// [`crate::Error::WidthMismatch`], [`crate::Error::EmptyBatch`] or
    /// [`crate::Error::NonFinite`] for a bad input.
    fn predict(&self, input: ArrayView2<'_, T>) -> Result<Array2<T>>;

    /// The sum of every layer's L1/L2 penalty, to add to the loss.
    fn penalty(&self) -> T;

    /// Visits every layer in order, as `&dyn Inspect<T>`: its name, what it is
    /// ([`crate::layer::LayerSpec`]) and, after a training forward pass, its output and
    /// pre-activation. Diagnostics and exporters walk networks with it. A `flatten`, which
    /// a generated struct keeps no field for, is handed out as a fresh
    /// [`crate::layer::Flatten`] (no output), so walkers see where an image becomes a row.
    fn visit_layers(&self, visit: &mut dyn FnMut(&dyn Inspect<T>));

    /// A Keras-style summary: layers, output shapes, parameter counts, activations,
    /// initializers.
    fn summary(&self) -> Summary;
}

/// One sample through `network` in inference mode: `[T; I]` in, `[T; O]` out. The generated
/// `predict_one` methods call this with the network's own widths.
///
/// # Errors
/// [`Error::WidthMismatch`] if `I` or `O` are not the network's widths, and
/// [`Error::NonFinite`] for a NaN or infinite input.
pub fn predict_one<T: Float, N: Network<T>, const I: usize, const O: usize>(
    network: &N,
    input: &[T; I],
) -> Result<[T; O]> {
    let shape_error = |expected, actual| Error::WidthMismatch {
        context: "predict_one".to_owned(),
        expected,
        actual,
    };
    if I != N::INPUT {
        return Err(shape_error(N::INPUT, I));
    }
    if O != N::OUTPUT {
        return Err(shape_error(N::OUTPUT, O));
    }
    let row =
        ArrayView2::from_shape((1, I), input.as_slice()).map_err(|_| shape_error(N::INPUT, I))?;
    let output = network.predict(row)?;
    let mut result = [T::zero(); O];
    for (slot, &value) in result.iter_mut().zip(output.iter()) {
        *slot = value;
    }
    Ok(result)
}
