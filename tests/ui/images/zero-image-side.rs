use nn::network;

network! {
    Net(8, 0, 1) < flatten, dense(10, softmax) >
}

fn main() {}
