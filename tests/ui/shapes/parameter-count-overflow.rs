use nn::network;

network! {
    Net(4294967296) < dense(4294967296, softmax) >
}

fn main() {}
