use nn::network;

network! {
    Net(8) < dense(2, softmax) > Other(8) < dense(2, softmax) >
}

fn main() {}
