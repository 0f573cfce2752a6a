//! Finding and reading a dataset directory (benchmark/, results/, grades/) from disk. Parsing and
//! checking happen in `shared`; this module only does the IO.

use std::path::{Path, PathBuf};

use anyhow::Context;
use left_behind_shared::{DataFile, LoadedDataset, Problem, assemble};

/// The dataset's top-level directories.
pub const DATA_DIRECTORIES: [&str; 4] = ["benchmark", "results", "grades", "reviews"];

/// The repository root (the directory with the workspace's Cargo.toml beside runner/ and shared/),
/// searched upwards from the current directory; failing that, the current directory.
pub fn default_data_dir() -> anyhow::Result<PathBuf> {
    let current = std::env::current_dir().context("cannot read the current directory")?;
    let root = current.ancestors().find(|dir| is_repository_root(dir)).unwrap_or(&current);
    Ok(root.to_path_buf())
}

fn is_repository_root(dir: &Path) -> bool {
    dir.join("Cargo.toml").is_file() && dir.join("runner").is_dir() && dir.join("shared").is_dir()
}

/// Every file of the dataset under `root`, as paths relative to it (forward slashes), sorted.
/// Only the layout's places are visited: benchmark/*, results/*/*, grades/*, the other judges'
/// grades/judges/*/*, and reviews/*.
pub fn list_data_files(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for top in DATA_DIRECTORIES {
        let dir = root.join(top);
        if !dir.is_dir() {
            continue;
        }
        for entry in read_dir_sorted(&dir)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if !path.is_dir() {
                // Anything that is not a directory is listed, even a dangling link: reading it then
                // fails with a message naming it, instead of the file silently not existing.
                files.push(format!("{top}/{name}"));
            } else if top == "results" {
                for inner in read_dir_sorted(&path)? {
                    if !inner.path().is_dir() {
                        files.push(format!("{top}/{name}/{}", inner.file_name().to_string_lossy()));
                    }
                }
            } else if top == "grades" && name == "judges" {
                for judge in read_dir_sorted(&path)? {
                    if !judge.path().is_dir() {
                        continue;
                    }
                    let judge_name = judge.file_name().to_string_lossy().into_owned();
                    for inner in read_dir_sorted(&judge.path())? {
                        if !inner.path().is_dir() {
                            files.push(format!("grades/judges/{judge_name}/{}", inner.file_name().to_string_lossy()));
                        }
                    }
                }
            }
        }
    }
    Ok(files)
}

fn read_dir_sorted(dir: &Path) -> anyhow::Result<Vec<std::fs::DirEntry>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    Ok(entries)
}

/// Reads and assembles the dataset under `root`. A file that cannot be read is reported as a problem
/// (naming the file and the reason), and the rest still loads.
pub fn read_dataset(root: &Path) -> anyhow::Result<LoadedDataset> {
    if !root.is_dir() {
        anyhow::bail!("the dataset directory {} does not exist", root.display());
    }
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    for path in list_data_files(root)? {
        match std::fs::read(root.join(&path)) {
            Ok(bytes) => files.push(DataFile { path, bytes }),
            Err(error) => unreadable.push(Problem::error(path, format!("cannot read the file: {error}"))),
        }
    }
    let mut loaded = assemble(&files);
    loaded.problems.splice(0..0, unreadable);
    Ok(loaded)
}
