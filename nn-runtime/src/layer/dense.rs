use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, Axis, Zip};

use super::dense_kernel::DenseKernel;
use crate::activation::{Activation, ActivationKind, Linear};
use crate::kernel::{column_sums, matmul, matmul_a_bt, matmul_at_b};
use crate::param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
use crate::validate::{check_batch, check_finite, check_hyperparameter, check_same_shape};
use crate::{Buffer, Error, Float, Initializer, Layer, Result, SeededRng};

/// A fully connected layer: `a = f(x · kernel + bias)`.
///
/// The kernel is stored `[IN, OUT]` (Keras' layout; PyTorch's `Linear.weight` is its
/// transpose). The bias is optional (zeros at the start). L1 and L2 penalties on the kernel
/// follow Keras: the loss gains `l1 · Σ|W| + l2 · ΣW²`, the kernel gradient `l1 · sign(W) +
/// 2 · l2 · W`.
///
/// Generics: `IN` and `OUT` are the widths, `A` the activation, `T` the element type.
///
/// Inference reads copies of the kernel, made on first use and, after the weights change,
/// refreshed in place by the next inference (training steps do not pay for them): one-sample
/// inference ([`Layer::infer_row`], the generated `predict_one`) a copy whose rows start on
/// cache lines ([`crate::kernel::PaddedRows`]; kernels under 4096 weights are read as they
/// are), batch inference ([`Layer::forward_infer`], `predict`) the kernel packed for the
/// matrix product ([`nn_gemm::PackedB`]). Each costs about the kernel's size again; a network
/// that only trains makes neither.
///
/// # Shapes
/// - input: `[batch, IN]`
/// - output: `[batch, OUT]`
///
/// ```
/// use nn_runtime::{activation::Relu, Dense, Initializer, Layer, seeded_rng};
/// let mut rng = seeded_rng(0);
/// let mut dense = Dense::<3, 2, Relu>::new(Relu, Initializer::HeNormal, &mut rng);
/// let x = ndarray::array![[1.0f32, -2.0, 0.5]];
/// let y = dense.forward_train(x.view(), &mut rng).unwrap();
/// assert_eq!(y.dim(), (1, 2));
/// assert!(y.iter().all(|&v| v >= 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct Dense<const IN: usize, const OUT: usize, A = Linear, T: Float = f32> {
    core: Core<A, T>,
}

/// Everything a dense layer holds, and all of its arithmetic, without the widths: the methods
/// of `Dense<IN, OUT, A, T>` pass `IN` and `OUT` in as values, so a network with many distinct
/// widths compiles this code once per activation and element type, not once per width pair.
#[derive(Debug, Clone)]
struct Core<A, T: Float> {
    name: &'static str,
    kernel: DenseKernel<T>,
    bias: Option<Array1<T>>,
    activation: A,
    initializer: Initializer,
    l1: f64,
    l2: f64,
    kernel_grad: Array2<T>,
    bias_grad: Array1<T>,
    pre_activation: Buffer<T>,
    output: Buffer<T>,
    grad_pre_activation: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<const IN: usize, const OUT: usize, A: Activation<T>, T: Float> Dense<IN, OUT, A, T> {
    /// A dense layer with a bias, its kernel drawn from `initializer`.
    pub fn new(activation: A, initializer: Initializer, rng: &mut SeededRng) -> Self {
        let kernel = initializer.sample(IN, OUT, rng);
        Self::from_parts(activation, initializer, kernel, Some(Array1::zeros(OUT)))
    }

    /// A dense layer with the given kernel `[IN, OUT]` and bias `[OUT]` (or none).
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] if the kernel or bias has the wrong shape, and
    /// [`crate::Error::NonFinite`] naming the row and column of a NaN or infinite weight (a bias
    /// is row 0), with the context `dense kernel` or `dense bias`.
    ///
    /// ```
    /// use nn_runtime::{Dense, Error, activation::Relu};
    /// let kernel = ndarray::array![[0.5f32, f32::NAN], [0.0, 1.0]];
    /// let err = Dense::<2, 2, Relu>::from_weights(Relu, kernel, None).unwrap_err();
    /// assert!(matches!(err, Error::NonFinite { row: 0, column: 1, .. }));
    /// assert_eq!(err.to_string(), "dense kernel: non-finite value NaN at row 0, column 1");
    /// ```
    pub fn from_weights(activation: A, kernel: Array2<T>, bias: Option<Array1<T>>) -> Result<Self> {
        check_same_shape("dense kernel", &[IN, OUT], kernel.shape())?;
        check_finite("dense kernel", &kernel.view())?;
        if let Some(bias) = &bias {
            check_same_shape("dense bias", &[OUT], bias.shape())?;
            check_finite("dense bias", &bias.view().insert_axis(Axis(0)))?;
        }
        Ok(Self::from_parts(
            activation,
            Initializer::Zeros,
            kernel,
            bias,
        ))
    }

    fn from_parts(
        activation: A,
        initializer: Initializer,
        kernel: Array2<T>,
        bias: Option<Array1<T>>,
    ) -> Self {
        Self {
            core: Core::new(activation, initializer, kernel, bias, OUT),
        }
    }

    /// Removes the bias (a dense layer straight before batch norm needs none: beta shifts).
    pub fn without_bias(mut self) -> Self {
        self.core.bias = None;
        self
    }

    /// Sets the L1 and L2 penalty factors on the kernel (Keras' `L1L2(l1, l2)`).
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] if either is negative or not finite.
    pub fn with_penalties(mut self, l1: f64, l2: f64) -> Result<Self> {
        let name = self.core.name;
        check_hyperparameter(name, "l1", l1, "l1 >= 0", |v| v >= 0.0)?;
        check_hyperparameter(name, "l2", l2, "l2 >= 0", |v| v >= 0.0)?;
        self.core.l1 = l1;
        self.core.l2 = l2;
        Ok(self)
    }

    /// Names the layer; errors and saved tensors use the name.
    pub fn named(mut self, name: &'static str) -> Self {
        self.core.name = name;
        self
    }

    /// The layer's name.
    pub fn name(&self) -> &'static str {
        self.core.name
    }

    /// The kernel `[IN, OUT]`.
    pub fn kernel(&self) -> &Array2<T> {
        self.core.kernel.matrix()
    }

    /// The bias `[OUT]`, if the layer has one.
    pub fn bias(&self) -> Option<&Array1<T>> {
        self.core.bias.as_ref()
    }

    /// The gradient of the loss with respect to the kernel, from the last backward pass.
    pub fn kernel_grad(&self) -> &Array2<T> {
        &self.core.kernel_grad
    }

    /// The gradient of the loss with respect to the bias, from the last backward pass
    /// (zeros when the layer has no bias).
    pub fn bias_grad(&self) -> &Array1<T> {
        &self.core.bias_grad
    }

    /// The gradient of the loss with respect to the pre-activation `z` (`[batch, OUT]`) from
    /// the last backward pass (empty before the first): the back-propagated gradient that
    /// Glorot & Bengio (2010) follow from layer to layer.
    pub fn grad_pre_activation(&self) -> ArrayView2<'_, T> {
        self.core.grad_pre_activation.view()
    }

    /// The activation.
    pub fn activation(&self) -> &A {
        &self.core.activation
    }

    /// The activation, writable (to fix RReLU's slopes in a test, say).
    pub fn activation_mut(&mut self) -> &mut A {
        &mut self.core.activation
    }

    /// Which activation this layer applies.
    pub fn activation_kind(&self) -> ActivationKind {
        A::KIND
    }

    /// The initializer the kernel was drawn from (`Zeros` for [`Dense::from_weights`]).
    pub fn initializer(&self) -> Initializer {
        self.core.initializer
    }

    /// The L1 and L2 penalty factors.
    pub fn penalties(&self) -> (f64, f64) {
        (self.core.l1, self.core.l2)
    }
}

impl<A: Activation<T>, T: Float> Core<A, T> {
    fn new(
        mut activation: A,
        initializer: Initializer,
        kernel: Array2<T>,
        bias: Option<Array1<T>>,
        outputs: usize,
    ) -> Self {
        activation.bind_width(outputs);
        let (inputs, _) = kernel.dim();
        Self {
            name: "dense",
            kernel: DenseKernel::new(kernel),
            bias,
            activation,
            initializer,
            l1: 0.0,
            l2: 0.0,
            kernel_grad: Array2::zeros((inputs, outputs)),
            bias_grad: Array1::zeros(outputs),
            pre_activation: Buffer::default(),
            output: Buffer::default(),
            grad_pre_activation: Buffer::default(),
            grad_input: Buffer::default(),
        }
    }

    /// Training forward: the GEMM into the kept pre-activation, then bias and activation in
    /// one pass that also writes the output.
    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        rng: &mut SeededRng,
        (inputs, outputs): (usize, usize),
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, inputs)?;
        let rows = input.nrows();
        let mut z = self.pre_activation.resize(rows, outputs);
        matmul(input, self.kernel.view(), z.view_mut());
        self.activation.forward_train_biased(
            z,
            self.bias.as_ref().map(|bias| bias.view()),
            self.output.resize(rows, outputs),
            rng,
        );
        Ok(self.output.view())
    }

    fn forward_infer(
        &self,
        input: ArrayView2<'_, T>,
        mut output: ArrayViewMut2<'_, T>,
        (inputs, outputs): (usize, usize),
    ) -> Result<()> {
        check_batch(self.name, &input, inputs)?;
        check_same_shape(self.name, &[input.nrows(), outputs], output.shape())?;
        self.kernel.infer_product(input, output.view_mut());
        self.activation
            .infer_biased_in_place(output, self.bias.as_ref().map(|bias| bias.view()));
        Ok(())
    }

    fn infer_row(
        &self,
        input: &[T],
        output: &mut [T],
        (inputs, outputs): (usize, usize),
    ) -> Result<()> {
        check_row_widths(self.name, input.len(), output.len(), (inputs, outputs))?;
        let bias = self.bias.as_ref().and_then(|bias| bias.as_slice());
        let (weights, stride) = self.kernel.row_major_for_rows();
        T::vec_mat(input, weights, stride, bias, output);
        self.activation.infer_row(output);
        Ok(())
    }

    /// Checks a backward pass's arguments and writes the gradient with respect to the
    /// pre-activation, the activation's derivative and the bias gradient in the one pass that
    /// reads the upstream gradient.
    fn grad_through_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
        widths: (usize, usize),
    ) -> Result<()> {
        super::check_backward(self.name, &self.output, widths, &input, &grad_output)?;
        self.activation.backward_with_bias_grad(
            self.pre_activation.view(),
            self.output.view(),
            grad_output,
            self.grad_pre_activation.resize(input.nrows(), widths.1),
            self.bias.is_some().then(|| self.bias_grad.view_mut()),
        );
        Ok(())
    }

    /// Checks a backward pass's arguments, keeps the given gradient with respect to the
    /// pre-activation (a fused loss's) and sums it into the bias gradient.
    fn grad_given_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
        widths: (usize, usize),
    ) -> Result<()> {
        super::check_backward(
            self.name,
            &self.output,
            widths,
            &input,
            &grad_pre_activation,
        )?;
        self.activation.clear_grads();
        self.grad_pre_activation
            .resize(input.nrows(), widths.1)
            .assign(&grad_pre_activation);
        if self.bias.is_some() {
            column_sums(grad_pre_activation, self.bias_grad.view_mut());
        }
        Ok(())
    }

    /// The kernel gradient (penalties included) from `grad_pre_activation` (already written).
    fn kernel_gradient(&mut self, input: ArrayView2<'_, T>) {
        matmul_at_b(
            input,
            self.grad_pre_activation.view(),
            self.kernel_grad.view_mut(),
        );
        if self.l1 != 0.0 || self.l2 != 0.0 {
            let (l1, two_l2) = (T::cast(self.l1), T::cast(2.0 * self.l2));
            Zip::from(&mut self.kernel_grad)
                .and(self.kernel.matrix())
                .for_each(|g, &w| *g += l1 * signum(w) + two_l2 * w);
        }
    }

    /// The input gradient `[batch, inputs]` from `grad_pre_activation` (already written).
    fn input_gradient(&mut self, inputs: usize) -> ArrayView2<'_, T> {
        let rows = self.grad_pre_activation.view().nrows();
        matmul_a_bt(
            self.grad_pre_activation.view(),
            self.kernel.view(),
            self.grad_input.resize(rows, inputs),
        );
        self.grad_input.view()
    }

    fn penalty(&self) -> T {
        if self.l1 == 0.0 && self.l2 == 0.0 {
            return T::zero();
        }
        let (l1, l2) = (T::cast(self.l1), T::cast(self.l2));
        self.kernel
            .matrix()
            .iter()
            .fold(T::zero(), |sum, &w| sum + l1 * w.abs() + l2 * w * w)
    }
}

/// The checks of [`Layer::infer_row`]: `input` is `inputs` long, `output` `outputs` long.
fn check_row_widths(
    name: &str,
    input: usize,
    output: usize,
    (inputs, outputs): (usize, usize),
) -> Result<()> {
    if input != inputs {
        return Err(Error::WidthMismatch {
            context: name.to_owned(),
            expected: inputs,
            actual: input,
        });
    }
    check_same_shape(name, &[outputs], &[output])
}

fn signum<T: Float>(w: T) -> T {
    if w > T::zero() {
        T::one()
    } else if w < T::zero() {
        -T::one()
    } else {
        T::zero()
    }
}

impl<const IN: usize, const OUT: usize, A: Activation<T>, T: Float> Layer<T>
    for Dense<IN, OUT, A, T>
{
    fn input_width(&self) -> usize {
        IN
    }

    fn output_width(&self) -> usize {
        OUT
    }

    fn forward_train(
        &mut self,
        input: ArrayView2<'_, T>,
        rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        self.core.forward_train(input, rng, (IN, OUT))
    }

    fn forward_infer(&self, input: ArrayView2<'_, T>, output: ArrayViewMut2<'_, T>) -> Result<()> {
        self.core.forward_infer(input, output, (IN, OUT))
    }

    fn infer_row(&self, input: &[T], output: &mut [T]) -> Result<()> {
        self.core.infer_row(input, output, (IN, OUT))
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        self.backward_parameters(input, grad_output)?;
        Ok(self.core.input_gradient(IN))
    }

    fn backward_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        self.backward_parameters_from_pre_activation(input, grad_pre_activation)?;
        Ok(self.core.input_gradient(IN))
    }

    fn backward_parameters(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.core
            .grad_through_activation(input, grad_output, (IN, OUT))?;
        self.core.kernel_gradient(input);
        Ok(())
    }

    fn backward_parameters_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.core
            .grad_given_pre_activation(input, grad_pre_activation, (IN, OUT))?;
        self.core.kernel_gradient(input);
        Ok(())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.core.output.view()
    }

    fn pre_activation(&self) -> ArrayView2<'_, T> {
        self.core.pre_activation.view()
    }

    fn penalty(&self) -> T {
        self.core.penalty()
    }
}

impl<const IN: usize, const OUT: usize, A: Activation<T>, T: Float> Parameters<T>
    for Dense<IN, OUT, A, T>
{
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        let Core {
            name,
            kernel,
            kernel_grad,
            ..
        } = &mut self.core;
        kernel.update(|value| {
            visit(ParamMut {
                layer: name,
                name: "kernel",
                shape: TensorShape::from([IN, OUT]),
                value,
                grad: kernel_grad
                    .as_slice()
                    .expect("kernel_grad is standard layout"),
            })
        });
        if let Some(bias) = &mut self.core.bias {
            visit(ParamMut {
                layer: self.core.name,
                name: "bias",
                shape: TensorShape::from([OUT]),
                value: bias.as_slice_mut().expect("bias is contiguous"),
                grad: self
                    .core
                    .bias_grad
                    .as_slice()
                    .expect("bias_grad is contiguous"),
            });
        }
        let layer = self.core.name;
        self.core.activation.visit_params(&mut |mut p| {
            p.layer = layer;
            visit(p)
        });
    }
}

impl<const IN: usize, const OUT: usize, A: Activation<T>, T: Float> Tensors<T>
    for Dense<IN, OUT, A, T>
{
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        visit(TensorRef {
            layer: self.core.name,
            name: "kernel",
            kind: TensorKind::Parameter,
            shape: TensorShape::from([IN, OUT]),
            data: self.core.kernel.as_slice(),
        });
        if let Some(bias) = &self.core.bias {
            visit(TensorRef {
                layer: self.core.name,
                name: "bias",
                kind: TensorKind::Parameter,
                shape: TensorShape::from([OUT]),
                data: bias.as_slice().expect("bias is contiguous"),
            });
        }
        let layer = self.core.name;
        self.core.activation.visit_tensors(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        let name = self.core.name;
        self.core.kernel.update(|data| {
            visit(TensorMut {
                layer: name,
                name: "kernel",
                kind: TensorKind::Parameter,
                shape: TensorShape::from([IN, OUT]),
                data,
            })
        });
        if let Some(bias) = &mut self.core.bias {
            visit(TensorMut {
                layer: self.core.name,
                name: "bias",
                kind: TensorKind::Parameter,
                shape: TensorShape::from([OUT]),
                data: bias.as_slice_mut().expect("bias is contiguous"),
            });
        }
        let layer = self.core.name;
        self.core.activation.visit_tensors_mut(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }
}
