use nn::network;

network! {
    Net(8) < dense(4, relu, l2 = 0.01, l2 = 0.02), dense(2, softmax) >
}

fn main() {}
