use nn::network;

network! {
    Net(8) < dens(4), dense(0, relu), dropout(1.5), dense(4, relu, glorot_uniform) >
}

fn main() {}
