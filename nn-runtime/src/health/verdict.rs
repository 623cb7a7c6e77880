//! Judging a [`HealthReport`]: documented thresholds, the problems they find, and the cures
//! that fit the network at hand.

use std::fmt;

use crate::Initializer;
use crate::activation::ActivationKind;

use super::report::{HealthReport, LayerHealth};

/// Where a [`HealthReport`] starts calling something a problem. The defaults are the rules
/// of thumb of the literature and of practice (Glorot & Bengio 2010, Karpathy's CS231n
/// notes): change them with struct update syntax.
///
/// ```
/// use nn_runtime::health::Thresholds;
/// let strict = Thresholds { vanishing: 1e-2, ..Thresholds::default() };
/// assert_eq!(strict.exploding, 1e3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A dense layer's gradient norm below this fraction of the output layer's is vanishing
    /// (default 1e-3: three orders of magnitude lost on the way back).
    pub vanishing: f64,
    /// A dense layer's gradient norm above this multiple of the output layer's is exploding
    /// (default 1e3).
    pub exploding: f64,
    /// A hidden layer whose output standard deviation exceeds this has exploding activations
    /// (default 10: a well-initialized layer stays near 1).
    pub exploding_activation_std: f64,
    /// More than this fraction of a ReLU-family layer's units dead is a problem (default
    /// 0.25).
    pub dead: f64,
    /// More than this fraction of a sigmoid or tanh layer's units saturated is a problem
    /// (default 0.25).
    pub saturated: f64,
    /// An update ratio `lr · |dW| / |W|` above this moves the weights too fast (default
    /// 0.1; around 1e-3 is healthy).
    pub large_update: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            vanishing: 1e-3,
            exploding: 1e3,
            exploding_activation_std: 10.0,
            dead: 0.25,
            saturated: 0.25,
            large_update: 0.1,
        }
    }
}

/// The kind of problem a [`Verdict`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// Gradients shrink on their way back to the input.
    Vanishing,
    /// Gradients grow on their way back to the input.
    Exploding,
    /// Activations grow from layer to layer.
    ExplodingActivations,
    /// Many ReLU-family units are never active.
    DeadUnits,
    /// Many sigmoid or tanh units sit where their derivative is near zero.
    SaturatedUnits,
    /// Steps move the weights by a large fraction of their size.
    LargeUpdates,
    /// A gradient is NaN or infinite.
    NonFinite,
}

/// A change to the network or its training that addresses a [`Problem`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cure {
    /// Initialize these dense layers with `initializer`, which fits `activation`.
    Initializer {
        /// The layers whose initializer does not fit the activation they feed.
        layers: Vec<&'static str>,
        /// The activation they feed.
        activation: ActivationKind,
        /// The initializer that fits it.
        initializer: Initializer,
    },
    /// Add batch normalization after the dense layers (the network has none).
    BatchNorm,
    /// Replace sigmoid or tanh in these hidden layers with a non-saturating activation.
    NonSaturatingActivation {
        /// The hidden layers with a saturating activation.
        layers: Vec<&'static str>,
    },
    /// Use an activation whose units keep a gradient when negative, in these layers.
    LeakyActivation {
        /// The layers with many dead units.
        layers: Vec<&'static str>,
    },
    /// Clip gradients by their global norm.
    GradientClipping,
    /// Train with a smaller learning rate than this one.
    LowerLearningRate {
        /// The learning rate the report was made for.
        from: f64,
    },
}

impl fmt::Display for Cure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Initializer {
                layers,
                activation,
                initializer,
            } => write!(
                f,
                "initialize {} with {}, which fits {}",
                name_list(layers),
                initializer.dsl_name(),
                activation.dsl_name()
            ),
            Self::BatchNorm => f.write_str(
                "add batchnorm after the dense layers (`dense(.., relu), batchnorm` in network!)",
            ),
            Self::NonSaturatingActivation { layers } => write!(
                f,
                "replace the saturating activation of {} with relu (he_normal) or selu \
                 (lecun_normal)",
                name_list(layers)
            ),
            Self::LeakyActivation { layers } => write!(
                f,
                "use leaky_relu, elu or prelu in {} so that negative units keep a gradient",
                name_list(layers)
            ),
            Self::GradientClipping => f.write_str(
                "clip gradients by global norm: `Sgd::new(lr)?.clip(GradientClip::GlobalNorm(1.0))?`",
            ),
            Self::LowerLearningRate { from } => {
                write!(f, "lower the learning rate (now {from:.3e}), e.g. tenfold")
            }
        }
    }
}

/// One problem found in a [`HealthReport`], where, how bad, and what fits as a cure.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The kind of problem.
    pub problem: Problem,
    /// The layer where it is worst.
    pub layer: &'static str,
    /// What was measured there: the gradient-norm ratio, the output standard deviation, the
    /// fraction of units, or the update ratio.
    pub value: f64,
    /// The problem in one line (`"vanishing: dense_0's gradient norm is 3.0e-7 of
    /// dense_29's"`).
    pub message: String,
    /// The cures that fit this network, most specific first.
    pub cures: Vec<Cure>,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for cure in &self.cures {
            write!(f, "\n  cure: {cure}")?;
        }
        Ok(())
    }
}

/// Every problem `report` shows under `thresholds`.
pub(crate) fn judge(report: &HealthReport, thresholds: &Thresholds) -> Vec<Verdict> {
    let network = Facts::of(report);
    let layers = report.layers();
    let output = report.output_layer().unwrap_or("the output layer");
    let mut verdicts = Vec::new();

    if let Some(row) = layers.iter().find(|row| row.non_finite) {
        verdicts.push(Verdict {
            problem: Problem::NonFinite,
            layer: row.name,
            value: f64::NAN,
            message: format!(
                "non-finite: {}'s gradient has NaN or infinite values",
                row.name
            ),
            cures: network.cures(&[
                CureKind::Initializer,
                CureKind::Clipping,
                CureKind::LowerRate,
            ]),
        });
    }
    let ratios = report.relative_grad_norms();
    if let Some(&(layer, ratio)) = ratios
        .iter()
        .filter(|(_, ratio)| *ratio < thresholds.vanishing)
        .min_by(|a, b| a.1.total_cmp(&b.1))
    {
        verdicts.push(Verdict {
            problem: Problem::Vanishing,
            layer,
            value: ratio,
            message: format!("vanishing: {layer}'s gradient norm is {ratio:.1e} of {output}'s"),
            cures: network.cures(&[
                CureKind::NonSaturating,
                CureKind::Initializer,
                CureKind::BatchNorm,
            ]),
        });
    }
    if let Some(&(layer, ratio)) = ratios
        .iter()
        .filter(|(_, ratio)| *ratio > thresholds.exploding)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    {
        verdicts.push(Verdict {
            problem: Problem::Exploding,
            layer,
            value: ratio,
            message: format!("exploding: {layer}'s gradient norm is {ratio:.1e} times {output}'s"),
            cures: network.cures(&[
                CureKind::Initializer,
                CureKind::Clipping,
                CureKind::BatchNorm,
            ]),
        });
    }
    let hidden = &layers[..layers.len().saturating_sub(1)];
    if let Some(row) = hidden
        .iter()
        .filter(|row| row.std > thresholds.exploding_activation_std)
        .max_by(|a, b| a.std.total_cmp(&b.std))
    {
        verdicts.push(Verdict {
            problem: Problem::ExplodingActivations,
            layer: row.name,
            value: row.std,
            message: format!(
                "exploding activations: {}'s outputs have standard deviation {:.3}",
                row.name, row.std
            ),
            cures: network.cures(&[CureKind::Initializer, CureKind::BatchNorm]),
        });
    }
    if let Some((row, fraction)) = worst(layers, |row| row.dead_fraction, thresholds.dead) {
        let mut cures = vec![Cure::LeakyActivation {
            layers: vec![row.name],
        }];
        cures.extend(network.cures(&[
            CureKind::Initializer,
            CureKind::LowerRate,
            CureKind::BatchNorm,
        ]));
        verdicts.push(Verdict {
            problem: Problem::DeadUnits,
            layer: row.name,
            value: fraction,
            message: format!(
                "dead units: {:.0}% of {}'s units are dead",
                fraction * 100.0,
                row.name
            ),
            cures,
        });
    }
    if let Some((row, fraction)) = worst(layers, |row| row.saturated_fraction, thresholds.saturated)
    {
        verdicts.push(Verdict {
            problem: Problem::SaturatedUnits,
            layer: row.name,
            value: fraction,
            message: format!(
                "saturated units: {:.0}% of {}'s units are saturated",
                fraction * 100.0,
                row.name
            ),
            cures: network.cures(&[
                CureKind::BatchNorm,
                CureKind::Initializer,
                CureKind::NonSaturating,
            ]),
        });
    }
    if let Some((row, ratio)) = worst(layers, |row| row.update_ratio, thresholds.large_update) {
        verdicts.push(Verdict {
            problem: Problem::LargeUpdates,
            layer: row.name,
            value: ratio,
            message: format!(
                "large updates: a step moves {}'s weights by {ratio:.1e} of their norm",
                row.name
            ),
            cures: network.cures(&[CureKind::LowerRate, CureKind::Clipping]),
        });
    }
    verdicts
}

/// The layer where `measure` is largest, if it exceeds `threshold`.
fn worst(
    layers: &[LayerHealth],
    measure: impl Fn(&LayerHealth) -> Option<f64>,
    threshold: f64,
) -> Option<(&LayerHealth, f64)> {
    layers
        .iter()
        .filter_map(|row| measure(row).map(|value| (row, value)))
        .filter(|(_, value)| *value > threshold)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The kinds of cure, before they are fitted to the network.
#[derive(Clone, Copy)]
enum CureKind {
    Initializer,
    BatchNorm,
    NonSaturating,
    Clipping,
    LowerRate,
}

/// What the cures need to know about the network.
struct Facts {
    /// Dense layers whose initializer does not fit what they feed, grouped by activation.
    mismatched: Vec<(ActivationKind, Vec<&'static str>)>,
    has_batch_norm: bool,
    /// Hidden layers with sigmoid or tanh.
    saturating: Vec<&'static str>,
    learning_rate: f64,
}

impl Facts {
    fn of(report: &HealthReport) -> Self {
        let layers = report.layers();
        let mut mismatched: Vec<(ActivationKind, Vec<&'static str>)> = Vec::new();
        for row in layers {
            let (Some(initializer), Some(feeds)) = (row.initializer, row.feeds) else {
                continue;
            };
            // A layer built from given weights has no initializer to change.
            if initializer == Initializer::Zeros || initializer.fits(feeds) {
                continue;
            }
            match mismatched.iter_mut().find(|(kind, _)| *kind == feeds) {
                Some((_, names)) => names.push(row.name),
                None => mismatched.push((feeds, vec![row.name])),
            }
        }
        let last = layers.len().saturating_sub(1);
        let saturating = layers
            .iter()
            .take(last)
            .filter(|row| row.activation.is_some_and(ActivationKind::is_saturating))
            .map(|row| row.name)
            .collect();
        Self {
            mismatched,
            has_batch_norm: layers.iter().any(|row| row.kind == "batchnorm"),
            saturating,
            learning_rate: report.learning_rate(),
        }
    }

    /// The cures of `kinds` that apply to this network, in that order.
    fn cures(&self, kinds: &[CureKind]) -> Vec<Cure> {
        let mut cures = Vec::new();
        for kind in kinds {
            match kind {
                CureKind::Initializer => {
                    cures.extend(self.mismatched.iter().map(|(activation, layers)| {
                        Cure::Initializer {
                            layers: layers.clone(),
                            activation: *activation,
                            initializer: activation.fitting_initializer(),
                        }
                    }));
                }
                CureKind::BatchNorm if !self.has_batch_norm => cures.push(Cure::BatchNorm),
                CureKind::NonSaturating if !self.saturating.is_empty() => {
                    cures.push(Cure::NonSaturatingActivation {
                        layers: self.saturating.clone(),
                    });
                }
                CureKind::Clipping => cures.push(Cure::GradientClipping),
                CureKind::LowerRate => cures.push(Cure::LowerLearningRate {
                    from: self.learning_rate,
                }),
                _ => {}
            }
        }
        cures
    }
}

/// `a`, `a and b`, `a, b and c`; long runs shortened to `a..z (n layers)`.
fn name_list(names: &[&str]) -> String {
    match names {
        [] => String::from("no layer"),
        [one] => (*one).to_owned(),
        [first, .., last] if names.len() > 3 => {
            format!("{first}..{last} ({} layers)", names.len())
        }
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::name_list;

    #[test]
    fn names_are_listed_in_english() {
        assert_eq!(name_list(&["a"]), "a");
        assert_eq!(name_list(&["a", "b"]), "a and b");
        assert_eq!(name_list(&["a", "b", "c"]), "a, b and c");
        assert_eq!(name_list(&["a", "b", "c", "d"]), "a..d (4 layers)");
    }
}
