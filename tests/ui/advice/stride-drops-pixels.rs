#![deny(deprecated)]

use nn::network;

network! {
    Net(8, 8, 1) < conv2d(4, 3, relu, stride = 2), flatten, dense(10, softmax) >
}

fn main() {}
