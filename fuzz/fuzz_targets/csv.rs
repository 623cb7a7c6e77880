//! Arbitrary text into the CSV reader, with options taken from the first bytes: a parse error
//! pointing at a line of the text, or a dataset whose every feature is finite and whose labels
//! fit its classes. The bounded proptest twin is `nn-runtime/tests/data_fuzz.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_runtime::Error;
use nn_runtime::data::{CsvOptions, LabelColumn, LabelKind, Labels, read_csv_from};

fn options(control: [u8; 3]) -> CsvOptions {
    let [a, b, c] = control;
    let delimiter = [b',', b';', b'\t', b' '][usize::from(a & 3)];
    let column = match (a >> 2) & 3 {
        0 => LabelColumn::Last,
        1 => LabelColumn::First,
        2 => LabelColumn::Index(usize::from(b & 7)),
        _ => LabelColumn::Name(["label", "class", "y", ""][usize::from(b & 3)].to_owned()),
    };
    let kind = if a & 16 == 0 {
        LabelKind::Classes
    } else {
        LabelKind::Real
    };
    let mut options = CsvOptions::default()
        .delimiter(delimiter)
        .label_column(column)
        .has_header(a & 32 != 0)
        .label_kind(kind);
    if c & 1 == 1 {
        options = options.classes(usize::from(c >> 1));
    }
    options
}

fuzz_target!(|bytes: &[u8]| {
    let Some((control, text)) = bytes.split_first_chunk::<3>() else {
        return;
    };
    let options = options(*control);
    let data = match read_csv_from::<f32, _>(text, "fuzz.csv", &options) {
        Ok(data) => data,
        Err(Error::Parse { line, column, .. }) => {
            let lines = text.iter().filter(|&&b| b == b'\n').count() + 1;
            assert!((1..=lines + 1).contains(&line), "line {line} of {lines}");
            assert!(column.is_none_or(|c| c >= 1));
            return;
        }
        Err(other) => panic!("unexpected error kind: {other:?}"),
    };
    assert!(!data.is_empty());
    assert!(data.n_features() > 0);
    assert!(data.features().iter().all(|v| v.is_finite()));
    match data.labels() {
        Labels::Classes { labels, classes } => {
            assert_eq!(labels.len(), data.len());
            assert!(labels.iter().all(|&l| l < *classes));
            if let Some(fixed) = options.classes {
                assert_eq!(*classes, fixed);
            }
        }
        Labels::Real(targets) => {
            assert_eq!(targets.nrows(), data.len());
            assert!(targets.iter().all(|v| v.is_finite()));
        }
    }
});
