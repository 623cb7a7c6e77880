//! The 3-layer baseline: `dense(64, relu)` twice, then `dense(10, softmax)`.

use nn::network;

network! {
    Deep(32) < dense(64, relu), dense(64, relu), dense(10, softmax) >
}

fn main() -> nn::Result<()> {
    let mean = nn_bench_compile::exercise(&mut Deep::new(1))?;
    println!("mean output {mean}");
    Ok(())
}
