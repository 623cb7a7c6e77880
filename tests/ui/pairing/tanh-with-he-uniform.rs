use nn::network;

network! {
    Net(8) < dense(4, tanh, he_uniform), dense(2, softmax) >
}

fn main() {}
