//! Hostile headers into `from_bytes`: the overflow the `safetensors` crate itself does not
//! guard against, random bytes, and edits aimed at the JSON header. An error, never a panic,
//! and never a changed model.

use nn_runtime::{BatchNorm, Error, Tensors};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A header, 8-byte length prefixed and space-padded to a multiple of 8, then `data`.
fn crafted(header: &str, data: &[u8]) -> Vec<u8> {
    let mut text = header.as_bytes().to_vec();
    while !text.len().is_multiple_of(8) {
        text.push(b' ');
    }
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&text);
    bytes.extend_from_slice(data);
    bytes
}

fn model() -> BatchNorm<3> {
    BatchNorm::new().named("batch_norm_0")
}

fn snapshot(model: &BatchNorm<3>) -> Vec<u32> {
    let mut out = Vec::new();
    model.visit_tensors(&mut |t| out.extend(t.data.iter().map(|v| v.to_bits())));
    out
}

/// Loads `bytes` into a fresh model; on an error, checks the model is unchanged.
fn load(bytes: &[u8]) -> Result<(), Error> {
    let mut target = model();
    let before = snapshot(&target);
    let result = nn_runtime::from_bytes(&mut target, bytes);
    if result.is_err() {
        assert_eq!(before, snapshot(&target), "a failed load changed the model");
    }
    result
}

#[test]
fn data_offsets_summing_to_nearly_u64_max_are_an_error_not_an_overflow() {
    // Eight U8 tensors of 2^61 - 1 bytes each, contiguous: every offset is valid on its own,
    // the last one is 2^64 - 8, and `safetensors` 0.8 adds the header length to it unchecked
    // (a panic in a debug build). `from_bytes` checks the data length against the buffer first.
    let size: u64 = (1 << 61) - 1;
    let entries: Vec<String> = (0..8u64)
        .map(|i| {
            format!(
                r#""t{i}":{{"dtype":"U8","shape":[{size}],"data_offsets":[{},{}]}}"#,
                i * size,
                (i + 1) * size
            )
        })
        .collect();
    let bytes = crafted(&format!("{{{}}}", entries.join(",")), &[]);
    let err = load(&bytes).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("describes 18446744073709551608 bytes of tensor data but 0 follow"),
        "{err}"
    );
}

#[test]
fn a_newer_format_version_is_refused() {
    let mut bytes = nn_runtime::to_bytes(&model()).unwrap();
    let at = bytes
        .windows(13)
        .position(|w| w == br#""version":"1""#)
        .expect("the header holds the version");
    bytes[at + 11] = b'2';
    let err = load(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "safetensors bytes: format nn version \"2\"; expected version 1 (written by another \
         release of nn?)"
    );
}

#[test]
fn files_of_another_format_are_read_as_plain_safetensors() {
    // What `safetensors.torch.save_file` writes: metadata {"format": "pt"}.
    let mut bytes = nn_runtime::to_bytes(&model()).unwrap();
    let at = bytes
        .windows(13)
        .position(|w| w == br#""format":"nn""#)
        .expect("the header holds the format");
    bytes[at + 10..at + 12].copy_from_slice(b"pt");
    load(&bytes).unwrap();
}

/// One edit aimed at the header of a valid file.
#[derive(Debug, Clone)]
enum HeaderEdit {
    /// Overwrite the 8-byte header length.
    Length(u64),
    /// Set a byte inside the JSON (position mod header length) to a JSON-ish character.
    Json(usize, u8),
    /// Replace a digit inside the JSON with another (shapes, offsets).
    Digit(usize, u8),
    /// Cut the buffer inside the header.
    CutInHeader(usize),
}

fn header_edit() -> impl Strategy<Value = HeaderEdit> {
    let json_chars = prop::sample::select(&b"{}[]\",:0123456789 -.eEFU8tn"[..]);
    prop_oneof![
        any::<u64>().prop_map(HeaderEdit::Length),
        (0u64..512).prop_map(HeaderEdit::Length),
        (any::<usize>(), json_chars).prop_map(|(at, c)| HeaderEdit::Json(at, c)),
        (any::<usize>(), b'0'..=b'9').prop_map(|(at, d)| HeaderEdit::Digit(at, d)),
        any::<usize>().prop_map(HeaderEdit::CutInHeader),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &HeaderEdit) {
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header_len = header_len.min(bytes.len().saturating_sub(8)).max(1);
    match *edit {
        HeaderEdit::Length(n) => bytes[..8].copy_from_slice(&n.to_le_bytes()),
        HeaderEdit::Json(at, c) => {
            let at = 8 + at % header_len;
            if at < bytes.len() {
                bytes[at] = c;
            }
        }
        HeaderEdit::Digit(at, d) => {
            let digits: Vec<usize> = (8..(8 + header_len).min(bytes.len()))
                .filter(|&i| bytes[i].is_ascii_digit())
                .collect();
            if !digits.is_empty() {
                bytes[digits[at % digits.len()]] = d;
            }
        }
        HeaderEdit::CutInHeader(at) => bytes.truncate(8 + at % header_len),
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn random_bytes_are_an_error(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        prop_assert!(load(&bytes).is_err());
    }

    #[test]
    fn random_bytes_after_a_plausible_length_are_an_error(
        len in 0u64..200,
        rest in prop::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut bytes = len.to_le_bytes().to_vec();
        bytes.extend_from_slice(&rest);
        prop_assert!(load(&bytes).is_err());
    }
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn header_edits_never_panic(edits in prop::collection::vec(header_edit(), 1..4)) {
        let mut bytes = nn_runtime::to_bytes(&model()).unwrap();
        for edit in &edits {
            if bytes.len() < 8 {
                break;
            }
            apply(&mut bytes, edit);
        }
        // Some edits leave a valid file (a digit replaced by itself): then the load succeeds.
        let _ = load(&bytes);
    }
}
