use nn::network;

network! {
    Net(8) < dense(4, relu), batchnorm(epsilon = -0.1), dense(2, softmax) >
}

fn main() {}
