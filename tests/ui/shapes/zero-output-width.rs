use nn::network;

network! {
    Net(8) -> 0 < dense(4, relu), dense(2, softmax) >
}

fn main() {}
