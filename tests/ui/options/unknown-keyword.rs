use nn::network;

network! {
    Net(8) < dense(4, relu, l3 = 0.1), dense(2, softmax) >
}

fn main() {}
