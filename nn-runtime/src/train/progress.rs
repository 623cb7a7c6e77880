//! The progress bar of [`super::fit`]: one bar per epoch, over its batches.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EpochRecord, Progress};

/// One epoch's bar, or nothing when hidden.
pub(crate) struct EpochBar {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl EpochBar {
    /// The bar of epoch `epoch` (from 0) of `epochs`, over `batches` batches; hidden for
    /// [`Progress::Quiet`], and for [`Progress::Auto`] when standard output is no terminal.
    pub(crate) fn new(progress: Progress, epoch: usize, epochs: usize, batches: usize) -> Self {
        let show = match progress {
            Progress::Quiet => false,
            Progress::Bar => true,
            Progress::Auto => std::io::stdout().is_terminal(),
        };
        let bar = show.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stdout());
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(format!("epoch {}/{epochs}", epoch + 1));
            bar
        });
        Self {
            bar,
            start: Instant::now(),
        }
    }

    /// One more batch done: `samples` rows so far, with a running mean loss of `loss`.
    pub(crate) fn batch_done(&self, loss: f64, samples: usize) {
        if let Some(bar) = &self.bar {
            let seconds = self.start.elapsed().as_secs_f64().max(1e-9);
            bar.inc(1);
            bar.set_message(format!(
                "loss {loss:.4} · {:.0} samples/s",
                samples as f64 / seconds
            ));
        }
    }

    /// The epoch is over: leaves its metrics on the bar.
    pub(crate) fn finish(&self, record: &EpochRecord) {
        if let Some(bar) = &self.bar {
            let mut message = format!("loss {:.4}", record.loss);
            for (name, value) in [
                ("accuracy", record.accuracy),
                ("val_loss", record.val_loss),
                ("val_accuracy", record.val_accuracy),
            ] {
                if let Some(value) = value {
                    message.push_str(&format!(" · {name} {value:.4}"));
                }
            }
            message.push_str(&format!(" · {:.2}s", record.seconds));
            bar.finish_with_message(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hides_the_bar_and_bar_shows_it() {
        assert!(EpochBar::new(Progress::Quiet, 0, 3, 10).bar.is_none());
        assert!(EpochBar::new(Progress::Bar, 0, 3, 10).bar.is_some());
    }

    #[test]
    fn auto_follows_whether_stdout_is_a_terminal() {
        let shown = EpochBar::new(Progress::Auto, 0, 3, 10).bar.is_some();
        assert_eq!(shown, std::io::stdout().is_terminal());
    }
}
