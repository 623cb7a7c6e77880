//! Activation functions: each a type with its forward pass and its derivative.
//!
//! Most activations act on each element alone and implement [`Pointwise`]: a value and a
//! derivative, from which the blanket [`Activation`] implementation builds fused loops over a
//! whole batch. [`Softmax`] (over the feature axis), [`PRelu`] (a learned slope per unit) and
//! [`RRelu`] (random slopes in training) implement [`Activation`] directly.
//!
//! Where Keras and PyTorch disagree on a default, the type's docs say which one is used here
//! and how to get the other.

mod elu;
mod gelu;
mod leaky_relu;
mod linear;
mod prelu;
mod relu;
mod rrelu;
mod selu;
mod sigmoid;
mod softmax;
mod spec;
mod swish;
mod tanh;

pub use elu::Elu;
pub use gelu::Gelu;
pub use leaky_relu::LeakyRelu;
pub use linear::Linear;
pub use prelu::PRelu;
pub use relu::Relu;
pub use rrelu::RRelu;
pub use selu::Selu;
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use spec::ActivationSpec;
pub use swish::Swish;
pub use tanh::Tanh;

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};

use crate::{Float, ParamMut, SeededRng, TensorMut, TensorRef};

/// Which activation a layer applies: used by losses (is the output a probability?), by
/// diagnostics (can units die or saturate?) and by summaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivationKind {
    /// The identity.
    Linear,
    /// The logistic sigmoid.
    Sigmoid,
    /// The hyperbolic tangent.
    Tanh,
    /// Softmax over the feature axis.
    Softmax,
    /// Rectified linear unit.
    Relu,
    /// Leaky ReLU with a fixed negative slope.
    LeakyRelu,
    /// Parametric ReLU: a learned negative slope per unit.
    PRelu,
    /// Randomized leaky ReLU.
    RRelu,
    /// Exponential linear unit.
    Elu,
    /// Scaled exponential linear unit.
    Selu,
    /// Gaussian error linear unit.
    Gelu,
    /// Swish (SiLU): x times sigmoid(x).
    Swish,
}

impl ActivationKind {
    /// The activation's name in the `network!` DSL (`"relu"`, `"leaky_relu"`, ...).
    pub fn dsl_name(self) -> &'static str {
        match self {
            Self::Linear => "linear",
            Self::Sigmoid => "sigmoid",
            Self::Tanh => "tanh",
            Self::Softmax => "softmax",
            Self::Relu => "relu",
            Self::LeakyRelu => "leaky_relu",
            Self::PRelu => "prelu",
            Self::RRelu => "rrelu",
            Self::Elu => "elu",
            Self::Selu => "selu",
            Self::Gelu => "gelu",
            Self::Swish => "swish",
        }
    }
}

/// An activation applied to a batch `[batch, features]`, with its backward pass.
///
/// `z` is the activation's input (the pre-activation), `a` its output.
pub trait Activation<T: Float>: Clone + std::fmt::Debug {
    /// Which activation this is.
    const KIND: ActivationKind;

    /// The activation with its settings (slopes, bounds, the GELU form), for diagnostics and
    /// export.
    fn spec(&self) -> ActivationSpec<'_, T>;

    /// Training-mode forward: `a = f(z)`, drawing any randomness from `rng` and keeping what
    /// backward needs.
    fn forward_train(&mut self, z: ArrayView2<'_, T>, a: ArrayViewMut2<'_, T>, rng: &mut SeededRng);

    /// Inference-mode forward in place: `values` holds `z` and is overwritten with `f(z)`.
    /// Deterministic (RReLU uses its mean slope).
    fn infer_in_place(&self, values: ArrayViewMut2<'_, T>);

    /// Backward: `grad_z = grad_a * f'(z)` (a Jacobian-vector product for softmax), given the
    /// `z` and `a` of the last training forward. Learned parameters (PReLU's slopes) get their
    /// gradients here.
    fn backward(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        grad_z: ArrayViewMut2<'_, T>,
    );

    /// Training-mode forward with a dense layer's bias folded in: `z += bias` (one value per
    /// column, when there is a bias), then `a = f(z)`; `z` keeps the biased pre-activation for
    /// backward. Element-wise activations do both in one pass over the GEMM output.
    fn forward_train_biased(
        &mut self,
        mut z: ArrayViewMut2<'_, T>,
        bias: Option<ArrayView1<'_, T>>,
        a: ArrayViewMut2<'_, T>,
        rng: &mut SeededRng,
    ) {
        if let Some(bias) = bias {
            crate::kernel::add_bias(z.view_mut(), bias);
        }
        self.forward_train(z.view(), a, rng);
    }

    /// Inference in place with a dense layer's bias folded in: `values` holds `x · W` and is
    /// overwritten with `f(x · W + bias)`. Element-wise activations do it in one pass.
    fn infer_biased_in_place(
        &self,
        mut values: ArrayViewMut2<'_, T>,
        bias: Option<ArrayView1<'_, T>>,
    ) {
        if let Some(bias) = bias {
            crate::kernel::add_bias(values.view_mut(), bias);
        }
        self.infer_in_place(values);
    }

    /// Inference in place on one sample (`values` holds `z`, one value per feature): the
    /// batch-1 path of `predict_one`, on a plain slice.
    fn infer_row(&self, values: &mut [T]) {
        let len = values.len();
        if let Ok(view) = ArrayViewMut2::from_shape((1, len), values) {
            self.infer_in_place(view);
        }
    }

    /// [`Activation::backward`], and the column sums of `grad_z` (a dense layer's bias
    /// gradient) into `bias_grad` when given. Element-wise activations do both in the one pass
    /// that reads the upstream gradient; the sums run over the rows in order either way.
    fn backward_with_bias_grad(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        mut grad_z: ArrayViewMut2<'_, T>,
        bias_grad: Option<ArrayViewMut1<'_, T>>,
    ) {
        self.backward(z, a, grad_a, grad_z.view_mut());
        if let Some(bias_grad) = bias_grad {
            crate::kernel::column_sums(grad_z.view(), bias_grad);
        }
    }

    /// Sizes per-unit state to the layer's `width`: a [`PRelu`] built with
    /// [`PRelu::default`] gets one slope per unit. Layers call this when they take the
    /// activation; an activation already of that width is left as it is.
    fn bind_width(&mut self, _width: usize) {}

    /// Sets the gradients of learned parameters to zero (a backward pass that skips the
    /// activation, as the fused losses do, leaves its parameters with no gradient).
    fn clear_grads(&mut self) {}

    /// Visits learned parameters; none for most activations.
    fn visit_params(&mut self, _visit: &mut dyn FnMut(ParamMut<'_, T>)) {}

    /// Visits the tensors to save; none for most activations.
    fn visit_tensors(&self, _visit: &mut dyn FnMut(TensorRef<'_, T>)) {}

    /// Visits the tensors to load; none for most activations.
    fn visit_tensors_mut(&mut self, _visit: &mut dyn FnMut(TensorMut<'_, T>)) {}
}

/// An activation that acts on each element alone: `a = f(z)`, `da/dz = f'(z)`.
///
/// Implementing this gives an [`Activation`] for every [`Float`] through fused element loops.
pub trait Pointwise: Clone + std::fmt::Debug {
    /// Which activation this is.
    const KIND: ActivationKind;

    /// The activation with its settings (none for most).
    fn spec<'a, T>(&self) -> ActivationSpec<'a, T>;

    /// The activation's value `f(z)`.
    fn value<T: Float>(&self, z: T) -> T;

    /// The derivative `f'(z)`, given both `z` and `a = f(z)` (whichever is cheaper to use).
    fn derivative<T: Float>(&self, z: T, a: T) -> T;
}

impl<T: Float, P: Pointwise> Activation<T> for P {
    const KIND: ActivationKind = P::KIND;

    fn spec(&self) -> ActivationSpec<'_, T> {
        Pointwise::spec(self)
    }

    fn forward_train(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayViewMut2<'_, T>,
        _rng: &mut SeededRng,
    ) {
        Zip::from(a).and(z).for_each(|a, &z| *a = self.value(z));
    }

    fn infer_in_place(&self, mut values: ArrayViewMut2<'_, T>) {
        values.map_inplace(|v| *v = self.value(*v));
    }

    fn backward(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        grad_z: ArrayViewMut2<'_, T>,
    ) {
        Zip::from(grad_z)
            .and(z)
            .and(a)
            .and(grad_a)
            .for_each(|gz, &z, &a, &ga| *gz = ga * self.derivative(z, a));
    }

    fn forward_train_biased(
        &mut self,
        z: ArrayViewMut2<'_, T>,
        bias: Option<ArrayView1<'_, T>>,
        a: ArrayViewMut2<'_, T>,
        _rng: &mut SeededRng,
    ) {
        match bias {
            Some(bias) => Zip::from(z)
                .and(a)
                .and_broadcast(&bias)
                .for_each(|z, a, &b| {
                    *z += b;
                    *a = self.value(*z);
                }),
            None => Zip::from(a).and(&z).for_each(|a, &z| *a = self.value(z)),
        }
    }

    fn infer_biased_in_place(
        &self,
        mut values: ArrayViewMut2<'_, T>,
        bias: Option<ArrayView1<'_, T>>,
    ) {
        match bias {
            Some(bias) => Zip::from(values)
                .and_broadcast(&bias)
                .for_each(|v, &b| *v = self.value(*v + b)),
            None => values.map_inplace(|v| *v = self.value(*v)),
        }
    }

    fn infer_row(&self, values: &mut [T]) {
        for v in values {
            *v = self.value(*v);
        }
    }

    fn backward_with_bias_grad(
        &mut self,
        z: ArrayView2<'_, T>,
        a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        mut grad_z: ArrayViewMut2<'_, T>,
        bias_grad: Option<ArrayViewMut1<'_, T>>,
    ) {
        let Some(mut bias_grad) = bias_grad else {
            return Activation::backward(self, z, a, grad_a, grad_z);
        };
        bias_grad.fill(T::zero());
        // Row by row, so the bias gradient sums the rows in order, as `column_sums` does.
        Zip::from(grad_z.axis_iter_mut(Axis(0)))
            .and(z.axis_iter(Axis(0)))
            .and(a.axis_iter(Axis(0)))
            .and(grad_a.axis_iter(Axis(0)))
            .for_each(|gz, z, a, ga| {
                Zip::from(gz)
                    .and(&z)
                    .and(&a)
                    .and(&ga)
                    .and(&mut bias_grad)
                    .for_each(|gz, &z, &a, &ga, bg| {
                        *gz = ga * self.derivative(z, a);
                        *bg += *gz;
                    });
            });
    }
}
