use nn::network;

network! {
    Net(8) < dense(4, relu(allow = init_mismatch)), dense(2, softmax) >
}

fn main() {}
