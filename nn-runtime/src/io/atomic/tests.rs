//! Fault injection into a save: each file-system step made to fail, a writer failing after
//! every byte count, and the disk as a crash at any point would leave it. The previous file
//! must stay byte-identical and loadable until the rename, and be the new file after it.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{Steps, System, write_atomic_with};
use crate::activation::Linear;
use crate::{Dense, Error, Initializer, seeded_rng};

fn model(seed: u64) -> Dense<2, 3, Linear, f32> {
    Dense::new(Linear, Initializer::GlorotUniform, &mut seeded_rng(seed)).named("dense_0")
}

fn bytes_of(seed: u64) -> Vec<u8> {
    crate::to_bytes(&model(seed)).unwrap()
}

/// The files of a directory, by name, with their bytes.
type Disk = BTreeMap<String, Vec<u8>>;

/// Every file in `dir` with its bytes.
fn disk(dir: &Path) -> Disk {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// A directory holding `model.safetensors` saved from `model(1)`.
fn previous() -> (tempfile::TempDir, PathBuf, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    crate::save(&model(1), &path).unwrap();
    let old = std::fs::read(&path).unwrap();
    assert_eq!(old, bytes_of(1));
    (dir, path, old)
}

/// The file at `path` loads into a model and gives the values of `model(seed)`.
fn assert_loads_as(path: &Path, seed: u64) {
    let mut loaded = model(99);
    crate::load(&mut loaded, path).unwrap();
    assert_eq!(loaded.kernel(), model(seed).kernel());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Create,
    SyncFile,
    Rename,
    SyncDir,
}

/// The real file system, except that `fail` returns an error (once), and `before` is called
/// before every step.
struct Faulty<'a> {
    fail: Option<Step>,
    before: Box<dyn FnMut(Step) + 'a>,
}

impl Faulty<'_> {
    fn step(&mut self, step: Step) -> io::Result<()> {
        (self.before)(step);
        if self.fail == Some(step) {
            self.fail = None;
            return Err(io::Error::other(format!("injected failure at {step:?}")));
        }
        Ok(())
    }
}

impl Steps for Faulty<'_> {
    fn create_new(&mut self, path: &Path) -> io::Result<File> {
        self.step(Step::Create)?;
        System.create_new(path)
    }

    fn sync_file(&mut self, file: &File) -> io::Result<()> {
        self.step(Step::SyncFile)?;
        System.sync_file(file)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        self.step(Step::Rename)?;
        System.rename(from, to)
    }

    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        self.step(Step::SyncDir)?;
        System.sync_dir(dir)
    }
}

fn plain(file: &mut File) -> Box<dyn Write + '_> {
    Box::new(file)
}

#[test]
fn a_failing_step_before_the_rename_keeps_the_previous_file() {
    for step in [Step::Create, Step::SyncFile, Step::Rename] {
        let (dir, path, old) = previous();
        let mut steps = Faulty {
            fail: Some(step),
            before: Box::new(|_| {}),
        };
        let err = write_atomic_with(&bytes_of(2), &path, plain, &mut steps).unwrap_err();
        let Error::Io {
            context, message, ..
        } = &err
        else {
            panic!("{step:?}: expected Error::Io, got {err:?}");
        };
        assert_eq!(context, &path.display().to_string(), "{step:?}");
        assert!(
            message.contains(&format!("injected failure at {step:?}")),
            "{step:?}: {message}"
        );
        let expected_what = match step {
            Step::Create => "cannot create a temporary file",
            Step::SyncFile => "cannot write the temporary file",
            _ => "cannot rename",
        };
        assert!(message.contains(expected_what), "{step:?}: {message}");
        assert_eq!(
            disk(dir.path()),
            BTreeMap::from([("model.safetensors".to_owned(), old.clone())]),
            "{step:?}: the previous file changed or a temporary file was left"
        );
        assert_loads_as(&path, 1);
    }
}

#[test]
fn a_failing_directory_sync_after_the_rename_is_not_an_error() {
    let (dir, path, _) = previous();
    let mut steps = Faulty {
        fail: Some(Step::SyncDir),
        before: Box::new(|_| {}),
    };
    write_atomic_with(&bytes_of(2), &path, plain, &mut steps).unwrap();
    assert_eq!(
        disk(dir.path()),
        BTreeMap::from([("model.safetensors".to_owned(), bytes_of(2))])
    );
    assert_loads_as(&path, 2);
}

/// Writes through to the file until `remaining` bytes are spent, then fails (or, with
/// `fail_flush`, accepts every byte and fails to flush).
struct FailAfter<'a> {
    inner: &'a mut File,
    remaining: usize,
    fail_flush: bool,
}

impl Write for FailAfter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.remaining == 0 && !buf.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::StorageFull,
                "injected: disk full",
            ));
        }
        // One byte at a time: short writes must be retried by the caller.
        let n = self
            .inner
            .write(&buf[..buf.len().min(self.remaining).min(1)])?;
        self.remaining -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.fail_flush {
            return Err(io::Error::other("injected: flush failed"));
        }
        self.inner.flush()
    }
}

#[test]
fn a_writer_failing_after_any_byte_count_or_at_flush_keeps_the_previous_file() {
    let new = bytes_of(2);
    let (dir, path, old) = previous();
    let cases = (0..new.len())
        .map(|limit| (limit, false))
        .chain([(new.len(), true)]);
    for (limit, fail_flush) in cases {
        let result = write_atomic_with(
            &new,
            &path,
            |file| {
                Box::new(FailAfter {
                    inner: file,
                    remaining: limit,
                    fail_flush,
                })
            },
            &mut System,
        );
        let err = result.expect_err("an interrupted write is an error");
        assert!(
            matches!(&err, Error::Io { context, .. } if context == &path.display().to_string()),
            "{err:?}"
        );
        assert!(err.to_string().contains("injected"), "{err}");
        assert_eq!(
            disk(dir.path()),
            BTreeMap::from([("model.safetensors".to_owned(), old.clone())]),
            "limit {limit}, flush failing: {fail_flush}"
        );
    }
    assert_loads_as(&path, 1);
}

/// Writes through to the file, recording the disk after every byte.
struct Recording<'a> {
    inner: &'a mut File,
    dir: PathBuf,
    states: Rc<RefCell<Vec<Disk>>>,
}

impl Write for Recording<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(first) = buf.first() else {
            return Ok(0);
        };
        let n = self.inner.write(std::slice::from_ref(first))?;
        self.states.borrow_mut().push(disk(&self.dir));
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A crash leaves the disk as it is at that moment (no destructor runs): record the disk
/// before every step and after every byte, and check each state as a crash would leave it.
#[test]
fn a_crash_at_any_point_leaves_the_previous_file_or_the_new_one() {
    let (dir, path, old) = previous();
    let new = bytes_of(2);
    let states = Rc::new(RefCell::new(Vec::new()));
    let renamed_at = Rc::new(RefCell::new(None));
    let mut steps = Faulty {
        fail: None,
        before: Box::new(|step| {
            let mut states = states.borrow_mut();
            if step == Step::SyncDir {
                *renamed_at.borrow_mut() = Some(states.len());
            }
            states.push(disk(dir.path()));
        }),
    };
    let recording_in = dir.path().to_path_buf();
    write_atomic_with(
        &new,
        &path,
        |file| {
            Box::new(Recording {
                inner: file,
                dir: recording_in,
                states: Rc::clone(&states),
            })
        },
        &mut steps,
    )
    .unwrap();
    drop(steps);
    states.borrow_mut().push(disk(dir.path()));

    let states = states.take();
    let renamed_at = renamed_at.take().expect("the directory was synced");
    // Before creating, after each byte, before syncing, renaming and syncing the directory,
    // and at the end.
    assert_eq!(states.len(), new.len() + 5);
    let scratch = tempfile::tempdir().unwrap();
    for (index, state) in states.iter().enumerate() {
        let expected = if index < renamed_at { &old } else { &new };
        assert_eq!(
            state.get("model.safetensors"),
            Some(expected),
            "state {index}: the target is neither intact nor complete"
        );
        // The state loads as it stands, and a temporary file is at most one partial copy.
        let copy = scratch.path().join(format!("state-{index}.safetensors"));
        std::fs::write(&copy, expected).unwrap();
        assert_loads_as(&copy, if index < renamed_at { 1 } else { 2 });
        let temps: Vec<_> = state
            .iter()
            .filter(|(name, _)| name.starts_with(".model.safetensors.tmp-"))
            .collect();
        assert!(
            temps.len() <= usize::from(index < renamed_at),
            "state {index}"
        );
        for (_, bytes) in temps {
            assert!(new.starts_with(bytes), "state {index}");
        }
    }
    assert_eq!(
        disk(dir.path()),
        BTreeMap::from([("model.safetensors".to_owned(), new)])
    );
}

/// Temporary files a crashed process with the same id left behind: skipped, and left alone.
#[test]
fn leftover_temporary_files_are_skipped() {
    struct Taken(usize);
    impl Steps for Taken {
        fn create_new(&mut self, path: &Path) -> io::Result<File> {
            if self.0 > 0 {
                self.0 -= 1;
                return Err(io::Error::from(io::ErrorKind::AlreadyExists));
            }
            System.create_new(path)
        }
        fn sync_file(&mut self, file: &File) -> io::Result<()> {
            System.sync_file(file)
        }
        fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
            System.rename(from, to)
        }
        fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
            System.sync_dir(dir)
        }
    }

    let (dir, path, _) = previous();
    write_atomic_with(&bytes_of(2), &path, plain, &mut Taken(5)).unwrap();
    assert_loads_as(&path, 2);

    // Past 100 taken names, an error rather than a loop without end.
    let err = write_atomic_with(&bytes_of(3), &path, plain, &mut Taken(1000)).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Io {
                kind: io::ErrorKind::AlreadyExists,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        disk(dir.path()),
        BTreeMap::from([("model.safetensors".to_owned(), bytes_of(2))])
    );
}
