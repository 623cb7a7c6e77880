// Even a syntax error leaves a stand-in `Net` with `new(seed)`, so only the macro's error shows.
use nn::network;

network! { pub Net(8) < dense(4, relu) dense(2, softmax) > }

fn main() {
    let _ = Net::new(1);
}
