use nn::network;

network! {
    Net < dense(4, relu) >
}

fn main() {}
