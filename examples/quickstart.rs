//! Defines a digits classifier with `network!`, trains it on the 8x8 handwritten digits that
//! ship with smartcore (nothing is downloaded), reports test accuracy and saves the weights and
//! the training history.
//!
//! Run: `cargo run --release --example quickstart`

use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::train::{EarlyStopping, Validation};

#[path = "shared/digits_network.rs"]
mod digits_network;
use digits_network::{Digits, PIXEL_SCALE};

const SEED: u64 = 42;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, digits.num_features), digits.data)?
        .mapv(|v| v / PIXEL_SCALE);
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let data = Dataset::classification(pixels, labels, 10)?;
    let (train, test) = data.split(0.2, SEED)?;
    println!(
        "digits: {} training and {} test samples",
        train.len(),
        test.len()
    );

    let mut net = Digits::new(SEED);
    println!("{}", net.summary());

    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(1e-3)?)
        .epochs(40)
        .batch_size(32)
        .seed(SEED)
        .validation(Validation::Split(0.1))
        .early_stopping(EarlyStopping {
            patience: 8,
            ..EarlyStopping::default()
        });
    let history = net.fit(&train, &mut config)?;
    let best = history.best_epoch().map_or(0, |record| record.epoch);
    println!(
        "trained {} epochs (best: epoch {best})",
        history.records().len()
    );

    let metrics = net.evaluate(&test, Loss::CrossEntropy)?;
    println!(
        "test loss {:.4}, test accuracy {:.4}",
        metrics.loss,
        metrics.accuracy.unwrap_or(0.0)
    );

    std::fs::create_dir_all("out")?;
    nn::save(&net, "out/digits.safetensors")?;
    history.to_csv("out/digits_history.csv")?;
    history.plot_svg("out/digits_history.svg")?;
    println!("saved out/digits.safetensors, out/digits_history.csv and out/digits_history.svg");
    Ok(())
}
