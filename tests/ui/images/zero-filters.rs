use nn::network;

network! {
    Net(8, 8, 1) < conv2d(0, 3, relu), flatten, dense(10, softmax) >
}

fn main() {}
