//! Training: [`fit`] a network on a [`crate::Dataset`] as a [`FitConfig`] says, and get
//! a [`History`] of per-epoch metrics; [`evaluate`] and [`predict_classes`] in inference mode.
//!
//! Every network gets these as methods through the [`Fit`] trait. Training is reproducible:
//! the network's seed gives its initial weights and training-mode randomness, the config's
//! seed the shuffling, so the same seeds give bit-identical histories (but for the timings).
//!
//! Keras' callbacks come as config options: [`EarlyStopping`] (with the best weights
//! restored), a learning-rate [`Schedule`], and an `on_epoch_end` callback returning
//! [`Control`].

mod config;
mod fit;
mod guard;
mod history;
mod metrics;
mod progress;
mod snapshot;

pub use config::{
    Control, EarlyStopping, EpochCallback, FitConfig, Monitor, Progress, Schedule, Validation,
};
pub use fit::{Fit, fit};
pub use guard::Guard;
pub use history::{EpochRecord, History};
pub use metrics::{Metrics, evaluate, predict_classes};
