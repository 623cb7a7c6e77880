use nn::network;

network! {
    Net(8) < dense(4, relu), dense(2, he_normal) >
}

fn main() {}
