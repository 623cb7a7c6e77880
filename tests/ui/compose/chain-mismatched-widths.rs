// The error below is rustc's, shaped by `#[diagnostic::on_unimplemented]` on `AcceptsInput`;
// its exact wording may change with the compiler: re-bless with TRYBUILD=overwrite and review.
use nn::network;
use nn::network::Chain;

network! { Encoder(784) < dense(100, relu), dense(10, tanh) > }
network! { Classifier(784) < dense(10, softmax) > }

fn main() {
    let _ = Chain::new(Encoder::new(1), Classifier::new(2));
}
