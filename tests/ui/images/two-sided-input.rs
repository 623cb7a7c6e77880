use nn::network;

network! {
    Net(28, 28) < flatten, dense(10, softmax) >
}

fn main() {}
