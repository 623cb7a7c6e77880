//! The `embed` example: its compiled-in weights load into the network they were trained as,
//! and its per-sample classification equals that network's batch predictions (to rounding).

#[path = "../examples/shared/classify.rs"]
mod classify;
#[path = "../examples/shared/digits_network.rs"]
mod digits_network;

use digits_network::PIXEL_SCALE;
use nn::prelude::*;
use nn::reexports::ndarray::Array2;

#[test]
fn the_embedded_weights_are_exactly_a_saved_digits_network() {
    let net = classify::embedded_network().expect("the embedded weights load");
    assert_eq!(
        nn::to_bytes(&net).unwrap(),
        classify::WEIGHTS,
        "saving them again gives the same bytes"
    );
    assert_ne!(
        nn::to_bytes(&digits_network::Digits::new(0)).unwrap(),
        classify::WEIGHTS
    );
}

#[test]
fn embedded_predictions_equal_the_networks_and_are_accurate() {
    let net = classify::embedded_network().unwrap();
    let digits = smartcore::dataset::digits::load_dataset();
    let pixels = Array2::from_shape_vec((digits.num_samples, 64), digits.data).unwrap();
    let batch = net
        .predict(pixels.mapv(|v| v / PIXEL_SCALE).view())
        .unwrap();
    let mut correct = 0;
    for (index, (row, &target)) in pixels.rows().into_iter().zip(&digits.target).enumerate() {
        let line = row
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let parsed = classify::parse_pixels(&line).unwrap();
        let (digit, probability) = classify::classify(&net, &parsed).unwrap();
        let best = batch
            .row(index)
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |b, (i, p)| if p > b.1 { (i, p) } else { b });
        // `predict_one` sums in another order than the batch GEMM (and with fused
        // multiply-adds): the same digit, the probability equal to rounding.
        assert_eq!(digit, best.0, "sample {index}");
        assert!(
            (probability - best.1).abs() <= 1e-6 * best.1,
            "sample {index}: {probability} vs {}",
            best.1
        );
        correct += usize::from(digit == target as usize);
    }
    let accuracy = correct as f64 / digits.num_samples as f64;
    assert!(accuracy > 0.95, "accuracy over all 1797 digits: {accuracy}");
}

#[test]
fn bad_samples_are_errors_not_panics() {
    assert_eq!(
        classify::parse_pixels("1 2 3").unwrap_err(),
        "expected 64 pixel values, got 3"
    );
    let mut line = vec!["0"; 64];
    line[5] = "x";
    assert!(
        classify::parse_pixels(&line.join(" "))
            .unwrap_err()
            .contains("value 6")
    );
    line[5] = "17";
    assert!(
        classify::parse_pixels(&line.join(" "))
            .unwrap_err()
            .contains("outside 0..=16")
    );
}
