//! Reading a [`Dataset`] from a CSV table: one sample per row, one column holding the label.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use ndarray::Array2;

use super::io_error;
use crate::data::Labels;
use crate::{Dataset, Error, Float, Result};

/// Which column of a CSV table holds the labels (or targets); every other column is a
/// feature.
///
/// ```
/// use nn_runtime::data::LabelColumn;
/// assert_eq!(LabelColumn::from("species"), LabelColumn::Name("species".into()));
/// assert_eq!(LabelColumn::from(0), LabelColumn::Index(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum LabelColumn {
    /// The column with this name in the header (needs `has_header`).
    Name(String),
    /// The column at this index, counting from 0.
    Index(usize),
    /// The first column.
    First,
    /// The last column.
    #[default]
    Last,
}

impl From<&str> for LabelColumn {
    fn from(name: &str) -> Self {
        Self::Name(name.to_owned())
    }
}

impl From<String> for LabelColumn {
    fn from(name: String) -> Self {
        Self::Name(name)
    }
}

impl From<usize> for LabelColumn {
    fn from(index: usize) -> Self {
        Self::Index(index)
    }
}

/// What the label column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabelKind {
    /// Class labels: non-negative integers (`3` or `3.0`), read into [`Labels::Classes`].
    #[default]
    Classes,
    /// Real numbers, read into [`Labels::Real`] with one target column (regression).
    Real,
}

/// How to read a CSV table into a [`Dataset`]: [`read_csv`] and [`read_csv_from`].
///
/// The default: a header line, commas, the label in the last column, class labels, and as
/// many classes as the largest label plus one. Set fields directly or chain the methods of the
/// same names.
///
/// ```
/// use nn_runtime::data::{CsvOptions, LabelKind};
/// let options = CsvOptions::default().label_column("price").label_kind(LabelKind::Real).delimiter(b';');
/// assert!(options.has_header);
/// let options = CsvOptions { label_column: "species".into(), classes: Some(3), ..CsvOptions::default() };
/// assert_eq!(options.delimiter, b',');
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The column with the labels.
    pub label_column: LabelColumn,
    /// Whether the first line names the columns.
    pub has_header: bool,
    /// The field separator (`b','`, `b';'`, `b'\t'`, ...).
    pub delimiter: u8,
    /// Class labels or real-valued targets.
    pub label_kind: LabelKind,
    /// The number of classes; `None` takes the largest label plus one. Ignored for
    /// [`LabelKind::Real`].
    pub classes: Option<usize>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            label_column: LabelColumn::Last,
            has_header: true,
            delimiter: b',',
            label_kind: LabelKind::Classes,
            classes: None,
        }
    }
}

impl CsvOptions {
    /// Sets [`CsvOptions::label_column`]: a name (`"species"`), an index (`4`) or a
    /// [`LabelColumn`].
    pub fn label_column(mut self, column: impl Into<LabelColumn>) -> Self {
        self.label_column = column.into();
        self
    }

    /// Sets [`CsvOptions::has_header`].
    pub fn has_header(mut self, has_header: bool) -> Self {
        self.has_header = has_header;
        self
    }

    /// Sets [`CsvOptions::delimiter`].
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Sets [`CsvOptions::label_kind`].
    pub fn label_kind(mut self, kind: LabelKind) -> Self {
        self.label_kind = kind;
        self
    }

    /// Sets [`CsvOptions::classes`].
    pub fn classes(mut self, classes: usize) -> Self {
        self.classes = Some(classes);
        self
    }
}

/// Reads a CSV file into a [`Dataset`]; see [`read_csv_from`] for the format and the errors.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read; otherwise as [`read_csv_from`], with
/// the path as the errors' context.
pub fn read_csv<T: Float>(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset<T>> {
    let path = path.as_ref();
    let context = path.display().to_string();
    let file = File::open(path).map_err(|err| io_error(&context, &err, "cannot open the file"))?;
    read_csv_from(file, &context, options)
}

/// Reads a CSV table from `reader` into a [`Dataset`]; `name` (a file name) is the context of
/// the errors.
///
/// Each row is one sample: the label column (see [`CsvOptions`]) gives its label or target,
/// every other column a feature, in order. Fields are trimmed of surrounding spaces and may be
/// quoted; blank lines are skipped; a UTF-8 byte order mark is ignored. Features and real
/// targets must be finite numbers (`1`, `-0.5`, `2e-3`); class labels non-negative integers
/// (`3`, or `3.0`).
///
/// # Errors
/// [`Error::Parse`] with the line (counting from 1, as editors do) and, for a bad field, the
/// column (counting from 1) and its name from the header:
/// - an empty file, or a header with no data rows after it;
/// - a label column name not in the header (the message lists the header's names), or a
///   label column index past the last column;
/// - fewer than two columns (a label and at least one feature);
/// - a ragged row: "expected N fields, got M";
/// - a field that is not a finite number (empty, `abc`, `NaN`, `inf`, or beyond the range of
///   `T`), a label that is not a non-negative integer, or a label not below
///   [`CsvOptions::classes`];
/// - text that is not UTF-8.
///
/// [`Error::Io`] if reading fails.
///
/// ```
/// use nn_runtime::data::{CsvOptions, read_csv_from};
/// let text = "height,weight,class\n1.5,50,0\n1.8,80,1\n";
/// let data = read_csv_from::<f32, _>(text.as_bytes(), "people.csv", &CsvOptions::default()).unwrap();
/// assert_eq!(data.features(), &ndarray::array![[1.5, 50.0], [1.8, 80.0]]);
/// assert_eq!(data.class_labels(), Some(&[0, 1][..]));
/// assert_eq!(data.classes(), Some(2));
///
/// let bad = "height,weight,class\n1.5,50,0\n1.8,heavy,1\n";
/// let err = read_csv_from::<f32, _>(bad.as_bytes(), "people.csv", &CsvOptions::default()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "people.csv: line 3, column 2 (\"weight\"): expected a number, got \"heavy\""
/// );
/// ```
pub fn read_csv_from<T: Float, R: Read>(
    reader: R,
    name: &str,
    options: &CsvOptions,
) -> Result<Dataset<T>> {
    // The csv crate's line numbers skip blank lines; editors' do not. Count the line breaks
    // before each record instead. Fields are trimmed here, not by the csv crate, so that the
    // line breaks inside quoted fields can be counted.
    let breaks = Rc::new(RefCell::new(VecDeque::new()));
    let mut lines_before = 0usize;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(options.delimiter)
        .flexible(true)
        .from_reader(LineBreaks::new(reader, Rc::clone(&breaks)));
    let parse =
        |line: usize, column: Option<(usize, Option<&str>)>, message: String| Error::Parse {
            context: name.to_owned(),
            line,
            column: column.map(|(index, _)| index + 1),
            column_name: column.and_then(|(_, name)| name.map(str::to_owned)),
            message,
        };

    let mut record = csv::ByteRecord::new();
    // The header's names (when there is a header), the width and the label column, from the
    // first record.
    let mut header: Option<Vec<String>> = None;
    let mut layout: Option<(usize, usize)> = None;
    let mut first_line = 0;
    let mut features: Vec<T> = Vec::new();
    let mut classes: Vec<usize> = Vec::new();
    let mut targets: Vec<T> = Vec::new();
    let mut rows = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => return Err(csv_error(name, &err, lines_before + 1)),
        }
        // The record ends just after its terminator (or at the end of the data); its last
        // line is the one that byte is on, and its first line that less the line breaks
        // inside quoted fields.
        let last_byte = reader.position().byte().saturating_sub(1);
        {
            let mut breaks = breaks.borrow_mut();
            while breaks.front().is_some_and(|&at| at < last_byte) {
                breaks.pop_front();
                lines_before += 1;
            }
        }
        let inside: usize = record
            .iter()
            .map(|field| field.iter().filter(|&&b| b == b'\n').count())
            .sum();
        let line = (lines_before + 1).saturating_sub(inside).max(1);
        let (width, label_index) = match layout {
            Some(layout) => layout,
            None => {
                first_line = line;
                let fields = decode_fields(&record, line, &parse)?;
                let names = options.has_header.then_some(&fields[..]);
                let label_index = find_label_column(&options.label_column, names, fields.len())
                    .map_err(|message| parse(line, None, message))?;
                if fields.len() < 2 {
                    return Err(parse(
                        line,
                        None,
                        format!(
                            "expected at least 2 fields (a label and a feature), got {}",
                            fields.len()
                        ),
                    ));
                }
                layout = Some((fields.len(), label_index));
                if options.has_header {
                    header = Some(fields);
                    continue;
                }
                (fields.len(), label_index)
            }
        };
        if record.len() != width {
            let source = if header.is_some() {
                format!("as in the header on line {first_line}")
            } else {
                format!("as on line {first_line}")
            };
            return Err(parse(
                line,
                None,
                format!("expected {width} fields ({source}), got {}", record.len()),
            ));
        }
        for (index, field) in record.iter().enumerate() {
            let column_name = header.as_ref().map(|names| names[index].as_str());
            let at = Some((index, column_name));
            let text = std::str::from_utf8(field)
                .map_err(|_| parse(line, at, "expected UTF-8 text, got other bytes".to_owned()))?
                .trim();
            let text = if index == 0 && rows == 0 && header.is_none() {
                strip_bom(text)
            } else {
                text
            };
            if index != label_index {
                features.push(parse_number::<T>(text).map_err(|m| parse(line, at, m))?);
            } else {
                match options.label_kind {
                    LabelKind::Classes => {
                        let label =
                            parse_label(text, options.classes).map_err(|m| parse(line, at, m))?;
                        classes.push(label);
                    }
                    LabelKind::Real => {
                        targets.push(parse_number::<T>(text).map_err(|m| parse(line, at, m))?);
                    }
                }
            }
        }
        rows += 1;
    }

    if rows == 0 {
        let message = match &header {
            None if options.has_header => {
                "the file is empty; expected a header line and data rows".to_owned()
            }
            None => "the file is empty; expected data rows".to_owned(),
            Some(_) => {
                format!("no data rows after the header on line {first_line}; expected at least one")
            }
        };
        let line = if header.is_some() { first_line + 1 } else { 1 };
        return Err(parse(line, None, message));
    }
    let (width, _) = layout.unwrap_or((2, 0));
    let features = Array2::from_shape_vec((rows, width - 1), features)
        .expect("one value per feature field of each row");
    let labels = match options.label_kind {
        LabelKind::Classes => {
            let classes_count = match options.classes {
                Some(count) => count,
                // Labels are below usize::MAX (checked when read), so this cannot overflow.
                None => classes.iter().max().map_or(0, |&max| max + 1),
            };
            Labels::Classes {
                labels: classes,
                classes: classes_count,
            }
        }
        LabelKind::Real => {
            Labels::Real(Array2::from_shape_vec((rows, 1), targets).expect("one target per row"))
        }
    };
    Dataset::new(features, labels)
}

/// The fields of the first record as text (UTF-8 checked, a byte order mark removed).
fn decode_fields(
    record: &csv::ByteRecord,
    line: usize,
    parse: &impl Fn(usize, Option<(usize, Option<&str>)>, String) -> Error,
) -> Result<Vec<String>> {
    record
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let text = std::str::from_utf8(field).map_err(|_| {
                parse(
                    line,
                    Some((index, None)),
                    "expected UTF-8 text, got other bytes".to_owned(),
                )
            })?;
            let text = if index == 0 { strip_bom(text) } else { text };
            Ok(text.trim().to_owned())
        })
        .collect()
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').map_or(text, str::trim_start)
}

/// The index of the label column, or a message saying why there is none.
fn find_label_column(
    column: &LabelColumn,
    names: Option<&[String]>,
    width: usize,
) -> std::result::Result<usize, String> {
    match column {
        LabelColumn::Name(wanted) => {
            let Some(names) = names else {
                return Err(format!(
                    "the label column is given by name ({wanted:?}), but the options say the \
                     file has no header; expected has_header = true or a column index"
                ));
            };
            names.iter().position(|name| name == wanted).ok_or_else(|| {
                let listed: Vec<String> = names.iter().map(|name| format!("{name:?}")).collect();
                format!(
                    "no column named {wanted:?} for the labels; the header has {}",
                    listed.join(", ")
                )
            })
        }
        LabelColumn::Index(index) if *index < width => Ok(*index),
        LabelColumn::Index(index) => Err(format!(
            "label column index {index} (counting from 0) is out of range; the first line has \
             {width} fields (expected an index in 0..{width})"
        )),
        LabelColumn::First => Ok(0),
        LabelColumn::Last => Ok(width.saturating_sub(1)),
    }
}

/// A field for a message: quoted, and cut short if long.
fn quoted(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        None => format!("{text:?}"),
        Some((end, _)) => format!("{:?}...", &text[..end]),
    }
}

fn parse_number<T: Float>(text: &str) -> std::result::Result<T, String> {
    if text.is_empty() {
        return Err("expected a number, got an empty field".to_owned());
    }
    let value: f64 = text
        .parse()
        .map_err(|_| format!("expected a number, got {}", quoted(text)))?;
    if !value.is_finite() {
        return Err(format!("expected a finite number, got {}", quoted(text)));
    }
    let cast = T::cast(value);
    if !cast.is_finite() {
        return Err(format!(
            "{} is out of range for {}; expected a finite {} number",
            quoted(text),
            T::DTYPE,
            T::DTYPE
        ));
    }
    Ok(cast)
}

fn parse_label(text: &str, classes: Option<usize>) -> std::result::Result<usize, String> {
    let not_a_label = || {
        if text.is_empty() {
            "expected a class label (a non-negative integer), got an empty field".to_owned()
        } else {
            format!(
                "expected a class label (a non-negative integer), got {}",
                quoted(text)
            )
        }
    };
    let label = match text.parse::<usize>() {
        Ok(label) => label,
        Err(_) => {
            // "3.0": an integer written as a float. 2^53 bounds the integers f64 holds exactly.
            let value: f64 = text.parse().map_err(|_| not_a_label())?;
            if !((0.0..9_007_199_254_740_992.0).contains(&value) && value.fract() == 0.0) {
                return Err(not_a_label());
            }
            value as usize
        }
    };
    if label == usize::MAX {
        return Err(format!(
            "label {label} is too large; expected a class label below {}",
            usize::MAX
        ));
    }
    if let Some(classes) = classes
        && label >= classes
    {
        return Err(format!(
            "label {label} is out of range for {classes} classes (expected 0..{classes})"
        ));
    }
    Ok(label)
}

/// An error of the csv crate; `line` is the line the last record started on.
fn csv_error(name: &str, err: &csv::Error, line: usize) -> Error {
    match err.kind() {
        csv::ErrorKind::Io(io) => io_error(name, io, &format!("reading failed after line {line}")),
        _ => Error::Parse {
            context: name.to_owned(),
            line,
            column: None,
            column_name: None,
            message: err.to_string(),
        },
    }
}

/// A reader that notes the byte offset of every line break (`\n`) that passes through it, for
/// the caller to count off as records go by; it holds only the breaks not yet counted.
struct LineBreaks<R> {
    inner: R,
    breaks: Rc<RefCell<VecDeque<u64>>>,
    offset: u64,
}

impl<R> LineBreaks<R> {
    fn new(inner: R, breaks: Rc<RefCell<VecDeque<u64>>>) -> Self {
        Self {
            inner,
            breaks,
            offset: 0,
        }
    }
}

impl<R: Read> Read for LineBreaks<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut breaks = self.breaks.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|&(_, &b)| b == b'\n') {
            breaks.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}
