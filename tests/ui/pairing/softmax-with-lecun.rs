use nn::network;

network! {
    Net(8) < dense(4, relu), dense(2, softmax, lecun_normal) >
}

fn main() {}
