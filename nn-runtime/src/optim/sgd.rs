//! Stochastic gradient descent, with optional (Nesterov) momentum.

use super::{Core, GradientClip, Optimizer, Run, Step, check_unit_interval};
use crate::{Float, Parameters, Result};

/// Stochastic gradient descent with optional momentum, Keras' `SGD`.
///
/// With momentum `m` (default 0) and learning rate `lr` (Keras' default 0.01, see
/// [`Sgd::default`]), per element:
///
/// - `m = 0`: `w -= lr · g`
/// - momentum: `v = m · v - lr · g; w += v`
/// - Nesterov: `v = m · v - lr · g; w += m · v - lr · g`
///
/// with the velocity `v` starting at zero. With `m = 0` Nesterov changes nothing (Keras;
/// PyTorch rejects `nesterov=True` without momentum).
///
/// PyTorch's `SGD` keeps `b = m · b + g` and steps `w -= lr · b` (Nesterov:
/// `w -= lr · (g + m · b)`): the same steps as long as the learning rate is constant (Keras'
/// `v` is `-lr · b`); after a learning-rate change Keras' velocity still carries the old
/// rate for a while, PyTorch's buffer does not. PyTorch's `weight_decay` adds `wd · w` to the
/// gradient: use an L2 penalty of `wd / 2` on the layer instead (Keras' `L2` adds `2 · l2 · w`).
///
/// ```
/// # use nn_runtime::{ParamMut, Parameters, TensorShape};
/// # struct Scalar { w: Vec<f64>, g: Vec<f64> }
/// # impl Parameters<f64> for Scalar {
/// #     fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
/// #         visit(ParamMut { layer: "model", name: "w", shape: TensorShape::from([1]), value: &mut self.w, grad: &self.g });
/// #     }
/// # }
/// use nn_runtime::optim::{Optimizer, Sgd};
/// let mut sgd = Sgd::new(0.1).unwrap().momentum(0.9).unwrap();
/// let mut model = Scalar { w: vec![1.0], g: vec![1.0] };
/// sgd.step(&mut model).unwrap(); // v = -0.1
/// sgd.step(&mut model).unwrap(); // v = 0.9 · -0.1 - 0.1 = -0.19
/// assert!((model.w[0] - (1.0 - 0.1 - 0.19)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd<T: Float = f32> {
    momentum: f64,
    nesterov: bool,
    core: Core<T>,
}

impl<T: Float> Sgd<T> {
    /// Plain SGD (no momentum) with learning rate `learning_rate`.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `learning_rate > 0` and finite.
    pub fn new(learning_rate: f64) -> Result<Self> {
        Ok(Self {
            momentum: 0.0,
            nesterov: false,
            core: Core::new("sgd", learning_rate)?,
        })
    }

    /// Sets the momentum `m` (Keras' `momentum`, default 0).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `0 <= momentum < 1`.
    pub fn momentum(mut self, momentum: f64) -> Result<Self> {
        check_unit_interval(self.core.name, "momentum", momentum)?;
        self.momentum = momentum;
        Ok(self)
    }

    /// Switches Nesterov momentum on or off (Keras' `nesterov`, default off).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    core_methods!();
}

impl<T: Float> Default for Sgd<T> {
    /// Keras' defaults: learning rate 0.01, no momentum.
    fn default() -> Self {
        Self::new(0.01).expect("the default learning rate is valid")
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>) -> Result<()> {
        let momentum = T::cast(self.momentum);
        let (with_momentum, nesterov) = (self.momentum != 0.0, self.nesterov);
        self.core.step(
            model,
            [with_momentum, false, false],
            |step: &Step<T>, run: Run<'_, T>| {
                let lr = step.learning_rate;
                let [velocity, _, _] = run.slots;
                if !with_momentum {
                    for (w, &g) in run.value.iter_mut().zip(run.grad) {
                        *w -= step.grad(g) * lr;
                    }
                    return;
                }
                for ((w, &g), v) in run.value.iter_mut().zip(run.grad).zip(velocity) {
                    let g = step.grad(g);
                    *v = *v * momentum - g * lr;
                    if nesterov {
                        *w += *v * momentum - g * lr;
                    } else {
                        *w += *v;
                    }
                }
            },
        )
    }

    core_delegation!();
}
