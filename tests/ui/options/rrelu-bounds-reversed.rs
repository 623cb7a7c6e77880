use nn::network;

network! {
    Net(8) < dense(4, rrelu(0.5, 0.2)), dense(2, softmax) >
}

fn main() {}
