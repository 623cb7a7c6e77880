use nn::network;

network! {
    Net(784) < dense(300, relu), batchnorm, dense(100, relu, input = 200), dense(10, softmax) >
}

fn main() {}
