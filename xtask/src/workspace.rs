//! Where things are (the repository root, the study's dataset, the tools) and running commands.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The repository root: xtask's manifest lives in `<root>/xtask`.
pub fn root() -> anyhow::Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().map(Path::to_path_buf).context("xtask's manifest directory has no parent")
}

/// The cargo that runs xtask (rustup's, normally).
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Where `setup` installs trunk and wasm-bindgen (`cargo install --root`): inside target/, so that a
/// CI cache of the target directory keeps them.
pub fn tools_root(root: &Path) -> PathBuf {
    root.join("target/tools")
}

/// The study's published dataset: `$LEFT_BEHIND_SOURCE` when it is a directory, else
/// `../shared/datasets/left-behind` beside the checkout.
pub fn study_dataset(root: &Path) -> Option<PathBuf> {
    if let Ok(source) = std::env::var("LEFT_BEHIND_SOURCE") {
        let source = PathBuf::from(source);
        if source.is_dir() {
            return Some(source);
        }
    }
    let beside = root.join("../shared/datasets/left-behind");
    beside.is_dir().then_some(beside)
}

/// The dataset files under `dir`, as paths relative to it: the layout's places only
/// (benchmark/*, results/*/*, grades/*), sorted. The runner's `left-behind` lists the same places.
pub fn dataset_files(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut files = Vec::new();
    for top in ["benchmark", "results", "grades", "reviews"] {
        let top_dir = dir.join(top);
        if !top_dir.is_dir() {
            continue;
        }
        for entry in sorted_entries(&top_dir)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if path.is_file() && name != "README.md" {
                files.push(format!("{top}/{name}"));
            } else if path.is_dir() && top == "results" {
                for inner in sorted_entries(&path)? {
                    if inner.path().is_file() {
                        files.push(format!("{top}/{name}/{}", inner.file_name().to_string_lossy()));
                    }
                }
            } else if path.is_dir() && top == "grades" && name == "judges" {
                // Other judges' grades: grades/judges/<judge>/<condition_dir>.csv.
                for judge in sorted_entries(&path)? {
                    if !judge.path().is_dir() {
                        continue;
                    }
                    let judge_name = judge.file_name().to_string_lossy().into_owned();
                    for inner in sorted_entries(&judge.path())? {
                        if inner.path().is_file() {
                            files.push(format!("grades/judges/{judge_name}/{}", inner.file_name().to_string_lossy()));
                        }
                    }
                }
            }
        }
    }
    Ok(files)
}

fn sorted_entries(dir: &Path) -> anyhow::Result<Vec<std::fs::DirEntry>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot list {}", dir.display()))?;
    entries.sort_by_key(|entry| entry.file_name());
    Ok(entries)
}

/// Runs `command`, failing with its command line when it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let line = describe(command);
    eprintln!("$ {line}");
    let status = command.status().with_context(|| format!("cannot start `{line}`"))?;
    if !status.success() {
        bail!("`{line}` failed ({status})");
    }
    Ok(())
}

/// The program's standard output, if it runs and succeeds.
pub fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let output = Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn describe(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in sorted_entries(from)? {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy {} to {}", entry.path().display(), target.display()))?;
        }
    }
    Ok(())
}

/// `/left-behind` -> `/left-behind/`; `` -> `/`.
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim().trim_matches('/');
    if trimmed.is_empty() { "/".to_owned() } else { format!("/{trimmed}/") }
}
