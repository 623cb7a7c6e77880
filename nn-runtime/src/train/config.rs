//! What [`super::fit`] is asked to do: [`FitConfig`] and the pieces it is built from.

use std::fmt;

use crate::optim::{Adam, Optimizer};
use crate::validate::check_hyperparameter;
use crate::{Dataset, Float, Loss, Result};

use super::{EpochRecord, Guard};

/// Where the validation metrics of each epoch come from.
#[derive(Debug, Clone, Default)]
pub enum Validation<T: Float = f32> {
    /// No validation: the records' `val_loss` and `val_accuracy` are `None`.
    #[default]
    None,
    /// Hold out this fraction (in `(0, 1)`) of the training data, split with
    /// [`Dataset::split`] (stratified for class labels) using the config's seed.
    Split(f64),
    /// Validate on this dataset.
    Data(Dataset<T>),
}

/// Whether [`super::fit`] draws a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// A bar per epoch when standard output is a terminal, nothing otherwise.
    #[default]
    Auto,
    /// Always a bar per epoch (on standard output).
    Bar,
    /// Never a bar.
    Quiet,
}

/// The quantity [`EarlyStopping`] watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Monitor {
    /// The validation loss (lower is better); needs validation data.
    #[default]
    ValLoss,
    /// The training loss (lower is better).
    Loss,
    /// The validation accuracy (higher is better); needs validation data with class labels.
    ValAccuracy,
}

impl Monitor {
    /// The monitored value of `record`, if it was measured.
    pub fn value(self, record: &EpochRecord) -> Option<f64> {
        match self {
            Self::ValLoss => record.val_loss,
            Self::Loss => Some(record.loss),
            Self::ValAccuracy => record.val_accuracy,
        }
    }

    /// Whether a larger value is better (accuracy) rather than a smaller one (losses).
    pub fn higher_is_better(self) -> bool {
        matches!(self, Self::ValAccuracy)
    }

    /// Keras' name of the quantity (`"val_loss"`, `"loss"`, `"val_accuracy"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ValLoss => "val_loss",
            Self::Loss => "loss",
            Self::ValAccuracy => "val_accuracy",
        }
    }

    /// Whether `value` improves on `best` by more than `min_delta`.
    pub(crate) fn improves(self, value: f64, best: f64, min_delta: f64) -> bool {
        if self.higher_is_better() {
            value > best + min_delta
        } else {
            value < best - min_delta
        }
    }
}

/// Stops training when the monitored quantity has not improved for `patience` epochs
/// (Keras' `EarlyStopping`).
///
/// An epoch improves when its value beats the best so far by more than `min_delta`. With
/// `restore_best`, the network's tensors (parameters and state such as batch norm's running
/// statistics) are copied after every improving epoch and written back when training ends,
/// whether it stopped early or ran all its epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    /// What to watch.
    pub monitor: Monitor,
    /// How many epochs without improvement to allow before stopping.
    pub patience: usize,
    /// The smallest change that counts as an improvement (non-negative).
    pub min_delta: f64,
    /// Whether to restore the weights of the best epoch at the end.
    pub restore_best: bool,
}

impl Default for EarlyStopping {
    /// Watch `val_loss` with a patience of 5, no `min_delta`, restoring the best weights.
    fn default() -> Self {
        Self {
            monitor: Monitor::ValLoss,
            patience: 5,
            min_delta: 0.0,
            restore_best: true,
        }
    }
}

/// A learning-rate schedule, applied at the start of every epoch from the optimizer's
/// learning rate when [`super::fit`] starts (`lr0`); epochs count from 0.
///
/// ```
/// use nn_runtime::train::Schedule;
/// let step = Schedule::Step { every: 2, factor: 0.5 };
/// assert_eq!(step.learning_rate(0.1, 3), 0.05);
/// assert_eq!(Schedule::Exponential { rate: 0.5 }.learning_rate(1.0, 2), 0.25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// `lr0 · factor^(epoch / every)` (integer division): multiply by `factor` every
    /// `every` epochs.
    Step {
        /// The number of epochs between two changes (at least 1).
        every: usize,
        /// The factor applied at each change (positive).
        factor: f64,
    },
    /// `lr0 · rate^epoch`.
    Exponential {
        /// The factor applied every epoch (positive).
        rate: f64,
    },
}

impl Schedule {
    /// The learning rate of `epoch` (counted from 0), starting from `initial`.
    pub fn learning_rate(self, initial: f64, epoch: usize) -> f64 {
        let (factor, exponent) = match self {
            Self::Step { every, factor } => (factor, epoch / every.max(1)),
            Self::Exponential { rate } => (rate, epoch),
        };
        initial * factor.powi(i32::try_from(exponent).unwrap_or(i32::MAX))
    }

    pub(crate) fn validate(self) -> Result<()> {
        let context = "fit schedule";
        match self {
            Self::Step { every, factor } => {
                check_hyperparameter(context, "every", every as f64, "every >= 1", |e| e >= 1.0)?;
                check_hyperparameter(context, "factor", factor, "factor > 0", |f| f > 0.0)
            }
            Self::Exponential { rate } => {
                check_hyperparameter(context, "rate", rate, "rate > 0", |r| r > 0.0)
            }
        }
    }
}

/// What the `on_epoch_end` callback asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this epoch (the history then reports [`super::History::stopped_early`]).
    Stop,
}

/// The callback run after every epoch, with that epoch's record.
pub type EpochCallback = Box<dyn FnMut(&EpochRecord) -> Control>;

/// How to train: loss, optimizer, epochs, batch size, shuffling seed, validation, progress
/// bar, early stopping, learning-rate schedule and an end-of-epoch callback. Built with Keras'
/// names:
///
/// ```
/// use nn_runtime::train::{FitConfig, Progress, Validation};
/// use nn_runtime::{Loss, Sgd};
/// let config = FitConfig::<f32>::new(Loss::CrossEntropy)
///     .optimizer(Sgd::new(0.1).unwrap())
///     .epochs(20)
///     .batch_size(16)
///     .seed(7)
///     .validation(Validation::Split(0.2))
///     .progress(Progress::Quiet);
/// assert_eq!((config.get_epochs(), config.get_batch_size()), (20, 16));
/// ```
pub struct FitConfig<T: Float = f32> {
    pub(crate) loss: Loss,
    pub(crate) optimizer: Box<dyn Optimizer<T>>,
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) seed: u64,
    pub(crate) validation: Validation<T>,
    pub(crate) progress: Progress,
    pub(crate) early_stopping: Option<EarlyStopping>,
    pub(crate) schedule: Option<Schedule>,
    pub(crate) on_epoch_end: Option<EpochCallback>,
    pub(crate) guard: Option<Guard>,
    pub(crate) health: bool,
}

impl<T: Float> FitConfig<T> {
    /// Training with `loss`, and the defaults: Adam with a learning rate of 1e-3, 10 epochs,
    /// batches of 32, seed 0, no validation, [`Progress::Auto`], no early stopping, no
    /// schedule, no callback, the default [`Guard`], no health records.
    pub fn new(loss: Loss) -> Self {
        let adam = Adam::<T>::new(1e-3).expect("invariant: 1e-3 is a valid learning rate");
        Self {
            loss,
            optimizer: Box::new(adam),
            epochs: 10,
            batch_size: 32,
            seed: 0,
            validation: Validation::None,
            progress: Progress::Auto,
            early_stopping: None,
            schedule: None,
            on_epoch_end: None,
            guard: Some(Guard::default()),
            health: false,
        }
    }

    /// Sets the loss.
    pub fn loss(mut self, loss: Loss) -> Self {
        self.loss = loss;
        self
    }

    /// Sets the optimizer. Its state carries over between calls of [`super::fit`] with the
    /// same config, as a Keras model's optimizer does.
    pub fn optimizer(mut self, optimizer: impl Optimizer<T> + 'static) -> Self {
        self.optimizer = Box::new(optimizer);
        self
    }

    /// Sets the optimizer, boxed.
    pub fn boxed_optimizer(mut self, optimizer: Box<dyn Optimizer<T>>) -> Self {
        self.optimizer = optimizer;
        self
    }

    /// Sets the number of epochs (passes over the training data).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Sets the batch size (at least 1).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the seed of the shuffling (and of [`Validation::Split`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets where validation metrics come from.
    pub fn validation(mut self, validation: Validation<T>) -> Self {
        self.validation = validation;
        self
    }

    /// Sets the progress bar.
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    /// Stops early on `early_stopping`'s terms.
    pub fn early_stopping(mut self, early_stopping: EarlyStopping) -> Self {
        self.early_stopping = Some(early_stopping);
        self
    }

    /// Sets a learning-rate schedule.
    pub fn schedule(mut self, schedule: Schedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Sets a callback run after every epoch; returning [`Control::Stop`] ends training.
    pub fn on_epoch_end(mut self, callback: impl FnMut(&EpochRecord) -> Control + 'static) -> Self {
        self.on_epoch_end = Some(Box::new(callback));
        self
    }

    /// Sets the divergence guard (`None` turns it off; the default checks for non-finite
    /// losses and gradients).
    pub fn guard(mut self, guard: Option<Guard>) -> Self {
        self.guard = guard;
        self
    }

    /// Whether to keep a gradient-health report of every epoch's last step in
    /// [`super::History::health`] (off by default; it costs one pass over the weights and
    /// the layers' outputs per epoch).
    pub fn health(mut self, record: bool) -> Self {
        self.health = record;
        self
    }

    /// The guard.
    pub fn get_guard(&self) -> Option<Guard> {
        self.guard
    }

    /// The loss.
    pub fn get_loss(&self) -> Loss {
        self.loss
    }

    /// The optimizer.
    pub fn get_optimizer(&self) -> &dyn Optimizer<T> {
        self.optimizer.as_ref()
    }

    /// The optimizer, mutable (to change its learning rate between fits).
    pub fn get_optimizer_mut(&mut self) -> &mut dyn Optimizer<T> {
        self.optimizer.as_mut()
    }

    /// The number of epochs.
    pub fn get_epochs(&self) -> usize {
        self.epochs
    }

    /// The batch size.
    pub fn get_batch_size(&self) -> usize {
        self.batch_size
    }

    /// The seed.
    pub fn get_seed(&self) -> u64 {
        self.seed
    }
}

impl<T: Float> fmt::Debug for FitConfig<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FitConfig")
            .field("loss", &self.loss)
            .field("learning_rate", &self.optimizer.learning_rate())
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("seed", &self.seed)
            .field("validation", &self.validation)
            .field("progress", &self.progress)
            .field("early_stopping", &self.early_stopping)
            .field("schedule", &self.schedule)
            .field("on_epoch_end", &self.on_epoch_end.is_some())
            .field("guard", &self.guard)
            .field("health", &self.health)
            .finish()
    }
}
