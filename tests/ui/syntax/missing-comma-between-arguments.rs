use nn::network;

network! {
    Net(8) < dense(4 relu), dense(2, softmax) >
}

fn main() {}
