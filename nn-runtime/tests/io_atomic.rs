//! Atomic saves: a write that fails part-way leaves the previous file as it was.

use std::fs::File;
use std::io::{self, Write};

use nn_runtime::activation::Linear;
use nn_runtime::io::save_with;
use nn_runtime::{Dense, Error, Initializer, seeded_rng};

/// Writes through to the file until `remaining` bytes are spent, then fails.
struct FailAfter<'a> {
    inner: &'a mut File,
    remaining: usize,
}

impl Write for FailAfter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.remaining == 0 && !buf.is_empty() {
            return Err(io::Error::other("injected failure"));
        }
        let n = buf.len().min(self.remaining);
        let n = self.inner.write(&buf[..n])?;
        self.remaining -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn small(seed: u64) -> Dense<2, 3, Linear, f32> {
    Dense::new(Linear, Initializer::GlorotUniform, &mut seeded_rng(seed)).named("dense_0")
}

fn dir_entries(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_write_failing_after_any_number_of_bytes_leaves_the_previous_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let old = small(1);
    nn_runtime::save(&old, &path).unwrap();
    let old_bytes = std::fs::read(&path).unwrap();

    let new = small(2);
    let new_bytes = nn_runtime::to_bytes(&new).unwrap();
    assert_ne!(old_bytes, new_bytes);
    for limit in 0..new_bytes.len() {
        let result = save_with(&new, &path, |file: &mut File| {
            Box::new(FailAfter {
                inner: file,
                remaining: limit,
            }) as Box<dyn Write + '_>
        });
        let err = result.expect_err(&format!("failing after {limit} bytes must be an error"));
        match &err {
            Error::Io { context, .. } => assert_eq!(context, &path.display().to_string()),
            other => panic!("expected Error::Io, got {other:?}"),
        }
        assert!(err.to_string().contains("injected failure"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), old_bytes, "limit {limit}");
        assert_eq!(
            dir_entries(dir.path()),
            ["model.safetensors"],
            "limit {limit}"
        );
        let mut loaded = small(3);
        nn_runtime::load(&mut loaded, &path).unwrap();
        assert_eq!(loaded.kernel(), old.kernel());
    }

    // With room for every byte, the save goes through.
    save_with(&new, &path, |file: &mut File| {
        Box::new(FailAfter {
            inner: file,
            remaining: new_bytes.len(),
        }) as Box<dyn Write + '_>
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), new_bytes);
    assert_eq!(dir_entries(dir.path()), ["model.safetensors"]);
}

#[test]
fn saving_into_a_missing_directory_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no_such_dir").join("model.safetensors");
    let err = nn_runtime::save(&small(1), &path).unwrap_err();
    match &err {
        Error::Io { context, kind, .. } => {
            assert_eq!(context, &path.display().to_string());
            assert_eq!(*kind, io::ErrorKind::NotFound);
        }
        other => panic!("expected Error::Io, got {other:?}"),
    }
    assert!(err.to_string().contains("no_such_dir"), "{err}");
    assert!(!path.exists());
    assert_eq!(dir_entries(dir.path()), Vec::<String>::new());
}

#[test]
fn saving_to_a_path_without_a_file_name_is_an_error() {
    let err = nn_runtime::save(&small(1), "..").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                kind: io::ErrorKind::InvalidInput,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn save_leaves_only_the_target_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    for seed in 0..5 {
        nn_runtime::save(&small(seed), &path).unwrap();
    }
    assert_eq!(dir_entries(dir.path()), ["w.safetensors"]);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        nn_runtime::to_bytes(&small(4)).unwrap()
    );
}
