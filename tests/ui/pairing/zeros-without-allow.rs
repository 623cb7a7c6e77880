use nn::network;

network! {
    Net(8) < dense(4, relu, zeros), dense(2, softmax) >
}

fn main() {}
