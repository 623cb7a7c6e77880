use nn::network;

network! {
    Net(8, 8, 1) < maxpool(2, stride = 0), flatten, dense(10, softmax) >
}

fn main() {}
