use ndarray::{ArrayView2, ArrayViewMut2};

use super::geometry::checked_geometry;
use crate::kernel::{ConvGeometry, Padding, max_pool, max_pool_backward, max_pool_infer};
use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_same_shape};
use crate::{Buffer, Float, Layer, Result, SeededRng};

/// 2-d max pooling over channels-last images, Keras' `MaxPooling2D` with `padding="valid"`.
///
/// Each channel of each `window` (moved by `stride`) gives its maximum. The backward pass
/// routes the gradient to the element that was the maximum, the first one in the window's
/// row-major order on ties (as PyTorch). Keras' default stride is the window; pass it
/// explicitly.
///
/// Generics: `IH, IW` the input's height and width, `C` the channels, `OH, OW` the output's
/// height and width, `T` the element type.
///
/// # Shapes
/// - input: `[batch, IH · IW · C]` (NHWC rows)
/// - output: `[batch, OH · OW · C]`
///
/// ```
/// use nn_runtime::layer::MaxPool2d;
/// use nn_runtime::{Layer, seeded_rng};
/// let mut pool = MaxPool2d::<2, 2, 1, 1, 1, f64>::new((2, 2), (2, 2))?;
/// let x = ndarray::array![[1.0, 4.0, 3.0, 2.0]];
/// assert_eq!(pool.forward_train(x.view(), &mut seeded_rng(0))?, ndarray::array![[4.0]]);
/// let dx = pool.backward(x.view(), ndarray::array![[1.0]].view())?;
/// assert_eq!(dx, ndarray::array![[0.0, 1.0, 0.0, 0.0]]);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaxPool2d<
    const IH: usize,
    const IW: usize,
    const C: usize,
    const OH: usize,
    const OW: usize,
    T: Float = f32,
> {
    name: &'static str,
    geometry: ConvGeometry,
    argmax: Vec<usize>,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    MaxPool2d<IH, IW, C, OH, OW, T>
{
    const IN: usize = IH * IW * C;
    const OUT: usize = OH * OW * C;

    /// Max pooling over `window` (height, width) moved by `stride`, valid padding.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] for a zero window or stride,
    /// [`crate::Error::InvalidGeometry`] if they do not give exactly `OH x OW`.
    pub fn new(window: (usize, usize), stride: (usize, usize)) -> Result<Self> {
        let geometry = checked_geometry(
            "maxpool",
            ((IH, IW, C), (OH, OW)),
            ("window", window),
            stride,
            Padding::Valid,
        )?;
        Ok(Self {
            name: "max_pooling2d",
            geometry,
            argmax: Vec::new(),
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

    /// The window's height and width.
    pub fn window(&self) -> (usize, usize) {
        self.geometry.kernel
    }

    /// The strides along the height and the width.
    pub fn stride(&self) -> (usize, usize) {
        self.geometry.stride
    }
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    Layer<T> for MaxPool2d<IH, IW, C, OH, OW, T>
{
    fn input_width(&self) -> usize {
        Self::IN
    }

    fn output_width(&self) -> usize {
        Self::OUT
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        _rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, Self::IN)?;
        let rows = input.nrows();
        self.argmax.resize(rows * Self::OUT, 0);
        max_pool(
            &self.geometry,
            input,
            self.output.resize(rows, Self::OUT),
            &mut self.argmax,
        );
        Ok(self.output.view())
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        check_batch(self.name, &input, Self::IN)?;
        check_same_shape(self.name, &[input.nrows(), Self::OUT], output.shape())?;
        max_pool_infer(&self.geometry, input, output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        let widths = (Self::IN, Self::OUT);
        super::check_backward(self.name, &self.output, widths, &input, &grad_output)?;
        max_pool_backward(
            grad_output,
            &self.argmax,
            self.grad_input.resize(input.nrows(), Self::IN),
        );
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    Parameters<T> for MaxPool2d<IH, IW, C, OH, OW, T>
{
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}
}

impl<const IH: usize, const IW: usize, const C: usize, const OH: usize, const OW: usize, T: Float>
    Tensors<T> for MaxPool2d<IH, IW, C, OH, OW, T>
{
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}
