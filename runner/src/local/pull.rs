//! `left-behind models pull`: downloads a model file over HTTP(S) with a progress bar, resumably.
//!
//! Bytes go to `<file>.part` beside the destination. A download that breaks off is resumed with a
//! `Range` request, by the next attempt of the same command or by running the command again; a
//! server that ignores `Range` (HTTP 200) makes it start over. The finished file's SHA-256 is checked
//! against the entry's before it is renamed into place, so the destination only ever holds a whole,
//! verified file. A mismatch deletes the partial file (resuming it could never succeed).
//!
//! A token (Hugging Face's gated models need one) goes in an `Authorization: Bearer` header marked
//! sensitive; reqwest drops it when a redirect leaves the host (Hugging Face sends the file from
//! its CDN with a signed URL), and no message carries it.

use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use reqwest::{StatusCode, Url, header};

use crate::secrets::Secret;

/// Attempts of one `pull` before giving up (each resumes where the last stopped).
const MAX_ATTEMPTS: u32 = 5;

/// What to download and where.
#[derive(Debug, Clone)]
pub struct PullRequest {
    pub url: Url,
    pub destination: PathBuf,
    /// Lowercase hex; `None`: the file is not verified (the caller says so).
    pub sha256: Option<String>,
    /// The variable the token comes from (named in messages), and the token if it is set.
    pub token_variable: Option<String>,
    pub token: Option<Secret>,
    pub show_progress: bool,
    /// The first retry's delay (doubled for each further one). Tests make it short.
    pub retry_delay: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    /// The file was there already (and matched the SHA-256, when one is given).
    AlreadyPresent,
    /// Downloaded (`resumed_from`: bytes a previous run had fetched).
    Downloaded { bytes: u64, resumed_from: u64, sha256: String },
}

/// The URL without its query and credentials, for messages (a signed or tokened URL keeps its
/// secret out of logs).
fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// The partial file beside `destination`.
pub fn partial_path(destination: &Path) -> PathBuf {
    let mut name = destination.file_name().map(|name| name.to_os_string()).unwrap_or_default();
    name.push(".part");
    destination.with_file_name(name)
}

/// Downloads `request.url` to `request.destination` unless it is there already.
pub async fn pull(client: &reqwest::Client, request: &PullRequest) -> anyhow::Result<PullOutcome> {
    let destination = &request.destination;
    if destination.is_file() {
        let Some(expected) = &request.sha256 else { return Ok(PullOutcome::AlreadyPresent) };
        let actual = file_sha256(destination)?;
        if &actual == expected {
            return Ok(PullOutcome::AlreadyPresent);
        }
        anyhow::bail!(
            "{} exists but its SHA-256 is {actual}, not the entry's {expected}; delete it to download it again",
            destination.display()
        );
    }
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let partial = partial_path(destination);
    let resumed_from = std::fs::metadata(&partial).map(|metadata| metadata.len()).unwrap_or(0);
    let bar = progress_bar(request.show_progress);
    let mut attempt = 0;
    loop {
        attempt += 1;
        match download_once(client, request, &partial, &bar).await {
            Ok(()) => break,
            Err(error) if attempt < MAX_ATTEMPTS && error.retryable => {
                let delay = request.retry_delay.saturating_mul(1 << (attempt - 1));
                tracing::warn!(
                    "download of {} broke off ({}); resuming in {:.1} s",
                    display_url(&request.url),
                    error.message,
                    delay.as_secs_f64()
                );
                tokio::time::sleep(delay).await;
            }
            Err(error) => {
                bar.abandon();
                let kept = std::fs::metadata(&partial).map(|metadata| metadata.len()).unwrap_or(0);
                let resume = if kept > 0 {
                    format!(
                        "; the {kept} bytes fetched are kept in {} and the next pull resumes there",
                        partial.display()
                    )
                } else {
                    String::new()
                };
                anyhow::bail!("cannot download {}: {}{resume}", display_url(&request.url), error.message);
            }
        }
    }
    bar.finish_and_clear();
    let sha256 = file_sha256(&partial)?;
    if let Some(expected) = &request.sha256
        && &sha256 != expected
    {
        let _ = std::fs::remove_file(&partial);
        anyhow::bail!(
            "the file downloaded from {} has SHA-256 {sha256}, not the entry's {expected}; it was deleted (check the url and sha256 of the entry)",
            display_url(&request.url)
        );
    }
    let bytes = std::fs::metadata(&partial).with_context(|| format!("cannot read {}", partial.display()))?.len();
    std::fs::rename(&partial, destination)
        .with_context(|| format!("cannot move {} to {}", partial.display(), destination.display()))?;
    crate::fs_util::sync_parent_dir(destination);
    Ok(PullOutcome::Downloaded { bytes, resumed_from, sha256 })
}

struct DownloadError {
    message: String,
    retryable: bool,
}

impl DownloadError {
    fn retryable(message: impl Into<String>) -> DownloadError {
        DownloadError { message: message.into(), retryable: true }
    }

    fn fatal(message: impl Into<String>) -> DownloadError {
        DownloadError { message: message.into(), retryable: false }
    }
}

/// One request: from the partial file's end to the end of the file (or from 0 if the server
/// ignores the range). Every chunk is written and the file flushed before the next is read, so a
/// break keeps all that arrived.
async fn download_once(
    client: &reqwest::Client,
    request: &PullRequest,
    partial: &Path,
    bar: &indicatif::ProgressBar,
) -> Result<(), DownloadError> {
    let offset = std::fs::metadata(partial).map(|metadata| metadata.len()).unwrap_or(0);
    let mut builder = client.get(request.url.clone());
    if offset > 0 {
        builder = builder.header(header::RANGE, format!("bytes={offset}-"));
    }
    if let Some(token) = &request.token {
        let value = token
            .header_value("Bearer ")
            .ok_or_else(|| DownloadError::fatal("the token holds characters an HTTP header cannot carry"))?;
        builder = builder.header(header::AUTHORIZATION, value);
    }
    let response = builder.send().await.map_err(|error| DownloadError::retryable(describe_reqwest(error)))?;
    let status = response.status();
    let append = match status {
        StatusCode::PARTIAL_CONTENT => true,
        StatusCode::OK => false,
        // The partial file is already whole (a previous run stopped between the last byte and the
        // rename): the checksum decides.
        StatusCode::RANGE_NOT_SATISFIABLE if offset > 0 => return Ok(()),
        status if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
            return Err(DownloadError::retryable(format!("HTTP {status}")));
        }
        status @ (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
            return Err(DownloadError::fatal(format!("HTTP {status}: {}", token_hint(request))));
        }
        status => return Err(DownloadError::fatal(format!("HTTP {status}"))),
    };
    let start = if append { offset } else { 0 };
    let total = response.content_length().map(|length| length + start);
    if let Some(total) = total {
        bar.set_length(total);
    }
    bar.set_position(start);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(partial)
        .map_err(|error| DownloadError::fatal(format!("cannot write {}: {error}", partial.display())))?;
    let mut response = response;
    let mut written = start;
    while let Some(chunk) = response.chunk().await.map_err(|error| DownloadError::retryable(describe_reqwest(error)))? {
        file.write_all(&chunk)
            .map_err(|error| DownloadError::fatal(format!("cannot write {}: {error}", partial.display())))?;
        written += chunk.len() as u64;
        bar.set_position(written);
    }
    file.sync_all().map_err(|error| DownloadError::fatal(format!("cannot write {}: {error}", partial.display())))?;
    if let Some(total) = total
        && written < total
    {
        return Err(DownloadError::retryable(format!("the connection closed at byte {written} of {total}")));
    }
    Ok(())
}

/// What to do about a 401 or 403: set the token, or check the one that was sent.
fn token_hint(request: &PullRequest) -> String {
    match (&request.token_variable, &request.token) {
        (Some(variable), Some(_)) => format!(
            "the server refused the token in {variable} (for a gated Hugging Face model, accept its terms on \
             the model's page with the token's account)"
        ),
        (Some(variable), None) => {
            format!("the server wants a token: set {variable} (an access token) in the environment or a .env file")
        }
        (None, _) => "the server wants a token: name the variable holding it with download_token_env in the \
                      entry"
            .to_owned(),
    }
}

/// reqwest's message with its causes, without the URL (which could carry a token in its query).
fn describe_reqwest(error: reqwest::Error) -> String {
    crate::providers::http::error_chain(&error.without_url())
}

fn progress_bar(show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("a valid template"),
    );
    bar
}

/// The SHA-256 of a file, in hex.
pub fn file_sha256(path: &Path) -> anyhow::Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    super::sha256_hex(BufReader::new(file)).with_context(|| format!("cannot read {}", path.display()))
}
