//! A LeNet-5-style convolutional network, every shape inferred and checked at compile time.
//!
//! On the 8x8 handwritten digits that ship with smartcore, read as 8x8x1 images (nothing is
//! downloaded):
//!
//! ```sh
//! cargo run --release --example lenet
//! ```
//!
//! and on MNIST (the classic LeNet-5 geometry on 28x28x1), given the folder of its IDX files:
//!
//! ```sh
//! cargo run --release --example lenet -- --data path/to/mnist [--epochs N]
//! ```
//!
//! Each prints the network's summary, with the shape every layer gives, then trains it and
//! reports the test accuracy.

use nn::data::{Split, load_mnist};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::train::{EarlyStopping, Validation};

network! {
    /// LeNet-5 scaled to 8x8 digits: two convolution + pooling stages, then three dense layers.
    pub LeNetDigits(8, 8, 1) <
        conv2d(6, 3, relu, padding = same), maxpool(2),
        conv2d(16, 3, relu, padding = same), maxpool(2),
        flatten,
        dense(120, relu), dense(84, relu), dense(10, softmax)
    >
}

network! {
    /// LeNet-5 on 28x28 MNIST (LeCun et al. 1998, with ReLU and max pooling).
    pub LeNetMnist(28, 28, 1) <
        conv2d(6, 5, relu, padding = same), maxpool(2),
        conv2d(16, 5, relu), maxpool(2),
        flatten,
        dense(120, relu), dense(84, relu), dense(10, softmax)
    >
}

const SEED: u64 = 42;

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut data, mut epochs) = (None, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next(),
            "--epochs" => {
                epochs = Some(
                    args.next()
                        .and_then(|v| v.parse().ok())
                        .ok_or("--epochs takes a whole number")?,
                );
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: lenet [--data DIR] [--epochs N]"
                ));
            }
        }
    }
    match data {
        None => digits(epochs.unwrap_or(40)),
        Some(dir) => mnist(&dir, epochs.unwrap_or(5)),
    }
}

/// The 8x8 digits, pixels scaled to [0, 1]: a stratified 80/20 split.
fn digits(epochs: usize) -> Result<(), String> {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, digits.num_features), digits.data)
        .map_err(|e| e.to_string())?
        .mapv(|v| v / 16.0);
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let data = Dataset::classification(pixels, labels, 10).map_err(|e| e.to_string())?;
    let (train, test) = data.split(0.2, SEED).map_err(|e| e.to_string())?;
    println!(
        "digits: {} training and {} test images, 8x8x1",
        train.len(),
        test.len()
    );
    let mut net = LeNetDigits::new(SEED);
    let accuracy = train_and_test(&mut net, &train, &test, epochs, 32)?;
    println!("test accuracy {accuracy:.4}");
    Ok(())
}

/// MNIST from its IDX files, pixels scaled to [0, 1].
fn mnist(dir: &str, epochs: usize) -> Result<(), String> {
    let train: Dataset = load_mnist(dir, Split::Train).map_err(|e| e.to_string())?;
    let test: Dataset = load_mnist(dir, Split::Test).map_err(|e| e.to_string())?;
    println!(
        "MNIST: {} training and {} test images, 28x28x1",
        train.len(),
        test.len()
    );
    let mut net = LeNetMnist::new(SEED);
    let accuracy = train_and_test(&mut net, &train, &test, epochs, 128)?;
    println!("test accuracy {accuracy:.4}");
    Ok(())
}

/// Prints the summary, trains with Adam and early stopping, returns the test accuracy.
fn train_and_test<N: Network<f32>>(
    net: &mut N,
    train: &Dataset,
    test: &Dataset,
    epochs: usize,
    batch_size: usize,
) -> Result<f64, String> {
    println!("{}", net.summary());
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(1e-3).map_err(|e| e.to_string())?)
        .epochs(epochs)
        .batch_size(batch_size)
        .seed(SEED)
        .validation(Validation::Split(0.1))
        .early_stopping(EarlyStopping {
            patience: 8,
            ..EarlyStopping::default()
        });
    let history = net.fit(train, &mut config).map_err(|e| e.to_string())?;
    println!("trained {} epochs", history.records().len());
    let metrics = net
        .evaluate(test, Loss::CrossEntropy)
        .map_err(|e| e.to_string())?;
    println!("test loss {:.4}", metrics.loss);
    Ok(metrics.accuracy.unwrap_or(0.0))
}
