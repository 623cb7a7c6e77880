use ndarray::{ArrayView2, ArrayViewMut2, Zip};

use super::dropout::{draw_mask, identity_infer, valid_rate};
use crate::activation::Selu;
use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_hyperparameter};
use crate::{Buffer, Float, Layer, Result, SeededRng};

/// Alpha dropout (Klambauer et al. 2017): the dropout that keeps SELU networks
/// self-normalizing, as Keras' `AlphaDropout` and PyTorch's `nn.AlphaDropout`.
///
/// Plain dropout sets dropped units to 0, which after a SELU is not the "inactive" value and
/// breaks mean 0 / variance 1. Alpha dropout sets them to SELU's negative saturation value
/// `α' = -λ·α ≈ -1.7581` ([`AlphaDropout::ALPHA_PRIME`]) instead, then applies the affine
/// correction that restores mean 0 and variance 1 for inputs with mean 0 and variance 1.
/// With keep probability `q = 1 - rate` and a keep mask `m` (1 with probability `q`):
///
/// ```text
/// a = (q + α'² · q · (1 - q))^(-1/2)
/// b = -a · (1 - q) · α'
/// y = a · (x · m + α' · (1 - m)) + b            (training)
/// y = x                                         (inference)
/// dx = a · m · dy
/// ```
///
/// Each element takes one `f64` draw `u` from the [`SeededRng`], in row-major order, and is
/// kept when `u >= rate` (as [`crate::Dropout`]). Use it with SELU layers and `lecun_normal`.
///
/// Generics: `N` is the width, `T` the element type.
///
/// # Shapes
/// - input: `[batch, N]`
/// - output: `[batch, N]`
///
/// ```
/// use nn_runtime::{AlphaDropout, Layer, seeded_rng};
/// let mut dropout = AlphaDropout::<100, f64>::new(0.1)?;
/// let (a, b) = dropout.affine();
/// let x = ndarray::Array2::<f64>::zeros((1, 100));
/// let y = dropout.forward_train(x.view(), &mut seeded_rng(0))?;
/// let dropped = a * AlphaDropout::<100, f64>::ALPHA_PRIME + b;
/// // Kept zeros become b, dropped ones a·α' + b.
/// assert!(y.iter().all(|&v| (v - b).abs() < 1e-12 || (v - dropped).abs() < 1e-12));
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct AlphaDropout<const N: usize, T: Float = f32> {
    name: &'static str,
    rate: f64,
    a: f64,
    b: f64,
    mask: Buffer<T>,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const N: usize, T: Float> AlphaDropout<N, T> {
    /// The value dropped units take before the affine correction: `α' = -λ·α`, SELU's limit
    /// for large negative inputs.
    pub const ALPHA_PRIME: f64 = -Selu::LAMBDA * Selu::ALPHA;

    /// An alpha-dropout layer dropping each element with probability `rate`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `0 <= rate < 1`.
    pub fn new(rate: f64) -> Result<Self> {
        let name = "alpha_dropout";
        check_hyperparameter(name, "rate", rate, "0 <= rate < 1", valid_rate)?;
        let q = 1.0 - rate;
        let alpha = Self::ALPHA_PRIME;
        let a = (q + alpha * alpha * q * (1.0 - q)).powf(-0.5);
        let b = -a * (1.0 - q) * alpha;
        Ok(Self {
            name,
            rate,
            a,
            b,
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

    /// The affine correction `(a, b)` applied in training.
    pub fn affine(&self) -> (f64, f64) {
        (self.a, self.b)
    }

    /// The mask of the last training forward: 1 where the element was kept, 0 where it was
    /// dropped (empty before the first).
    pub fn mask(&self) -> ArrayView2<'_, T> {
        self.mask.view()
    }
}

impl<const N: usize, T: Float> Layer<T> for AlphaDropout<N, T> {
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
        let (a, b) = (T::cast(self.a), T::cast(self.b));
        let dropped = T::cast(self.a * Self::ALPHA_PRIME + self.b);
        Zip::from(self.output.resize(rows, N))
            .and(input)
            .and(self.mask.view())
            .for_each(|y, &x, &m| {
                *y = if m > T::zero() { a * x + b } else { dropped };
            });
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
        let a = T::cast(self.a);
        Zip::from(self.grad_input.resize(input.nrows(), N))
            .and(grad_output)
            .and(self.mask.view())
            .for_each(|dx, &dy, &m| *dx = a * m * dy);
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const N: usize, T: Float> Parameters<T> for AlphaDropout<N, T> {
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}
}

impl<const N: usize, T: Float> Tensors<T> for AlphaDropout<N, T> {
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}
