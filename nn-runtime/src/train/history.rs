//! What [`super::fit`] reports: one [`EpochRecord`] per epoch, in a [`History`].

use std::io::Write;
use std::path::Path;

use crate::{Error, Result};

use super::Monitor;

/// The metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// The epoch, counted from 0.
    pub epoch: usize,
    /// The mean training loss over the epoch's samples (each batch's loss plus the network's
    /// penalty, weighted by the batch's rows), in training mode.
    pub loss: f64,
    /// The training accuracy (in training mode, as the batches went), for class labels.
    pub accuracy: Option<f64>,
    /// The validation loss (inference mode, penalty included), with validation data.
    pub val_loss: Option<f64>,
    /// The validation accuracy, with validation data with class labels.
    pub val_accuracy: Option<f64>,
    /// The learning rate the epoch was trained with.
    pub learning_rate: f64,
    /// The wall-clock time of the epoch, validation included.
    pub seconds: f64,
}

/// The records of a [`super::fit`], one per epoch trained.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct History {
    pub(crate) records: Vec<EpochRecord>,
    pub(crate) monitor: Option<Monitor>,
    pub(crate) stopped_early: bool,
    /// The best epoch as early stopping saw it (with its `min_delta`).
    pub(crate) best: Option<usize>,
}

impl History {
    /// The records, one per epoch, in order.
    pub fn records(&self) -> &[EpochRecord] {
        &self.records
    }

    /// The record of the last epoch, if any epoch ran.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.records.last()
    }

    /// Whether training ended before its last epoch (early stopping or the callback).
    pub fn stopped_early(&self) -> bool {
        self.stopped_early
    }

    /// The quantity [`History::best_epoch`] ranks by: the early stopping's monitor if there
    /// was one, otherwise `val_loss` with validation data and `loss` without.
    pub fn monitor(&self) -> Monitor {
        self.monitor.unwrap_or_else(|| {
            if self.records.iter().any(|r| r.val_loss.is_some()) {
                Monitor::ValLoss
            } else {
                Monitor::Loss
            }
        })
    }

    /// The record of the best epoch by [`History::monitor`] (the first, on ties).
    ///
    /// With early stopping, this is the epoch whose weights it kept (improvements count only
    /// beyond its `min_delta`).
    pub fn best_epoch(&self) -> Option<&EpochRecord> {
        if let Some(best) = self.best {
            return self.records.iter().find(|r| r.epoch == best);
        }
        let monitor = self.monitor();
        let mut best: Option<(&EpochRecord, f64)> = None;
        for record in &self.records {
            let Some(value) = monitor.value(record) else {
                continue;
            };
            match best {
                Some((_, current)) if !monitor.improves(value, current, 0.0) => {}
                _ => best = Some((record, value)),
            }
        }
        best.map(|(record, _)| record)
    }

    /// Writes the records as CSV: the header
    /// `epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds` and one line per
    /// epoch, a metric not measured left empty.
    ///
    /// # Errors
    /// [`Error::Io`] if writing fails.
    pub fn write_csv(&self, mut out: impl Write) -> Result<()> {
        let io = |err: std::io::Error| Error::Io {
            context: "history csv".to_owned(),
            kind: err.kind(),
            message: format!("writing the history failed: {err}"),
        };
        let opt = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
        writeln!(
            out,
            "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds"
        )
        .map_err(io)?;
        for r in &self.records {
            writeln!(
                out,
                "{},{},{},{},{},{},{}",
                r.epoch,
                r.loss,
                opt(r.accuracy),
                opt(r.val_loss),
                opt(r.val_accuracy),
                r.learning_rate,
                r.seconds
            )
            .map_err(io)?;
        }
        out.flush().map_err(io)
    }

    /// Writes the records as CSV ([`History::write_csv`]) to the file at `path`.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be created or written.
    pub fn to_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|err| Error::Io {
            context: path.display().to_string(),
            kind: err.kind(),
            message: format!("cannot create the history file: {err}"),
        })?;
        self.write_csv(std::io::BufWriter::new(file))
            .map_err(|err| match err {
                Error::Io { kind, message, .. } => Error::Io {
                    context: path.display().to_string(),
                    kind,
                    message,
                },
                other => other,
            })
    }
}
