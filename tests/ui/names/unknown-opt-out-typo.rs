use nn::network;

network! {
    Net(8) < dense(4, relu, allow = init_mismatc), dense(2, softmax) >
}

fn main() {}
