use nn::network;

network! {
    Net(8, 8, 1) < conv2d(4, 3, relu), flatten, maxpool(2), dense(10, softmax) >
}

fn main() {}
