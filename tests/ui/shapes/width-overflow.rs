use nn::network;

network! {
    Net(8) < dense(99999999999999999999999, relu), dense(2, softmax) >
}

fn main() {}
