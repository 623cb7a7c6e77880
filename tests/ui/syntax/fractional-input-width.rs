use nn::network;

network! {
    Net(784.0) < dense(10, softmax) >
}

fn main() {}
