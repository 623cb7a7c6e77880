use nn::network;

network! {
    Net(8) < dense(4, relu, l2), dense(2, softmax) >
}

fn main() {}
