// The stand-in is a real type named `Net`: the second error (rustc's) names it, which shows the
// macro emitted it. rustc 1.95 hides "cannot find" errors in a module holding `compile_error!`
// (rust-lang/rust#149484), so the other fallback cases would pass even without the stand-in.
use nn::network;

network! { pub Net(8) < dense(4, relu, glorot_uniform), dense(2, softmax) > }

fn main() {
    let _: () = Net::new(1);
}
