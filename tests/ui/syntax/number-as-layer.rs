use nn::network;

network! {
    Net(8) < dense(4, relu), 3, dense(2, softmax) >
}

fn main() {}
