use nn::network;

network! {
    Net(8) < dense(4), he_normal >
}

fn main() {}
