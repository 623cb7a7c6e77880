//! What [`super::fit`] reports: one [`EpochRecord`] per epoch, in a [`History`].

use std::io::Write;
use std::path::Path;

use crate::health::HealthReport;
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
    /// One report per epoch when [`super::FitConfig::health`] asked for them.
    pub(crate) health: Vec<HealthReport>,
}

impl History {
    /// The gradient-health reports of every epoch's last step, when
    /// [`super::FitConfig::health`] asked for them (empty otherwise).
    pub fn health(&self) -> &[HealthReport] {
        &self.health
    }

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

/// One curve: its name, color and points (epoch, value).
type Curve = (&'static str, plotters::style::RGBColor, Vec<(f64, f64)>);

impl History {
    /// Draws the training curves as an SVG file: the loss (training and, with validation data,
    /// validation) on the left and the accuracy (for class labels) on the right, per epoch.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written, or if there is no epoch to draw.
    pub fn plot_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let io_error = |message: String| Error::Io {
            context: path.display().to_string(),
            kind: std::io::ErrorKind::Other,
            message,
        };
        if self.records.is_empty() {
            return Err(io_error("the history has no epoch to draw".to_owned()));
        }
        let series = |value: fn(&EpochRecord) -> Option<f64>| -> Vec<(f64, f64)> {
            self.records
                .iter()
                .filter_map(|r| value(r).map(|v| (r.epoch as f64 + 1.0, v)))
                .collect()
        };
        use plotters::style::{BLUE, RED};
        let losses: Vec<Curve> = vec![
            ("loss", BLUE, series(|r| Some(r.loss))),
            ("val_loss", RED, series(|r| r.val_loss)),
        ];
        let accuracies: Vec<Curve> = vec![
            ("accuracy", BLUE, series(|r| r.accuracy)),
            ("val_accuracy", RED, series(|r| r.val_accuracy)),
        ];
        draw_panels(
            path,
            self.records.len(),
            [("loss", losses), ("accuracy", accuracies)],
        )
        .map_err(io_error)
    }
}

/// Two charts side by side, each with its curves.
fn draw_panels(
    path: &Path,
    epochs: usize,
    panels: [(&str, Vec<Curve>); 2],
) -> std::result::Result<(), String> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (960, 400)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let areas = root.split_evenly((1, 2));
    for (area, (title, curves)) in areas.iter().zip(panels) {
        let points = curves
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|&(_, v)| v));
        let (low, high) = points.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        if !low.is_finite() {
            continue;
        }
        let margin = ((high - low) * 0.05).max(1e-6);
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(1.0..(epochs.max(2) as f64), (low - margin)..(high + margin))
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .draw()
            .map_err(|e| e.to_string())?;
        for (name, color, points) in curves {
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(points, color))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
