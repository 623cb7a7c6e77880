//! 50 layers of the same shape: `dense(64, relu)`, 48 more `dense(64, relu)`, then
//! `dense(10, softmax)`. One layer type repeats, so this measures the generated code itself.

use nn::network;

network! {
    Deep(32) <
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu),
        dense(64, relu), dense(64, relu), dense(64, relu), dense(64, relu), dense(10, softmax)
    >
}

fn main() -> nn::Result<()> {
    let mean = nn_bench_compile::exercise(&mut Deep::new(1))?;
    println!("mean output {mean}");
    Ok(())
}
