//! Convolutional networks between PyTorch, Keras and their `network!` twins: the committed
//! image fixtures (tests/fixtures/interop/{torch,keras}_image.*, made by gen_interop.py) give
//! the framework's outputs within 1e-5, exports round-trip exactly and reproduce PyTorch's
//! own tensors, PyTorch's channels-first flatten is undone (skipping it changes the outputs),
//! and bad files fail by name without changing the twin.

use nn::interop::{self, Framework, Naming};
use nn::prelude::*;
use nn::reexports::ndarray::Array2;
use nn::{Error, Float, Network};

mod interop_fixtures;
use interop_fixtures::{assert_bytes_round_trip, assert_file_round_trip, fixture, samples};

network! {
    /// `Sequential(Conv2d(2, 4, 3, stride=2, padding=1), BatchNorm2d(4), ReLU(), MaxPool2d(2),
    /// Conv2d(4, 5, 3, padding=1), Tanh(), Flatten(), BatchNorm1d(30), Dropout(0.1),
    /// Linear(30, 6), ReLU(), Linear(6, 3))` on 11x9 images of 2 channels.
    TorchImage(11, 9, 2) <
        conv2d(4, 3, stride = 2, padding = same, bias = true),
        batchnorm(momentum = 0.9, epsilon = 1e-5), relu, maxpool(2, allow = unused_pixels),
        conv2d(5, 3, tanh, padding = same), flatten,
        batchnorm(momentum = 0.9, epsilon = 1e-5), dropout(0.1), dense(6, relu, he_normal),
        dense(3)
    >
}

network! {
    /// `Sequential([Conv2D(4, 3, strides=2, padding="same"), BatchNormalization(), ReLU(),
    /// MaxPooling2D(2), Conv2D(5, 3, padding="same", activation="tanh"), Flatten(),
    /// BatchNormalization(), Dropout(0.1), Dense(6, "relu"), Dense(3)])` on 12x10x2 images.
    KerasImage(12, 10, 2) <
        conv2d(4, 3, stride = 2, padding = same, bias = true), batchnorm, relu,
        maxpool(2, allow = unused_pixels),
        conv2d(5, 3, tanh, padding = same), flatten, batchnorm, dropout(0.1),
        dense(6, relu, he_normal), dense(3)
    >
}

/// The largest mixed difference `|got - want| / max(|want|, 1)` of `network`'s outputs.
fn max_difference<T: Float, N: Network<T>>(
    network: &N,
    inputs: &Array2<f64>,
    expected: &Array2<f64>,
) -> f64 {
    let got = network
        .predict(inputs.mapv(T::cast).view())
        .expect("predict");
    assert_eq!(got.dim(), expected.dim());
    expected
        .indexed_iter()
        .map(|(at, &want)| (got[at].as_f64() - want).abs() / want.abs().max(1.0))
        .fold(0.0, f64::max)
}

#[test]
fn pytorch_conv_state_dict_gives_pytorchs_outputs_in_f32_and_f64() -> nn::Result<()> {
    let (inputs, outputs) = samples("torch_image.json");
    let mut twin = TorchImage::new(0);
    interop::load_pytorch(
        &mut twin,
        fixture("torch_image.safetensors"),
        &Naming::Sequential,
    )?;
    let f32_diff = max_difference(&twin, &inputs, &outputs);
    let mut twin64 = TorchImage::<f64>::seeded(0);
    interop::load_pytorch(
        &mut twin64,
        fixture("torch_image.safetensors"),
        &Naming::Sequential,
    )?;
    let f64_diff = max_difference(&twin64, &inputs, &outputs);
    println!("PyTorch image model: max difference f32 {f32_diff:.2e}, f64 {f64_diff:.2e}");
    assert!(f32_diff <= 1e-5, "f32: {f32_diff}");
    assert!(f64_diff <= 1e-5, "f64: {f64_diff}");
    Ok(())
}

#[test]
fn keras_conv_weights_give_keras_outputs_in_f32_and_f64() -> nn::Result<()> {
    let (inputs, outputs) = samples("keras_image.json");
    let mut twin = KerasImage::new(0);
    interop::load_keras(
        &mut twin,
        fixture("keras_image.safetensors"),
        &Naming::Sequential,
    )?;
    let f32_diff = max_difference(&twin, &inputs, &outputs);
    let mut twin64 = KerasImage::<f64>::seeded(0);
    interop::load_keras(
        &mut twin64,
        fixture("keras_image.safetensors"),
        &Naming::Sequential,
    )?;
    let f64_diff = max_difference(&twin64, &inputs, &outputs);
    println!("Keras image model: max difference f32 {f32_diff:.2e}, f64 {f64_diff:.2e}");
    assert!(f32_diff <= 1e-5, "f32: {f32_diff}");
    assert!(f64_diff <= 1e-5, "f64: {f64_diff}");
    Ok(())
}

/// The fixture's tensors: name -> (shape, raw little-endian bytes).
fn tensors(bytes: &[u8]) -> Vec<(String, Vec<usize>, Vec<u8>)> {
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: serde_json::Value =
        serde_json::from_slice(&bytes[8..8 + header_len]).expect("JSON");
    let data = &bytes[8 + header_len..];
    let mut out: Vec<_> = header
        .as_object()
        .expect("object")
        .iter()
        .filter(|(name, _)| *name != "__metadata__")
        .map(|(name, info)| {
            let shape: Vec<usize> = serde_json::from_value(info["shape"].clone()).expect("shape");
            let offsets: Vec<usize> =
                serde_json::from_value(info["data_offsets"].clone()).expect("offsets");
            (name.clone(), shape, data[offsets[0]..offsets[1]].to_vec())
        })
        .collect();
    out.sort();
    out
}

/// A safetensors file of `tensors` (shapes as given, data unchanged).
fn serialize(
    tensors: &[(String, Vec<usize>, Vec<u8>)],
    dtype_of: impl Fn(&str) -> &str,
) -> Vec<u8> {
    let (mut header, mut data) = (serde_json::Map::new(), Vec::new());
    for (name, shape, bytes) in tensors {
        let start = data.len();
        data.extend_from_slice(bytes);
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": dtype_of(name), "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let header = serde_json::to_vec(&header).expect("JSON");
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&header);
    out.extend_from_slice(&data);
    out
}

fn dtype_of(name: &str) -> &str {
    if name.ends_with("num_batches_tracked") {
        "I64"
    } else {
        "F32"
    }
}

#[test]
fn exporting_a_loaded_twin_gives_back_pytorchs_own_tensors() -> nn::Result<()> {
    let file = std::fs::read(fixture("torch_image.safetensors")).expect("fixture");
    let mut twin = TorchImage::new(0);
    interop::from_framework_bytes(&mut twin, Framework::PyTorch, &file, &Naming::Sequential)?;
    let exported = interop::to_framework_bytes(&twin, Framework::PyTorch, &Naming::Sequential)?;
    let (theirs, ours) = (tensors(&file), tensors(&exported));
    let names = |t: &[(String, Vec<usize>, Vec<u8>)]| -> Vec<String> {
        t.iter().map(|t| t.0.clone()).collect()
    };
    let expected: Vec<String> = [
        "0.bias",
        "0.weight",
        "1.bias",
        "1.num_batches_tracked",
        "1.running_mean",
        "1.running_var",
        "1.weight",
        "11.bias",
        "11.weight",
        "4.bias",
        "4.weight",
        "7.bias",
        "7.num_batches_tracked",
        "7.running_mean",
        "7.running_var",
        "7.weight",
        "9.bias",
        "9.weight",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(names(&theirs), expected);
    assert_eq!(names(&ours), expected);
    for ((name, shape, bytes), (_, our_shape, our_bytes)) in theirs.iter().zip(&ours) {
        assert_eq!(shape, our_shape, "{name}");
        if !name.ends_with("num_batches_tracked") {
            assert!(bytes == our_bytes, "{name}: values or their order differ");
        }
    }
    Ok(())
}

#[test]
fn export_then_import_is_exact_for_both_frameworks_and_precisions() -> nn::Result<()> {
    let mut original = TorchImage::new(0);
    interop::load_pytorch(
        &mut original,
        fixture("torch_image.safetensors"),
        &Naming::Sequential,
    )?;
    let mut keras = KerasImage::<f64>::seeded(0);
    interop::load_keras(
        &mut keras,
        fixture("keras_image.safetensors"),
        &Naming::Sequential,
    )?;
    assert_bytes_round_trip(&original, || TorchImage::new(9))?;
    assert_file_round_trip("interop-image", &keras, || KerasImage::<f64>::seeded(5))?;
    Ok(())
}

/// Loads the PyTorch fixture, then overwrites the first dense kernel with `9.weight` only
/// transposed, as if PyTorch's flatten ordered features as the twin does.
#[test]
fn skipping_the_channels_first_reordering_gives_other_outputs() -> nn::Result<()> {
    let (inputs, outputs) = samples("torch_image.json");
    let file = std::fs::read(fixture("torch_image.safetensors")).expect("fixture");
    let mut twin = TorchImage::<f64>::seeded(0);
    interop::from_framework_bytes(&mut twin, Framework::PyTorch, &file, &Naming::Sequential)?;
    assert!(max_difference(&twin, &inputs, &outputs) <= 1e-5);

    let (_, shape, bytes) = tensors(&file)
        .into_iter()
        .find(|t| t.0 == "9.weight")
        .expect("9.weight");
    assert_eq!(shape, [6, 30]);
    let weight: Vec<f64> = bytes
        .chunks_exact(4)
        .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    let mut replaced = false;
    twin.visit_tensors_mut(&mut |t| {
        if t.shape.dims() == [30, 6] && t.name == "kernel" {
            for (i, value) in t.data.iter_mut().enumerate() {
                *value = weight[(i % 6) * 30 + i / 6];
            }
            replaced = true;
        }
    });
    assert!(replaced, "no [30, 6] kernel");
    let diff = max_difference(&twin, &inputs, &outputs);
    assert!(diff > 1e-2, "the unpermuted kernel still matches ({diff})");
    Ok(())
}

#[test]
fn a_file_of_the_other_framework_fails_by_name() {
    let err = interop::load_keras(
        &mut TorchImage::new(0),
        fixture("torch_image.safetensors"),
        &Naming::Sequential,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MissingTensor { ref name, .. } if name == "0.kernel"),
        "{err}"
    );
    let err = interop::load_pytorch(
        &mut KerasImage::new(0),
        fixture("keras_image.safetensors"),
        &Naming::Sequential,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::MissingTensor { ref name, .. } if name == "0.weight"),
        "{err}"
    );
}

/// The PyTorch fixture with `name`'s shape replaced by `shape` (same number of values).
fn reshaped(name: &str, shape: &[usize]) -> Vec<u8> {
    let file = std::fs::read(fixture("torch_image.safetensors")).expect("fixture");
    let mut all = tensors(&file);
    let entry = all.iter_mut().find(|t| t.0 == name).expect("the tensor");
    assert_eq!(
        entry.1.iter().product::<usize>(),
        shape.iter().product::<usize>()
    );
    entry.1 = shape.to_vec();
    serialize(&all, dtype_of)
}

#[test]
fn a_conv_weight_in_keras_layout_fails_naming_it_and_changes_nothing() {
    let bytes = reshaped("4.weight", &[3, 3, 4, 5]);
    let mut twin = TorchImage::new(0);
    let before = nn::to_bytes(&twin).expect("bytes");
    let err =
        interop::from_framework_bytes(&mut twin, Framework::PyTorch, &bytes, &Naming::Sequential)
            .unwrap_err();
    assert_eq!(
        err,
        Error::ShapeMismatch {
            context:
                "PyTorch safetensors bytes: 4.weight (the PyTorch Conv2d weight [out, in, kh, \
                      kw] for conv2d_4.kernel)"
                    .into(),
            expected: vec![5, 4, 3, 3],
            actual: vec![3, 3, 4, 5],
        }
    );
    assert_eq!(
        nn::to_bytes(&twin).expect("bytes"),
        before,
        "a failed load changed the twin"
    );
}

#[test]
fn an_untransposed_dense_weight_after_the_flatten_fails_naming_it_and_changes_nothing() {
    let bytes = reshaped("9.weight", &[30, 6]);
    let mut twin = TorchImage::new(0);
    let before = nn::to_bytes(&twin).expect("bytes");
    let err =
        interop::from_framework_bytes(&mut twin, Framework::PyTorch, &bytes, &Naming::Sequential)
            .unwrap_err();
    assert!(
        matches!(&err, Error::ShapeMismatch { context, expected, actual }
            if context.contains("9.weight") && context.contains("dense_8.kernel")
                && *expected == [6, 30] && *actual == [30, 6]),
        "{err}"
    );
    assert_eq!(
        nn::to_bytes(&twin).expect("bytes"),
        before,
        "a failed load changed the twin"
    );
}

network! {
    /// Global average pooling: PyTorch's AdaptiveAvgPool2d(1) and Flatten(), Keras' one layer.
    Pooled(6, 6, 2) < conv2d(3, 3, relu, he_normal), avgpool(2), global_avgpool, dense(2) >
}

network! {
    /// A flatten first, as an MLP on images: PyTorch's Flatten() takes index 0.
    FlatFirst(2, 2, 3) < flatten, dense(4, allow = linear_stack), dense(2) >
}

network! {
    /// A convolution with PReLU: Keras' PReLU keeps a slope per value, `[h, w, c]`.
    ConvPrelu(4, 4, 1) < conv2d(2, 3, prelu), flatten, dense(2) >
}

/// The exported keys with their shapes, sorted.
fn keys<T: Float, N: Network<T>>(network: &N, framework: Framework) -> Vec<(String, Vec<usize>)> {
    let bytes =
        interop::to_framework_bytes(network, framework, &Naming::Sequential).expect("export");
    tensors(&bytes)
        .into_iter()
        .map(|(name, shape, _)| (name, shape))
        .collect()
}

fn key(name: &str, shape: &[usize]) -> (String, Vec<usize>) {
    (name.to_owned(), shape.to_vec())
}

#[test]
fn pooling_flatten_and_activations_take_their_indices() {
    assert_eq!(
        keys(&Pooled::new(0), Framework::PyTorch),
        // Conv2d 0, ReLU 1, AvgPool2d 2, AdaptiveAvgPool2d 3, Flatten 4, Linear 5.
        [
            key("0.bias", &[3]),
            key("0.weight", &[3, 2, 3, 3]),
            key("5.bias", &[2]),
            key("5.weight", &[2, 3]),
        ]
    );
    assert_eq!(
        keys(&Pooled::new(0), Framework::Keras),
        // Conv2D(relu) 0, AveragePooling2D 1, GlobalAveragePooling2D 2, Dense 3.
        [
            key("0.bias", &[3]),
            key("0.kernel", &[3, 3, 2, 3]),
            key("3.bias", &[2]),
            key("3.kernel", &[3, 2]),
        ]
    );
    assert_eq!(
        keys(&FlatFirst::new(0), Framework::PyTorch),
        [
            key("1.bias", &[4]),
            key("1.weight", &[4, 12]),
            key("2.bias", &[2]),
            key("2.weight", &[2, 4]),
        ]
    );
    assert_eq!(
        keys(&ConvPrelu::new(0), Framework::Keras),
        // Conv2D 0, PReLU 1, Flatten 2, Dense 3.
        [
            key("0.bias", &[2]),
            key("0.kernel", &[3, 3, 1, 2]),
            key("1.alpha", &[2, 2, 2]),
            key("3.bias", &[2]),
            key("3.kernel", &[8, 2]),
        ]
    );
}

#[test]
fn a_flatten_first_network_reads_pytorch_inputs_channels_first() -> nn::Result<()> {
    // Linear(12, 4) then Linear(4, 2): the first weight is 1 at (0, j) for one input feature
    // j of PyTorch's (c, h, w) order, so output 0 of the first layer is that feature.
    let mut twin = FlatFirst::<f64>::seeded(0);
    let x: Vec<f64> = (0..12).map(|i| i as f64).collect();
    for j in 0..12 {
        let mut first = vec![0f32; 48];
        first[j] = 1.0;
        let mut second = vec![0f32; 8];
        second[0] = 1.0;
        let le = |v: &[f32]| v.iter().flat_map(|f| f.to_le_bytes()).collect::<Vec<u8>>();
        let file = serialize(
            &[
                ("1.weight".into(), vec![4, 12], le(&first)),
                ("1.bias".into(), vec![4], le(&[0.0; 4])),
                ("2.weight".into(), vec![2, 4], le(&second)),
                ("2.bias".into(), vec![2], le(&[0.0; 2])),
            ],
            dtype_of,
        );
        interop::from_framework_bytes(&mut twin, Framework::PyTorch, &file, &Naming::Sequential)?;
        let out = twin.predict(
            Array2::from_shape_vec((1, 12), x.clone())
                .expect("row")
                .view(),
        )?;
        // Feature j = (c, y, x) of a 2x2x3 image sits at (y * 2 + x) * 3 + c in the row.
        let (c, y, xx) = (j / 4, (j % 4) / 2, j % 2);
        assert_eq!(out[(0, 0)], ((y * 2 + xx) * 3 + c) as f64, "feature {j}");
    }
    Ok(())
}

#[test]
fn a_pytorch_prelu_on_an_image_is_refused_by_name() {
    let err =
        interop::to_framework_bytes(&ConvPrelu::new(0), Framework::PyTorch, &Naming::Sequential)
            .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("conv2d_0") && text.contains("nn.PReLU"),
        "{text}"
    );
    let mut twin = ConvPrelu::new(0);
    let err =
        interop::from_framework_bytes(&mut twin, Framework::PyTorch, &[], &Naming::Sequential)
            .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

#[test]
fn module_names_given_by_hand_load_the_same_image_weights() -> nn::Result<()> {
    // The PyTorch modules with tensors: Conv2d, BatchNorm2d, Conv2d, BatchNorm1d, two Linear.
    let names = ["0", "1", "4", "7", "9", "11"].map(String::from).to_vec();
    let (mut by_index, mut by_name) = (TorchImage::new(0), TorchImage::new(1));
    let path = fixture("torch_image.safetensors");
    interop::load_pytorch(&mut by_index, &path, &Naming::Sequential)?;
    interop::load_pytorch(&mut by_name, &path, &Naming::Modules(names))?;
    assert_eq!(nn::to_bytes(&by_index)?, nn::to_bytes(&by_name)?);
    Ok(())
}

/// `network` through `framework`'s bytes into a twin of other weights: exactly the same.
fn round_trip<N: Network<f64>>(network: &N, fresh: N, framework: Framework) -> nn::Result<()> {
    let bytes = interop::to_framework_bytes(network, framework, &Naming::Sequential)?;
    let mut copy = fresh;
    assert_ne!(nn::to_bytes(&copy)?, nn::to_bytes(network)?, "{framework}");
    interop::from_framework_bytes(&mut copy, framework, &bytes, &Naming::Sequential)?;
    assert_eq!(nn::to_bytes(&copy)?, nn::to_bytes(network)?, "{framework}");
    Ok(())
}

#[test]
fn pooled_flatten_first_and_conv_prelu_twins_round_trip() -> nn::Result<()> {
    for framework in [Framework::PyTorch, Framework::Keras] {
        round_trip(&Pooled::seeded(1), Pooled::seeded(2), framework)?;
        round_trip(&FlatFirst::seeded(1), FlatFirst::seeded(2), framework)?;
    }
    let mut prelu = ConvPrelu::<f64>::seeded(1);
    // Distinct slopes, so that a slope put at another position would show.
    prelu.visit_tensors_mut(&mut |t| {
        if t.name == "alpha" {
            for (i, v) in t.data.iter_mut().enumerate() {
                *v = 0.01 * i as f64;
            }
        }
    });
    round_trip(&prelu, ConvPrelu::seeded(2), Framework::Keras)
}
