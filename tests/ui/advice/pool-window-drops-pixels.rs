#![deny(deprecated)]

use nn::network;

network! {
    Net(7, 7, 1) < conv2d(4, 3, relu), maxpool(2), flatten, dense(10, softmax) >
}

fn main() {}
