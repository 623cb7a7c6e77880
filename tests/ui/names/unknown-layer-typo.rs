use nn::network;

network! {
    Net(8) < dens(4, relu) >
}

fn main() {}
