use nn::network;

network! {
    Net(8) < dense(relu), dense(2, softmax) >
}

fn main() {}
