#![deny(deprecated)]

use nn::network;

network! {
    Net(8) < dense(16, selu), batchnorm, dense(2, softmax) >
}

fn main() {}
