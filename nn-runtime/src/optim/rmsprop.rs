//! RMSprop, with optional momentum and the centered variant.

use super::{Core, GradientClip, Optimizer, Run, check_epsilon, check_unit_interval};
use crate::{Float, Parameters, Result};

/// RMSprop (Hinton 2012) with Keras' formulas and defaults: learning rate 0.001 (see
/// [`RmsProp::default`]), `rho = 0.9`, `momentum = 0`, `epsilon = 1e-7`, not centered.
///
/// Per element, with every buffer starting at zero:
///
/// ```text
/// v = rho · v + (1 - rho) · g²
/// centered:  a = rho · a + (1 - rho) · g;  d = v - a² + epsilon
/// otherwise: d = v + epsilon
/// increment = lr · g / sqrt(d)
/// momentum > 0: b = momentum · b + increment;  w -= b
/// otherwise:    w -= increment
/// ```
///
/// Note that Keras adds `epsilon` inside the square root. PyTorch's `RMSprop` adds it outside,
/// `w -= lr · g / (sqrt(v) + eps)` ([`RmsProp::epsilon_outside_sqrt`] gives that form), and defaults to `lr = 0.01`, `alpha = 0.99` (Keras'
/// `rho`) and `eps = 1e-8`; its momentum buffer is `b = momentum · b + g / (sqrt(v) + eps)`
/// with `w -= lr · b` (the learning rate outside the buffer, which matters only when it
/// changes).
///
/// ```
/// # use nn_runtime::{ParamMut, Parameters, TensorShape};
/// # struct Scalar { w: Vec<f64>, g: Vec<f64> }
/// # impl Parameters<f64> for Scalar {
/// #     fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
/// #         visit(ParamMut { layer: "model", name: "w", shape: TensorShape::from([1]), value: &mut self.w, grad: &self.g });
/// #     }
/// # }
/// use nn_runtime::optim::{Optimizer, RmsProp};
/// // Keras' docstring example: loss = w² / 2 at w = 10, learning rate 0.1.
/// let mut rmsprop = RmsProp::new(0.1).unwrap();
/// let mut model = Scalar { w: vec![10.0], g: vec![10.0] };
/// rmsprop.step(&mut model).unwrap();
/// assert!((model.w[0] - 9.683772).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct RmsProp<T: Float = f32> {
    rho: f64,
    momentum: f64,
    epsilon: f64,
    centered: bool,
    epsilon_outside_sqrt: bool,
    core: Core<T>,
}

impl<T: Float> RmsProp<T> {
    /// RMSprop with learning rate `learning_rate` and Keras' other defaults.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `learning_rate > 0` and finite.
    pub fn new(learning_rate: f64) -> Result<Self> {
        Ok(Self {
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            epsilon_outside_sqrt: false,
            core: Core::new("rmsprop", learning_rate)?,
        })
    }

    /// Sets the decay rate of the moving averages (Keras' `rho`, default 0.9; PyTorch's
    /// `alpha`, default 0.99).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `0 <= rho < 1`.
    pub fn rho(mut self, rho: f64) -> Result<Self> {
        check_unit_interval(self.core.name, "rho", rho)?;
        self.rho = rho;
        Ok(self)
    }

    /// Sets the momentum (Keras' `momentum`, default 0).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `0 <= momentum < 1`.
    pub fn momentum(mut self, momentum: f64) -> Result<Self> {
        check_unit_interval(self.core.name, "momentum", momentum)?;
        self.momentum = momentum;
        Ok(self)
    }

    /// Sets `epsilon`, added to the moving average inside the square root (default 1e-7).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `epsilon > 0` and finite.
    pub fn epsilon(mut self, epsilon: f64) -> Result<Self> {
        check_epsilon(self.core.name, epsilon)?;
        self.epsilon = epsilon;
        Ok(self)
    }

    /// Switches the centered variant on or off (Keras' `centered`, default off): divide by
    /// an estimate of the gradient's variance instead of its second moment.
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }

    /// Adds `epsilon` after the square root, `lr · g / (sqrt(d) + epsilon)`, as PyTorch does,
    /// instead of inside it as Keras does (the default). With `.rho(0.99)` and
    /// `.epsilon(1e-8)` this reproduces `torch.optim.RMSprop(lr)`.
    pub fn epsilon_outside_sqrt(mut self, outside: bool) -> Self {
        self.epsilon_outside_sqrt = outside;
        self
    }

    core_methods!();
}

impl<T: Float> Default for RmsProp<T> {
    /// Keras' defaults: learning rate 0.001, rho 0.9, no momentum, epsilon 1e-7, not centered.
    fn default() -> Self {
        Self::new(1e-3).expect("the default learning rate is valid")
    }
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>) -> Result<()> {
        let rho = T::cast(self.rho);
        let one_minus_rho = T::cast(1.0 - self.rho);
        let epsilon = T::cast(self.epsilon);
        let momentum = T::cast(self.momentum);
        let (with_momentum, centered) = (self.momentum > 0.0, self.centered);
        let (inside, outside) = if self.epsilon_outside_sqrt {
            (T::zero(), epsilon)
        } else {
            (epsilon, T::zero())
        };
        // The state slots: the moving average of g² (always), of g (centered only), and the
        // momentum buffer (momentum > 0 only).
        let used = [true, centered, with_momentum];
        self.core.step(model, used, |step, run: Run<'_, T>| {
            let lr = step.learning_rate;
            let [velocity, average_grad, buffer] = run.slots;
            for (i, (w, &g)) in run.value.iter_mut().zip(run.grad).enumerate() {
                let g = step.grad(g);
                let v = &mut velocity[i];
                *v = rho * *v + one_minus_rho * (g * g);
                let denominator = if centered {
                    let a = &mut average_grad[i];
                    *a = rho * *a + one_minus_rho * g;
                    *v - *a * *a + inside
                } else {
                    *v + inside
                };
                let increment = lr * g / (denominator.sqrt() + outside);
                if with_momentum {
                    let b = &mut buffer[i];
                    *b = momentum * *b + increment;
                    *w -= *b;
                } else {
                    *w -= increment;
                }
            }
        })
    }

    core_delegation!();
}
