//! Mutated valid files into `from_bytes`: an error or a load, never a panic. The bounded twin
//! of the libFuzzer target `fuzz/fuzz_targets/safetensors.rs` (FUZZING.md).

use nn_runtime::activation::{PRelu, Relu};
use nn_runtime::{
    ActivationLayer, BatchNorm, Dense, Initializer, TensorMut, TensorRef, Tensors, seeded_rng,
};
use proptest::prelude::*;

struct Small {
    dense_0: Dense<3, 4, Relu>,
    bn: BatchNorm<4>,
    prelu: ActivationLayer<4, PRelu>,
}

impl Tensors<f32> for Small {
    fn visit_tensors(&self, visit: &mut dyn FnMut(TensorRef<'_, f32>)) {
        self.dense_0.visit_tensors(visit);
        self.bn.visit_tensors(visit);
        self.prelu.visit_tensors(visit);
    }

    fn visit_tensors_mut(&mut self, visit: &mut dyn FnMut(TensorMut<'_, f32>)) {
        self.dense_0.visit_tensors_mut(visit);
        self.bn.visit_tensors_mut(visit);
        self.prelu.visit_tensors_mut(visit);
    }
}

fn small(seed: u64) -> Small {
    Small {
        dense_0: Dense::new(Relu, Initializer::HeNormal, &mut seeded_rng(seed)).named("dense_0"),
        bn: BatchNorm::new().named("batch_normalization_0"),
        prelu: ActivationLayer::new(PRelu::default()).named("p_re_lu_0"),
    }
}

fn snapshot(model: &Small) -> Vec<u32> {
    let mut out = Vec::new();
    model.visit_tensors(&mut |t| out.extend(t.data.iter().map(|v| v.to_bits())));
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Set { at: usize, value: u8 },
    Truncate { at: usize },
    Insert { at: usize, value: u8 },
    Remove { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Set { at, value }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, value)| Mutation::Insert { at, value }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match *m {
        Mutation::Flip { at, bit } => bytes[at % len] ^= 1 << bit,
        Mutation::Set { at, value } => bytes[at % len] = value,
        Mutation::Truncate { at } => bytes.truncate(at % len),
        Mutation::Insert { at, value } => bytes.insert(at % (len + 1), value),
        Mutation::Remove { at } => {
            bytes.remove(at % len);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn mutated_files_never_panic(mutations in proptest::collection::vec(mutation(), 1..4)) {
        let mut bytes = nn_runtime::to_bytes(&small(1)).unwrap();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let mut target = small(2);
        let before = snapshot(&target);
        if nn_runtime::from_bytes(&mut target, &bytes).is_err() {
            prop_assert_eq!(before, snapshot(&target));
        } else {
            // What loaded saves and loads back to the same values (as the fuzz target checks).
            let again = nn_runtime::to_bytes(&target).unwrap();
            let mut other = small(3);
            nn_runtime::from_bytes(&mut other, &again).unwrap();
            prop_assert_eq!(snapshot(&target), snapshot(&other));
        }
    }
}
