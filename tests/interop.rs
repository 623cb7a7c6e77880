//! Weights from PyTorch and Keras into `network!` twins, and back: the committed fixtures
//! (tests/fixtures/interop/, made by gen_interop.py) must give the framework's own outputs
//! within 1e-5, exports must round-trip exactly, and mis-mapped files must fail by name.

use nn::interop::{self, Framework, Naming};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::{Error, Float, Network};

mod interop_fixtures;
use interop_fixtures::{assert_bytes_round_trip, assert_file_round_trip, fixture, samples};

network! {
    /// `Sequential(Linear(4, 8), BatchNorm1d(8), PReLU(8), Linear(8, 6), ELU(), Linear(6, 5),
    /// GELU(), Linear(5, 3))`.
    TorchTwin(4) <
        dense(8, bias = true), batchnorm(momentum = 0.9, epsilon = 1e-5), prelu,
        dense(6, elu), dense(5, gelu), dense(3)
    >
}

network! {
    /// `Sequential([Dense(8), BatchNormalization(), PReLU(), Dense(6, "elu"), Dense(5, "gelu"),
    /// Dense(3)])`.
    KerasTwin(4) < dense(8, bias = true), batchnorm, prelu, dense(6, elu), dense(5, gelu), dense(3) >
}

network! {
    /// The PyTorch twin with batch norm and PReLU swapped: a mis-mapped architecture.
    Swapped(4) <
        dense(8, bias = true), prelu, batchnorm(momentum = 0.9, epsilon = 1e-5),
        dense(6, elu), dense(5, gelu), dense(3)
    >
}

network! {
    /// One linear layer.
    Single(4) < dense(8) >
}

fn assert_matches<T: Float, N: Network<T>>(
    network: &N,
    inputs: &Array2<f64>,
    expected: &Array2<f64>,
) {
    let x = inputs.mapv(T::cast);
    let got = network.predict(x.view()).expect("predict");
    assert_eq!(got.dim(), expected.dim());
    for ((i, j), &want) in expected.indexed_iter() {
        let g = got[(i, j)].as_f64();
        assert!(
            (g - want).abs() <= 1e-5 * want.abs().max(1.0),
            "row {i}, column {j}: the twin gives {g}, the framework {want}"
        );
    }
}

#[test]
fn pytorch_state_dict_gives_pytorchs_outputs() -> nn::Result<()> {
    let (inputs, outputs) = samples("torch.json");
    let mut twin = TorchTwin::new(0);
    interop::load_pytorch(&mut twin, fixture("torch.safetensors"), &Naming::Sequential)?;
    assert_matches(&twin, &inputs, &outputs);
    // The same in f64, from the same f32 file.
    let mut twin64 = TorchTwin::<f64>::seeded(0);
    interop::load_pytorch(
        &mut twin64,
        fixture("torch.safetensors"),
        &Naming::Sequential,
    )?;
    assert_matches(&twin64, &inputs, &outputs);
    Ok(())
}

#[test]
fn keras_weights_give_keras_outputs() -> nn::Result<()> {
    let (inputs, outputs) = samples("keras.json");
    let mut twin = KerasTwin::new(0);
    interop::load_keras(&mut twin, fixture("keras.safetensors"), &Naming::Sequential)?;
    assert_matches(&twin, &inputs, &outputs);
    Ok(())
}

#[test]
fn fresh_twins_do_not_match_so_the_fixture_tests_can_fail() {
    let (inputs, outputs) = samples("torch.json");
    let result = std::panic::catch_unwind(|| assert_matches(&TorchTwin::new(0), &inputs, &outputs));
    assert!(
        result.is_err(),
        "an untrained twin matched PyTorch's outputs"
    );
}

#[test]
fn module_names_given_by_hand_load_the_same_weights() -> nn::Result<()> {
    let names = ["0", "1", "2", "3", "5", "7"].map(String::from).to_vec();
    let (mut by_index, mut by_name) = (TorchTwin::new(0), TorchTwin::new(1));
    interop::load_pytorch(
        &mut by_index,
        fixture("torch.safetensors"),
        &Naming::Sequential,
    )?;
    interop::load_pytorch(
        &mut by_name,
        fixture("torch.safetensors"),
        &Naming::Modules(names),
    )?;
    assert_eq!(nn::to_bytes(&by_index)?, nn::to_bytes(&by_name)?);

    let err = interop::load_pytorch(
        &mut TorchTwin::new(0),
        fixture("torch.safetensors"),
        &Naming::Modules(vec!["fc1".into()]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("1 names; expected 6"), "{err}");
    Ok(())
}

#[test]
fn export_then_import_is_exact_for_both_frameworks_and_precisions() -> nn::Result<()> {
    let mut original = TorchTwin::new(0);
    interop::load_pytorch(
        &mut original,
        fixture("torch.safetensors"),
        &Naming::Sequential,
    )?;
    assert_bytes_round_trip(&original, || TorchTwin::new(9))?;
    let original = KerasTwin::<f64>::seeded(3);
    assert_file_round_trip("interop", &original, || KerasTwin::<f64>::seeded(4))?;
    Ok(())
}

#[test]
fn exported_pytorch_names_are_the_state_dicts() -> nn::Result<()> {
    let bytes =
        interop::to_framework_bytes(&TorchTwin::new(0), Framework::PyTorch, &Naming::Sequential)?;
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[8..8 + header_len]).expect("JSON");
    let mut keys: Vec<&str> = header
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let expected = [
        "0.bias",
        "0.weight",
        "1.bias",
        "1.num_batches_tracked",
        "1.running_mean",
        "1.running_var",
        "1.weight",
        "2.weight",
        "3.bias",
        "3.weight",
        "5.bias",
        "5.weight",
        "7.bias",
        "7.weight",
        "__metadata__",
    ];
    assert_eq!(keys, expected);
    assert_eq!(
        header["0.weight"]["shape"],
        serde_json::json!([8, 4]),
        "[out, in]"
    );
    Ok(())
}

#[test]
fn a_twin_with_layers_in_another_order_fails_naming_the_tensor() {
    let mut twin = Swapped::new(0);
    let before = nn::to_bytes(&twin).expect("bytes");
    let err = interop::load_pytorch(&mut twin, fixture("torch.safetensors"), &Naming::Sequential)
        .unwrap_err();
    // Module 2 is a PReLU in the file, whose weight [8] passes for the batch norm's gamma; its
    // bias is what is missing.
    assert!(
        matches!(err, Error::MissingTensor { ref name, .. } if name == "2.bias"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("BatchNorm1d bias of shape [8], for batch_norm_2.beta"),
        "{err}"
    );
    assert_eq!(
        nn::to_bytes(&twin).expect("bytes"),
        before,
        "a failed load changed the twin"
    );
}

#[test]
fn keras_weights_read_as_pytorch_fail() {
    let err = interop::load_pytorch(
        &mut KerasTwin::new(0),
        fixture("keras.safetensors"),
        &Naming::Sequential,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MissingTensor { ref name, .. } if name == "0.weight"),
        "{err}"
    );
}

/// A safetensors file of F32 tensors, written by hand as a framework's tooling would.
fn safetensors(tensors: &[(&str, &[usize])]) -> Vec<u8> {
    let (mut header, mut data) = (serde_json::Map::new(), Vec::new());
    for &(name, shape) in tensors {
        let start = data.len();
        for i in 0..shape.iter().product::<usize>() {
            data.extend_from_slice(&(i as f32 * 0.1).to_le_bytes());
        }
        header.insert(
            name.to_owned(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let header = serde_json::to_vec(&header).expect("JSON");
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(&data);
    bytes
}

#[test]
fn an_untransposed_linear_weight_fails_with_both_shapes() {
    let bytes = safetensors(&[("0.weight", &[4, 8])]);
    let err = interop::from_framework_bytes(
        &mut Single::new(0),
        Framework::PyTorch,
        &bytes,
        &Naming::Sequential,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::ShapeMismatch {
            context: "PyTorch safetensors bytes: 0.weight (the PyTorch Linear weight [out, in] for dense_0.kernel)".into(),
            expected: vec![8, 4],
            actual: vec![4, 8],
        }
    );
}

network! {
    /// `Sequential(Linear(4, 8), PReLU())`: one shared slope in PyTorch.
    SharedSlope(4) < dense(8, he_normal), prelu >
}

#[test]
fn an_extra_tensor_fails_and_a_shared_prelu_slope_is_repeated() -> nn::Result<()> {
    let bytes = safetensors(&[("0.weight", &[8, 4]), ("0.bias", &[8]), ("1.weight", &[8])]);
    let err = interop::from_framework_bytes(
        &mut Single::new(0),
        Framework::PyTorch,
        &bytes,
        &Naming::Sequential,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedTensor { ref name, .. } if name == "1.weight"),
        "{err}"
    );

    // A shared nn.PReLU() has one slope, [1] (here 0.0; the twin starts at 0.25).
    let shared = safetensors(&[("0.weight", &[8, 4]), ("0.bias", &[8]), ("1.weight", &[1])]);
    let mut twin = SharedSlope::new(0);
    interop::from_framework_bytes(&mut twin, Framework::PyTorch, &shared, &Naming::Sequential)?;
    let mut slopes = Vec::new();
    twin.visit_tensors(&mut |t| {
        if t.name == "alpha" {
            slopes.extend_from_slice(t.data);
        }
    });
    assert_eq!(slopes, vec![0.0f32; 8]);
    Ok(())
}
