//! The IDX format of MNIST: big-endian headers, then unsigned bytes; plain or gzip-compressed.
//!
//! An IDX file starts with a magic number (`0x00000803` for images: unsigned bytes in three
//! dimensions; `0x00000801` for labels: unsigned bytes in one), then one big-endian `u32` per
//! dimension (images: count, rows, columns; labels: count), then the bytes, row-major.
//!
//! Every reader checks the header against the data that is actually there before it allocates
//! anything of the header's size: a header claiming 2^31 images in a file of a few bytes is an
//! error at once. Gzip data is decompressed through a bounded reader, so memory grows only
//! with the bytes that really come out of it.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;
use ndarray::Array2;

use super::io_error;
use crate::{Dataset, Error, Float, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What an IDX file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Images,
    Labels,
}

impl Kind {
    fn magic(self) -> u32 {
        match self {
            Self::Images => 0x0000_0803,
            Self::Labels => 0x0000_0801,
        }
    }

    fn dimensions(self) -> usize {
        match self {
            Self::Images => 3,
            Self::Labels => 1,
        }
    }

    fn header_len(self) -> usize {
        4 + 4 * self.dimensions()
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Images => "IDX images: unsigned bytes in 3 dimensions",
            Self::Labels => "IDX labels: unsigned bytes in 1 dimension",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::Images => Self::Labels,
            Self::Labels => Self::Images,
        }
    }

    /// What the header claims, in words: "60000 images of 28 x 28 pixels" or "60000 labels".
    fn claim(self, dims: &[u64]) -> String {
        match self {
            Self::Images => format!("{} images of {} x {} pixels", dims[0], dims[1], dims[2]),
            Self::Labels => format!("{} labels", dims[0]),
        }
    }
}

/// The dimensions from an IDX header and the bytes after it.
struct Idx {
    dims: Vec<u64>,
    data: Vec<u8>,
}

/// Where the bytes come from, for error messages and error kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Plain,
    Gzip,
}

impl Source {
    fn noun(self) -> &'static str {
        match self {
            Self::Plain => "the file",
            Self::Gzip => "the decompressed data",
        }
    }
}

/// Parses IDX image bytes (plain or gzip-compressed) into `[images, rows · columns]`, each
/// pixel (an unsigned byte) scaled to `[0, 1]` by dividing by 255.
///
/// # Errors
/// [`Error::Format`] for data shorter than the header, a magic number other than
/// `0x00000803`, a header claiming zero images or pixels, data shorter or longer than the
/// header claims, or corrupt gzip data. Nothing of the claimed size is allocated before the
/// data is known to be there.
///
/// ```
/// use nn_runtime::data::parse_idx_images;
/// // Two images of 1 x 2 pixels.
/// let bytes = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 255, 51, 102];
/// let images = parse_idx_images::<f32>(&bytes).unwrap();
/// assert_eq!(images, ndarray::array![[0.0, 1.0], [0.2, 0.4]]);
///
/// // A header claiming 2^31 images of 28 x 28 pixels, with none of them there.
/// let bytes = [0, 0, 8, 3, 128, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28];
/// let err = parse_idx_images::<f32>(&bytes).unwrap_err();
/// assert!(err.to_string().contains("truncated"), "{err}");
/// ```
pub fn parse_idx_images<T: Float>(bytes: &[u8]) -> Result<Array2<T>> {
    Ok(images(read_bytes(bytes, Kind::Images, "IDX image bytes")?))
}

/// Parses IDX label bytes (plain or gzip-compressed) into one label per item.
///
/// # Errors
/// [`Error::Format`] as [`parse_idx_images`], the magic number expected being `0x00000801`.
///
/// ```
/// use nn_runtime::data::parse_idx_labels;
/// let bytes = [0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1];
/// assert_eq!(parse_idx_labels(&bytes).unwrap(), [7, 2, 1]);
/// let err = parse_idx_labels(&[0, 0, 8, 3, 0, 0, 0, 3, 7, 2, 1]).unwrap_err();
/// assert!(err.to_string().contains("expected 0x00000801"), "{err}");
/// ```
pub fn parse_idx_labels(bytes: &[u8]) -> Result<Vec<usize>> {
    Ok(labels(read_bytes(bytes, Kind::Labels, "IDX label bytes")?))
}

/// Reads an IDX image file (plain, or gzip-compressed: recognized by its content, whatever
/// the name) into `[images, rows · columns]`, pixels scaled to `[0, 1]`.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read; otherwise as [`parse_idx_images`], with
/// the path as the errors' context.
pub fn read_idx_images<T: Float>(path: impl AsRef<Path>) -> Result<Array2<T>> {
    Ok(images(read_file(path.as_ref(), Kind::Images)?))
}

/// Reads an IDX label file (plain or gzip-compressed) into one label per item.
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read; otherwise as [`parse_idx_labels`], with
/// the path as the errors' context.
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<usize>> {
    Ok(labels(read_file(path.as_ref(), Kind::Labels)?))
}

/// Which MNIST set to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// The 60,000 training images: `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`.
    Train,
    /// The 10,000 test images: `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`.
    Test,
}

impl Split {
    /// The file names of the images and the labels, without `.gz`.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            Self::Train => ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
            Self::Test => ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Train => "train",
            Self::Test => "test",
        })
    }
}

/// Loads the MNIST training or test set from the directory `dir`: 784 features per image
/// (28 x 28 pixels, row-major, scaled to `[0, 1]`) and 10 classes.
///
/// Each file is looked for under its plain name and with `.gz` (`train-images-idx3-ubyte` or
/// `train-images-idx3-ubyte.gz`); nothing is downloaded. Fashion-MNIST, which uses the same
/// names and format, loads the same way.
///
/// Standardize the pixels ([`crate::Standardizer`]) before training a SELU network.
///
/// # Errors
/// [`Error::Io`] (kind `NotFound`) for a missing file, naming it and where to download MNIST;
/// the errors of [`read_idx_images`] and [`read_idx_labels`];
/// [`Error::LengthMismatch`] if the two files hold different numbers of items;
/// [`Error::LabelOutOfRange`] for a label above 9.
///
/// ```
/// use nn_runtime::data::{Split, load_mnist};
/// let err = load_mnist::<f32>("no/such/dir", Split::Train).unwrap_err();
/// assert!(err.to_string().contains("train-images-idx3-ubyte"), "{err}");
/// ```
pub fn load_mnist<T: Float>(dir: impl AsRef<Path>, split: Split) -> Result<Dataset<T>> {
    const CLASSES: usize = 10;
    let dir = dir.as_ref();
    let (images_name, labels_name) = split.file_names();
    let images_path = find_mnist_file(dir, images_name)?;
    let labels_path = find_mnist_file(dir, labels_name)?;
    let features = read_idx_images::<T>(&images_path)?;
    let labels = read_idx_labels(&labels_path)?;
    if features.nrows() != labels.len() {
        return Err(Error::LengthMismatch {
            context: format!("MNIST {split} set in {}", dir.display()),
            left_name: "images",
            left: features.nrows(),
            right_name: "labels",
            right: labels.len(),
        });
    }
    if let Some((row, &label)) = labels.iter().enumerate().find(|&(_, &l)| l >= CLASSES) {
        return Err(Error::LabelOutOfRange {
            context: labels_path.display().to_string(),
            row,
            label,
            classes: CLASSES,
        });
    }
    Dataset::classification(features, labels, CLASSES)
}

/// `dir/name`, or `dir/name.gz`, whichever exists (the plain name first).
fn find_mnist_file(dir: &Path, name: &str) -> Result<PathBuf> {
    let plain = dir.join(name);
    let gzip = dir.join(format!("{name}.gz"));
    for path in [&plain, &gzip] {
        if path.is_file() {
            return Ok(path.clone());
        }
    }
    let place = if dir.is_dir() {
        String::new()
    } else {
        " (the directory does not exist)".to_owned()
    };
    Err(Error::Io {
        context: plain.display().to_string(),
        kind: ErrorKind::NotFound,
        message: format!(
            "no such file, nor {name}.gz{place}; download train-images-idx3-ubyte.gz, \
             train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and \
             t10k-labels-idx1-ubyte.gz from the MNIST page (yann.lecun.com/exdb/mnist or a \
             mirror) into {}",
            dir.display()
        ),
    })
}

fn read_bytes(bytes: &[u8], kind: Kind, context: &str) -> Result<Idx> {
    if bytes.starts_with(&GZIP_MAGIC) {
        read_stream(
            MultiGzDecoder::new(bytes),
            kind,
            context,
            Source::Gzip,
            None,
        )
    } else {
        let len = bytes.len() as u64;
        read_stream(bytes, kind, context, Source::Plain, Some(len))
    }
}

fn read_file(path: &Path, kind: Kind) -> Result<Idx> {
    let context = path.display().to_string();
    let file = File::open(path).map_err(|err| io_error(&context, &err, "cannot open the file"))?;
    let len = file.metadata().map(|m| m.len()).ok();
    let mut reader = BufReader::new(file);
    let start = reader
        .fill_buf()
        .map_err(|err| io_error(&context, &err, "cannot read the file"))?;
    if start.starts_with(&GZIP_MAGIC) {
        let decoder = MultiGzDecoder::new(reader);
        read_stream(decoder, kind, &context, Source::Gzip, None)
    } else {
        read_stream(reader, kind, &context, Source::Plain, len)
    }
}

/// Reads an IDX header and then exactly the bytes it claims, never more than are there.
///
/// `known_len` is the total length of plain data when known beforehand: the claim is checked
/// against it before the body is read.
fn read_stream<R: Read>(
    mut reader: R,
    kind: Kind,
    context: &str,
    source: Source,
    known_len: Option<u64>,
) -> Result<Idx> {
    let format = |message: String| Error::Format {
        context: context.to_owned(),
        message,
    };
    let read_error = |err: std::io::Error| match (source, err.kind()) {
        (
            Source::Gzip,
            ErrorKind::InvalidData | ErrorKind::InvalidInput | ErrorKind::UnexpectedEof,
        ) => format(format!(
            "corrupt gzip data ({err}); expected a gzip-compressed IDX file"
        )),
        _ => io_error(context, &err, "cannot read the data"),
    };

    let header_len = kind.header_len();
    let mut header = [0u8; 16];
    let header = &mut header[..header_len];
    let got = read_up_to(&mut reader, header).map_err(read_error)?;
    let short = |got: usize| {
        format(format!(
            "{} is {got} bytes long; expected at least the {header_len}-byte header of {}",
            source.noun(),
            kind.describe()
        ))
    };
    if got < 4 {
        return Err(short(got));
    }
    let magic = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
    if magic != kind.magic() {
        let hint = if magic == kind.other().magic() {
            format!(" (this holds {})", kind.other().describe())
        } else {
            String::new()
        };
        return Err(format(format!(
            "magic number 0x{magic:08X}{hint}; expected 0x{:08X} ({})",
            kind.magic(),
            kind.describe()
        )));
    }
    if got < header_len {
        return Err(short(got));
    }
    let dims: Vec<u64> = header[4..]
        .chunks_exact(4)
        .map(|b| u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    let claim = kind.claim(&dims);
    if dims.contains(&0) {
        return Err(format(format!(
            "the header claims {claim}; expected at least one item of at least one byte"
        )));
    }
    let Some(expected) = dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d)) else {
        return Err(format(format!(
            "the header claims {claim}, more bytes than can be counted; the file is corrupt"
        )));
    };
    let truncated = |actual: u64| {
        format(format!(
            "truncated: the header claims {claim} = {expected} bytes after the \
             {header_len}-byte header, but {} has only {actual}",
            source.noun()
        ))
    };
    let too_long = |actual: &str| {
        format(format!(
            "the header claims {claim} = {expected} bytes after the {header_len}-byte header, \
             but {} has {actual}; expected exactly {expected} (is this the right file?)",
            source.noun()
        ))
    };

    let mut data = Vec::new();
    if let Some(len) = known_len {
        let actual = len.saturating_sub(header_len as u64);
        if actual < expected {
            return Err(truncated(actual));
        }
        if actual > expected {
            return Err(too_long(&actual.to_string()));
        }
        // The claim is now known to be the data's real size.
        data.reserve_exact(usize::try_from(expected).map_err(|_| truncated(actual))?);
    }
    // Reading one byte past the claim tells "exactly" from "more"; memory grows only with the
    // bytes that really arrive.
    reader
        .take(expected.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(read_error)?;
    let actual = data.len() as u64;
    if actual < expected {
        return Err(truncated(actual));
    }
    if actual > expected {
        return Err(too_long(&format!("more than {expected}")));
    }
    Ok(Idx { dims, data })
}

/// Reads until `buffer` is full or the data ends; the number of bytes read.
fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

/// `[images, rows · columns]` with pixels scaled to `[0, 1]`.
fn images<T: Float>(idx: Idx) -> Array2<T> {
    // The data is in memory and has exactly `dims[0] · dims[1] · dims[2]` bytes, so these fit.
    let count = idx.dims[0] as usize;
    let pixels = (idx.dims[1] * idx.dims[2]) as usize;
    let scale: Vec<T> = (0..=255u8).map(|b| T::cast(f64::from(b) / 255.0)).collect();
    let values: Vec<T> = idx.data.iter().map(|&b| scale[usize::from(b)]).collect();
    Array2::from_shape_vec((count, pixels), values).expect("the data has count x pixels bytes")
}

fn labels(idx: Idx) -> Vec<usize> {
    idx.data.into_iter().map(usize::from).collect()
}
