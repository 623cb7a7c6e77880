//! Reproduces, scaled down to the 8x8 digits and a few minutes on two cores, the experiments
//! the cures for vanishing and exploding gradients come from. Plain SGD throughout (Adam's
//! per-parameter scaling hides vanishing gradients); every number is the median over three
//! seeds. The deliberately bad networks are written with `network!`'s escape hatch
//! (`allow = init_mismatch`), so they compile, and say so.
//!
//! a. Glorot & Bengio (2010): the back-propagated gradient of a tanh network at
//!    initialization, "standard" `U[-1/sqrt(n), 1/sqrt(n)]` against `glorot_uniform`.
//! b. He et al. (2015): a 30-layer ReLU network with `Var(W) = 1/n` against `he_normal`.
//! c. Klambauer et al. (2017): self-normalizing SELU stacks.
//! d. Ioffe & Szegedy (2015): a sigmoid network with and without batch normalization.
//!
//! Run: `cargo run --release --example vanishing` (tables, and the figures
//! `out/vanishing_layers.svg` and `out/vanishing_training.svg`); add `--json` for the numbers
//! as JSON on standard output.

mod batchnorm;
mod common;
mod glorot;
mod he;
mod plot;
mod selu;

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use plot::{Line, Panel};

/// How big each experiment runs; the tests use a smaller `Scale`.
struct Scale {
    glorot_rows: usize,
    he_epochs: usize,
    he_learning_rate: f64,
    selu_rows: usize,
    batchnorm_epochs: usize,
    batchnorm_learning_rate: f64,
}

const FULL: Scale = Scale {
    glorot_rows: 512,
    he_epochs: 20,
    he_learning_rate: 0.01,
    selu_rows: 1024,
    batchnorm_epochs: 400,
    batchnorm_learning_rate: 0.5,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json_output = std::env::args().any(|arg| arg == "--json");
    let scale = FULL;
    let started = Instant::now();
    let say = |text: String| {
        if !json_output {
            println!("{text}");
        }
    };

    let glorot = glorot::run(scale.glorot_rows, &common::SEEDS)?;
    say(glorot_table(&glorot));
    let he = he::run(scale.he_epochs, scale.he_learning_rate, &common::SEEDS)?;
    say(he_table(&he));
    let selu = selu::run(scale.selu_rows, &common::SEEDS)?;
    say(selu_table(&selu));
    let batchnorm = batchnorm::run(
        scale.batchnorm_epochs,
        scale.batchnorm_learning_rate,
        &common::SEEDS,
    )?;
    say(batchnorm_table(&batchnorm));

    std::fs::create_dir_all("out")?;
    plot::draw(
        Path::new("out/vanishing_layers.svg"),
        &layer_panels(&glorot, &he, &selu),
    )?;
    plot::draw(
        Path::new("out/vanishing_training.svg"),
        &training_panels(&he, &batchnorm),
    )?;
    say(format!(
        "wrote out/vanishing_layers.svg and out/vanishing_training.svg ({:.0} s)",
        started.elapsed().as_secs_f64()
    ));
    if json_output {
        let numbers = json!({
            "seeds": common::SEEDS,
            "glorot_bengio_2010": glorot.iter().map(|p| json!({
                "init": p.init,
                "activation_std": p.activation_std,
                "gradient_std": p.gradient_std,
                "gradient_variance_ratio_layer1_over_layer5": p.gradient_variance_ratio(),
            })).collect::<Vec<_>>(),
            "he_2015": he.iter().map(|r| json!({
                "init": r.init,
                "loss": r.loss,
                "train_accuracy": r.accuracy,
                "relative_gradient_norms_epoch_1": r.relative_gradients,
            })).collect::<Vec<_>>(),
            "klambauer_2017": selu.iter().map(|m| json!({
                "run": m.label, "mean": m.mean, "variance": m.variance,
            })).collect::<Vec<_>>(),
            "ioffe_szegedy_2015": batchnorm.iter().map(|r| json!({
                "network": r.label,
                "steps_to_90_percent": r.steps_to_target,
                "steps_per_epoch": r.steps_per_epoch,
                "loss": r.loss,
                "val_accuracy": r.val_accuracy,
            })).collect::<Vec<_>>(),
            "seconds": started.elapsed().as_secs_f64(),
        });
        println!("{}", serde_json::to_string_pretty(&numbers)?);
    }
    Ok(())
}

fn glorot_table(profiles: &[glorot::Profile; 2]) -> String {
    let mut text = String::from(
        "a. Glorot & Bengio (2010): 5 tanh layers of 256 at initialization\n   \
         layer   std(a) standard  std(a) glorot  std(dL/dz) standard  std(dL/dz) glorot\n",
    );
    let [standard, glorot] = profiles;
    for layer in 0..standard.gradient_std.len() {
        text.push_str(&format!(
            "   {:<6}  {:>15.4}  {:>13.4}  {:>19.3e}  {:>17.3e}\n",
            layer + 1,
            standard.activation_std[layer],
            glorot.activation_std[layer],
            standard.gradient_std[layer],
            glorot.gradient_std[layer],
        ));
    }
    text.push_str(&format!(
        "   Var(dL/dz) layer 1 / layer 5: standard {:.3}, glorot_uniform {:.3} ({:.0}x)\n",
        standard.gradient_variance_ratio(),
        glorot.gradient_variance_ratio(),
        glorot.gradient_variance_ratio() / standard.gradient_variance_ratio()
    ));
    text
}

fn he_table(runs: &[he::Run; 2]) -> String {
    let mut text = String::from(
        "b. He et al. (2015): 30 ReLU layers of 64 on the digits, plain SGD\n   \
         init           first loss  last loss  train accuracy  |dW_1|/|dW_out| (epoch 1)\n",
    );
    for run in runs {
        text.push_str(&format!(
            "   {:<13}  {:>10.4}  {:>9.4}  {:>14.4}  {:>25.2e}\n",
            run.init,
            run.loss.first().copied().unwrap_or(f64::NAN),
            run.loss.last().copied().unwrap_or(f64::NAN),
            run.accuracy,
            run.first_layer_relative_gradient,
        ));
    }
    text.push_str(&format!(
        "   chance: loss ln 10 = {:.4}, accuracy 0.1\n",
        10f64.ln()
    ));
    text
}

fn selu_table(runs: &[selu::Moments; 4]) -> String {
    let mut text = format!(
        "c. Klambauer et al. (2017): {} dense(256, selu) layers, mean / variance of the outputs\n   layer",
        selu::DEPTH
    );
    for run in runs {
        text.push_str(&format!("  {:>26}", run.label));
    }
    text.push('\n');
    for layer in [0, 1, 4, 9, 19, 31, 39] {
        text.push_str(&format!("   {:<5}", layer + 1));
        for run in runs {
            match (run.mean.get(layer), run.variance.get(layer)) {
                (Some(mean), Some(variance)) => {
                    text.push_str(&format!("  {:>12.3} / {:>11.3}", mean, variance))
                }
                _ => text.push_str(&format!("  {:>26}", "-")),
            }
        }
        text.push('\n');
    }
    text
}

fn batchnorm_table(runs: &[batchnorm::Run; 2]) -> String {
    let mut text = String::from(
        "d. Ioffe & Szegedy (2015): 3 sigmoid layers of 100, N(0, 0.01²) init, plain SGD\n   \
         network            steps to 90% val. accuracy  final val. accuracy\n",
    );
    for run in runs {
        let steps = run
            .steps_to_target
            .map_or_else(|| "not reached".to_owned(), |s| s.to_string());
        text.push_str(&format!(
            "   {:<17}  {:>26}  {:>19.4}\n",
            run.label,
            steps,
            run.val_accuracy.last().copied().unwrap_or(f64::NAN)
        ));
    }
    if let [Some(without), Some(with)] = runs.clone().map(|r| r.steps_to_target) {
        text.push_str(&format!(
            "   batchnorm needs {:.1}x fewer steps\n",
            without as f64 / with as f64
        ));
    }
    text
}

fn layer_panels(
    glorot: &[glorot::Profile; 2],
    he: &[he::Run; 2],
    selu: &[selu::Moments; 4],
) -> Vec<Panel> {
    let per_layer = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1) as f64, v.log10()))
            .collect()
    };
    vec![
        Panel {
            title: "a. tanh at init: back-propagated gradient".to_owned(),
            x_label: "layer",
            y_label: "log10 std(dL/dz)",
            lines: glorot
                .iter()
                .map(|p| (p.init.to_owned(), per_layer(&p.gradient_std)))
                .collect(),
        },
        Panel {
            title: "a. tanh at init: activations".to_owned(),
            x_label: "layer",
            y_label: "log10 std(a)",
            lines: glorot
                .iter()
                .map(|p| (p.init.to_owned(), per_layer(&p.activation_std)))
                .collect(),
        },
        Panel {
            title: "b. 30 ReLU layers: |dW| / |dW_out| after epoch 1".to_owned(),
            x_label: "layer",
            y_label: "log10 ratio",
            lines: he
                .iter()
                .map(|r| (r.init.to_owned(), per_layer(&r.relative_gradients)))
                .collect(),
        },
        Panel {
            title: "c. SELU stacks: output variance".to_owned(),
            x_label: "layer",
            y_label: "log10 variance",
            lines: selu
                .iter()
                .map(|m| (m.label.to_owned(), per_layer(&m.variance)))
                .collect::<Vec<Line>>(),
        },
    ]
}

fn training_panels(he: &[he::Run; 2], batchnorm: &[batchnorm::Run; 2]) -> Vec<Panel> {
    let curve = |values: &[f64], step: f64| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1) as f64 * step, *v))
            .collect()
    };
    vec![
        Panel {
            title: "b. 30 ReLU layers: training loss".to_owned(),
            x_label: "epoch",
            y_label: "loss",
            lines: he
                .iter()
                .map(|r| (r.init.to_owned(), curve(&r.loss, 1.0)))
                .collect(),
        },
        Panel {
            title: "d. 3 sigmoid layers: training loss".to_owned(),
            x_label: "SGD steps",
            y_label: "loss",
            lines: batchnorm
                .iter()
                .map(|r| (r.label.to_owned(), curve(&r.loss, r.steps_per_epoch as f64)))
                .collect(),
        },
        Panel {
            title: "d. 3 sigmoid layers: validation accuracy".to_owned(),
            x_label: "SGD steps",
            y_label: "accuracy",
            lines: batchnorm
                .iter()
                .map(|r| {
                    (
                        r.label.to_owned(),
                        curve(&r.val_accuracy, r.steps_per_epoch as f64),
                    )
                })
                .collect(),
        },
    ]
}
