//! The CSV reader: the happy paths (header or not, label anywhere, delimiters, quotes, real
//! targets, a fixture file), and every error case with its line and column in the message.

use std::path::PathBuf;

use ndarray::array;
use nn_runtime::data::{CsvOptions, LabelColumn, LabelKind, read_csv, read_csv_from};
use nn_runtime::{Dataset, Error};

fn read(text: &str, options: &CsvOptions) -> nn_runtime::Result<Dataset<f64>> {
    read_csv_from(text.as_bytes(), "t.csv", options)
}

fn error(text: &str, options: &CsvOptions) -> (Error, String) {
    let err = read(text, options).expect_err("the text is malformed");
    let message = err.to_string();
    (err, message)
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

#[test]
fn reads_features_and_class_labels() {
    let text = "a,b,label\n1,2,0\n3.5,-4e-1,2\n  5 , 6 ,1\n";
    let data = read(text, &CsvOptions::default()).unwrap();
    assert_eq!(
        data.features(),
        &array![[1.0, 2.0], [3.5, -0.4], [5.0, 6.0]]
    );
    assert_eq!(data.class_labels(), Some(&[0, 2, 1][..]));
    assert_eq!(data.classes(), Some(3), "largest label + 1");
}

#[test]
fn label_column_by_name_index_first_or_last() {
    let text = "x,species,y\n1,0,2\n3,1,4\n";
    let by_name = read(text, &CsvOptions::default().label_column("species")).unwrap();
    assert_eq!(by_name.features(), &array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(by_name.class_labels(), Some(&[0, 1][..]));
    let by_index = read(text, &CsvOptions::default().label_column(1)).unwrap();
    assert_eq!(by_index, by_name);

    let first = read(
        text,
        &CsvOptions::default().label_column(LabelColumn::First),
    )
    .unwrap();
    assert_eq!(first.features(), &array![[0.0, 2.0], [1.0, 4.0]]);
    assert_eq!(first.class_labels(), Some(&[1, 3][..]));
}

#[test]
fn no_header_other_delimiters_quotes_blank_lines_and_bom() {
    let options = CsvOptions::default().has_header(false).delimiter(b';');
    let data = read("1;2;1\n\n3;4;0\n", &options).unwrap();
    assert_eq!(data.features(), &array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(data.class_labels(), Some(&[1, 0][..]));

    let tabs = read("a\tb\n0.5\t1\n", &CsvOptions::default().delimiter(b'\t')).unwrap();
    assert_eq!(tabs.features(), &array![[0.5]]);

    let quoted = read(
        "\"a\",\"the, label\"\n\"1.5\",\"1\"\n",
        &CsvOptions::default().label_column("the, label"),
    )
    .unwrap();
    assert_eq!(quoted.features(), &array![[1.5]]);

    let bom = read(
        "\u{feff}a,label\n1,0\n",
        &CsvOptions::default().label_column("label"),
    )
    .unwrap();
    assert_eq!(bom.features(), &array![[1.0]]);
    let bom = read("\u{feff}2,1\n", &CsvOptions::default().has_header(false)).unwrap();
    assert_eq!(bom.features(), &array![[2.0]]);

    let crlf = read("a,label\r\n1,0\r\n2,1\r\n", &CsvOptions::default()).unwrap();
    assert_eq!(crlf.len(), 2);
}

#[test]
fn labels_written_as_floats_and_a_fixed_class_count() {
    let data = read("a,label\n1,1.0\n2,0\n", &CsvOptions::default().classes(5)).unwrap();
    assert_eq!(data.class_labels(), Some(&[1, 0][..]));
    assert_eq!(data.classes(), Some(5));
}

#[test]
fn real_targets_for_regression() {
    let options = CsvOptions {
        label_column: "price".into(),
        label_kind: LabelKind::Real,
        ..CsvOptions::default()
    };
    let data = read("rooms,price,area\n3,250.5,80\n2,-1e2,50\n", &options).unwrap();
    assert_eq!(data.features(), &array![[3.0, 80.0], [2.0, 50.0]]);
    assert_eq!(data.real_targets(), Some(&array![[250.5], [-100.0]]));
    assert_eq!(data.classes(), None);
}

#[test]
fn reads_a_file_in_f32() {
    let data = read_csv::<f32>(
        fixture("iris6.csv"),
        &CsvOptions::default().label_column("class"),
    )
    .unwrap();
    assert_eq!(data.len(), 6);
    assert_eq!(data.n_features(), 4);
    assert_eq!(data.classes(), Some(3));
    assert_eq!(data.class_labels(), Some(&[0, 0, 1, 1, 2, 2][..]));
    assert_eq!(data.features().row(0).to_vec(), [5.1f32, 3.5, 1.4, 0.2]);
}

#[test]
fn missing_file() {
    let err = read_csv::<f32>("/no/such/dir/table.csv", &CsvOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("/no/such/dir/table.csv: cannot open the file"),
        "{err}"
    );
}

#[test]
fn file_errors_name_the_file() {
    let err = read_csv::<f32>(fixture("bad_value.csv"), &CsvOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("bad_value.csv: line 4, column 2 (\"b\")"),
        "{message}"
    );
}

#[test]
fn non_numeric_value_gives_line_and_column() {
    let (err, message) = error("a,b,label\n1,2,0\n3,x4,1\n", &CsvOptions::default());
    assert_eq!(
        err,
        Error::Parse {
            context: "t.csv".into(),
            line: 3,
            column: Some(2),
            column_name: Some("b".into()),
            message: "expected a number, got \"x4\"".into(),
        }
    );
    assert_eq!(
        message,
        "t.csv: line 3, column 2 (\"b\"): expected a number, got \"x4\""
    );

    // Without a header: the column's number only. Blank lines still count.
    let options = CsvOptions::default().has_header(false);
    let (_, message) = error("1,2,0\n\n\n1,,0\n", &options);
    assert_eq!(
        message,
        "t.csv: line 4, column 2: expected a number, got an empty field"
    );

    // Lines count from the start of a record, across quoted line breaks.
    let (_, message) = error(
        "a,b,label\n\"1\n\",2,0\n1,2,0\n1,z,0\n",
        &CsvOptions::default(),
    );
    assert!(message.contains("line 5, column 2 (\"b\")"), "{message}");
}

#[test]
fn line_numbers_count_blank_lines_crlf_and_quoted_breaks() {
    let options = CsvOptions::default();
    let (_, message) = error("a,b,label\r\n1,2,0\r\n\r\n\r\n1,x,0\r\n", &options);
    assert!(message.starts_with("t.csv: line 5, column 2"), "{message}");
    let (_, message) = error("a,b,label\r\n\" 1\r\n\",2,0\r\n1,x,0\r\n", &options);
    assert!(message.starts_with("t.csv: line 4, column 2"), "{message}");
    // No line break at the end.
    let (_, message) = error("a,b,label\n1,2,0\n1,x,0", &options);
    assert!(message.starts_with("t.csv: line 3, column 2"), "{message}");
    // A record spanning lines is reported at its first line.
    let (_, message) = error("a,b,label\n\"1\n\n\",x,0\n", &options);
    assert!(message.starts_with("t.csv: line 2, column 2"), "{message}");
    // Long files: the line count survives the reader's buffering.
    let mut text = String::from("a,b,label\n");
    for i in 0..5000 {
        text.push_str(if i % 7 == 0 { "\n" } else { "1,2,0\n" });
    }
    text.push_str("1,2,oops\n");
    let (_, message) = error(&text, &options);
    assert!(
        message.starts_with("t.csv: line 5002, column 3 (\"label\")"),
        "{message}"
    );
}

#[test]
fn non_finite_and_out_of_range_values() {
    for bad in ["NaN", "inf", "-infinity"] {
        let (_, message) = error(&format!("a,label\n1,0\n{bad},1\n"), &CsvOptions::default());
        assert_eq!(
            message,
            format!("t.csv: line 3, column 1 (\"a\"): expected a finite number, got \"{bad}\"")
        );
    }
    let err = read_csv_from::<f32, _>(
        "a,label\n1e300,0\n".as_bytes(),
        "t.csv",
        &CsvOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv: line 2, column 1 (\"a\"): \"1e300\" is out of range for F32; expected a finite F32 number"
    );
    // The same value is fine in f64.
    assert!(read("a,label\n1e300,0\n", &CsvOptions::default()).is_ok());

    let long = "y".repeat(1000);
    let (_, message) = error(&format!("a,label\n{long},0\n"), &CsvOptions::default());
    assert!(message.len() < 200, "long fields are cut short: {message}");
    assert!(message.contains("line 2, column 1"), "{message}");
}

#[test]
fn bad_labels() {
    for (label, expected) in [
        (
            "-1",
            "expected a class label (a non-negative integer), got \"-1\"",
        ),
        (
            "2.5",
            "expected a class label (a non-negative integer), got \"2.5\"",
        ),
        (
            "cat",
            "expected a class label (a non-negative integer), got \"cat\"",
        ),
        (
            "",
            "expected a class label (a non-negative integer), got an empty field",
        ),
        (
            "1e300",
            "expected a class label (a non-negative integer), got \"1e300\"",
        ),
        (
            "NaN",
            "expected a class label (a non-negative integer), got \"NaN\"",
        ),
    ] {
        let (_, message) = error(
            &format!("a,label\n1,0\n2,{label}\n"),
            &CsvOptions::default(),
        );
        assert_eq!(
            message,
            format!("t.csv: line 3, column 2 (\"label\"): {expected}"),
            "{label:?}"
        );
    }
    let (_, message) = error("a,label\n1,0\n2,3\n", &CsvOptions::default().classes(3));
    assert_eq!(
        message,
        "t.csv: line 3, column 2 (\"label\"): label 3 is out of range for 3 classes (expected 0..3)"
    );
    let (_, message) = error(
        &format!("a,label\n1,{}\n", usize::MAX),
        &CsvOptions::default(),
    );
    assert!(
        message.contains("line 2, column 2") && message.contains("too large"),
        "{message}"
    );
}

#[test]
fn missing_label_column_lists_the_header() {
    let (err, message) = error(
        "sepal,petal,class\n1,2,0\n",
        &CsvOptions::default().label_column("species"),
    );
    assert!(
        matches!(
            err,
            Error::Parse {
                line: 1,
                column: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        message,
        "t.csv: line 1: no column named \"species\" for the labels; the header has \"sepal\", \"petal\", \"class\""
    );

    let (_, message) = error("a,b\n1,0\n", &CsvOptions::default().label_column(2));
    assert_eq!(
        message,
        "t.csv: line 1: label column index 2 (counting from 0) is out of range; the first line has 2 fields (expected an index in 0..2)"
    );

    let (_, message) = error(
        "1,0\n",
        &CsvOptions::default()
            .has_header(false)
            .label_column("class"),
    );
    assert!(
        message.starts_with("t.csv: line 1: the label column is given by name (\"class\")"),
        "{message}"
    );
}

#[test]
fn ragged_rows() {
    let (err, message) = error("a,b,label\n1,2,0\n1,2\n", &CsvOptions::default());
    assert!(
        matches!(
            err,
            Error::Parse {
                line: 3,
                column: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        message,
        "t.csv: line 3: expected 3 fields (as in the header on line 1), got 2"
    );

    let (_, message) = error("\n\na,b,label\n1,2,0,9\n", &CsvOptions::default());
    assert_eq!(
        message,
        "t.csv: line 4: expected 3 fields (as in the header on line 3), got 4"
    );

    let (_, message) = error(
        "1,2,0\n1,2,0\n1,2,0,1\n",
        &CsvOptions::default().has_header(false),
    );
    assert_eq!(
        message,
        "t.csv: line 3: expected 3 fields (as on line 1), got 4"
    );
}

#[test]
fn empty_files_and_headers_alone() {
    for text in ["", "\n\n", "\r\n"] {
        let (err, message) = error(text, &CsvOptions::default());
        assert!(
            matches!(err, Error::Parse { line: 1, .. }),
            "{text:?}: {err:?}"
        );
        assert_eq!(
            message,
            "t.csv: line 1: the file is empty; expected a header line and data rows"
        );
    }
    let (_, message) = error("a,b,label\n", &CsvOptions::default());
    assert_eq!(
        message,
        "t.csv: line 2: no data rows after the header on line 1; expected at least one"
    );

    let (_, message) = error("label\n1\n", &CsvOptions::default());
    assert_eq!(
        message,
        "t.csv: line 1: expected at least 2 fields (a label and a feature), got 1"
    );
}

#[test]
fn invalid_utf8() {
    let bytes = b"a,label\n1,0\n\xff\xfe,1\n";
    let err = read_csv_from::<f32, _>(&bytes[..], "t.csv", &CsvOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.csv: line 3, column 1 (\"a\"): expected UTF-8 text, got other bytes"
    );
}
