use nn::network;

network! {
    Net(8) < >
}

fn main() {}
