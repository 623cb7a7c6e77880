//! 50 layers, every one a distinct type: `dense(64, relu)`, `dense(65, relu)`, ...,
//! `dense(112, relu)`, then `dense(10, softmax)`. Each `Dense<IN, OUT, Relu>` is instantiated
//! separately, so this adds the cost of monomorphizing the layers' generic shells.

use nn::network;

network! {
    Deep(32) <
        dense(64, relu), dense(65, relu), dense(66, relu), dense(67, relu), dense(68, relu),
        dense(69, relu), dense(70, relu), dense(71, relu), dense(72, relu), dense(73, relu),
        dense(74, relu), dense(75, relu), dense(76, relu), dense(77, relu), dense(78, relu),
        dense(79, relu), dense(80, relu), dense(81, relu), dense(82, relu), dense(83, relu),
        dense(84, relu), dense(85, relu), dense(86, relu), dense(87, relu), dense(88, relu),
        dense(89, relu), dense(90, relu), dense(91, relu), dense(92, relu), dense(93, relu),
        dense(94, relu), dense(95, relu), dense(96, relu), dense(97, relu), dense(98, relu),
        dense(99, relu), dense(100, relu), dense(101, relu), dense(102, relu), dense(103, relu),
        dense(104, relu), dense(105, relu), dense(106, relu), dense(107, relu), dense(108, relu),
        dense(109, relu), dense(110, relu), dense(111, relu), dense(112, relu), dense(10, softmax)
    >
}

fn main() -> nn::Result<()> {
    let mean = nn_bench_compile::exercise(&mut Deep::new(1))?;
    println!("mean output {mean}");
    Ok(())
}
