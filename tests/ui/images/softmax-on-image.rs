use nn::network;

network! {
    Net(8, 8, 1) < conv2d(4, 3, softmax) >
}

fn main() {}
