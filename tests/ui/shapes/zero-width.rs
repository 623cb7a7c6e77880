use nn::network;

network! {
    Net(8) < dense(0, relu), dense(2, softmax) >
}

fn main() {}
