use nn::network;

network! {
    Net(8) < dropout(0.1, 0.2), dense(2, softmax) >
}

fn main() {}
