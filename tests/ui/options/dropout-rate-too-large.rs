use nn::network;

network! {
    Net(8) < dense(4, relu), dropout(1.5), dense(2, softmax) >
}

fn main() {}
