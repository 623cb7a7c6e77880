#![deny(deprecated)]

use nn::network;

network! {
    Net(8) < dense(16), dense(4, relu), dense(2, softmax) >
}

fn main() {}
