#![deny(deprecated)]

use nn::network;

network! {
    Net(8) < dense(16, tanh), dense(16, tanh), dense(16, sigmoid), dense(16, tanh), dense(2, softmax) >
}

fn main() {}
