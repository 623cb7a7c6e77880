use nn::network;

network! {
    Net(8) < dense(4, relu(0.5)), dense(2, softmax) >
}

fn main() {}
