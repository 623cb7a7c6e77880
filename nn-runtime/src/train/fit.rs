//! The training loop: [`fit`] and the [`Fit`] trait every network gets.

use std::time::Instant;

use ndarray::ArrayView2;
use rand::seq::SliceRandom;

use crate::health::HealthReport;
use crate::validate::check_hyperparameter;
use crate::{Buffer, Dataset, Error, Float, Labels, Loss, Network, Result, Targets, seeded_rng};

use super::guard::Watch;
use super::metrics::{check_data, check_loss, correct};
use super::progress::EpochBar;
use super::snapshot::Snapshot;
use super::{
    Control, EarlyStopping, EpochRecord, FitConfig, History, Metrics, Monitor, Validation,
    evaluate, predict_classes,
};

/// Training, evaluation and class prediction as methods of every [`Network`].
pub trait Fit<T: Float>: Network<T> {
    /// Trains the network: [`fit`].
    ///
    /// # Errors
    /// As [`fit`].
    fn fit(&mut self, train: &Dataset<T>, config: &mut FitConfig<T>) -> Result<History>;

    /// The loss and accuracy on `data` in inference mode: [`evaluate`].
    ///
    /// # Errors
    /// As [`evaluate`].
    fn evaluate(&self, data: &Dataset<T>, loss: Loss) -> Result<Metrics>;

    /// The predicted class of every row: [`predict_classes`].
    ///
    /// # Errors
    /// As [`predict_classes`].
    fn predict_classes(&self, features: ArrayView2<'_, T>) -> Result<Vec<usize>>;
}

impl<T: Float, N: Network<T>> Fit<T> for N {
    fn fit(&mut self, train: &Dataset<T>, config: &mut FitConfig<T>) -> Result<History> {
        fit(self, train, config)
    }

    fn evaluate(&self, data: &Dataset<T>, loss: Loss) -> Result<Metrics> {
        evaluate(self, data, loss)
    }

    fn predict_classes(&self, features: ArrayView2<'_, T>) -> Result<Vec<usize>> {
        predict_classes(self, features)
    }
}

/// Trains `network` on `train` as `config` says, and returns the metrics of every epoch.
///
/// Every epoch shuffles the rows (from `config`'s seed: the same seed, network and data give
/// bit-identical weights and metrics), sets the learning rate from the schedule, then for
/// every batch: copies its rows into buffers kept across steps (no allocation per step after
/// the first), runs [`Network::forward_train`], [`Loss::evaluate`] into a kept gradient
/// buffer, [`Network::backward`] and the optimizer's step. The reported loss adds
/// [`Network::penalty`]. After the batches come the validation metrics ([`evaluate`]), the
/// progress bar's summary, early stopping and the `on_epoch_end` callback.
///
/// With [`FitConfig::guard`] (on by default), every step is checked before the optimizer
/// takes it: see [`super::Guard`]. With [`FitConfig::health`], the last step of every epoch
/// is read into a [`HealthReport`] (before its update) and kept in [`History::health`].
///
/// Batch norm needs at least two rows in training, so a last batch of a single row is
/// merged into the batch before it (65 rows in batches of 32 give batches of 32 and 33).
///
/// # Errors
/// Before any step, so that the network and optimizer are left unchanged:
/// [`Error::LossMismatch`] if the loss does not fit the network's output activation,
/// [`Error::InvalidHyperparameter`] for a batch size of 0, a [`Validation::Split`] fraction
/// outside `(0, 1)`, a negative `min_delta` or a bad schedule, [`Error::WidthMismatch`] if
/// the features are not `INPUT` wide (or real targets not `OUTPUT` wide),
/// [`Error::LabelOutOfRange`] for a class label the output cannot predict (in the training
/// or validation data), and [`Error::InvalidState`] for early stopping on a validation
/// metric that is not measured. During training: the errors of the network's passes and of
/// the optimizer, and [`Error::Diverged`] from the guard, with the last good weights
/// restored.
pub fn fit<T: Float, N: Network<T>>(
    network: &mut N,
    train: &Dataset<T>,
    config: &mut FitConfig<T>,
) -> Result<History> {
    let loss = config.loss;
    check_loss::<T, N>(loss)?;
    check_hyperparameter(
        "fit",
        "batch_size",
        config.batch_size as f64,
        "batch_size >= 1",
        |b| b >= 1.0,
    )?;
    if let Some(schedule) = config.schedule {
        schedule.validate()?;
    }
    if let Some(stopping) = config.early_stopping {
        check_hyperparameter(
            "fit early stopping",
            "min_delta",
            stopping.min_delta,
            "min_delta >= 0",
            |d| d >= 0.0,
        )?;
    }
    let split;
    let (train, validation): (&Dataset<T>, Option<&Dataset<T>>) = match &config.validation {
        Validation::None => (train, None),
        Validation::Split(fraction) => {
            split = train.split(*fraction, config.seed)?;
            (&split.0, Some(&split.1))
        }
        Validation::Data(data) => (train, Some(data)),
    };
    check_data::<T, N>("fit", train, loss)?;
    if let Some(validation) = validation {
        check_data::<T, N>("fit validation", validation, loss)?;
    }
    if let Some(stopping) = config.early_stopping {
        let measured = match stopping.monitor {
            Monitor::Loss => true,
            Monitor::ValLoss => validation.is_some(),
            Monitor::ValAccuracy => validation.is_some_and(|v| v.class_labels().is_some()),
        };
        if !measured {
            return Err(Error::InvalidState {
                context: "fit early stopping".to_owned(),
                message: format!(
                    "early stopping monitors {} but it is not measured; set a validation \
                     (with class labels for val_accuracy)",
                    stopping.monitor.name()
                ),
            });
        }
    }

    let n = train.len();
    let bounds = batch_bounds(n, config.batch_size);
    let initial_rate = config.optimizer.learning_rate();
    let mut rng = seeded_rng(config.seed);
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = Buffer::<T>::default();
    let mut grad = Buffer::<T>::default();
    let mut dense = Buffer::<T>::default();
    let mut batch_labels: Vec<usize> = Vec::with_capacity(config.batch_size.min(n) + 1);
    let mut stopper = config.early_stopping.map(Stopper::new);
    let mut history = History {
        records: Vec::with_capacity(config.epochs),
        monitor: config.early_stopping.map(|s| s.monitor),
        stopped_early: false,
        best: None,
        health: Vec::new(),
    };
    let mut watch = config.guard.map(Watch::new);

    for epoch in 0..config.epochs {
        let start = Instant::now();
        if let Some(schedule) = config.schedule {
            config
                .optimizer
                .set_learning_rate(schedule.learning_rate(initial_rate, epoch));
        }
        let learning_rate = config.optimizer.learning_rate();
        order.shuffle(&mut rng);
        let bar = EpochBar::new(config.progress, epoch, config.epochs, bounds.len());
        let (mut loss_sum, mut right, mut seen) = (0.0f64, 0usize, 0usize);
        for (step, &(begin, end)) in bounds.iter().enumerate() {
            let rows = &order[begin..end];
            gather(train.features_view(), rows, &mut x);
            let targets = match train.labels() {
                Labels::Classes { labels, .. } => {
                    batch_labels.clear();
                    batch_labels.extend(rows.iter().map(|&i| labels[i]));
                    Targets::Classes(&batch_labels)
                }
                Labels::Real(values) => {
                    gather(values.view(), rows, &mut dense);
                    Targets::Dense(dense.view())
                }
            };
            network.forward_train(x.view())?;
            if let Some(watch) = watch.as_mut() {
                watch.check_forward(network, (epoch, step))?;
            }
            let (value, of) = loss.evaluate(
                N::OUTPUT_ACTIVATION,
                network.output(),
                network.pre_activation(),
                targets,
                grad.resize(rows.len(), N::OUTPUT),
            )?;
            if let Targets::Classes(labels) = targets {
                right += correct(network.output(), labels);
            }
            let batch_loss = value.as_f64() + network.penalty().as_f64();
            network.backward_parameters(grad.view(), of)?;
            if let Some(watch) = watch.as_mut() {
                let clip = config.optimizer.gradient_clip();
                watch.check_step(network, batch_loss, clip, (epoch, step))?;
            }
            if config.health && step + 1 == bounds.len() {
                let report = HealthReport::of_last_step(network, learning_rate);
                history
                    .health
                    .push(report.with_epoch(epoch).with_loss(batch_loss));
            }
            config.optimizer.step(network)?;
            loss_sum += batch_loss * rows.len() as f64;
            seen += rows.len();
            bar.batch_done(loss_sum / seen as f64, seen);
        }
        let val = validation
            .map(|data| evaluate(network, data, loss))
            .transpose()?;
        let record = EpochRecord {
            epoch,
            loss: loss_sum / seen.max(1) as f64,
            accuracy: train
                .class_labels()
                .map(|_| right as f64 / seen.max(1) as f64),
            val_loss: val.map(|m| m.loss),
            val_accuracy: val.and_then(|m| m.accuracy),
            learning_rate,
            seconds: start.elapsed().as_secs_f64(),
        };
        bar.finish(&record);
        let mut stop = stopper
            .as_mut()
            .is_some_and(|stopper| stopper.update(&record, network));
        if let Some(callback) = config.on_epoch_end.as_mut() {
            stop |= callback(&record) == Control::Stop;
        }
        history.records.push(record);
        if stop {
            history.stopped_early = epoch + 1 < config.epochs;
            break;
        }
    }
    if let Some(stopper) = stopper {
        history.best = stopper.best_epoch;
        if stopper.stopping.restore_best && stopper.best_epoch.is_some() {
            stopper.snapshot.restore(network);
        }
    }
    Ok(history)
}

/// The `[begin, end)` row ranges of the batches of `n` rows; a last batch of one row joins
/// the one before it (batch norm needs two rows in training).
fn batch_bounds(n: usize, batch_size: usize) -> Vec<(usize, usize)> {
    let mut bounds: Vec<(usize, usize)> = (0..n)
        .step_by(batch_size)
        .map(|begin| (begin, n.min(begin + batch_size)))
        .collect();
    if bounds.len() >= 2 && bounds.last().is_some_and(|&(begin, end)| end - begin == 1) {
        bounds.pop();
        if let Some(last) = bounds.last_mut() {
            last.1 = n;
        }
    }
    bounds
}

/// Copies the rows `rows` of `source` into `buffer`.
fn gather<T: Float>(source: ArrayView2<'_, T>, rows: &[usize], buffer: &mut Buffer<T>) {
    let mut target = buffer.resize(rows.len(), source.ncols());
    for (mut row, &i) in target.rows_mut().into_iter().zip(rows) {
        row.assign(&source.row(i));
    }
}

/// Early stopping's state.
struct Stopper<T> {
    stopping: EarlyStopping,
    best: Option<f64>,
    best_epoch: Option<usize>,
    wait: usize,
    snapshot: Snapshot<T>,
}

impl<T: Float> Stopper<T> {
    fn new(stopping: EarlyStopping) -> Self {
        Self {
            stopping,
            best: None,
            best_epoch: None,
            wait: 0,
            snapshot: Snapshot::default(),
        }
    }

    /// Takes in an epoch's record (snapshotting the network on an improvement); returns
    /// whether to stop.
    fn update<N: Network<T>>(&mut self, record: &EpochRecord, network: &N) -> bool {
        let monitor = self.stopping.monitor;
        let Some(value) = monitor.value(record) else {
            return false;
        };
        let improved = match self.best {
            None => !value.is_nan(),
            Some(best) => monitor.improves(value, best, self.stopping.min_delta),
        };
        if improved {
            self.best = Some(value);
            self.best_epoch = Some(record.epoch);
            self.wait = 0;
            if self.stopping.restore_best {
                self.snapshot.take(network);
            }
            false
        } else {
            self.wait += 1;
            self.wait >= self.stopping.patience
        }
    }
}

#[cfg(test)]
mod tests {
    use super::batch_bounds;

    #[test]
    fn a_last_batch_of_one_row_joins_the_one_before() {
        assert_eq!(batch_bounds(65, 32), [(0, 32), (32, 65)]);
        assert_eq!(batch_bounds(66, 32), [(0, 32), (32, 64), (64, 66)]);
        assert_eq!(batch_bounds(64, 32), [(0, 32), (32, 64)]);
        assert_eq!(batch_bounds(1, 32), [(0, 1)]);
        assert_eq!(batch_bounds(5, 100), [(0, 5)]);
    }
}
