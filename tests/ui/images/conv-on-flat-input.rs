use nn::network;

network! {
    Net(784) < conv2d(6, 5, relu), flatten, dense(10, softmax) >
}

fn main() {}
