//! Writing a file atomically: a temporary file, synced, renamed over the target.

use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Distinguishes the temporary files of concurrent saves within one process.
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_error(path: &Path, e: &io::Error, what: &str) -> Error {
    Error::Io {
        context: path.display().to_string(),
        kind: e.kind(),
        message: format!("{what}: {e}"),
    }
}

/// A temporary file that is removed when dropped, unless it was renamed into place: on an
/// error, and on a panic in the caller's writer, nothing is left behind.
///
/// The file itself must be closed first (Windows cannot remove an open file): the caller
/// declares its `File` after the `TempFile`, so it is dropped first, and closes it explicitly
/// before returning an error.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `path` atomically, through the writer `wrap` builds around the temporary
/// file (see [`super::save_with`]).
pub(crate) fn write_atomic(
    bytes: &[u8],
    path: &Path,
    wrap: impl for<'a> FnOnce(&'a mut File) -> Box<dyn Write + 'a>,
) -> Result<()> {
    write_atomic_with(bytes, path, wrap, &mut System)
}

/// The file-system steps of a save besides writing the bytes, so that tests can make each one
/// fail (`tests.rs`); [`System`] is the real one.
pub(super) trait Steps {
    /// Creates a new file at `path`, failing if one exists.
    fn create_new(&mut self, path: &Path) -> io::Result<File>;
    /// Syncs the written file to disk.
    fn sync_file(&mut self, file: &File) -> io::Result<()>;
    /// Renames `from` over `to`.
    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()>;
    /// Syncs the directory, so that the rename survives a crash.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()>;
}

/// The real file system.
pub(super) struct System;

impl Steps for System {
    fn create_new(&mut self, path: &Path) -> io::Result<File> {
        OpenOptions::new().write(true).create_new(true).open(path)
    }

    fn sync_file(&mut self, file: &File) -> io::Result<()> {
        file.sync_all()
    }

    fn rename(&mut self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    /// Unix only: elsewhere a directory cannot be opened as a file.
    fn sync_dir(&mut self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            File::open(dir)?.sync_all()
        }
        #[cfg(not(unix))]
        {
            let _ = dir;
            Ok(())
        }
    }
}

/// [`write_atomic`] through `steps`.
pub(super) fn write_atomic_with(
    bytes: &[u8],
    path: &Path,
    wrap: impl for<'a> FnOnce(&'a mut File) -> Box<dyn Write + 'a>,
    steps: &mut impl Steps,
) -> Result<()> {
    let Some(file_name) = path.file_name() else {
        return Err(Error::Io {
            context: path.display().to_string(),
            kind: io::ErrorKind::InvalidInput,
            message: "cannot save: the path has no file name; expected a path to a file".to_owned(),
        });
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (mut temp, mut file) = create_temp(&dir, file_name, path, steps)?;
    let written = write_and_sync(&mut file, bytes, wrap, steps);
    drop(file);
    written.map_err(|e| {
        io_error(
            path,
            &e,
            &format!("cannot write the temporary file {}", temp.path.display()),
        )
    })?;
    steps.rename(&temp.path, path).map_err(|e| {
        io_error(
            path,
            &e,
            &format!("cannot rename {} over the file", temp.path.display()),
        )
    })?;
    temp.keep = true;
    // Best effort: the new file is in place; a directory that cannot be synced (some file
    // systems refuse) does not make the save fail.
    let _ = steps.sync_dir(&dir);
    Ok(())
}

/// Creates `.{file name}.tmp-{pid}-{n}` beside the target, new (never an existing file).
fn create_temp(
    dir: &Path,
    file_name: &OsStr,
    path: &Path,
    steps: &mut impl Steps,
) -> Result<(TempFile, File)> {
    let pid = std::process::id();
    let mut attempts = 0;
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut name = OsString::from(".");
        name.push(file_name);
        name.push(format!(".tmp-{pid}-{n}"));
        let temp_path = dir.join(name);
        match steps.create_new(&temp_path) {
            Ok(file) => {
                let temp = TempFile {
                    path: temp_path,
                    keep: false,
                };
                return Ok((temp, file));
            }
            // Left behind by a process with the same id that was killed mid-save.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 100 => {
                attempts += 1;
            }
            Err(e) => {
                return Err(io_error(
                    path,
                    &e,
                    &format!(
                        "cannot create a temporary file in {}; expected an existing, writable \
                         directory",
                        dir.display()
                    ),
                ));
            }
        }
    }
}

fn write_and_sync(
    file: &mut File,
    bytes: &[u8],
    wrap: impl for<'a> FnOnce(&'a mut File) -> Box<dyn Write + 'a>,
    steps: &mut impl Steps,
) -> io::Result<()> {
    {
        let mut writer = wrap(file);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    steps.sync_file(file)
}

#[cfg(test)]
mod tests;
