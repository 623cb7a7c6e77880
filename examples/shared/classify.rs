// The embed example's logic, shared with its test: parse one sample, classify it with the
// network whose weights are compiled into the binary.

use super::digits_network::{Digits, PIXEL_SCALE};

/// The trained weights, compiled into the binary. Regenerate with:
/// `cargo run --release --example quickstart && cp out/digits.safetensors examples/embed/`
pub const WEIGHTS: &[u8] = include_bytes!("../embed/digits.safetensors");

/// The network with the embedded weights.
pub fn embedded_network() -> nn::Result<Digits> {
    let mut net = Digits::new(0);
    nn::from_bytes(&mut net, WEIGHTS)?;
    Ok(net)
}

/// Parses 64 pixel values (0 to 16) separated by commas or whitespace.
pub fn parse_pixels(line: &str) -> Result<[f32; 64], String> {
    let values: Vec<&str> = line
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|v| !v.is_empty())
        .collect();
    if values.len() != 64 {
        return Err(format!("expected 64 pixel values, got {}", values.len()));
    }
    let mut pixels = [0.0f32; 64];
    for (index, (slot, text)) in pixels.iter_mut().zip(values).enumerate() {
        let value: f32 = text
            .parse()
            .map_err(|_| format!("value {} (`{text}`) is not a number", index + 1))?;
        if !(0.0..=PIXEL_SCALE).contains(&value) {
            return Err(format!("value {} is {value}, outside 0..=16", index + 1));
        }
        *slot = value / PIXEL_SCALE;
    }
    Ok(pixels)
}

/// The most likely digit and its probability.
pub fn classify(net: &Digits, pixels: &[f32; 64]) -> nn::Result<(usize, f32)> {
    let probabilities = net.predict_one(pixels)?;
    let (digit, probability) =
        probabilities
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f32::MIN),
                |best, (i, p)| if p > best.1 { (i, p) } else { best },
            );
    Ok((digit, probability))
}
