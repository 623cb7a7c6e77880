//! Property tests of the readers on hostile input: random and mutated IDX bytes (plain and
//! gzipped) and random or mutated CSV text never panic, and whatever they accept is a valid
//! dataset. Bounded (a few thousand cases in all) so the suite runs in seconds. The bounded
//! twins of the libFuzzer targets `fuzz/fuzz_targets/{idx,csv}.rs` (FUZZING.md).

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use nn_runtime::data::{
    CsvOptions, LabelColumn, LabelKind, parse_idx_images, parse_idx_labels, read_csv_from,
};
use nn_runtime::{Dataset, Error};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A well-formed IDX image or label buffer of small random dimensions.
fn valid_idx() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), 1u32..6, 1u32..5, 1u32..5, any::<u64>()).prop_map(
        |(images, count, rows, cols, seed)| {
            let (mut bytes, items) = if images {
                let mut bytes = vec![0, 0, 8, 3];
                for d in [count, rows, cols] {
                    bytes.extend(d.to_be_bytes());
                }
                (bytes, (count * rows * cols) as usize)
            } else {
                let mut bytes = vec![0, 0, 8, 1];
                bytes.extend(count.to_be_bytes());
                (bytes, count as usize)
            };
            bytes.extend((0..items).map(|i| (seed >> (i % 57)) as u8));
            bytes
        },
    )
}

/// One change to a byte buffer.
#[derive(Debug, Clone)]
enum Mutation {
    /// Set the byte at (position mod length) to a value.
    Set(usize, u8),
    /// Cut the buffer to (position mod (length + 1)) bytes.
    Truncate(usize),
    /// Append bytes.
    Extend(Vec<u8>),
    /// Overwrite a header dimension (index mod 3) with a big-endian value.
    Dimension(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(at, v)| Mutation::Set(at, v)),
        2 => any::<usize>().prop_map(Mutation::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Extend),
        2 => (any::<usize>(), prop_oneof![Just(0u32), Just(1), Just(u32::MAX), Just(1 << 31), any::<u32>()])
            .prop_map(|(index, value)| Mutation::Dimension(index, value)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for mutation in mutations {
        match mutation {
            Mutation::Set(at, value) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *value;
                }
            }
            Mutation::Truncate(at) => bytes.truncate(at % (bytes.len() + 1)),
            Mutation::Extend(tail) => bytes.extend(tail),
            Mutation::Dimension(index, value) => {
                let at = 4 + 4 * (index % 3);
                if bytes.len() >= at + 4 {
                    bytes[at..at + 4].copy_from_slice(&value.to_be_bytes());
                }
            }
        }
    }
    bytes
}

/// Parses `bytes` both ways; whatever is accepted must match its header.
fn check_idx(bytes: &[u8]) {
    // Plain data holds one byte per item after the header, no more and no less.
    let plain = !bytes.starts_with(&[0x1f, 0x8b]);
    match parse_idx_images::<f32>(bytes) {
        Ok(images) => {
            assert!(images.nrows() >= 1 && images.ncols() >= 1);
            assert!(images.iter().all(|&p| (0.0..=1.0).contains(&p)));
            assert!(!plain || images.len() + 16 == bytes.len());
        }
        Err(err) => assert!(matches!(err, Error::Format { .. }), "{err:?}"),
    }
    match parse_idx_labels(bytes) {
        Ok(labels) => {
            assert!(!labels.is_empty());
            assert!(labels.iter().all(|&l| l < 256));
            assert!(!plain || labels.len() + 8 == bytes.len());
        }
        Err(err) => assert!(matches!(err, Error::Format { .. }), "{err:?}"),
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..96), gzipped in any::<bool>()) {
        let bytes = if gzipped { gzip(&bytes) } else { bytes };
        check_idx(&bytes);
        // The gzip magic followed by random bytes: a corrupt stream, not a panic.
        let mut fake = vec![0x1f, 0x8b];
        fake.extend(&bytes);
        check_idx(&fake);
    }

    #[test]
    fn mutated_idx_never_panics(
        valid in valid_idx(),
        mutations in prop::collection::vec(mutation(), 1..4),
        gzip_before in any::<bool>(),
    ) {
        check_idx(&valid);
        if gzip_before {
            // Mutate the compressed stream itself.
            check_idx(&mutate(gzip(&valid), &mutations));
        } else {
            let mutated = mutate(valid, &mutations);
            check_idx(&mutated);
            check_idx(&gzip(&mutated));
        }
    }
}

/// Pieces of CSV text: numbers, separators, quotes, line breaks, junk, a byte order mark.
const PIECES: &[&str] = &[
    "0",
    "1",
    "2",
    "9",
    "-1",
    "3.5",
    "1e3",
    "1e400",
    "-0",
    ".",
    "e",
    "NaN",
    "inf",
    "x",
    "abc",
    ",",
    ",",
    ",",
    ";",
    "\t",
    " ",
    "\"",
    "\"\"",
    "\n",
    "\n",
    "\n",
    "\r\n",
    "\r",
    "\u{feff}",
    "é",
    "18446744073709551615",
    "label",
    "a",
    "b",
];

fn csv_text() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec(prop::sample::select(PIECES), 0..40),
        prop::collection::vec(any::<u8>(), 0..3),
    )
        .prop_map(|(pieces, raw)| {
            let mut bytes = pieces.concat().into_bytes();
            // Now and then a stray byte that may not be UTF-8.
            if let Some(&b) = raw.first() {
                let at = usize::from(raw.get(1).copied().unwrap_or(0)) % (bytes.len() + 1);
                bytes.insert(at, b);
            }
            bytes
        })
}

fn csv_options() -> impl Strategy<Value = CsvOptions> {
    (
        any::<bool>(),
        prop_oneof![
            Just(LabelColumn::Last),
            Just(LabelColumn::First),
            (0usize..4).prop_map(LabelColumn::Index),
            Just(LabelColumn::from("label")),
        ],
        prop::sample::select(vec![b',', b';', b'\t']),
        prop_oneof![Just(LabelKind::Classes), Just(LabelKind::Real)],
        prop::option::of(0usize..4),
    )
        .prop_map(
            |(has_header, label_column, delimiter, label_kind, classes)| CsvOptions {
                label_column,
                has_header,
                delimiter,
                label_kind,
                classes,
            },
        )
}

/// Reads `bytes`; an accepted table must be a valid dataset, an error must point at a line of
/// the text.
fn check_csv(bytes: &[u8], options: &CsvOptions) {
    match read_csv_from::<f32, _>(bytes, "fuzz.csv", options) {
        Ok(data) => check_dataset(&data, options),
        Err(Error::Parse { line, column, .. }) => {
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!((1..=lines + 1).contains(&line), "line {line} of {lines}");
            assert!(column.is_none_or(|c| c >= 1));
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    }
}

fn check_dataset(data: &Dataset<f32>, options: &CsvOptions) {
    assert!(!data.is_empty());
    assert!(data.n_features() >= 1);
    assert!(data.features().iter().all(|v| v.is_finite()));
    match options.label_kind {
        LabelKind::Classes => {
            let labels = data.class_labels().expect("class labels");
            let classes = data.classes().unwrap();
            assert_eq!(labels.len(), data.len());
            assert!(labels.iter().all(|&l| l < classes));
            if let Some(fixed) = options.classes {
                assert_eq!(classes, fixed);
            }
        }
        LabelKind::Real => {
            let targets = data.real_targets().expect("real targets");
            assert_eq!(targets.dim(), (data.len(), 1));
            assert!(targets.iter().all(|v| v.is_finite()));
        }
    }
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn random_csv_never_panics(text in csv_text(), options in csv_options()) {
        check_csv(&text, &options);
    }

    #[test]
    fn mutated_csv_never_panics(
        rows in prop::collection::vec(prop::collection::vec(0u8..4, 3), 1..6),
        mutations in prop::collection::vec(mutation(), 0..3),
        options in csv_options(),
    ) {
        let mut text = String::from("a,b,label\n");
        for row in rows {
            let row: Vec<String> = row.iter().map(u8::to_string).collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        let comma = options.clone().delimiter(b',');
        check_csv(text.as_bytes(), &comma);
        check_csv(&mutate(text.into_bytes(), &mutations), &comma);
    }
}
