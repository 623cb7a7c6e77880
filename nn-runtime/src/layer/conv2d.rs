use ndarray::{Array1, Array2, Array4, ArrayView2, ArrayViewMut2};

use super::geometry::checked_geometry;
use crate::activation::{Activation, ActivationKind, Linear};
use crate::kernel::{
    ConvGeometry, Padding, conv2d_forward, conv2d_input_gradient, conv2d_parameter_gradients,
};
use crate::network::with_image_scratch;
use crate::param::{ParamMut, Parameters, TensorKind, TensorMut, TensorRef, TensorShape, Tensors};
use crate::validate::{check_batch, check_same_shape};
use crate::{Buffer, Float, Initializer, Layer, Result, SeededRng};

/// A 2-d convolution over channels-last images: `a = f(conv(x, kernel) + bias)`, Keras'
/// `Conv2D`.
///
/// A batch is `[batch, IH · IW · IC]`, each row an image in NHWC order (element `(y, x, c)` at
/// `(y · IW + x) · IC + c`); the output is `[batch, OH · OW · OC]` in the same order, so a
/// following dense layer reads it flattened as Keras' `Flatten` does. The kernel is stored
/// `[KH, KW, IC, OC]` (Keras' layout; PyTorch's `Conv2d.weight` is `[OC, IC, KH, KW]`, i.e.
/// `kernel.permuted_axes([3, 2, 0, 1])`). It is a cross-correlation, as in both libraries.
/// The initializers use Keras' fans: `fan_in = KH · KW · IC`, `fan_out = KH · KW · OC`.
///
/// The forward pass is im2col + one GEMM, the backward pass two GEMMs + col2im
/// ([`crate::kernel`]); the geometry is a runtime value there, so layers of many sizes share one
/// copy of the code.
///
/// Generics: `IH, IW, IC` the input's height, width and channels, `OH, OW, OC` the output's,
/// `A` the activation, `T` the element type. [`Conv2d::new`] checks that the kernel, stride
/// and padding turn the one into the other.
///
/// # Shapes
/// - input: `[batch, IH · IW · IC]`
/// - output: `[batch, OH · OW · OC]`
/// - kernel `[KH, KW, IC, OC]`, bias `[OC]`
///
/// ```
/// use nn_runtime::activation::Relu;
/// use nn_runtime::layer::{Conv2d, Padding};
/// use nn_runtime::{Initializer, Layer, seeded_rng};
/// let mut rng = seeded_rng(0);
/// // 8x8x1 -> 3x3 kernel, 4 filters, valid padding -> 6x6x4.
/// let mut conv = Conv2d::<8, 8, 1, 6, 6, 4, Relu>::new(
///     (3, 3), (1, 1), Padding::Valid, Relu, Initializer::HeNormal, &mut rng,
/// )?;
/// let x = ndarray::Array2::<f32>::ones((2, 64));
/// let y = conv.forward_train(x.view(), &mut rng)?;
/// assert_eq!(y.dim(), (2, 6 * 6 * 4));
/// // The wrong output size for the geometry is an error, not a panic.
/// assert!(Conv2d::<8, 8, 1, 8, 8, 4>::new(
///     (3, 3), (1, 1), Padding::Valid, nn_runtime::activation::Linear, Initializer::GlorotUniform, &mut rng,
/// ).is_err());
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Conv2d<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A = Linear,
    T: Float = f32,
> {
    name: &'static str,
    geometry: ConvGeometry,
    padding: Padding,
    kernel: Array4<T>,
    bias: Option<Array1<T>>,
    activation: A,
    initializer: Initializer,
    kernel_grad: Array4<T>,
    bias_grad: Array1<T>,
    cols: Buffer<T>,
    pre_activation: Buffer<T>,
    output: Buffer<T>,
    grad_pre_activation: Buffer<T>,
    grad_cols: Buffer<T>,
    grad_input: Buffer<T>,
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
> Conv2d<IH, IW, IC, OH, OW, OC, A, T>
{
    const IN: usize = IH * IW * IC;
    const OUT: usize = OH * OW * OC;

    /// A convolution with a bias (zeros), its kernel `[KH, KW, IC, OC]` drawn from
    /// `initializer` with Keras' fans.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] for a zero kernel size or stride,
    /// [`crate::Error::InvalidGeometry`] if the geometry does not give exactly `OH x OW`.
    pub fn new(
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
        activation: A,
        initializer: Initializer,
        rng: &mut SeededRng,
    ) -> Result<Self> {
        let geometry = Self::geometry(kernel, stride, padding)?;
        let weights = initializer.sample_conv(kernel, IC, OC, rng);
        Ok(Self::from_parts(
            geometry,
            padding,
            weights,
            Some(Array1::zeros(OC)),
            activation,
            initializer,
        ))
    }

    /// A convolution with the given kernel `[KH, KW, IC, OC]` (Keras' layout) and bias `[OC]`
    /// (or none).
    ///
    /// # Errors
    /// [`crate::Error::ShapeMismatch`] if the kernel's channels or the bias do not fit, and the
    /// errors of [`Conv2d::new`].
    pub fn from_weights(
        kernel: Array4<T>,
        bias: Option<Array1<T>>,
        stride: (usize, usize),
        padding: Padding,
        activation: A,
    ) -> Result<Self> {
        let (kh, kw, ic, oc) = kernel.dim();
        check_same_shape("conv2d kernel", &[kh, kw, IC, OC], &[kh, kw, ic, oc])?;
        if let Some(bias) = &bias {
            check_same_shape("conv2d bias", &[OC], bias.shape())?;
        }
        let geometry = Self::geometry((kh, kw), stride, padding)?;
        Ok(Self::from_parts(
            geometry,
            padding,
            kernel,
            bias,
            activation,
            Initializer::Zeros,
        ))
    }

    fn geometry(
        kernel: (usize, usize),
        stride: (usize, usize),
        padding: Padding,
    ) -> Result<ConvGeometry> {
        checked_geometry(
            "conv2d",
            ((IH, IW, IC), (OH, OW)),
            ("kernel", kernel),
            stride,
            padding,
        )
    }

    fn from_parts(
        geometry: ConvGeometry,
        padding: Padding,
        kernel: Array4<T>,
        bias: Option<Array1<T>>,
        mut activation: A,
        initializer: Initializer,
    ) -> Self {
        activation.bind_width(Self::OUT);
        let kernel_grad = Array4::zeros(kernel.dim());
        Self {
            name: "conv2d",
            geometry,
            padding,
            kernel: kernel.as_standard_layout().into_owned(),
            bias,
            activation,
            initializer,
            kernel_grad,
            bias_grad: Array1::zeros(OC),
            cols: Buffer::default(),
            pre_activation: Buffer::default(),
            output: Buffer::default(),
            grad_pre_activation: Buffer::default(),
            grad_cols: Buffer::default(),
            grad_input: Buffer::default(),
        }
    }

    /// Removes the bias (a convolution straight before batch norm needs none: beta shifts).
    pub fn without_bias(mut self) -> Self {
        self.bias = None;
        self
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

    /// The kernel `[KH, KW, IC, OC]`.
    pub fn kernel(&self) -> &Array4<T> {
        &self.kernel
    }

    /// The bias `[OC]`, if the layer has one.
    pub fn bias(&self) -> Option<&Array1<T>> {
        self.bias.as_ref()
    }

    /// The gradient of the loss with respect to the kernel, from the last backward pass.
    pub fn kernel_grad(&self) -> &Array4<T> {
        &self.kernel_grad
    }

    /// The gradient of the loss with respect to the bias, from the last backward pass
    /// (zeros when the layer has no bias).
    pub fn bias_grad(&self) -> &Array1<T> {
        &self.bias_grad
    }

    /// The gradient of the loss with respect to the pre-activation (`[batch, OH · OW · OC]`)
    /// from the last backward pass (empty before the first).
    pub fn grad_pre_activation(&self) -> ArrayView2<'_, T> {
        self.grad_pre_activation.view()
    }

    /// The strides along the height and the width.
    pub fn stride(&self) -> (usize, usize) {
        self.geometry.stride
    }

    /// The padding.
    pub fn padding(&self) -> Padding {
        self.padding
    }

    /// The kernel's height and width.
    pub fn kernel_size(&self) -> (usize, usize) {
        self.geometry.kernel
    }

    /// The zero padding before the first row and the first column (non-zero only for
    /// [`Padding::Same`]; the rest of the total padding is after the last).
    pub fn pad_before(&self) -> (usize, usize) {
        self.geometry.pad
    }

    /// The activation.
    pub fn activation(&self) -> &A {
        &self.activation
    }

    /// The activation, writable.
    pub fn activation_mut(&mut self) -> &mut A {
        &mut self.activation
    }

    /// Which activation this layer applies.
    pub fn activation_kind(&self) -> ActivationKind {
        A::KIND
    }

    /// The initializer the kernel was drawn from (`Zeros` for [`Conv2d::from_weights`]).
    pub fn initializer(&self) -> Initializer {
        self.initializer
    }

    /// Checks a backward pass's arguments and writes the gradient with respect to the
    /// pre-activation, through the activation's derivative.
    fn grad_through_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<()> {
        let widths = (Self::IN, Self::OUT);
        super::check_backward(self.name, &self.output, widths, &input, &grad_output)?;
        self.activation.backward(
            self.pre_activation.view(),
            self.output.view(),
            grad_output,
            self.grad_pre_activation.resize(input.nrows(), Self::OUT),
        );
        Ok(())
    }

    /// Checks a backward pass's arguments and keeps the given gradient with respect to the
    /// pre-activation (a fused loss's).
    fn grad_given_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<()> {
        let widths = (Self::IN, Self::OUT);
        super::check_backward(
            self.name,
            &self.output,
            widths,
            &input,
            &grad_pre_activation,
        )?;
        self.activation.clear_grads();
        self.grad_pre_activation
            .resize(input.nrows(), Self::OUT)
            .assign(&grad_pre_activation);
        Ok(())
    }

    fn kernel_matrix(&self) -> ArrayView2<'_, T> {
        kernel_matrix(&self.kernel)
    }

    /// The kernel and bias gradients from `grad_pre_activation` (already written).
    fn parameter_gradients(&mut self) {
        conv2d_parameter_gradients(
            self.cols.view(),
            by_position(self.grad_pre_activation.view(), OC),
            kernel_matrix_mut(&mut self.kernel_grad),
            self.bias.is_some().then(|| self.bias_grad.view_mut()),
        );
    }

    /// The input gradient from `grad_pre_activation` (already written).
    fn input_gradient(&mut self) -> ArrayView2<'_, T> {
        let rows = self.grad_pre_activation.view().nrows();
        let positions = rows * self.geometry.positions();
        let patch = self.geometry.patch_len();
        conv2d_input_gradient(
            &self.geometry,
            by_position(self.grad_pre_activation.view(), OC),
            kernel_matrix(&self.kernel),
            self.grad_cols.resize(positions, patch),
            self.grad_input.resize(rows, Self::IN),
        );
        self.grad_input.view()
    }
}

/// The `[KH, KW, C, OC]` kernel as the `[KH · KW · C, OC]` matrix the GEMMs take (a free
/// function, so that it borrows only the kernel while other fields are written).
fn kernel_matrix<T>(kernel: &Array4<T>) -> ArrayView2<'_, T> {
    let (height, width, channels, outputs) = kernel.dim();
    kernel
        .view()
        .into_shape_with_order((height * width * channels, outputs))
        .expect("invariant: the kernel is standard layout")
}

/// [`kernel_matrix`] of the kernel gradient, to write.
fn kernel_matrix_mut<T>(kernel: &mut Array4<T>) -> ArrayViewMut2<'_, T> {
    let (height, width, channels, outputs) = kernel.dim();
    kernel
        .view_mut()
        .into_shape_with_order((height * width * channels, outputs))
        .expect("invariant: the kernel gradient is standard layout")
}

/// A contiguous `[batch, positions · channels]` view as `[batch · positions, channels]`.
fn by_position<T>(view: ArrayView2<'_, T>, channels: usize) -> ArrayView2<'_, T> {
    let rows = view.len() / channels;
    view.into_shape_with_order((rows, channels))
        .expect("invariant: buffers are standard layout")
}

/// The writable form of [`by_position`].
fn by_position_mut<T>(view: ArrayViewMut2<'_, T>, channels: usize) -> ArrayViewMut2<'_, T> {
    let rows = view.len() / channels;
    view.into_shape_with_order((rows, channels))
        .expect("invariant: buffers are standard layout")
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
> Layer<T> for Conv2d<IH, IW, IC, OH, OW, OC, A, T>
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
        rng: &mut SeededRng,
    ) -> Result<ArrayView2<'_, T>> {
        check_batch(self.name, &input, Self::IN)?;
        let rows = input.nrows();
        let positions = rows * self.geometry.positions();
        let mut z = std::mem::take(&mut self.pre_activation);
        let mut cols = std::mem::take(&mut self.cols);
        conv2d_forward(
            &self.geometry,
            input,
            self.kernel_matrix(),
            self.bias.as_ref().map(|bias| bias.view()),
            cols.resize(positions, self.geometry.patch_len()),
            by_position_mut(z.resize(rows, Self::OUT), OC),
        );
        self.activation
            .forward_train(z.view(), self.output.resize(rows, Self::OUT), rng);
        self.pre_activation = z;
        self.cols = cols;
        Ok(self.output.view())
    }

    /// The patch matrix lives in a thread-local scratch vector
    /// (`network::infer::with_image_scratch`), kept between calls: `&self` cannot own a
    /// buffer, and a `RefCell` or `Mutex` inside the layer would make it `!Sync` or serialize
    /// threads that share it. Each thread's store grows to the largest patch matrix it has
    /// needed (no zero-fill: im2col writes all of it). The GEMM writes straight into `output`
    /// when it is in standard layout (a fresh pre-activation matrix otherwise).
    fn forward_infer(
        &self,
        input: ArrayView2<'_, T>,
        mut output: ArrayViewMut2<'_, T>,
    ) -> Result<()> {
        check_batch(self.name, &input, Self::IN)?;
        let rows = input.nrows();
        check_same_shape(self.name, &[rows, Self::OUT], output.shape())?;
        let positions = rows * self.geometry.positions();
        let patch = self.geometry.patch_len();
        with_image_scratch::<T, _>(positions * patch, |cols| {
            let cols = ArrayViewMut2::from_shape((positions, patch), cols)
                .expect("invariant: the scratch holds positions * patch values");
            let forward = |cols, z| {
                conv2d_forward(
                    &self.geometry,
                    input,
                    self.kernel_matrix(),
                    self.bias.as_ref().map(|bias| bias.view()),
                    cols,
                    z,
                );
            };
            if output.is_standard_layout() {
                forward(cols, by_position_mut(output.view_mut(), OC));
            } else {
                let mut z = Array2::zeros((rows, Self::OUT));
                forward(cols, by_position_mut(z.view_mut(), OC));
                output.assign(&z);
            }
        });
        self.activation.infer_in_place(output);
        Ok(())
    }

    fn backward(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        self.backward_parameters(input, grad_output)?;
        Ok(self.input_gradient())
    }

    fn backward_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<ArrayView2<'_, T>> {
        self.backward_parameters_from_pre_activation(input, grad_pre_activation)?;
        Ok(self.input_gradient())
    }

    fn backward_parameters(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_output: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.grad_through_activation(input, grad_output)?;
        self.parameter_gradients();
        Ok(())
    }

    fn backward_parameters_from_pre_activation(
        &mut self,
        input: ArrayView2<'_, T>,
        grad_pre_activation: ArrayView2<'_, T>,
    ) -> Result<()> {
        self.grad_given_pre_activation(input, grad_pre_activation)?;
        self.parameter_gradients();
        Ok(())
    }

    fn output(&self) -> ArrayView2<'_, T> {
        self.output.view()
    }

    fn pre_activation(&self) -> ArrayView2<'_, T> {
        self.pre_activation.view()
    }
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
> Parameters<T> for Conv2d<IH, IW, IC, OH, OW, OC, A, T>
{
    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        let (kh, kw) = self.geometry.kernel;
        visit(ParamMut {
            layer: self.name,
            name: "kernel",
            shape: TensorShape::from([kh, kw, IC, OC]),
            value: self
                .kernel
                .as_slice_mut()
                .expect("kernel is standard layout"),
            grad: self
                .kernel_grad
                .as_slice()
                .expect("kernel_grad is standard layout"),
        });
        if let Some(bias) = &mut self.bias {
            visit(ParamMut {
                layer: self.name,
                name: "bias",
                shape: TensorShape::from([OC]),
                value: bias.as_slice_mut().expect("bias is contiguous"),
                grad: self.bias_grad.as_slice().expect("bias_grad is contiguous"),
            });
        }
        let layer = self.name;
        self.activation.visit_params(&mut |mut p| {
            p.layer = layer;
            visit(p)
        });
    }
}

impl<
    const IH: usize,
    const IW: usize,
    const IC: usize,
    const OH: usize,
    const OW: usize,
    const OC: usize,
    A: Activation<T>,
    T: Float,
> Tensors<T> for Conv2d<IH, IW, IC, OH, OW, OC, A, T>
{
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        let (kh, kw) = self.geometry.kernel;
        visit(TensorRef {
            layer: self.name,
            name: "kernel",
            kind: TensorKind::Parameter,
            shape: TensorShape::from([kh, kw, IC, OC]),
            data: self.kernel.as_slice().expect("kernel is standard layout"),
        });
        if let Some(bias) = &self.bias {
            visit(TensorRef {
                layer: self.name,
                name: "bias",
                kind: TensorKind::Parameter,
                shape: TensorShape::from([OC]),
                data: bias.as_slice().expect("bias is contiguous"),
            });
        }
        let layer = self.name;
        self.activation.visit_tensors(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        let (kh, kw) = self.geometry.kernel;
        visit(TensorMut {
            layer: self.name,
            name: "kernel",
            kind: TensorKind::Parameter,
            shape: TensorShape::from([kh, kw, IC, OC]),
            data: self
                .kernel
                .as_slice_mut()
                .expect("kernel is standard layout"),
        });
        if let Some(bias) = &mut self.bias {
            visit(TensorMut {
                layer: self.name,
                name: "bias",
                kind: TensorKind::Parameter,
                shape: TensorShape::from([OC]),
                data: bias.as_slice_mut().expect("bias is contiguous"),
            });
        }
        let layer = self.name;
        self.activation.visit_tensors_mut(&mut |mut t| {
            t.layer = layer;
            visit(t)
        });
    }
}
