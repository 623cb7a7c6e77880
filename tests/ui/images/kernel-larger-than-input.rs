use nn::network;

network! {
    Net(8, 8, 1) < conv2d(4, 5, relu), conv2d(8, 5, relu), flatten, dense(10, softmax) >
}

fn main() {}
