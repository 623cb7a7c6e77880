use ndarray::{ArrayView2, ArrayViewMut2};

use crate::kernel::{global_avg_pool, global_avg_pool_backward};
use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_same_shape};
use crate::{Buffer, Float, Layer, Result, SeededRng};

/// Global average pooling over channels-last images, Keras' `GlobalAveragePooling2D`: each
/// channel's mean over all `H · W` positions. The output is flat (`[batch, C]`).
///
/// Generics: `H, W` the input's height and width, `C` the channels, `T` the element type.
///
/// # Shapes
/// - input: `[batch, H · W · C]` (NHWC rows)
/// - output: `[batch, C]`
///
/// ```
/// use nn_runtime::layer::GlobalAvgPool;
/// use nn_runtime::{Layer, seeded_rng};
/// let mut pool = GlobalAvgPool::<1, 2, 2, f64>::new();
/// // Two pixels of two channels: (1, 10) and (3, 30).
/// let x = ndarray::array![[1.0, 10.0, 3.0, 30.0]];
/// assert_eq!(pool.forward_train(x.view(), &mut seeded_rng(0))?, ndarray::array![[2.0, 20.0]]);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GlobalAvgPool<const H: usize, const W: usize, const C: usize, T: Float = f32> {
    name: &'static str,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const H: usize, const W: usize, const C: usize, T: Float> GlobalAvgPool<H, W, C, T> {
    const IN: usize = H * W * C;

    /// Global average pooling.
    pub fn new() -> Self {
        Self {
            name: "global_average_pooling2d",
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

impl<const H: usize, const W: usize, const C: usize, T: Float> Default
    for GlobalAvgPool<H, W, C, T>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Layer<T>
    for GlobalAvgPool<H, W, C, T>
{
    fn input_width(&self) -> usize {
        Self::IN
    }

    fn output_width(&self) -> usize {
        C
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        _rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, Self::IN)?;
        global_avg_pool(input, self.output.resize(input.nrows(), C));
        Ok(self.output.view())
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        check_batch(self.name, &input, Self::IN)?;
        check_same_shape(self.name, &[input.nrows(), C], output.shape())?;
        global_avg_pool(input, output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(self.name, &self.output, (Self::IN, C), &input, &grad_output)?;
        global_avg_pool_backward(grad_output, self.grad_input.resize(input.nrows(), Self::IN));
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Parameters<T>
    for GlobalAvgPool<H, W, C, T>
{
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}
}

impl<const H: usize, const W: usize, const C: usize, T: Float> Tensors<T>
    for GlobalAvgPool<H, W, C, T>
{
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}
