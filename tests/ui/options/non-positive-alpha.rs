use nn::network;

network! {
    Net(8) < dense(4, elu(0)), dense(2, softmax) >
}

fn main() {}
