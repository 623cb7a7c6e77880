use nn::network;

network! {
    Net(8) < dense(4, he_normal, relu), dense(2, softmax) >
}

fn main() {}
