use ndarray::{ArrayView2, ArrayViewMut2, Zip};
use rand::RngExt;

use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_hyperparameter, check_same_shape};
use crate::{Buffer, Float, Layer, Result, SeededRng};

/// Inverted dropout (Srivastava et al. 2014), as Keras' `Dropout` and PyTorch's `nn.Dropout`.
///
/// In training each element is kept with probability `1 - rate` and dropped (set to 0)
/// otherwise; kept elements are scaled by `1 / (1 - rate)` so the expected output equals the
/// input: `y = x · mask / (1 - rate)`. Inference is the identity. The mask of the last
/// training forward is kept, so backward is exact: `dx = dy · mask / (1 - rate)`.
///
/// Each element takes one `f64` draw `u` from the [`SeededRng`], in row-major order, and is
/// kept when `u >= rate`; so one seed gives the same mask in `f32` and `f64`.
///
/// Generics: `N` is the width, `T` the element type.
///
/// # Shapes
/// - input: `[batch, N]`
/// - output: `[batch, N]`
///
/// ```
/// use nn_runtime::{Dropout, Layer, seeded_rng};
/// let mut dropout = Dropout::<1000>::new(0.25)?;
/// let x = ndarray::Array2::<f32>::ones((1, 1000));
/// let y = dropout.forward_train(x.view(), &mut seeded_rng(0))?;
/// // Every element is either dropped or scaled by 1 / 0.75.
/// assert!(y.iter().all(|&v| v == 0.0 || (v - 4.0 / 3.0).abs() < 1e-6));
/// let dropped = y.iter().filter(|&&v| v == 0.0).count();
/// assert!((200..300).contains(&dropped));
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Dropout<const N: usize, T: Float = f32> {
    name: &'static str,
    rate: f64,
    mask: Buffer<T>,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const N: usize, T: Float> Dropout<N, T> {
    /// A dropout layer dropping each element with probability `rate`.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] unless `0 <= rate < 1`.
    pub fn new(rate: f64) -> Result<Self> {
        let name = "dropout";
        check_hyperparameter(name, "rate", rate, "0 <= rate < 1", valid_rate)?;
        Ok(Self {
            name,
            rate,
            mask: Buffer::default(),
            output: Buffer::default(),
            grad_input: Buffer::default(),
        })
    }

    /// Names the layer; errors use the name.
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The layer's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The probability of dropping an element.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The mask of the last training forward: 1 where the element was kept, 0 where it was
    /// dropped (empty before the first).
    pub fn mask(&self) -> ArrayView2<'_, T> {
        self.mask.view()
    }
}

/// `0 <= rate < 1`: the rates both dropout layers accept.
pub(super) fn valid_rate(rate: f64) -> bool {
    (0.0..1.0).contains(&rate)
}

/// Draws a keep mask (1 with probability `1 - rate`, else 0), one `f64` draw per element in
/// row-major order.
pub(super) fn draw_mask<T: Float>(mut mask: ArrayViewMut2<'_, T>, rate: f64, rng: &mut SeededRng) {
    // `iter_mut` visits a standard-layout array in row-major order, so the stream is fixed.
    for m in mask.iter_mut() {
        *m = if rng.random::<f64>() >= rate {
            T::one()
        } else {
            T::zero()
        };
    }
}

/// Inference for layers that are the identity there: checks, then copies `input` to `output`.
pub(super) fn identity_infer<T: Float>(
    name: &str,
    width: usize,
    input: ArrayView2<'_, T>,
    mut output: ArrayViewMut2<'_, T>,
) -> Result<()> {
    check_batch(name, &input, width)?;
    check_same_shape(name, &[input.nrows(), width], output.shape())?;
    output.assign(&input);
    Ok(())
}

impl<const N: usize, T: Float> Layer<T> for Dropout<N, T> {
    fn input_width(&self) -> usize {
        N
    }

    fn output_width(&self) -> usize {
        N
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, N)?;
        let rows = input.nrows();
        draw_mask(self.mask.resize(rows, N), self.rate, rng);
        let scale = T::cast(1.0 / (1.0 - self.rate));
        Zip::from(self.output.resize(rows, N))
            .and(input)
            .and(self.mask.view())
            .for_each(|y, &x, &m| *y = x * m * scale);
        Ok(self.output.view())
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        identity_infer(self.name, N, input, output)
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(self.name, &self.output, (N, N), &input, &grad_output)?;
        let scale = T::cast(1.0 / (1.0 - self.rate));
        Zip::from(self.grad_input.resize(input.nrows(), N))
            .and(grad_output)
            .and(self.mask.view())
            .for_each(|dx, &dy, &m| *dx = dy * m * scale);
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const N: usize, T: Float> Parameters<T> for Dropout<N, T> {
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}
}

impl<const N: usize, T: Float> Tensors<T> for Dropout<N, T> {
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}
