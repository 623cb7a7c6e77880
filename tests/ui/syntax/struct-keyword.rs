use nn::network;

network! {
    pub struct Net(8) < dense(4, relu), dense(2, softmax) >
}

fn main() {}
