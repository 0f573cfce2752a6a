//! File writes that never leave a half-written file: write a temporary file beside the target, flush
//! it to disk, then rename it over the target (rename is atomic within a directory).

use std::io::Write;
use std::path::Path;

use anyhow::Context;

/// Writes `bytes` to `path` atomically, creating parent directories as needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create directory {}", parent.display()))?;
    let file_name = path.file_name().with_context(|| format!("{} is not a file path", path.display()))?;
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{}.", file_name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(parent)
        .with_context(|| format!("cannot create a temporary file in {}", parent.display()))?;
    // tempfile creates files readable by the owner only; data files are meant to be shared and served.
    set_shared_permissions(temporary.as_file(), path);
    temporary.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
    temporary.as_file().sync_all().with_context(|| format!("cannot flush {}", path.display()))?;
    temporary.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    sync_parent_dir(path);
    Ok(())
}

/// Flushes the directory holding `path`, making a rename into it durable (best effort).
pub fn sync_parent_dir(path: &Path) {
    let parent = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(directory) = std::fs::File::open(parent) {
        let _ = directory.sync_all();
    }
}

/// Removes the temporary files [`write_atomic`] left beside `path` when a process writing it was
/// killed between creating and renaming one. Call only while no other writer of `path` runs.
pub fn remove_stale_temporaries(path: &Path) -> anyhow::Result<usize> {
    let (Some(parent), Some(file_name)) = (path.parent(), path.file_name()) else { return Ok(0) };
    let prefix = format!(".{}.", file_name.to_string_lossy());
    let entries = match std::fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(error).with_context(|| format!("cannot list {}", parent.display())),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", parent.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".tmp") && entry.path().is_file() {
            std::fs::remove_file(entry.path()).with_context(|| format!("cannot remove {}", entry.path().display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Gives the new file the permissions of the file it replaces, or rw-r--r-- for a new file.
#[cfg(unix)]
fn set_shared_permissions(file: &std::fs::File, target: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target).map(|metadata| metadata.permissions().mode()).unwrap_or(0o644);
    let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
fn set_shared_permissions(_file: &std::fs::File, _target: &Path) {}
