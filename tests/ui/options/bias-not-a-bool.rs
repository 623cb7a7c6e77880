use nn::network;

network! {
    Net(8) < dense(4, relu, bias = 1), dense(2, softmax) >
}

fn main() {}
