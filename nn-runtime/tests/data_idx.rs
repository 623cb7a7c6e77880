//! The IDX reader and `load_mnist`, on small IDX buffers written here (plain and gzipped):
//! round trips, bad magic numbers, truncated and over-long data, headers claiming billions of
//! items (an error at once, with no allocation of the claimed size: a counting allocator
//! checks), mismatched counts and missing files.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use ndarray::Array2;
use nn_runtime::data::{
    Split, load_mnist, parse_idx_images, parse_idx_labels, read_idx_images, read_idx_labels,
};
use nn_runtime::{Error, Targets};

/// The system allocator, remembering the largest single request.
struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// An IDX image file: the header for `count` images of `rows x cols`, then `pixels`.
fn images_bytes(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 3];
    for d in [count, rows, cols] {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(pixels);
    bytes
}

/// An IDX label file: the header for `count` labels, then `labels`.
fn labels_bytes(count: u32, labels: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, 1];
    bytes.extend(count.to_be_bytes());
    bytes.extend(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A fresh, empty directory for this test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("data_idx_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Three 2 x 2 images with the pixels 0..12 (times 20), and their labels.
fn small_set() -> (Vec<u8>, Vec<u8>) {
    let pixels: Vec<u8> = (0..12).map(|p| p * 20).collect();
    (images_bytes(3, 2, 2, &pixels), labels_bytes(3, &[7, 0, 9]))
}

fn expected_pixels() -> Array2<f32> {
    Array2::from_shape_fn((3, 4), |(i, j)| ((i * 4 + j) * 20) as f32 / 255.0)
}

fn format_message(err: &Error) -> &str {
    match err {
        Error::Format { message, .. } => message,
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn plain_and_gzipped_bytes_round_trip() {
    let (images, labels) = small_set();
    for (what, images, labels) in [
        ("plain", images.clone(), labels.clone()),
        ("gzip", gzip(&images), gzip(&labels)),
    ] {
        let pixels = parse_idx_images::<f32>(&images).unwrap();
        assert_eq!(pixels, expected_pixels(), "{what}");
        assert_eq!(parse_idx_labels(&labels).unwrap(), [7, 0, 9], "{what}");
    }
    let full = parse_idx_images::<f64>(&images_bytes(1, 1, 3, &[0, 255, 51])).unwrap();
    assert_eq!(full.row(0).to_vec(), [0.0, 1.0, 0.2]);
}

#[test]
fn files_plain_and_gzipped_whatever_the_name() {
    let dir = temp_dir("files");
    let (images, labels) = small_set();
    std::fs::write(dir.join("a-images"), &images).unwrap();
    std::fs::write(dir.join("b-images.gz"), gzip(&images)).unwrap();
    // Gzip is recognized by content, not by name.
    std::fs::write(dir.join("c-labels"), gzip(&labels)).unwrap();
    assert_eq!(
        read_idx_images::<f32>(dir.join("a-images")).unwrap(),
        expected_pixels()
    );
    assert_eq!(
        read_idx_images::<f32>(dir.join("b-images.gz")).unwrap(),
        expected_pixels()
    );
    assert_eq!(read_idx_labels(dir.join("c-labels")).unwrap(), [7, 0, 9]);

    let err = read_idx_labels(dir.join("nothing-here")).unwrap_err();
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
    assert!(err.to_string().contains("nothing-here"), "{err}");
}

#[test]
fn load_mnist_from_plain_and_gz_files() {
    let (images, labels) = small_set();
    let dir = temp_dir("mnist_plain");
    std::fs::write(dir.join("train-images-idx3-ubyte"), &images).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte"), &labels).unwrap();
    let train = load_mnist::<f32>(&dir, Split::Train).unwrap();
    assert_eq!(train.features(), &expected_pixels());
    assert_eq!(train.class_labels(), Some(&[7, 0, 9][..]));
    assert_eq!(train.classes(), Some(10));
    assert!(matches!(train.targets(), Targets::Classes(&[7, 0, 9])));

    let dir = temp_dir("mnist_gz");
    let test_images = images_bytes(2, 1, 2, &[255, 0, 0, 255]);
    std::fs::write(dir.join("t10k-images-idx3-ubyte.gz"), gzip(&test_images)).unwrap();
    std::fs::write(
        dir.join("t10k-labels-idx1-ubyte.gz"),
        gzip(&labels_bytes(2, &[1, 2])),
    )
    .unwrap();
    let test = load_mnist::<f64>(&dir, Split::Test).unwrap();
    assert_eq!(test.features(), &ndarray::array![[1.0, 0.0], [0.0, 1.0]]);
    assert_eq!(test.class_labels(), Some(&[1, 2][..]));
    assert_eq!(Split::Test.file_names().0, "t10k-images-idx3-ubyte");
    assert_eq!(Split::Train.to_string(), "train");
}

#[test]
fn bad_magic_numbers() {
    let (images, labels) = small_set();
    let err = parse_idx_images::<f32>(&labels).unwrap_err();
    assert_eq!(
        format_message(&err),
        "magic number 0x00000801 (this holds IDX labels: unsigned bytes in 1 dimension); \
         expected 0x00000803 (IDX images: unsigned bytes in 3 dimensions)"
    );
    assert!(err.to_string().starts_with("IDX image bytes: "), "{err}");
    let err = parse_idx_labels(&images).unwrap_err();
    assert!(
        format_message(&err).contains("magic number 0x00000803"),
        "{err}"
    );
    assert!(
        format_message(&err).contains("expected 0x00000801"),
        "{err}"
    );

    let mut other = images.clone();
    other[..4].copy_from_slice(&[0x12, 0x34, 0x56, 0x78]);
    let err = parse_idx_images::<f32>(&other).unwrap_err();
    assert!(
        format_message(&err).starts_with("magic number 0x12345678; expected 0x00000803"),
        "{err}"
    );
    // Gzipped too.
    let err = parse_idx_images::<f32>(&gzip(&other)).unwrap_err();
    assert!(
        format_message(&err).starts_with("magic number 0x12345678"),
        "{err}"
    );

    // And in a file, named in the message.
    let dir = temp_dir("magic");
    let path = dir.join("train-images-idx3-ubyte");
    std::fs::write(&path, &labels).unwrap();
    let err = read_idx_images::<f32>(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: magic number 0x00000801", path.display())),
        "{err}"
    );
}

#[test]
fn short_headers() {
    for len in [0, 3] {
        let err = parse_idx_images::<f32>(&images_bytes(1, 1, 1, &[0])[..len]).unwrap_err();
        assert_eq!(
            format_message(&err),
            format!(
                "the file is {len} bytes long; expected at least the 16-byte header of IDX images: \
                 unsigned bytes in 3 dimensions"
            )
        );
    }
    let err = parse_idx_images::<f32>(&images_bytes(1, 1, 1, &[0])[..10]).unwrap_err();
    assert!(
        format_message(&err).starts_with("the file is 10 bytes long"),
        "{err}"
    );
    let err = parse_idx_labels(&gzip(&[0, 0, 8, 1, 0])).unwrap_err();
    assert!(
        format_message(&err).starts_with(
            "the decompressed data is 5 bytes long; expected at least the 8-byte header"
        ),
        "{err}"
    );
}

#[test]
fn truncated_and_overlong_data() {
    let pixels: Vec<u8> = (0..8).collect();
    let truncated = images_bytes(3, 2, 2, &pixels);
    let err = parse_idx_images::<f32>(&truncated).unwrap_err();
    assert_eq!(
        format_message(&err),
        "truncated: the header claims 3 images of 2 x 2 pixels = 12 bytes after the 16-byte \
         header, but the file has only 8"
    );
    let err = parse_idx_images::<f32>(&gzip(&truncated)).unwrap_err();
    assert_eq!(
        format_message(&err),
        "truncated: the header claims 3 images of 2 x 2 pixels = 12 bytes after the 16-byte \
         header, but the decompressed data has only 8"
    );
    let err = parse_idx_labels(&labels_bytes(5, &[1, 2])).unwrap_err();
    assert!(
        format_message(&err)
            .contains("claims 5 labels = 5 bytes after the 8-byte header, but the file has only 2"),
        "{err}"
    );

    let long = labels_bytes(2, &[1, 2, 3]);
    let err = parse_idx_labels(&long).unwrap_err();
    assert!(format_message(&err).contains("claims 2 labels = 2 bytes after the 8-byte header, but the file has 3; expected exactly 2"), "{err}");
    let err = parse_idx_labels(&gzip(&long)).unwrap_err();
    assert!(
        format_message(&err).contains("has more than 2; expected exactly 2"),
        "{err}"
    );
}

#[test]
fn zero_and_overflowing_dimensions() {
    let err = parse_idx_images::<f32>(&images_bytes(0, 28, 28, &[])).unwrap_err();
    assert!(
        format_message(&err)
            .starts_with("the header claims 0 images of 28 x 28 pixels; expected at least one"),
        "{err}"
    );
    let err = parse_idx_images::<f32>(&images_bytes(5, 0, 28, &[])).unwrap_err();
    assert!(
        format_message(&err).contains("5 images of 0 x 28 pixels"),
        "{err}"
    );
    let err = parse_idx_labels(&labels_bytes(0, &[])).unwrap_err();
    assert!(format_message(&err).contains("claims 0 labels"), "{err}");
    let err =
        parse_idx_images::<f32>(&images_bytes(u32::MAX, u32::MAX, u32::MAX, &[1, 2])).unwrap_err();
    assert!(
        format_message(&err).contains("more bytes than can be counted"),
        "{err}"
    );
}

#[test]
fn huge_claims_fail_at_once_without_allocating_the_claim() {
    let started = Instant::now();
    // 2^31 images of 28 x 28: 1.6 TB claimed, 100 bytes there.
    let claim = images_bytes(1 << 31, 28, 28, &[7; 100]);
    let err = parse_idx_images::<f32>(&claim).unwrap_err();
    assert!(
        format_message(&err).starts_with(
            "truncated: the header claims 2147483648 images of 28 x 28 pixels = 1683627180032 bytes"
        ),
        "{err}"
    );
    assert!(
        format_message(&err).ends_with("but the file has only 100"),
        "{err}"
    );
    let err = parse_idx_images::<f32>(&gzip(&claim)).unwrap_err();
    assert!(
        format_message(&err).ends_with("but the decompressed data has only 100"),
        "{err}"
    );

    // Claims small enough that allocating them would succeed: 200 MB of labels and images.
    let labels = labels_bytes(200_000_000, &[1; 1000]);
    assert!(parse_idx_labels(&labels).is_err());
    assert!(parse_idx_labels(&gzip(&labels)).is_err());
    let images = images_bytes(255_000, 28, 28, &[1; 5000]);
    assert!(parse_idx_images::<f64>(&images).is_err());
    assert!(parse_idx_images::<f64>(&gzip(&images)).is_err());

    // From files, plain and gzipped.
    let dir = temp_dir("huge");
    std::fs::write(dir.join("train-images-idx3-ubyte"), &claim).unwrap();
    std::fs::write(dir.join("train-labels-idx1-ubyte.gz"), gzip(&labels)).unwrap();
    assert!(read_idx_images::<f32>(dir.join("train-images-idx3-ubyte")).is_err());
    assert!(read_idx_labels(dir.join("train-labels-idx1-ubyte.gz")).is_err());
    assert!(load_mnist::<f32>(&dir, Split::Train).is_err());

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let largest = LARGEST.load(Ordering::Relaxed);
    assert!(
        largest < 16 << 20,
        "largest single allocation: {largest} bytes"
    );
}

#[test]
fn corrupt_gzip() {
    let (images, _) = small_set();
    let mut corrupt = gzip(&images);
    let middle = corrupt.len() / 2;
    for byte in &mut corrupt[12..middle] {
        *byte ^= 0x5a;
    }
    let err = parse_idx_images::<f32>(&corrupt).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");

    // A gzip stream cut short.
    let cut = gzip(&images);
    let err = parse_idx_images::<f32>(&cut[..cut.len() / 2]).unwrap_err();
    assert!(matches!(err, Error::Format { .. }), "{err:?}");
    // Just the gzip magic.
    assert!(parse_idx_labels(&[0x1f, 0x8b]).is_err());
}

#[test]
fn mnist_with_mismatched_counts() {
    let dir = temp_dir("mismatch");
    let (images, _) = small_set();
    std::fs::write(dir.join("train-images-idx3-ubyte"), &images).unwrap();
    std::fs::write(
        dir.join("train-labels-idx1-ubyte"),
        labels_bytes(2, &[1, 2]),
    )
    .unwrap();
    let err = load_mnist::<f32>(&dir, Split::Train).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "MNIST train set in {}: images has 3 rows but labels has 2",
            dir.display()
        )
    );
}

#[test]
fn mnist_label_out_of_range_names_the_file() {
    let dir = temp_dir("label_range");
    let (images, _) = small_set();
    std::fs::write(dir.join("t10k-images-idx3-ubyte"), &images).unwrap();
    std::fs::write(
        dir.join("t10k-labels-idx1-ubyte"),
        labels_bytes(3, &[1, 10, 2]),
    )
    .unwrap();
    let err = load_mnist::<f32>(&dir, Split::Test).unwrap_err();
    let path = dir.join("t10k-labels-idx1-ubyte");
    assert_eq!(
        err,
        Error::LabelOutOfRange {
            context: path.display().to_string(),
            row: 1,
            label: 10,
            classes: 10
        }
    );
}

#[test]
fn missing_mnist_files_say_which_and_where_to_download() {
    let dir = temp_dir("missing");
    let err = load_mnist::<f32>(&dir, Split::Train).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                kind: std::io::ErrorKind::NotFound,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    let images = dir.join("train-images-idx3-ubyte");
    assert!(
        message.starts_with(&format!(
            "{}: no such file, nor train-images-idx3-ubyte.gz;",
            images.display()
        )),
        "{message}"
    );
    assert!(message.contains("yann.lecun.com/exdb/mnist"), "{message}");
    assert!(
        message.contains(&format!("into {}", dir.display())),
        "{message}"
    );
    assert!(!message.contains("does not exist"), "{message}");

    // With the images there, the labels are what is missing.
    let (images_data, _) = small_set();
    std::fs::write(dir.join("train-images-idx3-ubyte.gz"), gzip(&images_data)).unwrap();
    let message = load_mnist::<f32>(&dir, Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("train-labels-idx1-ubyte: no such file, nor train-labels-idx1-ubyte.gz"),
        "{message}"
    );
    // The test set's names.
    let message = load_mnist::<f32>(&dir, Split::Test)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("t10k-images-idx3-ubyte: no such file"),
        "{message}"
    );

    let message = load_mnist::<f32>(dir.join("nope"), Split::Train)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("(the directory does not exist)"),
        "{message}"
    );
}
