//! The quickstart's recipe on a shorter run: the digits network, trained as the README's first
//! command trains it but for fewer epochs, already classifies held-out digits well.

#[path = "../examples/shared/digits_network.rs"]
mod digits_network;

use digits_network::{Digits, PIXEL_SCALE};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;

#[test]
fn a_short_quickstart_run_reaches_high_test_accuracy() {
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, 64), digits.data)
        .unwrap()
        .mapv(|v| v / PIXEL_SCALE);
    let labels = digits.target.iter().map(|&t| t as usize).collect();
    let (train, test) = Dataset::classification(pixels, labels, 10)
        .unwrap()
        .split(0.2, 42)
        .unwrap();

    let mut net = Digits::new(42);
    let mut config = FitConfig::new(Loss::CrossEntropy)
        .optimizer(Adam::new(1e-3).unwrap())
        .epochs(8)
        .seed(42)
        .progress(nn::train::Progress::Quiet);
    let history = net.fit(&train, &mut config).unwrap();
    assert_eq!(history.records().len(), 8);
    let accuracy = net
        .evaluate(&test, Loss::CrossEntropy)
        .unwrap()
        .accuracy
        .unwrap();
    assert!(accuracy >= 0.95, "test accuracy after 8 epochs: {accuracy}");
}
