// A definition with an error still defines `Net` (a stand-in with `new(seed)`), so code that
// uses it adds no "cannot find type" error; `stand-in-is-a-real-type.rs` shows the stand-in.
use nn::network;

network! { pub Net(8) < dense(4, relu, glorot_uniform), dense(2, softmax) > }

fn main() {
    let _network = Net::new(1);
}
