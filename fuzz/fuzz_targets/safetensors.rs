//! Arbitrary bytes into `nn::from_bytes`, for a generated network in f32 and in f64 (dense
//! with PReLU, batch norm, a dense without bias): an error leaves the network unchanged; a load
//! re-encodes to bytes that load back to the same values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn::{Float, Tensors, network};

network! {
    /// Every kind of tensor the runtime saves: kernel, bias, PReLU slopes, batch-norm
    /// parameters and running statistics.
    Net(3) < dense(4, prelu), dense(4, he_normal), batchnorm, relu, dense(2, softmax) >
}

fn bits<T: Float>(model: &impl Tensors<T>) -> Vec<(String, String, Vec<u64>)> {
    let mut out = Vec::new();
    model.visit_tensors(&mut |t| {
        out.push((
            format!("{}.{}", t.layer, t.name),
            format!("{:?}", t.shape),
            t.data.iter().map(|v| v.as_f64().to_bits()).collect(),
        ));
    });
    out
}

fn check<T: Float>(bytes: &[u8]) {
    let mut net = Net::<T>::seeded(7);
    let before = bits(&net);
    match nn::from_bytes(&mut net, bytes) {
        Err(_) => assert!(bits(&net) == before, "a failed load changed the network"),
        Ok(()) => {
            let loaded = bits(&net);
            let again = nn::to_bytes(&net).expect("a loaded network saves");
            let mut other = Net::<T>::seeded(8);
            nn::from_bytes(&mut other, &again).expect("saved bytes load");
            assert!(bits(&other) == loaded, "a round trip changed the values");
        }
    }
}

fuzz_target!(|bytes: &[u8]| {
    check::<f32>(bytes);
    check::<f64>(bytes);
});
