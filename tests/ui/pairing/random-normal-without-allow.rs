use nn::network;

network! {
    Net(8) < dense(4, tanh, random_normal(0.05)), dense(2, softmax) >
}

fn main() {}
