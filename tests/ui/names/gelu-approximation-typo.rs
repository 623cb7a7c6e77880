use nn::network;

network! {
    Net(8) < dense(4, gelu(tahn)), dense(2, softmax) >
}

fn main() {}
