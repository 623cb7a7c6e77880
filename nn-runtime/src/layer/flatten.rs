use ndarray::{ArrayView2, ArrayViewMut2};

use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_same_shape};
use crate::{Buffer, Float, Layer, Result, SeededRng};

/// Reads a channels-last image as a flat row, Keras' `Flatten`: the identity on the data,
/// since rows already hold images as `(h, w, c)` in order.
///
/// `network!` structs keep no field for `flatten` (no data moves), but hand one out from
/// [`crate::Network::visit_layers`], so exporters see where the image ends and its shape
/// (PyTorch's `nn.Flatten` orders features `(c, h, w)`: the weight exchange needs both).
///
/// Generics: `H, W` the image's height and width, `C` its channels, `T` the element type.
///
/// # Shapes
/// - input: `[batch, H · W · C]` (NHWC rows)
/// - output: the same
///
/// ```
/// use nn_runtime::layer::Flatten;
/// use nn_runtime::{Layer, seeded_rng};
/// let mut flatten = Flatten::<1, 2, 2, f64>::new();
/// let x = ndarray::array![[1.0, 2.0, 3.0, 4.0]];
/// assert_eq!(flatten.forward_train(x.view(), &mut seeded_rng(0))?, x);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Flatten<const H: usize, const W: usize, const C: usize, T: Float = f32> {
    name: &'static str,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Flatten<H, W, C, T> {
    const WIDTH: usize = H * W * C;

    /// A flatten of `H x W x C` images.
    pub fn new() -> Self {
        Self {
            name: "flatten",
            output: Buffer::default(),
            grad_input: Buffer::default(),
        }
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
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Default for Flatten<H, W, C, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Layer<T> for Flatten<H, W, C, T> {
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
        self.output
            .resize(input.nrows(), Self::WIDTH)
            .assign(&input);
        Ok(self.output.view())
    }

    fn forward_infer(
        &self,
        input: ArrayView2<'_, T>,
        mut output: ArrayViewMut2<'_, T>,
    ) -> Result<()> {
        check_batch(self.name, &input, Self::WIDTH)?;
        check_same_shape(self.name, &[input.nrows(), Self::WIDTH], output.shape())?;
        output.assign(&input);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        let widths = (Self::WIDTH, Self::WIDTH);
        super::check_backward(self.name, &self.output, widths, &input, &grad_output)?;
        self.grad_input
            .resize(input.nrows(), Self::WIDTH)
            .assign(&grad_output);
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Parameters<T>
    for Flatten<H, W, C, T>
{
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Tensors<T> for Flatten<H, W, C, T> {
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, array};

    use super::*;
    use crate::{Error, seeded_rng};

    #[test]
    fn passes_values_and_gradients_through_unchanged() {
        let mut flatten = Flatten::<1, 2, 2, f64>::new().named("flatten_3");
        let x = array![[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]];
        let y = flatten
            .forward_train(x.view(), &mut seeded_rng(0))
            .unwrap()
            .to_owned();
        assert_eq!(y, x);
        let g = x.mapv(|v| -v);
        assert_eq!(flatten.backward(x.view(), g.view()).unwrap(), g);
        let mut out = Array2::zeros((2, 4));
        flatten.forward_infer(x.view(), out.view_mut()).unwrap();
        assert_eq!(out, x);
    }

    #[test]
    fn a_row_of_another_width_is_an_error_naming_the_layer() {
        let mut flatten = Flatten::<1, 2, 2, f64>::new().named("flatten_3");
        let err = flatten
            .forward_train(array![[1.0, 2.0, 3.0]].view(), &mut seeded_rng(0))
            .unwrap_err();
        assert!(
            matches!(&err, Error::WidthMismatch { context, expected: 4, actual: 3 } if context.contains("flatten_3")),
            "{err}"
        );
        let err = flatten
            .backward(array![[1.0; 4]].view(), array![[1.0; 4]].view())
            .unwrap_err();
        assert!(err.to_string().contains("flatten_3"), "{err}");
    }
}
