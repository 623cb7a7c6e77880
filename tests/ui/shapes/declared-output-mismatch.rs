use nn::network;

network! {
    Net(784) -> 12 < dense(300, relu), batchnorm, dense(100, relu), dense(10, softmax) >
}

fn main() {}
