//! Trains the design card's network on MNIST, read from the IDX files in `--data DIR`.
//!
//! Nothing is downloaded: get `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
//! `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz` from the MNIST page
//! (yann.lecun.com/exdb/mnist, or a mirror) into a folder, then
//! `cargo run --release --example mnist -- --data that/folder [--epochs N]`.

use nn::data::{Split, load_mnist};
use nn::prelude::*;
use nn::train::Validation;

network! {
    /// The design card: 784 pixels -> 10 digits.
    pub Mnist(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >
}

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut data, mut epochs) = (None, 5);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--data" => data = args.next(),
            "--epochs" => {
                epochs = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--epochs takes a whole number")?;
            }
            other => {
                return Err(format!(
                    "unknown argument `{other}`; usage: mnist --data DIR [--epochs N]"
                ));
            }
        }
    }
    let dir = data.ok_or(
        "give the folder of the MNIST IDX files with --data DIR \
         (download them from the MNIST page, yann.lecun.com/exdb/mnist, or a mirror)",
    )?;
    let train: Dataset = load_mnist(&dir, Split::Train).map_err(|e| e.to_string())?;
    let test: Dataset = load_mnist(&dir, Split::Test).map_err(|e| e.to_string())?;
    println!(
        "MNIST: {} training and {} test images",
        train.len(),
        test.len()
    );

    let mut net = Mnist::new(42);
    println!("{}", net.summary());
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(1e-3).map_err(|e| e.to_string())?)
        .epochs(epochs)
        .batch_size(128)
        .validation(Validation::Split(0.1));
    net.fit(&train, &mut config).map_err(|e| e.to_string())?;
    let metrics = net
        .evaluate(&test, Loss::CrossEntropy)
        .map_err(|e| e.to_string())?;
    println!(
        "test loss {:.4}, test accuracy {:.4}",
        metrics.loss,
        metrics.accuracy.unwrap_or(0.0)
    );
    Ok(())
}
