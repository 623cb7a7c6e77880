// A definition with an error still defines `Net`, so code that uses it adds no errors.
use nn::network;

network! { pub Net(8) < dense(4, relu, glorot_uniform), dense(2, softmax) > }

fn main() {
    let _network = Net::new(1);
}
