use nn::network;

network! {
    Net(8) < dense(4, relu), batchnorm(0.9), dense(2, softmax) >
}

fn main() {}
