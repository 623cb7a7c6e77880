#![deny(deprecated)]

use nn::network;

network! {
    Net(8) < dense(16, selu), dropout(0.1), dense(2, softmax) >
}

fn main() {}
