//! The macro runs inside rustc on valid networks: at this stage it expands to nothing, so
//! these invocations only have to compile. (Errors are tested in the crate's unit tests and,
//! through the facade, in `tests/ui`.)

nn_macros::network! {
    /// The design card.
    pub DesignCard(784) < dense(300, relu, he_normal), batchnorm, dense(100, selu, lecun_normal), dense(10, softmax) >
}

nn_macros::network! {
    pub(crate) Declared(64) -> 10 <
        dense(128, he_normal), batchnorm, relu, dropout(0.2),
        dense(64, leaky_relu(0.2), l2 = 1e-4, input = 128),
        dense(10, softmax),
    >
}

nn_macros::network! {
    Experiments(8) < dense(4, relu, random_normal(0.05), allow = init_mismatch), dense(2, sigmoid) >
}

#[test]
fn valid_networks_expand_inside_functions_too() {
    nn_macros::network! {
        Local(3) < dense(2, tanh), dense(1, sigmoid) >
    }
}
