use nn::network;

network! {
    Net(8) < dense(4, l2 = 0.01, relu), dense(2, softmax) >
}

fn main() {}
