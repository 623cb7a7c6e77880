use ndarray::{Array1, ArrayView2, ArrayViewMut2, Axis, Zip};

use super::{Activation, ActivationKind, ActivationSpec};
use crate::param::{ParamMut, TensorKind, TensorMut, TensorRef, TensorShape};
use crate::{Float, SeededRng};

/// Parametric ReLU (He et al. 2015): `z` for `z > 0`, `alpha_j · z` otherwise, with a learned
/// slope `alpha_j` per unit, starting at 0.25 (He et al.; PyTorch's default init. Keras'
/// `PReLU` starts its slopes at 0 instead).
///
/// The slopes are a parameter named `alpha` (Keras' name; PyTorch calls it `weight`) of shape
/// `[width]`. Pairs with the He initializers.
///
/// ```
/// use nn_runtime::activation::{Activation, PRelu};
/// let prelu = PRelu::<f64>::new(2);
/// let mut z = ndarray::array![[-4.0, 3.0]];
/// prelu.infer_in_place(z.view_mut());
/// assert_eq!(z, ndarray::array![[-1.0, 3.0]]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PRelu<T = f32> {
    alpha: Array1<T>,
    alpha_grad: Array1<T>,
}

impl<T: Float> PRelu<T> {
    /// The initial slope of every unit.
    pub const INITIAL_SLOPE: f64 = 0.25;

    /// A PReLU over `width` units, every slope 0.25. A layer resizes it to its own width
    /// ([`Activation::bind_width`]), so `PRelu::default()` is enough there.
    pub fn new(width: usize) -> Self {
        Self {
            alpha: Array1::from_elem(width, T::cast(Self::INITIAL_SLOPE)),
            alpha_grad: Array1::zeros(width),
        }
    }

    /// The slopes, one per unit.
    pub fn alpha(&self) -> &Array1<T> {
        &self.alpha
    }

    /// The slopes, writable.
    pub fn alpha_mut(&mut self) -> &mut Array1<T> {
        &mut self.alpha
    }

    /// The gradient of the loss with respect to the slopes, from the last backward pass.
    pub fn alpha_grad(&self) -> &Array1<T> {
        &self.alpha_grad
    }
}

impl<T: Float> Default for PRelu<T> {
    /// A PReLU with no units yet: the layer that takes it gives it one slope per unit.
    fn default() -> Self {
        Self::new(0)
    }
}

impl<T: Float> Activation<T> for PRelu<T> {
    const KIND: ActivationKind = ActivationKind::PRelu;

    fn spec(&self) -> ActivationSpec<'_, T> {
        ActivationSpec::PRelu {
            alpha: self.alpha.view(),
        }
    }

    fn bind_width(&mut self, width: usize) {
        if self.alpha.len() != width {
            *self = Self::new(width);
        }
    }

    fn clear_grads(&mut self) {
        self.alpha_grad.fill(T::zero());
    }

    fn forward_train(
        &mut self,
        z: ArrayView2<'_, T>,
        mut a: ArrayViewMut2<'_, T>,
        _rng: &mut SeededRng,
    ) {
        a.assign(&z);
        self.infer_in_place(a);
    }

    fn infer_in_place(&self, mut values: ArrayViewMut2<'_, T>) {
        for mut row in values.axis_iter_mut(Axis(0)) {
            Zip::from(&mut row).and(&self.alpha).for_each(|v, &slope| {
                if *v <= T::zero() {
                    *v = slope * *v;
                }
            });
        }
    }

    fn backward(
        &mut self,
        z: ArrayView2<'_, T>,
        _a: ArrayView2<'_, T>,
        grad_a: ArrayView2<'_, T>,
        mut grad_z: ArrayViewMut2<'_, T>,
    ) {
        self.alpha_grad.fill(T::zero());
        Zip::from(grad_z.axis_iter_mut(Axis(0)))
            .and(z.axis_iter(Axis(0)))
            .and(grad_a.axis_iter(Axis(0)))
            .for_each(|mut gz, z, ga| {
                Zip::from(&mut gz)
                    .and(&z)
                    .and(&ga)
                    .and(&self.alpha)
                    .and(&mut self.alpha_grad)
                    .for_each(|gz, &z, &ga, &slope, slope_grad| {
                        if z > T::zero() {
                            *gz = ga;
                        } else {
                            *gz = ga * slope;
                            *slope_grad += ga * z;
                        }
                    });
            });
    }

    fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, T>)) {
        visit(ParamMut {
            layer: "",
            name: "alpha",
            shape: TensorShape::from([self.alpha.len()]),
            value: self.alpha.as_slice_mut().expect("alpha is contiguous"),
            grad: self
                .alpha_grad
                .as_slice()
                .expect("alpha_grad is contiguous"),
        });
    }

    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, T>)) {
        visit(TensorRef {
            layer: "",
            name: "alpha",
            kind: TensorKind::Parameter,
            shape: TensorShape::from([self.alpha.len()]),
            data: self.alpha.as_slice().expect("alpha is contiguous"),
        });
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, T>)) {
        visit(TensorMut {
            layer: "",
            name: "alpha",
            kind: TensorKind::Parameter,
            shape: TensorShape::from([self.alpha.len()]),
            data: self.alpha.as_slice_mut().expect("alpha is contiguous"),
        });
    }
}
