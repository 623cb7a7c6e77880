use nn::network;

network! {
    Net(64) < flatten, dense(10, softmax) >
}

fn main() {}
