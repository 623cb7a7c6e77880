//! A command-line digit classifier whose trained weights are compiled into the binary with
//! `include_bytes!`: no files at run time.
//!
//! Each argument, or else each line of standard input, is one 8x8 image: 64 pixel values from
//! 0 to 16, separated by commas or spaces. Prints the digit and its probability.
//!
//! ```sh
//! echo "0 0 5 13 9 1 0 0 0 0 13 15 10 15 5 0 0 3 15 2 0 11 8 0 0 4 12 0 0 8 8 0 0 5 8 0 0 9 8 0 0 4 11 0 1 12 7 0 0 2 14 5 10 12 0 0 0 0 6 13 10 0 0 0" \
//!   | cargo run --release --example embed
//! ```
//!
//! The weights in `examples/embed/digits.safetensors` come from
//! `cargo run --release --example quickstart && cp out/digits.safetensors examples/embed/`.

#[path = "shared/classify.rs"]
mod classify;
#[path = "shared/digits_network.rs"]
mod digits_network;

use std::io::BufRead;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = classify::embedded_network()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lines: Vec<String> = if args.is_empty() {
        std::io::stdin().lock().lines().collect::<Result<_, _>>()?
    } else {
        args
    };
    for (number, line) in lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match classify::parse_pixels(line) {
            Ok(pixels) => {
                let (digit, probability) = classify::classify(&net, &pixels)?;
                println!("{digit} (p = {probability:.3})");
            }
            Err(message) => eprintln!("sample {}: {message}", number + 1),
        }
    }
    Ok(())
}
