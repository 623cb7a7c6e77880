//! Optimizers: each is an update rule over the (parameter, gradient) pairs a model visits.
//!
//! Every optimizer follows Keras 3's formulas and defaults (its docs say where PyTorch
//! differs and how to match it), keeps its state (momenta, moving averages) per parameter in
//! the model's visit order, and can clip gradients first ([`GradientClip`]). The state is
//! built on the first [`Optimizer::step`]; a later step whose model visits a different number
//! of parameters, or parameters of other shapes, is an error (call [`Optimizer::reset`] to
//! start over with a new model).
//!
//! One training step, with the layers' backward passes writing the gradients:
//!
//! ```
//! use nn_runtime::activation::Linear;
//! use nn_runtime::loss::{Targets, mean_squared_error};
//! use nn_runtime::optim::{Optimizer, Sgd};
//! use nn_runtime::{Dense, Layer, seeded_rng};
//!
//! let mut rng = seeded_rng(0);
//! let kernel = ndarray::array![[0.5f64]];
//! let mut model = Dense::<1, 1, Linear, f64>::from_weights(Linear, kernel, None).unwrap();
//! let mut sgd = Sgd::new(0.1).unwrap();
//! let (x, y) = (ndarray::array![[2.0]], ndarray::array![[3.0]]);
//! let mut grad = ndarray::Array2::zeros((1, 1));
//!
//! let output = model.forward_train(x.view(), &mut rng).unwrap();
//! let loss = mean_squared_error(output, Targets::from(&y), grad.view_mut()).unwrap();
//! model.backward(x.view(), grad.view()).unwrap();
//! sgd.step(&mut model).unwrap();
//!
//! assert_eq!(loss, 4.0); // (2 · 0.5 - 3)²
//! // dL/dw = 2 (xw - y) x = -8, so w = 0.5 + 0.1 · 8
//! assert!((model.kernel()[[0, 0]] - 1.3).abs() < 1e-12);
//! ```

/// The builder methods every optimizer shares, forwarding to its `core`.
macro_rules! core_methods {
    () => {
        /// Sets the gradient clipping (default [`GradientClip::None`]).
        ///
        /// # Errors
        /// [`crate::Error::InvalidHyperparameter`] for a bound that is not positive and finite.
        pub fn clip(mut self, clip: GradientClip) -> Result<Self> {
            self.core.set_clip(clip)?;
            Ok(self)
        }

        /// The gradient clipping.
        pub fn gradient_clip(&self) -> GradientClip {
            self.core.clip
        }

        /// The number of steps taken (Keras' `optimizer.iterations`).
        pub fn iterations(&self) -> u64 {
            self.core.iterations
        }
    };
}

/// The [`Optimizer`] methods every optimizer delegates to its `core`.
macro_rules! core_delegation {
    () => {
        fn learning_rate(&self) -> f64 {
            self.core.learning_rate
        }

        fn set_learning_rate(&mut self, learning_rate: f64) {
            self.core.learning_rate = learning_rate;
        }

        fn reset(&mut self) {
            self.core.reset();
        }

        fn gradient_clip(&self) -> GradientClip {
            self.core.clip
        }
    };
}

mod adam;
mod clip;
mod rmsprop;
mod sgd;
mod slots;

pub use adam::{Adam, AdamW};
pub use clip::{GradientClip, global_norm};
pub use rmsprop::RmsProp;
pub use sgd::Sgd;
pub use slots::PARALLEL_ELEMENTS;

use clip::Clip;
pub(crate) use clip::sum_of_squares;
use slots::{Run, SLOTS, Slots, update_in_runs};

use crate::validate::check_hyperparameter;
use crate::{Error, Float, Parameters, Result, TensorShape};

/// An optimizer: updates a model's parameters in place from the gradients of its last
/// backward pass.
pub trait Optimizer<T: Float> {
    /// Updates every parameter `model` visits, from its gradient, and advances the iteration
    /// count.
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] if the learning rate set with
    /// [`Optimizer::set_learning_rate`] is not positive and finite; [`Error::InvalidState`]
    /// if `model` visits a different number of parameters than at the first step, and
    /// [`Error::ShapeMismatch`] if a parameter's shape changed or its gradient's length
    /// differs from its own. These are found before anything is written: on error no
    /// parameter has been changed.
    fn step(&mut self, model: &mut dyn Parameters<T>) -> Result<()>;

    /// The learning rate of the next step.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate of the next steps (a schedule calls this between steps). The
    /// value is checked by the next [`Optimizer::step`].
    fn set_learning_rate(&mut self, learning_rate: f64);

    /// Forgets the per-parameter state and the iteration count, so the next step starts
    /// afresh (and may see a different model). Stateless optimizers need do nothing.
    fn reset(&mut self) {}

    /// The gradient clipping the optimizer applies before its update (training guards skip
    /// their gradient-norm threshold when the optimizer bounds the step itself).
    fn gradient_clip(&self) -> GradientClip {
        GradientClip::None
    }
}

/// Checks a learning rate: positive and finite.
fn check_learning_rate(context: &str, learning_rate: f64) -> Result<()> {
    check_hyperparameter(
        context,
        "learning_rate",
        learning_rate,
        "learning_rate > 0",
        |lr| lr > 0.0,
    )
}

/// Checks a decay rate or momentum: in `[0, 1)`.
fn check_unit_interval(context: &str, name: &'static str, value: f64) -> Result<()> {
    check_hyperparameter(context, name, value, "0 <= value < 1", |v| {
        (0.0..1.0).contains(&v)
    })
}

/// Checks an epsilon: positive and finite.
fn check_epsilon(context: &str, epsilon: f64) -> Result<()> {
    check_hyperparameter(context, "epsilon", epsilon, "epsilon > 0", |e| e > 0.0)
}

/// What an update rule sees of one step, besides a parameter and its gradient.
#[derive(Debug, Clone, Copy)]
struct Step<T> {
    /// The step number, counted from 1 (Keras' `iterations + 1`).
    t: u64,
    /// The learning rate, cast to the element type.
    learning_rate: T,
    /// The clipping of this step.
    clip: Clip<T>,
}

impl<T: Float> Step<T> {
    /// A gradient element as the update rule uses it: clipped.
    #[inline]
    fn grad(&self, g: T) -> T {
        self.clip.apply(g)
    }
}

/// The scaffolding every optimizer shares: learning rate, clipping, iteration count, and the
/// per-parameter state (element-wise [`Slots`]) with the shapes it was built for.
#[derive(Debug, Clone)]
struct Core<T> {
    name: &'static str,
    learning_rate: f64,
    clip: GradientClip,
    iterations: u64,
    built: bool,
    shapes: Vec<TensorShape>,
    states: Vec<Slots<T>>,
}

impl<T: Float> Core<T> {
    fn new(name: &'static str, learning_rate: f64) -> Result<Self> {
        check_learning_rate(name, learning_rate)?;
        Ok(Self {
            name,
            learning_rate,
            clip: GradientClip::None,
            iterations: 0,
            built: false,
            shapes: Vec::new(),
            states: Vec::new(),
        })
    }

    fn set_clip(&mut self, clip: GradientClip) -> Result<()> {
        clip.validate(self.name)?;
        self.clip = clip;
        Ok(())
    }

    fn reset(&mut self) {
        self.iterations = 0;
        self.built = false;
        self.shapes.clear();
        self.states.clear();
    }

    /// Runs one step: checks the model against the state (and measures the global gradient
    /// norm if clipping needs it) without changing anything, then updates each parameter in
    /// visit order: `update` is called on runs of its elements that cover each once (on
    /// several threads for a large parameter, see [`slots`]), with the state slots `used`
    /// marks sized to the parameter.
    fn step(
        &mut self,
        model: &mut dyn Parameters<T>,
        used: [bool; SLOTS],
        update: impl Fn(&Step<T>, Run<'_, T>) + Sync,
    ) -> Result<()> {
        check_learning_rate(self.name, self.learning_rate)?;
        let norm = self.check_model(model)?;
        self.iterations += 1;
        let step = Step {
            t: self.iterations,
            learning_rate: T::cast(self.learning_rate),
            clip: self.clip.resolve(norm),
        };
        let states = &mut self.states;
        let mut index = 0;
        let mut consistent = true;
        model.visit_params(&mut |p| {
            match states.get_mut(index) {
                Some(slots) if p.grad.len() == p.value.len() => {
                    update_in_runs(p.value, p.grad, slots, used, &|run| update(&step, run));
                }
                _ => consistent = false,
            }
            index += 1;
        });
        if consistent && index == states.len() {
            Ok(())
        } else {
            Err(Error::InvalidState {
                context: self.name.to_owned(),
                message: "the model visited its parameters differently in two passes of one \
                          step; Parameters::visit_params must visit the same parameters in \
                          the same order every time"
                    .to_owned(),
            })
        }
    }

    /// The first pass of a step: checks every parameter against the state (building it on
    /// the first step) and returns the global gradient norm (0 if clipping does not need it).
    fn check_model(&mut self, model: &mut dyn Parameters<T>) -> Result<f64> {
        let name = self.name;
        let built = self.built;
        let needs_norm = self.clip.needs_norm();
        let shapes = &mut self.shapes;
        let mut count = 0;
        let mut squares = 0.0;
        let mut error = None;
        model.visit_params(&mut |p| {
            let index = count;
            count += 1;
            if error.is_some() {
                return;
            }
            if p.value.len() != p.shape.len() || p.grad.len() != p.value.len() {
                error = Some(Error::ShapeMismatch {
                    context: format!(
                        "{name}: gradient of parameter {index} (`{}`) of shape {:?}",
                        p.name,
                        p.shape.dims()
                    ),
                    expected: vec![p.shape.len(), p.shape.len()],
                    actual: vec![p.value.len(), p.grad.len()],
                });
                return;
            }
            if built {
                match shapes.get(index) {
                    Some(shape) if *shape != p.shape => {
                        error = Some(Error::ShapeMismatch {
                            context: format!(
                                "{name}: parameter {index} (`{}`) changed shape since the \
                                 optimizer's first step; reset the optimizer for a new model",
                                p.name
                            ),
                            expected: shape.dims().to_vec(),
                            actual: p.shape.dims().to_vec(),
                        });
                        return;
                    }
                    _ => {}
                }
            } else {
                shapes.push(p.shape);
            }
            if needs_norm {
                squares += sum_of_squares(p.grad);
            }
        });
        if let Some(error) = error {
            if !built {
                self.shapes.clear();
            }
            return Err(error);
        }
        if built && count != self.shapes.len() {
            return Err(Error::InvalidState {
                context: name.to_owned(),
                message: format!(
                    "the model has {count} parameter tensors but the optimizer's state was \
                     built for {}; the parameters must not change between steps (reset the \
                     optimizer for a new model)",
                    self.shapes.len()
                ),
            });
        }
        if !built {
            self.built = true;
            self.states = (0..count).map(|_| Slots::default()).collect();
        }
        Ok(squares.sqrt())
    }
}
