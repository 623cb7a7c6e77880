use nn::network;

network! {
    Net(8) < dense(4, relu, glorot_uniform), dense(2, softmax) >
}

fn main() {}
