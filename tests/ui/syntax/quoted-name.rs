use nn::network;

network! {
    Net(8) < dense(4, "relu") >
}

fn main() {}
