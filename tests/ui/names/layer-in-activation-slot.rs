use nn::network;

network! {
    Net(8) < dense(4, batchnorm), dense(2, softmax) >
}

fn main() {}
