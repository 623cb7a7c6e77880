use nn::network;

network! {
    Net(8) < dense(4, glorot_uniform), batchnorm, dropout(0.1), relu, dense(2, softmax) >
}

fn main() {}
