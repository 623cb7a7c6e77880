use nn::network;

network! {
    Net(8, 8, 1) < conv2d(4, 3, relu), maxpool((2, 7)), flatten, dense(10, softmax) >
}

fn main() {}
