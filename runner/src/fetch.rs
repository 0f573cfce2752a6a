//! `left-behind fetch`: get the study's published dataset into a directory.
//!
//! The source is a URL of a .tar.gz (by default the GitHub archive of the study's repository), a local
//! .tar.gz, or a directory. Only benchmark/, results/ and grades/ are taken. Nothing is written until
//! the whole source has been read and checked, and a file that exists with different content is only
//! replaced with `--force`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use left_behind_shared::{DataFile, DataFileKind, assemble, classify_path};

use crate::data_dir::DATA_DIRECTORIES;
use crate::fs_util::write_atomic;

/// The public archive of the study's repository.
pub const DEFAULT_SOURCE: &str = "https://github.com/abdulsal3m/left-behind-clt/archive/refs/heads/main.tar.gz";
/// Overrides [`DEFAULT_SOURCE`] (offline machines and tests point it at a local copy).
pub const SOURCE_ENV: &str = "LEFT_BEHIND_SOURCE";

/// Where the dataset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Url(String),
    Tarball(PathBuf),
    Directory(PathBuf),
}

impl Source {
    pub fn parse(text: &str) -> anyhow::Result<Source> {
        let text = text.trim();
        if text.starts_with("http://") || text.starts_with("https://") {
            return Ok(Source::Url(text.to_owned()));
        }
        let path = PathBuf::from(text);
        if path.is_dir() {
            Ok(Source::Directory(path))
        } else if path.is_file() {
            Ok(Source::Tarball(path))
        } else {
            bail!("no such file or directory, and not an http(s) URL")
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Url(url) => f.write_str(url),
            Source::Tarball(path) | Source::Directory(path) => write!(f, "{}", path.display()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub source: Source,
    pub into: PathBuf,
    pub force: bool,
}

pub fn run(config: FetchConfig) -> anyhow::Result<std::process::ExitCode> {
    eprintln!("fetching the dataset from {}", config.source);
    let files = match &config.source {
        Source::Url(url) => {
            let bytes = download(url)?;
            files_from_tarball(&bytes).with_context(|| format!("cannot read the archive from {url}"))?
        }
        Source::Tarball(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            files_from_tarball(&bytes).with_context(|| format!("cannot read the archive {}", path.display()))?
        }
        Source::Directory(dir) => files_from_directory(dir)?,
    };
    check_layout(&files).with_context(|| format!("{} does not hold the study's dataset", config.source))?;
    let plan = plan_writes(&config.into, files)?;
    if !plan.conflicts.is_empty() && !config.force {
        bail!(
            "{} files in {} differ from the source; nothing was written. Pass --force to replace them:\n  {}",
            plan.conflicts.len(),
            config.into.display(),
            plan.conflicts.iter().map(|file| file.path.as_str()).collect::<Vec<_>>().join("\n  ")
        );
    }
    for file in plan.new.iter().chain(&plan.conflicts) {
        write_atomic(&config.into.join(&file.path), &file.bytes)?;
    }
    let loaded = crate::data_dir::read_dataset(&config.into)?;
    let dataset = &loaded.dataset;
    println!(
        "fetched into {}: {} new, {} replaced, {} unchanged ({} questions, {} results files, {} grade rows)",
        config.into.display(),
        plan.new.len(),
        plan.conflicts.len(),
        plan.unchanged,
        dataset.questions.len(),
        dataset.results.len(),
        dataset.grades.len()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

fn download(url: &str) -> anyhow::Result<Vec<u8>> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .user_agent(concat!("left-behind/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(600))
            .build()
            .context("cannot build the HTTP client")?;
        let response = client.get(url).send().await.with_context(|| format!("cannot download {url}"))?;
        let status = response.status();
        if !status.is_success() {
            bail!("downloading {url} failed: HTTP {status}");
        }
        let bytes = response.bytes().await.with_context(|| format!("the download of {url} broke off"))?;
        tracing::info!(bytes = bytes.len(), "downloaded {url}");
        Ok(bytes.to_vec())
    })
}

/// The dataset files of a .tar.gz. Archives of a repository put everything under one top directory
/// (`left-behind-clt-main/`), and the data may sit deeper still: the dataset root is wherever
/// `benchmark/questions.json` is.
pub fn files_from_tarball(bytes: &[u8]) -> anyhow::Result<Vec<DataFile>> {
    let mut entries: Vec<(Vec<String>, Vec<u8>)> = Vec::new();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries().context("not a gzip-compressed tar archive")? {
        let mut entry = entry.context("a damaged entry in the archive")?;
        // Only regular files: links could point outside the destination.
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().context("an entry with an unreadable path")?.into_owned();
        let Some(components) = safe_components(&path) else {
            tracing::warn!("skipping archive entry with an unsafe path: {}", path.display());
            continue;
        };
        let mut content = Vec::new();
        entry.read_to_end(&mut content).with_context(|| format!("cannot read {} from the archive", path.display()))?;
        entries.push((components, content));
    }
    let root = entries
        .iter()
        .filter_map(|(components, _)| {
            let n = components.len();
            (n >= 2 && components[n - 2] == "benchmark" && components[n - 1] == "questions.json")
                .then(|| components[..n - 2].to_vec())
        })
        .min_by_key(Vec::len)
        .context("the archive has no benchmark/questions.json")?;
    Ok(entries
        .into_iter()
        .filter_map(|(components, bytes)| {
            let relative = components.strip_prefix(root.as_slice())?;
            DATA_DIRECTORIES.contains(&relative.first()?.as_str()).then(|| DataFile { path: relative.join("/"), bytes })
        })
        .collect())
}

/// The path's components, if it is relative and never climbs out (`..`).
fn safe_components(path: &Path) -> Option<Vec<String>> {
    path.components()
        .filter(|component| !matches!(component, Component::CurDir))
        .map(|component| match component {
            Component::Normal(part) => part.to_str().map(str::to_owned),
            _ => None,
        })
        .collect()
}

/// The dataset files under a directory that holds benchmark/, results/ and grades/.
fn files_from_directory(dir: &Path) -> anyhow::Result<Vec<DataFile>> {
    if !dir.join("benchmark").is_dir() {
        bail!("{} has no benchmark/ directory", dir.display());
    }
    crate::data_dir::list_data_files(dir)?
        .into_iter()
        .map(|path| {
            let bytes =
                std::fs::read(dir.join(&path)).with_context(|| format!("cannot read {}", dir.join(&path).display()))?;
            Ok(DataFile { path, bytes })
        })
        .collect()
}

/// The source must hold the questions and at least one results and one grades file, all parseable.
fn check_layout(files: &[DataFile]) -> anyhow::Result<()> {
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for file in files {
        let kind = match classify_path(&file.path) {
            DataFileKind::Questions => "questions",
            DataFileKind::AnswerSheet => "answer sheet",
            DataFileKind::Results { .. } => "results",
            DataFileKind::Grades { .. } => "grades",
            _ => continue,
        };
        *kinds.entry(kind).or_default() += 1;
    }
    let missing: Vec<&str> =
        ["questions", "results", "grades"].into_iter().filter(|kind| !kinds.contains_key(kind)).collect();
    if !missing.is_empty() {
        bail!("no {} files found", missing.join(", no "));
    }
    let loaded = assemble(files);
    let errors: Vec<String> =
        loaded.problems.iter().filter(|problem| problem.is_error()).map(ToString::to_string).collect();
    if !errors.is_empty() {
        bail!("{} files are damaged:\n  {}", errors.len(), errors.join("\n  "));
    }
    Ok(())
}

struct WritePlan {
    new: Vec<DataFile>,
    conflicts: Vec<DataFile>,
    unchanged: usize,
}

fn plan_writes(into: &Path, files: Vec<DataFile>) -> anyhow::Result<WritePlan> {
    let mut plan = WritePlan { new: Vec::new(), conflicts: Vec::new(), unchanged: 0 };
    for file in files {
        let target = into.join(&file.path);
        match std::fs::read(&target) {
            Ok(existing) if existing == file.bytes => plan.unchanged += 1,
            Ok(_) => plan.conflicts.push(file),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => plan.new.push(file),
            Err(error) => return Err(error).with_context(|| format!("cannot read {}", target.display())),
        }
    }
    Ok(plan)
}
