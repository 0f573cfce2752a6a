//! Local open-weight models run in-process (`provider = "local"`): GGUF files executed by llama.cpp,
//! with no API key and no server.
//!
//! - [`LocalModelSettings`]: what a `[models.NAME]` entry with `provider = "local"` says (the file,
//!   where to download it, its SHA-256, context, parallel sequences, threads, decoding).
//! - [`gguf`]: reads a GGUF header in pure Rust, so a missing, truncated or foreign file is reported
//!   by name before llama.cpp is asked to load it.
//! - [`engine`] (feature `local`): the llama.cpp engine thread with continuous batching.
//! - [`provider`]: the engine behind the same [`crate::providers::Provider`] trait as the APIs.
//! - [`pull`]: `models pull`, a resumable HTTPS download verified by SHA-256.

#[cfg(feature = "local")]
pub mod engine;
pub mod gguf;
pub mod provider;
pub mod pull;

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::Context;
use reqwest::Url;
use sha2::{Digest, Sha256};

/// Parallel sequences of one engine unless configured: on two cores, four sequences nearly double
/// the aggregate tokens per second of one (BENCHMARKS.md) and the KV cache stays small.
pub const DEFAULT_PARALLEL_SEQUENCES: u32 = 4;
/// Tokens of context per sequence unless configured (prompt and answer together).
pub const DEFAULT_CONTEXT_SIZE: u32 = 4096;
/// The sampling seed when sampling is configured without one, so that runs repeat.
pub const DEFAULT_SEED: u32 = 42;
/// `chat_template = "plain"`: no chat template, the documented fallback format.
pub const PLAIN_TEMPLATE: &str = "plain";
/// Set to compile-time-disabled builds' message.
/// Whether this `left-behind` can run local models; the error says how to get one that can.
pub fn check_engine(model: &str) -> anyhow::Result<()> {
    if cfg!(feature = "local") { Ok(()) } else { anyhow::bail!("model {model}: {FEATURE_DISABLED}") }
}

/// What a build without the engine says about a local model.
pub const FEATURE_DISABLED: &str = "this left-behind was built without the local engine (llama.cpp); install one with it: `cargo install --path runner --features local` (needs cmake and clang)";

/// A local model entry's engine and decoding settings.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalModelSettings {
    /// The GGUF file (`~` expanded; relative paths are relative to the configuration file).
    pub model_path: PathBuf,
    /// Where `models pull` downloads the file from.
    pub url: Option<Url>,
    /// The file's SHA-256 (lowercase hex), checked by `models verify` and `models pull`.
    pub sha256: Option<String>,
    /// Tokens of context per sequence.
    pub context_size: u32,
    /// Questions answered at once, as parallel sequences of one llama.cpp context.
    pub parallel_sequences: u32,
    /// CPU threads; `None`: the machine's cores.
    pub threads: Option<u32>,
    /// Nucleus sampling; only used when the temperature is above 0.
    pub top_p: Option<f32>,
    /// Sampling seed (each sequence has its own sampler with this seed); only used when sampling.
    pub seed: u32,
    /// `None`: the GGUF's own chat template; `plain`: the fallback format; otherwise the name of one
    /// of llama.cpp's built-in templates (`chatml`, `llama3`, `gemma`, ...).
    pub chat_template: Option<String>,
    /// The variable holding the token `models pull` sends (`Authorization: Bearer`): the entry's
    /// `download_token_env`, else `HF_TOKEN` for a Hugging Face URL, else none.
    pub download_token_env: Option<String>,
}

/// `HF_TOKEN` (Hugging Face's own variable) for a URL on huggingface.co, where gated models (such as
/// Google's Gemma GGUFs) need a token; no token for other hosts unless the entry names a variable.
pub fn default_download_token_env(url: &Url) -> Option<&'static str> {
    let host = url.host_str()?;
    (host == "huggingface.co" || host.ends_with(".huggingface.co")).then_some("HF_TOKEN")
}

impl LocalModelSettings {
    /// The CPU threads to use: the configured number, else the machine's cores.
    pub fn thread_count(&self) -> u32 {
        self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, |cores| u32::try_from(cores.get()).unwrap_or(1))
        })
    }
}

/// Where downloaded models go: `$XDG_CACHE_HOME/left-behind/models`, else
/// `~/.cache/left-behind/models`.
pub fn cache_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CACHE_HOME")
        .filter(|value| Path::new(value).is_absolute())
        .map(PathBuf::from)
        .or_else(|| env("HOME").filter(|value| !value.is_empty()).map(|home| Path::new(&home).join(".cache")))?;
    Some(base.join("left-behind").join("models"))
}

/// `~/x` with the home directory; a relative path against `relative_to` (the configuration file's
/// directory).
pub fn expand_path(
    text: &str,
    relative_to: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<PathBuf> {
    let path = if let Some(rest) = text.strip_prefix("~/").or_else(|| (text == "~").then_some("")) {
        let home = env("HOME").filter(|home| !home.is_empty()).context("cannot expand `~`: HOME is not set")?;
        Path::new(&home).join(rest)
    } else {
        PathBuf::from(text)
    };
    Ok(match relative_to {
        Some(base) if path.is_relative() => base.join(path),
        _ => path,
    })
}

/// The SHA-256 of everything `reader` yields, as lowercase hex.
pub fn sha256_hex(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = reader.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

/// Whether `text` is a SHA-256 in hex.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Checks that `path` is there and is a readable GGUF file, without loading it: the error names
/// the model and the file and says what to do.
pub fn check_model_file(model: &str, settings: &LocalModelSettings) -> anyhow::Result<gguf::GgufSummary> {
    let path = &settings.model_path;
    let file = match File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let hint = if settings.url.is_some() {
                format!("`left-behind models pull {model}` downloads it")
            } else {
                "give the entry a `url` for `left-behind models pull`, or put the file there".to_owned()
            };
            anyhow::bail!("model {model}: the GGUF file {} does not exist ({hint})", path.display());
        }
        Err(error) => return Err(error).with_context(|| format!("model {model}: cannot open {}", path.display())),
    };
    if file.metadata().is_ok_and(|metadata| metadata.is_dir()) {
        anyhow::bail!("model {model}: {} is a directory, not a GGUF file", path.display());
    }
    gguf::read_summary(BufReader::new(file))
        .with_context(|| format!("model {model}: {} is not a usable GGUF model", path.display()))
}
