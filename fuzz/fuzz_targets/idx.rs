//! Arbitrary bytes (plain, and gzip-compressed when they start with the gzip magic) into the
//! IDX image and label parsers: a format error, or data whose size the bytes really hold.
//! The bounded proptest twin is `nn-runtime/tests/data_fuzz.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nn_runtime::Error;
use nn_runtime::data::{parse_idx_images, parse_idx_labels};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

fuzz_target!(|bytes: &[u8]| {
    let gzipped = bytes.starts_with(&GZIP_MAGIC);
    match parse_idx_images::<f32>(bytes) {
        Ok(images) => {
            assert!(images.nrows() > 0 && images.ncols() > 0);
            assert!(images.iter().all(|p| (0.0..=1.0).contains(p)));
            if !gzipped {
                // One byte per pixel after a 16-byte header, no more and no less.
                assert_eq!(images.len() + 16, bytes.len());
            }
        }
        Err(err) => assert!(matches!(err, Error::Format { .. }), "{err:?}"),
    }
    match parse_idx_labels(bytes) {
        Ok(labels) => {
            assert!(!labels.is_empty());
            assert!(labels.iter().all(|&l| l < 256));
            if !gzipped {
                assert_eq!(labels.len() + 8, bytes.len());
            }
        }
        Err(err) => assert!(matches!(err, Error::Format { .. }), "{err:?}"),
    }
});
