use nn::network;

network! {
    Net(8) < dense(4), linear_stack, dense(2, softmax) >
}

fn main() {}
