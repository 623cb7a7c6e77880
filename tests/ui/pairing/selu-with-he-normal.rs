use nn::network;

network! {
    Net(8) < dense(4, selu, he_normal), dense(2, softmax) >
}

fn main() {}
