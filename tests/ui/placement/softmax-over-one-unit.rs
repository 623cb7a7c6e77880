use nn::network;

network! {
    Net(8) < dense(4, relu), dense(1, softmax) >
}

fn main() {}
