//! One writer per data directory: `run` and `grade` each hold a lock on a file in the data directory
//! while they plan and write, so that a second `run` (or a second `grade`) on the same directory is
//! refused at once instead of planning the same calls and overwriting the first one's files.
//!
//! The lock is the operating system's advisory file lock (`File::try_lock`), held by the open file:
//! it goes away with the process however it ends (Ctrl-C, a panic, SIGKILL), so there is never a
//! stale lock to delete by hand. The file itself stays (removing it would race with a process that
//! has just opened it); it holds the process id of the last holder, for the message. `run` and
//! `grade` have separate locks: grading what a run has saved so far, while it goes on, is fine
//! (every file is replaced atomically).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use anyhow::Context;

/// The kind of work that writes to the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// `left-behind run`: writes `results/`.
    Run,
    /// `left-behind grade`: writes `grades/`.
    Grade,
}

impl Work {
    fn command(self) -> &'static str {
        match self {
            Work::Run => "run",
            Work::Grade => "grade",
        }
    }

    /// The lock file's name in the data directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Work::Run => ".left-behind-run.lock",
            Work::Grade => ".left-behind-grade.lock",
        }
    }
}

/// Held while the work goes on; dropping it releases the lock.
#[derive(Debug)]
pub struct DataLock {
    _file: File,
}

/// Takes the lock for `work` on `data_dir`, or says which process holds it.
///
/// `None` when `data_dir` is not a directory: there is nothing to protect, and the command's own
/// reading says what is wrong with the path.
pub fn acquire_if_present(data_dir: &Path, work: Work) -> anyhow::Result<Option<DataLock>> {
    if data_dir.is_dir() { acquire(data_dir, work).map(Some) } else { Ok(None) }
}

/// Takes the lock for `work` on `data_dir` (which must exist), or says which process holds it.
pub fn acquire(data_dir: &Path, work: Work) -> anyhow::Result<DataLock> {
    let path = data_dir.join(work.file_name());
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let process = if holder.is_empty() { String::new() } else { format!(" (process {holder})") };
            anyhow::bail!(
                "another `left-behind {}` is writing in {}{process}: wait for it to finish or stop it \
                 (the lock is {})",
                work.command(),
                data_dir.display(),
                path.display()
            );
        }
        Err(TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("cannot lock {}", path.display()));
        }
    }
    // Who holds it, for the message another process gives. Best effort: the lock is what counts.
    let _ = file.set_len(0).and_then(|()| file.rewind()).and_then(|()| write!(file, "{}", std::process::id()));
    Ok(DataLock { _file: file })
}
