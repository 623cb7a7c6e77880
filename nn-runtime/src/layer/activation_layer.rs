use ndarray::{ArrayView2, ArrayViewMut2};

use crate::activation::{Activation, ActivationKind};
use crate::param::{ParamMut, Parameters, TensorMut, TensorRef, Tensors};
use crate::validate::{check_batch, check_same_shape};
use crate::{Buffer, Error, Float, Layer, Result, SeededRng};

/// An activation used alone as a layer, as Keras' `Activation` (and the `ReLU`, `PReLU`, ...
/// layers): `y = f(x)`.
///
/// This is what the DSL builds for `dense(300, he_normal), batchnorm, relu`, where the
/// activation comes after a batch norm instead of inside the dense layer. Learned parameters of
/// the activation (PReLU's `alpha`, which must then have `N` slopes) are this layer's
/// parameters. The layer keeps a copy of its input, which is its pre-activation: a fused loss
/// (softmax cross-entropy) reads it through [`Layer::pre_activation`] and enters through
/// [`Layer::backward_from_pre_activation`], which passes its gradient through unchanged.
///
/// Generics: `N` is the width, `A` the activation, `T` the element type.
///
/// # Shapes
/// - input: `[batch, N]`
/// - output: `[batch, N]`
///
/// ```
/// use nn_runtime::{activation::Relu, ActivationLayer, Layer, seeded_rng};
/// let mut relu = ActivationLayer::<3, Relu>::new(Relu);
/// let x = ndarray::array![[-1.0f32, 0.5, 2.0]];
/// let y = relu.forward_train(x.view(), &mut seeded_rng(0))?;
/// assert_eq!(y, ndarray::array![[0.0f32, 0.5, 2.0]]);
/// assert_eq!(relu.pre_activation(), x);
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ActivationLayer<const N: usize, A, T: Float = f32> {
    name: &'static str,
    activation: A,
    pre_activation: Buffer<T>,
    output: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const N: usize, A: Activation<T>, T: Float> ActivationLayer<N, A, T> {
    /// A layer applying `activation`.
    pub fn new(mut activation: A) -> Self {
        activation.bind_width(N);
        Self {
            name: "activation",
            activation,
            pre_activation: Buffer::default(),
            output: Buffer::default(),
            grad_input: Buffer::default(),
        }
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

    /// The activation.
    pub fn activation(&self) -> &A {
        &self.activation
    }

    /// The activation, writable (to fix RReLU's slopes in a test, say).
    pub fn activation_mut(&mut self) -> &mut A {
        &mut self.activation
    }

    /// Which activation this layer applies.
    pub fn activation_kind(&self) -> ActivationKind {
        A::KIND
    }

    /// Checks the input, and that the activation's tensors (PReLU's slopes) have `N` elements.
    fn check_input(&self, input: &ArrayView2<'_, T>) -> Result<()> {
        check_batch(self.name, input, N)?;
        let mut mismatch = None;
        self.activation.visit_tensors(&mut |t| {
            if mismatch.is_none() && t.shape.dims() != [N] {
                mismatch = Some(t.shape.dims().to_vec());
            }
        });
        match mismatch {
            None => Ok(()),
            Some(actual) => Err(Error::ShapeMismatch {
                context: format!("{} activation parameters", self.name),
                expected: vec![N],
                actual,
            }),
        }
    }
}

impl<const N: usize, A: Activation<T>, T: Float> Layer<T> for ActivationLayer<N, A, T> {
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
        self.check_input(&input)?;
        let rows = input.nrows();
        self.pre_activation.resize(rows, N).assign(&input);
        self.activation
            .forward_train(input, self.output.resize(rows, N), rng);
        Ok(self.output.view())
    }

    fn forward_infer(
        &self,
        input: ArrayView2<'_, T>,
        mut output: ArrayViewMut2<'_, T>,
    ) -> Result<()> {
        self.check_input(&input)?;
        check_same_shape(self.name, &[input.nrows(), N], output.shape())?;
        output.assign(&input);
        self.activation.infer_in_place(output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(self.name, &self.output, (N, N), &input, &grad_output)?;
        self.activation.backward(
            self.pre_activation.view(),
            self.output.view(),
            grad_output,
            self.grad_input.resize(input.nrows(), N),
        );
        Ok(self.grad_input.view())
    }

    fn backward_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        super::check_backward(
            self.name,
            &self.output,
            (N, N),
            &input,
            &grad_pre_activation,
        )?;
        // The loss depends on the pre-activation only: the activation's parameters get no gradient.
        self.activation.clear_grads();
        self.grad_input
            .resize(input.nrows(), N)
            .assign(&grad_pre_activation);
        Ok(self.grad_input.view())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }

    fn pre_activation(&self) -> ArrayView2<'_, T> {
        self.pre_activation.view()
    }
}

impl<const N: usize, A: Activation<T>, T: Float> Parameters<T> for ActivationLayer<N, A, T> {
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        let layer = self.name;
        self.activation.visit_params(&mut |mut p| {
            p.layer = layer;
            visit(p)
        });
    }
}

impl<const N: usize, A: Activation<T>, T: Float> Tensors<T> for ActivationLayer<N, A, T> {
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        let layer = self.name;
        self.activation.visit_tensors(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        let layer = self.name;
        self.activation.visit_tensors_mut(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }
}
