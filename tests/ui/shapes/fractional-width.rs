use nn::network;

network! {
    Net(8) < dense(300.5, relu), dense(2, softmax) >
}

fn main() {}
