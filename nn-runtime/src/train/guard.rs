//! The divergence guard of [`super::fit`]: stop at the first non-finite loss or gradient (or
//! a gradient past a threshold) and give back the last good weights.

use crate::optim::GradientClip;
use crate::optim::sum_of_squares;
use crate::validate::check_hyperparameter;
use crate::{Error, Float, Network, ParamMut, Result};

use super::snapshot::Snapshot;

/// Stops [`super::fit`] when training diverges, instead of training on NaN.
///
/// After every training forward pass the guard checks each layer's output, and before every
/// optimizer step the batch's loss and every gradient. When an output, the loss or a gradient
/// is NaN or infinite, the weights that produced it are already bad (the step before
/// overflowed them), so the guard writes back the weights from before that step (kept in a
/// copy refreshed at every step) and `fit` returns [`Error::Diverged`] naming the epoch, the
/// step and the first layer, in network order, whose output or gradient went non-finite. With `max_gradient_norm`, a layer whose gradient's L2 norm passes it also
/// stops training; that step is not taken and the weights are those before it.
///
/// Gradient clipping works with the guard: clipping cannot repair a NaN, so non-finite
/// values stop training either way, but an optimizer that clips bounds its own steps, so the
/// norm threshold is not applied to it. The optimizer's own state (momenta) is not restored.
///
/// On by default (`Guard::default()`: non-finite checks only); `FitConfig::guard(None)`
/// turns it off.
///
/// ```
/// use nn_runtime::train::Guard;
/// let guard = Guard::default().max_gradient_norm(1e3)?;
/// assert_eq!(guard.get_max_gradient_norm(), Some(1e3));
/// # Ok::<(), nn_runtime::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Guard {
    max_gradient_norm: Option<f64>,
}

impl Guard {
    /// Also stops when a layer's gradient norm passes `limit` (positive).
    ///
    /// # Errors
    /// [`Error::InvalidHyperparameter`] if `limit` is not positive and finite.
    pub fn max_gradient_norm(mut self, limit: f64) -> Result<Self> {
        check_hyperparameter("guard", "max_gradient_norm", limit, "limit > 0", |l| {
            l > 0.0
        })?;
        self.max_gradient_norm = Some(limit);
        Ok(self)
    }

    /// The gradient-norm threshold, if set.
    pub fn get_max_gradient_norm(&self) -> Option<f64> {
        self.max_gradient_norm
    }
}

/// The guard during one `fit`: the weights before the last step taken.
pub(crate) struct Watch<T> {
    guard: Guard,
    before_last_step: Snapshot<T>,
    /// The epoch and step of the last step taken.
    last_step: (usize, usize),
    /// Per layer in visit order: the gradient's sum of squares (reused).
    norms: Vec<(&'static str, f64)>,
}

/// What the guard found wrong in one step.
struct Trip {
    layer: String,
    what: String,
    non_finite: bool,
}

impl<T: Float> Watch<T> {
    pub fn new(guard: Guard) -> Self {
        Self {
            guard,
            before_last_step: Snapshot::default(),
            last_step: (0, 0),
            norms: Vec::new(),
        }
    }

    /// Checks the training forward pass just run: the first layer, in network order, whose
    /// output holds a NaN or an infinity stops training (the weights that produced it are
    /// restored to those before the last step).
    pub fn check_forward<N: Network<T>>(
        &mut self,
        network: &mut N,
        at: (usize, usize),
    ) -> Result<()> {
        let mut first: Option<&'static str> = None;
        network.visit_layers(&mut |layer| {
            if first.is_none() && layer.output().iter().any(|v| !v.is_finite()) {
                first = Some(layer.name());
            }
        });
        match first {
            None => Ok(()),
            Some(layer) => Err(self.stop(
                network,
                Trip {
                    layer: layer.to_owned(),
                    what: format!("{layer}'s output is not finite"),
                    non_finite: true,
                },
                at,
            )),
        }
    }

    /// Checks the step about to be taken; on a problem, restores the last good weights and
    /// returns the error. Otherwise keeps a copy of the weights the step will change.
    pub fn check_step<N: Network<T>>(
        &mut self,
        network: &mut N,
        loss: f64,
        clip: GradientClip,
        at: (usize, usize),
    ) -> Result<()> {
        let limit = self
            .guard
            .max_gradient_norm
            .filter(|_| clip == GradientClip::None);
        match self.inspect(network, loss, limit) {
            None => {
                self.before_last_step.take(network);
                self.last_step = at;
                Ok(())
            }
            Some(trip) => Err(self.stop(network, trip, at)),
        }
    }

    /// Restores what `trip` calls for and describes it in the error.
    fn stop<N: Network<T>>(
        &self,
        network: &mut N,
        trip: Trip,
        (epoch, step): (usize, usize),
    ) -> Error {
        let restored = if trip.non_finite && self.before_last_step.is_taken() {
            self.before_last_step.restore(network);
            let (last_epoch, last_step) = self.last_step;
            format!(
                "the weights are restored to those before epoch {last_epoch}, step {last_step}, \
                 whose update made them overflow"
            )
        } else if trip.non_finite {
            String::from("no step was taken: the weights are the initial ones")
        } else {
            String::from("the step was not taken: the weights are those before it")
        };
        Error::Diverged {
            context: "fit".to_owned(),
            epoch,
            step,
            layer: trip.layer,
            what: trip.what,
            restored,
        }
    }

    fn inspect<N: Network<T>>(
        &mut self,
        network: &mut N,
        loss: f64,
        limit: Option<f64>,
    ) -> Option<Trip> {
        let norms = &mut self.norms;
        norms.clear();
        let mut first_non_finite: Option<(&'static str, &'static str)> = None;
        network.visit_params(&mut |param: ParamMut<'_, T>| {
            // One branch-free pass per parameter: a NaN or infinity makes the sum non-finite,
            // and only then are the elements looked at one by one (a finite f64 gradient
            // whose square overflows is not a non-finite gradient).
            let squares = sum_of_squares(param.grad);
            if !squares.is_finite()
                && first_non_finite.is_none()
                && param.grad.iter().any(|g| !g.is_finite())
            {
                first_non_finite = Some((param.layer, param.name));
            }
            match norms.last_mut() {
                Some((layer, sum)) if *layer == param.layer => *sum += squares,
                _ => norms.push((param.layer, squares)),
            }
        });
        if let Some((layer, name)) = first_non_finite {
            return Some(Trip {
                layer: layer.to_owned(),
                what: format!("{layer}.{name}'s gradient is not finite (loss {loss})"),
                non_finite: true,
            });
        }
        if !loss.is_finite() {
            return Some(Trip {
                layer: "the loss".to_owned(),
                what: format!("the loss is {loss}"),
                non_finite: true,
            });
        }
        let limit = limit?;
        self.norms
            .iter()
            .map(|&(layer, squares)| (layer, squares.sqrt()))
            .find(|&(_, norm)| norm > limit)
            .map(|(layer, norm)| Trip {
                layer: layer.to_owned(),
                what: format!(
                    "{layer}'s gradient norm {norm:.3e} passes the guard's limit {limit:.3e}"
                ),
                non_finite: false,
            })
    }
}
