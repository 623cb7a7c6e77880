use nn::network;

network! {
    Net(8) < dense(4, softmax), dense(2, sigmoid) >
}

fn main() {}
