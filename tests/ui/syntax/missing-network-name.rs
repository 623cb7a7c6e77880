use nn::network;

network! {
    pub (784) < dense(10, softmax) >
}

fn main() {}
