//! Adam and AdamW (Adam with decoupled weight decay), sharing one update rule.

use super::{Core, GradientClip, Optimizer, Run, Step, check_epsilon, check_unit_interval};
use crate::validate::check_hyperparameter;
use crate::{Float, Parameters, Result};

/// Adam's hyperparameters and its update, shared by [`Adam`] and [`AdamW`].
#[derive(Debug, Clone, Copy)]
struct AdamRule {
    beta1: f64,
    beta2: f64,
    epsilon: f64,
}

impl AdamRule {
    const KERAS: Self = Self {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
    };

    fn with_betas(mut self, context: &str, beta1: f64, beta2: f64) -> Result<Self> {
        check_unit_interval(context, "beta1", beta1)?;
        check_unit_interval(context, "beta2", beta2)?;
        self.beta1 = beta1;
        self.beta2 = beta2;
        Ok(self)
    }

    fn with_epsilon(mut self, context: &str, epsilon: f64) -> Result<Self> {
        check_epsilon(context, epsilon)?;
        self.epsilon = epsilon;
        Ok(self)
    }

    /// The state slots the rule uses: the first and second moment estimates `m` and `v`.
    const SLOTS: [bool; 3] = [true, true, false];

    /// One step of Keras' Adam on a run of one parameter's elements, after `w -= w · decay ·
    /// lr` (decay 0 for plain Adam).
    fn update<T: Float>(self, step: &Step<T>, decay: T, run: Run<'_, T>) {
        let lr = step.learning_rate;
        let t = T::cast(step.t as f64);
        let beta1_power = T::cast(self.beta1).powf(t);
        let beta2_power = T::cast(self.beta2).powf(t);
        let alpha = lr * (T::one() - beta2_power).sqrt() / (T::one() - beta1_power);
        let (one_minus_beta1, one_minus_beta2) =
            (T::cast(1.0 - self.beta1), T::cast(1.0 - self.beta2));
        let epsilon = T::cast(self.epsilon);
        let [m, v, _] = run.slots;
        for (((w, &g), m), v) in run.value.iter_mut().zip(run.grad).zip(m).zip(v) {
            let g = step.grad(g);
            if decay != T::zero() {
                *w -= *w * decay * lr;
            }
            *m += (g - *m) * one_minus_beta1;
            *v += (g * g - *v) * one_minus_beta2;
            *w -= *m * alpha / (v.sqrt() + epsilon);
        }
    }
}

/// Adam (Kingma & Ba 2014) with Keras' formulas and defaults: learning rate 0.001 (see
/// [`Adam::default`]), `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`.
///
/// At step `t` (from 1), per element, with `m` and `v` starting at zero:
///
/// ```text
/// alpha = lr · sqrt(1 - beta2^t) / (1 - beta1^t)
/// m += (g - m) · (1 - beta1)
/// v += (g² - v) · (1 - beta2)
/// w -= alpha · m / (sqrt(v) + epsilon)
/// ```
///
/// PyTorch's `Adam` defaults to `eps = 1e-8` and adds it after the bias correction,
/// `w -= lr · m̂ / (sqrt(v̂) + eps)` with `m̂ = m / (1 - beta1^t)`, `v̂ = v / (1 - beta2^t)`:
/// Keras' `epsilon` is PyTorch's `eps · sqrt(1 - beta2^t)`, so the two differ only while
/// `sqrt(v̂)` is not much larger than `eps`. PyTorch's `weight_decay` adds `wd · w` to the
/// gradient (an L2 penalty of `wd / 2` on the layer here); for decoupled decay use
/// [`AdamW`].
///
/// ```
/// # use nn_runtime::{ParamMut, Parameters, TensorShape};
/// # struct Scalar { w: Vec<f64>, g: Vec<f64> }
/// # impl Parameters<f64> for Scalar {
/// #     fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
/// #         visit(ParamMut { layer: "model", name: "w", shape: TensorShape::from([1]), value: &mut self.w, grad: &self.g });
/// #     }
/// # }
/// use nn_runtime::optim::{Adam, Optimizer};
/// let mut adam = Adam::new(0.1).unwrap();
/// let mut model = Scalar { w: vec![10.0], g: vec![10.0] };
/// adam.step(&mut model).unwrap();
/// // m = 1, v = 0.1, alpha = 0.1 · sqrt(0.001) / 0.1: the first step moves w by about lr.
/// let alpha = 0.001f64.sqrt();
/// assert!((model.w[0] - (10.0 - alpha / (0.1f64.sqrt() + 1e-7))).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct Adam<T: Float = f32> {
    rule: AdamRule,
    core: Core<T>,
}

impl<T: Float> Adam<T> {
    /// Adam with learning rate `learning_rate` and Keras' other defaults.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `learning_rate > 0` and finite.
    pub fn new(learning_rate: f64) -> Result<Self> {
        Ok(Self {
            rule: AdamRule::KERAS,
            core: Core::new("adam", learning_rate)?,
        })
    }

    /// Sets the moment decay rates (Keras' `beta_1`, `beta_2`; default 0.9 and 0.999).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless both are in `[0, 1)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Result<Self> {
        self.rule = self.rule.with_betas(self.core.name, beta1, beta2)?;
        Ok(self)
    }

    /// Sets `epsilon` (Keras' "epsilon hat", default 1e-7; see the type's docs for PyTorch's).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `epsilon > 0` and finite.
    pub fn epsilon(mut self, epsilon: f64) -> Result<Self> {
        self.rule = self.rule.with_epsilon(self.core.name, epsilon)?;
        Ok(self)
    }

    core_methods!();
}

impl<T: Float> Default for Adam<T> {
    /// Keras' defaults: learning rate 0.001, betas 0.9 and 0.999, epsilon 1e-7.
    fn default() -> Self {
        Self::new(1e-3).expect("the default learning rate is valid")
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>) -> Result<()> {
        let rule = self.rule;
        self.core.step(model, AdamRule::SLOTS, |step, run| {
            rule.update(step, T::zero(), run);
        })
    }

    core_delegation!();
}

/// AdamW (Loshchilov & Hutter 2019), Keras' `AdamW`: [`Adam`] with decoupled weight decay,
/// `w -= w · weight_decay · lr` on every parameter before each Adam update. Keras' defaults:
/// learning rate 0.001 (see [`AdamW::default`]), `weight_decay = 0.004`, and Adam's betas and
/// epsilon.
///
/// PyTorch's `AdamW` decays the same way (`w *= 1 - lr · weight_decay`) but defaults to
/// `weight_decay = 0.01` and `eps = 1e-8` (with Adam's epsilon placement, see [`Adam`]). Both
/// decay every parameter, biases included.
///
/// ```
/// # use nn_runtime::{ParamMut, Parameters, TensorShape};
/// # struct Scalar { w: Vec<f64>, g: Vec<f64> }
/// # impl Parameters<f64> for Scalar {
/// #     fn visit_params(&mut self, visit: &mut dyn FnMut(ParamMut<'_, f64>)) {
/// #         visit(ParamMut { layer: "model", name: "w", shape: TensorShape::from([1]), value: &mut self.w, grad: &self.g });
/// #     }
/// # }
/// use nn_runtime::optim::{AdamW, Optimizer};
/// let mut adamw = AdamW::new(0.1).unwrap().weight_decay(0.5).unwrap();
/// let mut model = Scalar { w: vec![2.0], g: vec![0.0] };
/// adamw.step(&mut model).unwrap();
/// // A zero gradient leaves only the decay: w = 2 - 2 · 0.5 · 0.1.
/// assert!((model.w[0] - 1.9).abs() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct AdamW<T: Float = f32> {
    rule: AdamRule,
    weight_decay: f64,
    core: Core<T>,
}

impl<T: Float> AdamW<T> {
    /// AdamW with learning rate `learning_rate` and Keras' other defaults.
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `learning_rate > 0` and finite.
    pub fn new(learning_rate: f64) -> Result<Self> {
        Ok(Self {
            rule: AdamRule::KERAS,
            weight_decay: 0.004,
            core: Core::new("adamw", learning_rate)?,
        })
    }

    /// Sets the decoupled weight decay factor (Keras' `weight_decay`, default 0.004).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `weight_decay >= 0` and finite.
    pub fn weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        check_hyperparameter(
            self.core.name,
            "weight_decay",
            weight_decay,
            "weight_decay >= 0",
            |wd| wd >= 0.0,
        )?;
        self.weight_decay = weight_decay;
        Ok(self)
    }

    /// Sets the moment decay rates (Keras' `beta_1`, `beta_2`; default 0.9 and 0.999).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless both are in `[0, 1)`.
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Result<Self> {
        self.rule = self.rule.with_betas(self.core.name, beta1, beta2)?;
        Ok(self)
    }

    /// Sets `epsilon` (Keras' "epsilon hat", default 1e-7).
    ///
    /// # Errors
    /// [`crate::Error::InvalidHyperparameter`] unless `epsilon > 0` and finite.
    pub fn epsilon(mut self, epsilon: f64) -> Result<Self> {
        self.rule = self.rule.with_epsilon(self.core.name, epsilon)?;
        Ok(self)
    }

    core_methods!();
}

impl<T: Float> Default for AdamW<T> {
    /// Keras' defaults: learning rate 0.001, weight decay 0.004, betas 0.9 and 0.999,
    /// epsilon 1e-7.
    fn default() -> Self {
        Self::new(1e-3).expect("the default learning rate is valid")
    }
}

impl<T: Float> Optimizer<T> for AdamW<T> {
    fn step(&mut self, model: &mut dyn Parameters<T>) -> Result<()> {
        let (rule, decay) = (self.rule, T::cast(self.weight_decay));
        self.core.step(model, AdamRule::SLOTS, |step, run| {
            rule.update(step, decay, run);
        })
    }

    core_delegation!();
}
