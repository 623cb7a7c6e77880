//! Writes the seed corpora: valid files of every kind, into `fuzz/corpus/<target>/`.
//! Run from `fuzz/`: `cargo run --example seeds`.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

nn::network! {
    Net(3) < dense(4, prelu), dense(4, he_normal), batchnorm, relu, dense(2, softmax) >
}

fn write(target: &str, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let dir = Path::new("corpus").join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), bytes)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    write(
        "safetensors",
        "net_f32",
        &nn::to_bytes(&Net::<f32>::seeded(1))?,
    )?;
    write(
        "safetensors",
        "net_f64",
        &nn::to_bytes(&Net::<f64>::seeded(2))?,
    )?;

    let images = [
        0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255,
    ];
    let labels = [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1];
    write("idx", "images", &images)?;
    write("idx", "labels", &labels)?;
    write("idx", "images_gz", &gzip(&images)?)?;
    write("idx", "labels_gz", &gzip(&labels)?)?;

    // Three control bytes (delimiter, label column, header, kind, classes), then the text.
    write(
        "csv",
        "iris",
        b"\x20\x00\x00sepal,petal,label\n5.1,1.4,0\n4.9,1.4,0\n6.3,6.0,2\n",
    )?;
    write(
        "csv",
        "first_semicolon",
        b"\x05\x00\x07y;a;b\n1;0.5;2e3\n0;-1;\"3\"\n",
    )?;
    write(
        "csv",
        "real_tab",
        b"\x12\x00\x00a\tb\ty\n1\t2\t0.25\n3\t4\t-7.5\n",
    )?;
    write("csv", "named", b"\x2c\x01\x00x,class,z\n1,0,2\n3,1,4\n")?;

    for (index, source) in [
        "/// Doc.\n pub Net(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >",
        "Net(8) -> 2 < dense(4, he_normal), batchnorm(momentum = 0.9, epsilon = 1e-5), relu, dropout(0.5), dense(2, sigmoid) >",
        "pub(crate) Net(16) < dense(8, leaky_relu(0.2), l2 = 1e-4, bias = false, input = 16), rrelu(0.1, 0.3), dense(8, elu(1.0), allow = [init_mismatch, linear_stack]), alpha_dropout(0.1), dense(4, gelu(tanh)), swish, dense(2, random_normal(0.05), allow = init_mismatch) >",
        "Net(4) < dense(4, tanh), dense(4, tanh), dense(4, sigmoid), dense(4), tanh(allow = saturating_stack), dense(3, selu), dropout(0.1, allow = self_normalization), dense(2, softmax) >",
        "#[derive(Default)] Net(4) < dense(0, relu), softmax, dense(2, glorot_uniform), batchnorm(momentum = 2) >",
        "LeNet(28, 28, 1) < conv2d(6, 5, relu), maxpool(2), conv2d(16, 5, relu), maxpool(2), flatten, dense(120, relu), dense(10, softmax) >",
        "Net(28, 28, 3) < conv2d(8, 3, relu, padding = same), conv2d(8, 3, relu, stride = 2, padding = same), conv2d(4, (3, 5), relu), avgpool(2, stride = 1), global_avgpool, dense(2, softmax) >",
        "Net(8, 8, 1) < conv2d(4, 3), batchnorm, relu, flatten, dense(2, softmax) >",
    ]
    .iter()
    .enumerate()
    {
        write("dsl", &format!("seed_{index}"), source.as_bytes())?;
    }
    Ok(())
}
