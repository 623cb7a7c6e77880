use nn::network;

network! {
    Net(28, 28, 1) < conv2d(6, 5, relu), maxpool(2), dense(10, softmax) >
}

fn main() {}
