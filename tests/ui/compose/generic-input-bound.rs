// rustc's message, shaped by `#[diagnostic::on_unimplemented]`; may change with the compiler.
use nn::network;
use nn::network::{AcceptsInput, Width};

network! { Small(16) < dense(4, softmax) > }

fn takes_mnist_pixels<N: AcceptsInput<Width<784>>>(_network: N) {}

fn main() {
    takes_mnist_pixels(Small::new(1));
}
