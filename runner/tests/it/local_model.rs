//! `provider = "local"`: GGUF models run in-process by llama.cpp.
//!
//! Without the model: GGUF headers written byte by byte in the test (read, and rejected with the
//! place named), `models list|verify`, `models pull` against a real HTTP server on 127.0.0.1 (whole,
//! resumed after a break and after a previous run, refused on a SHA-256 mismatch), and `run`
//! refusing a missing, foreign or unloadable file before asking anything.
//!
//! With the real Gemma 3 270M GGUF (`cargo xtask setup` puts it in the model cache; the test prints
//! SKIPPED when it is absent, and fails instead under CI=true): the end-to-end run, its repetition
//! giving the same text (and a question asked alone the same as in company), sampling settings
//! recorded, a chat template applied with its special tokens, SIGKILL then resume, and a truncated
//! copy refused with llama.cpp's reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use left_behind_runner::local::gguf::{GgufError, read_summary};
use left_behind_runner::local::pull::{PullOutcome, PullRequest, partial_path, pull};
use left_behind_runner::local::sha256_hex;
use serde_json::{Value, json};

use crate::support::{
    command, http_client, path_str, read_results, run_args, run_binary, spawn_quietly, text, validate_with_config,
};

// ----------------------------------------------------------------------------------------------
// GGUF files written by hand

enum Meta<'a> {
    Str(&'a str),
    U32(u32),
    F32(f32),
    Strings(&'a [&'a str]),
}

/// A GGUF v3 header with `metadata` and no tensors.
fn gguf(metadata: &[(&str, Meta)]) -> Vec<u8> {
    let mut bytes = b"GGUF".to_vec();
    bytes.extend(3u32.to_le_bytes());
    bytes.extend(0u64.to_le_bytes());
    bytes.extend((metadata.len() as u64).to_le_bytes());
    let string = |bytes: &mut Vec<u8>, text: &str| {
        bytes.extend((text.len() as u64).to_le_bytes());
        bytes.extend(text.as_bytes());
    };
    for (key, value) in metadata {
        string(&mut bytes, key);
        match value {
            Meta::Str(text) => {
                bytes.extend(8u32.to_le_bytes());
                string(&mut bytes, text);
            }
            Meta::U32(number) => {
                bytes.extend(4u32.to_le_bytes());
                bytes.extend(number.to_le_bytes());
            }
            Meta::F32(number) => {
                bytes.extend(6u32.to_le_bytes());
                bytes.extend(number.to_le_bytes());
            }
            Meta::Strings(items) => {
                bytes.extend(9u32.to_le_bytes());
                bytes.extend(8u32.to_le_bytes());
                bytes.extend((items.len() as u64).to_le_bytes());
                for item in *items {
                    string(&mut bytes, item);
                }
            }
        }
    }
    bytes
}

fn tiny_gguf() -> Vec<u8> {
    gguf(&[
        ("general.architecture", Meta::Str("gemma3")),
        ("general.name", Meta::Str("Tiny Қазақ")),
        ("tokenizer.ggml.tokens", Meta::Strings(&["<pad>", "<bos>", "сәлем", "сайн"])),
        ("gemma3.attention.layer_norm_rms_epsilon", Meta::F32(1e-6)),
        ("general.file_type", Meta::U32(15)),
        ("gemma3.context_length", Meta::U32(32768)),
        ("tokenizer.chat_template", Meta::Str("{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}")),
    ])
}

#[test]
fn gguf_header_gives_architecture_name_quantization_context_and_template() {
    let summary = read_summary(tiny_gguf().as_slice()).unwrap();
    assert_eq!(summary.version, 3);
    assert_eq!(summary.tensor_count, 0);
    assert_eq!(summary.metadata_count, 7);
    assert_eq!(summary.architecture.as_deref(), Some("gemma3"));
    assert_eq!(summary.name.as_deref(), Some("Tiny Қазақ"));
    assert_eq!(summary.file_type_name(), Some("Q4_K_M"));
    assert_eq!(summary.context_length, Some(32768));
    assert!(summary.chat_template.unwrap().starts_with("{{ bos_token }}"));
    let without_template = gguf(&[("general.architecture", Meta::Str("llama"))]);
    assert_eq!(read_summary(without_template.as_slice()).unwrap().chat_template, None);
}

#[test]
fn gguf_errors_say_what_is_wrong_and_where() {
    let error = read_summary(&b"PK\x03\x04rest of a zip"[..]).unwrap_err();
    assert!(matches!(error, GgufError::NotGguf { .. }));
    assert_eq!(error.to_string(), "not a GGUF file: it starts with \"PK\\u{3}\\u{4}\", not \"GGUF\"");

    let mut version_one = tiny_gguf();
    version_one[4..8].copy_from_slice(&1u32.to_le_bytes());
    assert_eq!(
        read_summary(version_one.as_slice()).unwrap_err().to_string(),
        "GGUF version 1 is not supported (llama.cpp reads versions 2 and 3)"
    );

    // Cut inside the value of general.name: the error gives the byte and the key being read.
    let whole = tiny_gguf();
    let cut = 24 + 8 + "general.architecture".len() + 4 + 8 + "gemma3".len() + 8 + "general.name".len() + 4 + 8 + 3;
    let error = read_summary(&whole[..cut]).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("the file ends at byte {} inside its header (general.name): it is truncated", cut - 3)
    );

    // A string length no real file has is corruption, not a reason to allocate gigabytes.
    let mut corrupt = gguf(&[("general.name", Meta::Str("x"))]);
    let length_at = 24 + 8 + "general.name".len() + 4;
    corrupt[length_at..length_at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    let error = read_summary(corrupt.as_slice()).unwrap_err();
    assert!(error.to_string().starts_with(&format!("invalid header at byte {length_at}: general.name: a string of")));

    assert!(matches!(read_summary(&b"GG"[..]).unwrap_err(), GgufError::Truncated { offset: 0, .. }));
}

// ----------------------------------------------------------------------------------------------
// models list | verify

/// A configuration with `models`. Its request timeout is far shorter than any generation: local
/// models must not be held to it (a generation is bounded by max_tokens, not a network).
fn write_config(dir: &Path, models: &str) -> PathBuf {
    let path = dir.join("left-behind.toml");
    let run = "[run]\nretry_base_delay_ms = 10\nretry_max_delay_ms = 50\ntimeout_seconds = 0.01\n";
    std::fs::write(&path, format!("{run}\n{models}")).unwrap();
    path
}

/// `left-behind models ARGS`, with the model cache inside `dir`.
fn models_command(dir: &Path, config: &Path, args: &[&str]) -> std::process::Output {
    let mut full = vec!["models"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--data", path_str(dir), "--config", path_str(config)]);
    command().args(&full).env("XDG_CACHE_HOME", dir.join("cache")).current_dir(dir).output().unwrap()
}

#[test]
fn models_list_shows_local_entries_and_whether_their_files_are_there() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("models")).unwrap();
    std::fs::write(dir.path().join("models/tiny.gguf"), tiny_gguf()).unwrap();
    std::fs::write(dir.path().join("models/broken.gguf"), b"<html>404</html>").unwrap();
    let config = write_config(
        dir.path(),
        r#"
[models.tiny_local]
provider = "local"
model_path = "models/tiny.gguf"
parallel_sequences = 2
threads = 3

[models.broken_local]
provider = "local"
model_path = "models/broken.gguf"

[models.absent_local]
provider = "local"
url = "https://example.invalid/files/absent-q8_0.gguf?download=true"
sha256 = "A5FD3B62230AA5EC60212297DC9D20EAA70578AC519E00D93A17E44C087A6818"
temperature = 0.7
"#,
    );
    let output = models_command(dir.path(), &config, &["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let listing = text(&output.stdout);
    let models_dir = dir.path().join("models");
    assert!(listing.contains("local models (3)"), "{listing}");
    // A relative model_path is relative to the configuration file.
    assert!(listing.contains(&format!("file:    {}", models_dir.join("tiny.gguf").display())), "{listing}");
    assert!(listing.contains("status:  present, 455 B, gemma3, Q4_K_M\n"), "{listing}");
    assert!(listing.contains("engine:  2 sequences x 4096 tokens, 3 threads, greedy decoding"), "{listing}");
    assert!(
        listing.contains("status:  present, 16 B, NOT USABLE: not a GGUF file: it starts with \"<htm\""),
        "{listing}"
    );
    // Without model_path, the file goes to the cache under the URL's file name.
    let cache = dir.path().join("cache/left-behind/models/absent-q8_0.gguf");
    assert!(listing.contains(&format!("file:    {}", cache.display())), "{listing}");
    assert!(listing.contains("status:  missing (`left-behind models pull absent_local` downloads it)"), "{listing}");
    assert!(listing.contains("sha256:  a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"));
    assert!(listing.contains("sampling at temperature 0.7"), "{listing}");
}

#[test]
fn models_verify_checks_the_header_and_the_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = tiny_gguf();
    let sha256 = sha256_hex(bytes.as_slice()).unwrap();
    std::fs::write(dir.path().join("tiny.gguf"), &bytes).unwrap();
    let entry =
        |name: &str, sha: &str| format!("[models.{name}]\nprovider = \"local\"\nmodel_path = \"tiny.gguf\"\n{sha}\n");
    let config = write_config(
        dir.path(),
        &[
            entry("pinned", &format!("sha256 = \"{sha256}\"")),
            entry("wrong", &format!("sha256 = \"{}\"", "0".repeat(64))),
            entry("unpinned", ""),
            "[models.api]\nprovider = \"openai-compatible\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel_id = \"m\"\n"
                .to_owned(),
        ]
        .concat(),
    );
    let intact = models_command(dir.path(), &config, &["verify", "pinned"]);
    assert_eq!(intact.status.code(), Some(0), "{}", text(&intact.stderr));
    assert!(text(&intact.stdout).contains(&format!("is intact (GGUF v3, 0 tensors, gemma3; SHA-256 {sha256})")));

    let wrong = models_command(dir.path(), &config, &["verify", "wrong"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stdout).contains(&format!("is NOT the expected file: its SHA-256 is {sha256}")));

    let unpinned = models_command(dir.path(), &config, &["verify", "unpinned"]);
    assert_eq!(unpinned.status.code(), Some(0));
    assert!(text(&unpinned.stdout).contains(&format!("add `sha256 = \"{sha256}\"` to pin it")));

    let api = models_command(dir.path(), &config, &["verify", "api"]);
    assert_eq!(api.status.code(), Some(1));
    assert!(
        text(&api.stderr)
            .contains("model \"api\" is served by openai-compatible, not a local file: the local models of"),
        "{}",
        text(&api.stderr)
    );
    let unknown = models_command(dir.path(), &config, &["verify", "nope"]);
    assert!(text(&unknown.stderr).contains("unknown model \"nope\""));
}

#[test]
fn local_entries_are_checked_when_the_configuration_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("provider = \"local\"\n", "a local model needs `model_path` (a GGUF file) or a `url` to pull it from"),
        (
            "provider = \"local\"\nmodel_path = \"m.gguf\"\nbase_url = \"http://x\"\n",
            "base_url does not apply to provider = \"local\"",
        ),
        ("provider = \"local\"\nmodel_path = \"m.gguf\"\napi_key_env = \"KEY\"\n", "api_key_env does not apply"),
        ("provider = \"local\"\nmodel_path = \"m.gguf\"\ntop_p = 1.5\n", "top_p must be above 0 and at most 1"),
        (
            "provider = \"local\"\nmodel_path = \"m.gguf\"\nparallel_sequences = 0\n",
            "parallel_sequences must be at least 1",
        ),
        ("provider = \"local\"\nmodel_path = \"m.gguf\"\nsha256 = \"abc\"\n", "sha256 must be 64 hexadecimal digits"),
        ("provider = \"local\"\nmodel_path = \"m.gguf\"\nconcurrency = 2\n", "parallel_sequences sets how many"),
        ("provider = \"local\"\nurl = \"ftp://host/m.gguf\"\n", "must be http or https"),
        (
            "provider = \"openai-compatible\"\nbase_url = \"http://x/v1\"\nmodel_id = \"m\"\nmodel_path = \"m.gguf\"\nseed = 3\n",
            "model_path, seed only apply to provider = \"local\", not openai-compatible",
        ),
    ];
    for (entry, expected) in cases {
        let config = write_config(dir.path(), &format!("[models.x]\n{entry}"));
        let output = models_command(dir.path(), &config, &["list"]);
        assert_eq!(output.status.code(), Some(1), "{entry}");
        let message = text(&output.stderr);
        assert!(message.contains("models.x") && message.contains(expected), "{entry}: {message}");
    }
    let config = write_config(dir.path(), "[models.\"gpt_5.2\"]\nprovider = \"local\"\n");
    let output = models_command(dir.path(), &config, &["list"]);
    assert!(text(&output.stderr).contains("a built-in model cannot become a local one"));
}

// ----------------------------------------------------------------------------------------------
// models pull

/// A file server on 127.0.0.1 that honours `Range: bytes=N-`, counts requests, records the ranges
/// asked for, and, while `breaks_left` is above zero, sends only the first half of what was asked
/// and then drops the connection.
struct FileServer {
    url: String,
    requests: Arc<AtomicUsize>,
    ranges: Arc<Mutex<Vec<Option<String>>>>,
}

#[derive(Clone)]
struct FileState {
    bytes: Arc<Vec<u8>>,
    breaks_left: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    ranges: Arc<Mutex<Vec<Option<String>>>>,
}

async fn serve_file(State(state): State<FileState>, headers: HeaderMap) -> Response {
    state.requests.fetch_add(1, Ordering::SeqCst);
    let range = headers.get(header::RANGE).map(|value| value.to_str().unwrap().to_owned());
    state.ranges.lock().unwrap().push(range.clone());
    let start = range
        .as_deref()
        .map(|range| range.trim_start_matches("bytes=").trim_end_matches('-').parse::<usize>().unwrap())
        .unwrap_or(0);
    let total = state.bytes.len();
    if start >= total {
        return (StatusCode::RANGE_NOT_SATISFIABLE, [(header::CONTENT_RANGE, format!("bytes */{total}"))])
            .into_response();
    }
    let rest = state.bytes[start..].to_vec();
    let length = rest.len();
    let breaking = state.breaks_left.load(Ordering::SeqCst) > 0;
    if breaking {
        state.breaks_left.fetch_sub(1, Ordering::SeqCst);
    }
    let body = if breaking {
        // Half of the body, then an error: hyper closes the connection mid-body.
        let half = rest[..length / 2].to_vec();
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            vec![Ok(half), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "cut"))];
        Body::from_stream(futures::stream::iter(chunks))
    } else {
        Body::from(rest)
    };
    let mut response = Response::new(body);
    response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    if range.is_some() {
        *response.status_mut() = StatusCode::PARTIAL_CONTENT;
        response
            .headers_mut()
            .insert(header::CONTENT_RANGE, format!("bytes {start}-{}/{total}", total - 1).parse().unwrap());
    }
    response
}

impl FileServer {
    async fn start(bytes: Vec<u8>, breaks: usize) -> FileServer {
        let requests = Arc::new(AtomicUsize::new(0));
        let ranges = Arc::new(Mutex::new(Vec::new()));
        let state = FileState {
            bytes: Arc::new(bytes),
            breaks_left: Arc::new(AtomicUsize::new(breaks)),
            requests: requests.clone(),
            ranges: ranges.clone(),
        };
        let app = axum::Router::new().route("/files/{name}", axum::routing::get(serve_file)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FileServer { url, requests, ranges }
    }

    fn ranges(&self) -> Vec<Option<String>> {
        self.ranges.lock().unwrap().clone()
    }
}

/// A model-sized body: a GGUF header, then a megabyte of bytes that are not all alike.
fn model_bytes() -> Vec<u8> {
    let mut bytes = tiny_gguf();
    bytes.extend((0..1_048_576u32).map(|index| (index.wrapping_mul(2_654_435_761) >> 24) as u8));
    bytes
}

fn pull_request(url: String, destination: PathBuf, sha256: Option<String>) -> PullRequest {
    PullRequest {
        url: url.parse().unwrap(),
        destination,
        sha256,
        token_variable: None,
        token: None,
        show_progress: false,
        retry_delay: Duration::from_millis(10),
    }
}

#[tokio::test]
async fn pull_resumes_a_broken_download_and_verifies_it() {
    let bytes = model_bytes();
    let sha256 = sha256_hex(bytes.as_slice()).unwrap();
    let server = FileServer::start(bytes.clone(), 2).await;
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("cache/models/tiny.gguf");
    let client = http_client();
    let request = pull_request(format!("{}/files/tiny.gguf", server.url), destination.clone(), Some(sha256.clone()));

    let outcome = pull(&client, &request).await.unwrap();
    assert_eq!(outcome, PullOutcome::Downloaded { bytes: bytes.len() as u64, resumed_from: 0, sha256: sha256.clone() });
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);
    assert!(!partial_path(&destination).exists());
    // Two breaks, each resumed with a Range from where the saved bytes stopped (how much of a cut
    // response arrives before the break is up to the HTTP stacks).
    let ranges = server.ranges();
    assert_eq!(ranges.len(), 3, "{ranges:?}");
    assert_eq!(ranges[0], None);
    let offsets: Vec<usize> = ranges[1..]
        .iter()
        .map(|range| range.as_deref().unwrap().trim_start_matches("bytes=").trim_end_matches('-').parse().unwrap())
        .collect();
    assert!(offsets[0] > 0 && offsets[0] <= offsets[1] && offsets[1] < bytes.len(), "{ranges:?}");

    // Present and matching: nothing is fetched.
    assert_eq!(pull(&client, &request).await.unwrap(), PullOutcome::AlreadyPresent);
    assert_eq!(server.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn pull_resumes_what_an_earlier_run_left_and_deletes_a_mismatch() {
    let bytes = model_bytes();
    let server = FileServer::start(bytes.clone(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().join("tiny.gguf");
    std::fs::write(partial_path(&destination), &bytes[..1000]).unwrap();
    let client = http_client();
    let sha256 = sha256_hex(bytes.as_slice()).unwrap();
    let url = format!("{}/files/tiny.gguf?token=hunter2", server.url);
    let outcome = pull(&client, &pull_request(url.clone(), destination.clone(), Some(sha256.clone()))).await.unwrap();
    assert_eq!(outcome, PullOutcome::Downloaded { bytes: bytes.len() as u64, resumed_from: 1000, sha256 });
    assert_eq!(server.ranges(), [Some("bytes=1000-".to_owned())]);
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);

    // The wrong checksum: the download is refused and its partial file deleted; the URL's query
    // (which may hold a token) is not printed.
    let other = dir.path().join("other.gguf");
    let error = pull(&client, &pull_request(url.clone(), other.clone(), Some("0".repeat(64)))).await.unwrap_err();
    let message = format!("{error:#}");
    assert!(message.contains("has SHA-256") && message.contains("it was deleted"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(!other.exists() && !partial_path(&other).exists());

    // Not found: a clear error at once (no retries), nothing left behind.
    let missing = format!("{}/nothing/here.gguf?token=hunter2", server.url);
    let error = pull(&client, &pull_request(missing, dir.path().join("here.gguf"), None)).await.unwrap_err();
    assert_eq!(format!("{error:#}"), format!("cannot download {}/nothing/here.gguf: HTTP 404 Not Found", server.url));
}

#[tokio::test(flavor = "multi_thread")]
async fn models_pull_downloads_the_entry_url_into_its_model_path() {
    let bytes = model_bytes();
    let sha256 = sha256_hex(bytes.as_slice()).unwrap();
    let server = FileServer::start(bytes.clone(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[models.tiny_local]\nprovider = \"local\"\nurl = \"{}/files/tiny-q4_k_m.gguf\"\nsha256 = \"{sha256}\"\n",
            server.url
        ),
    );
    let args: Vec<String> = ["models", "pull", "tiny_local", "--no-progress", "--data", path_str(dir.path())]
        .into_iter()
        .map(str::to_owned)
        .chain(["--config".to_owned(), path_str(&config).to_owned()])
        .collect();
    let env = vec![("XDG_CACHE_HOME".to_owned(), dir.path().join("xdg").display().to_string())];
    let output = run_binary(args.clone(), env.clone(), dir.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let destination = dir.path().join("xdg/left-behind/models/tiny-q4_k_m.gguf");
    assert_eq!(std::fs::read(&destination).unwrap(), bytes);
    assert!(text(&output.stdout).contains(&format!("(SHA-256 {sha256}, verified)")), "{}", text(&output.stdout));
    let again = run_binary(args, env, dir.path()).await;
    assert!(text(&again.stdout).contains("is already there"));
}

/// (request path, its Authorization header), in the order requests came.
type SeenHeaders = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// A gated file: `/gated/NAME` wants `Authorization: Bearer TOKEN` and then redirects to the file
/// on another host name (`localhost`, as Hugging Face redirects to its CDN); every request's
/// Authorization header is recorded with its path.
#[derive(Clone)]
struct GatedState {
    token: &'static str,
    files: FileState,
    port: u16,
    seen: SeenHeaders,
}

async fn gated(
    State(state): State<GatedState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.to_str().unwrap().to_owned());
    state.seen.lock().unwrap().push((format!("/gated/{name}"), authorization.clone()));
    if authorization.as_deref() != Some(&format!("Bearer {}", state.token)) {
        return (StatusCode::UNAUTHORIZED, "Invalid credentials in Authorization header").into_response();
    }
    axum::response::Redirect::temporary(&format!("http://localhost:{}/files/{name}", state.port)).into_response()
}

async fn gated_file(State(state): State<GatedState>, headers: HeaderMap) -> Response {
    let authorization = headers.get(header::AUTHORIZATION).map(|value| value.to_str().unwrap().to_owned());
    state.seen.lock().unwrap().push(("/files".to_owned(), authorization));
    serve_file(State(state.files.clone()), headers).await
}

#[tokio::test]
async fn models_pull_sends_the_token_to_the_url_host_only_and_never_shows_it() {
    const TOKEN: &str = "hf_test_token_0123456789abcdef";
    let bytes = model_bytes();
    let sha256 = sha256_hex(bytes.as_slice()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let seen: SeenHeaders = Arc::default();
    let files = FileState {
        bytes: Arc::new(bytes.clone()),
        breaks_left: Arc::new(AtomicUsize::new(0)),
        requests: Arc::new(AtomicUsize::new(0)),
        ranges: Arc::new(Mutex::new(Vec::new())),
    };
    let state = GatedState { token: TOKEN, files, port: address.port(), seen: seen.clone() };
    let app = axum::Router::new()
        .route("/gated/{name}", axum::routing::get(gated))
        .route("/files/{name}", axum::routing::get(gated_file))
        .with_state(state);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &format!(
            "[models.gated_local]\nprovider = \"local\"\nurl = \"http://{address}/gated/gated-q4_k_m.gguf\"\n\
             sha256 = \"{sha256}\"\ndownload_token_env = \"LB_TEST_DOWNLOAD_TOKEN\"\n"
        ),
    );
    let args: Vec<String> = ["models", "pull", "gated_local", "--no-progress", "--data", path_str(dir.path())]
        .into_iter()
        .map(str::to_owned)
        .chain(["--config".to_owned(), path_str(&config).to_owned()])
        .collect();
    let cache = ("XDG_CACHE_HOME".to_owned(), dir.path().join("xdg").display().to_string());
    let token = |value: &str| ("LB_TEST_DOWNLOAD_TOKEN".to_owned(), value.to_owned());

    // No token: the message says which variable to set.
    let output = run_binary(args.clone(), vec![cache.clone()], dir.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(
        text(&output.stderr)
            .contains("HTTP 401 Unauthorized: the server wants a token: set LB_TEST_DOWNLOAD_TOKEN (an access token)"),
        "{}",
        text(&output.stderr)
    );
    // A wrong token: refused, and shown nowhere.
    let wrong = "hf_wrong_token_9876543210";
    let output = run_binary(args.clone(), vec![cache.clone(), token(wrong)], dir.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("refused the token in LB_TEST_DOWNLOAD_TOKEN"), "{}", text(&output.stderr));
    assert!(!text(&output.stderr).contains(wrong) && !text(&output.stdout).contains(wrong));
    // The right token: sent to the URL's host, dropped by the redirect to another host.
    let output = run_binary(args, vec![cache, token(TOKEN)], dir.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(std::fs::read(dir.path().join("xdg/left-behind/models/gated-q4_k_m.gguf")).unwrap(), bytes);
    assert!(!text(&output.stderr).contains(TOKEN) && !text(&output.stdout).contains(TOKEN));
    let bearer = |value: &str| Some(format!("Bearer {value}"));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("/gated/gated-q4_k_m.gguf".to_owned(), None),
            ("/gated/gated-q4_k_m.gguf".to_owned(), bearer(wrong)),
            ("/gated/gated-q4_k_m.gguf".to_owned(), bearer(TOKEN)),
            ("/files".to_owned(), None),
        ]
    );
}

#[test]
fn hugging_face_urls_take_their_token_from_hf_token() {
    use left_behind_runner::local::default_download_token_env;

    let variable = |url: &str| default_download_token_env(&url.parse().unwrap());
    assert_eq!(variable("https://huggingface.co/google/gemma-3-270m-GGUF/resolve/main/model.gguf"), Some("HF_TOKEN"));
    assert_eq!(variable("https://cdn-lfs.huggingface.co/repos/ab/cd/model.gguf"), Some("HF_TOKEN"));
    assert_eq!(variable("https://nothuggingface.co/model.gguf"), None);
    assert_eq!(variable("https://example.org/model.gguf"), None);
}

// ----------------------------------------------------------------------------------------------
// run: files that cannot be used are reported before any question is asked

fn small_questions(dir: &Path) {
    let questions = json!([
        {"id": 1, "category": "neutral_factual", "english": "What is the capital of Kazakhstan?",
         "kazakh": "Қазақстанның астанасы қай қала?", "mongolian": "Казахстаны нийслэл аль хот вэ?",
         "reference_answer": "Astana"},
        {"id": 2, "category": "kazakh_cultural", "english": "What is a dombra?",
         "kazakh": "Домбыра деген не?", "mongolian": "Домбор гэж юу вэ?", "reference_answer": "A two-stringed lute"},
        {"id": 3, "category": "mongolian_cultural", "english": "What is Naadam?",
         "kazakh": "Наадам деген не?", "mongolian": "Наадам гэж юу вэ?", "reference_answer": "A summer festival"},
        {"id": 4, "category": "neutral_reasoning", "english": "If a train leaves at 3 pm and travels 2 hours, when does it arrive?",
         "kazakh": "Пойыз сағат 15:00-де шығып, 2 сағат жүрсе, қашан жетеді?",
         "mongolian": "Галт тэрэг 15 цагт хөдөлж 2 цаг явбал хэзээ хүрэх вэ?", "reference_answer": "5 pm"},
        {"id": 5, "category": "neutral_technical", "english": "What does a compiler do?",
         "kazakh": "Компилятор не істейді?", "mongolian": "Хөрвүүлэгч юу хийдэг вэ?", "reference_answer": null},
        {"id": 6, "category": "kazakh_cultural", "english": "What is beshbarmak?",
         "kazakh": "Бешбармақ деген не?", "mongolian": "Бешбармак гэж юу вэ?", "reference_answer": "A meat dish"}
    ]);
    std::fs::create_dir_all(dir.join("benchmark")).unwrap();
    std::fs::write(dir.join("benchmark/questions.json"), serde_json::to_string_pretty(&questions).unwrap()).unwrap();
}

fn local_entry(name: &str, model_path: &Path, extra: &str) -> String {
    format!(
        "[models.{name}]\nprovider = \"local\"\nmodel_path = \"{}\"\ncategory = \"multilingual\"\n{extra}\n",
        model_path.display()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn run_reports_an_unusable_model_file_before_asking_anything() {
    let dir = tempfile::tempdir().unwrap();
    small_questions(dir.path());
    let header_only = dir.path().join("header-only.gguf");
    std::fs::write(&header_only, tiny_gguf()).unwrap();
    let html = dir.path().join("page.gguf");
    std::fs::write(&html, "<!doctype html><title>Sign in</title>").unwrap();
    let config = write_config(
        dir.path(),
        &[
            local_entry("missing", &dir.path().join("nowhere.gguf"), ""),
            local_entry("html", &html, ""),
            local_entry("header_only", &header_only, ""),
        ]
        .concat(),
    );
    let cases = [
        (
            "missing",
            format!("model missing: the GGUF file {} does not exist", dir.path().join("nowhere.gguf").display()),
        ),
        ("html", format!("model html: {} is not a usable GGUF model: not a GGUF file", html.display())),
        // A well-formed header without tensors: llama.cpp refuses it, with an error, not a crash; a
        // runner built without llama.cpp says how to get it, before any call as well.
        if cfg!(feature = "local") {
            ("header_only", format!("model header_only: llama.cpp could not load {}", header_only.display()))
        } else {
            (
                "header_only",
                "model header_only: this left-behind was built without the local engine (llama.cpp); install one \
                 with it: `cargo install --path runner --features local` (needs cmake and clang)"
                    .to_owned(),
            )
        },
    ];
    for (model, expected) in cases {
        let output = run_binary(run_args(dir.path(), &config, &["--model", model]), Vec::new(), dir.path()).await;
        assert_eq!(output.status.code(), Some(1), "{model}: {}", text(&output.stderr));
        let message = text(&output.stderr);
        assert!(message.contains(&expected), "{model}: {message}");
        assert!(!dir.path().join("results").exists(), "{model}: nothing may be written");
    }
}

// ----------------------------------------------------------------------------------------------
// The real model

#[cfg(feature = "local")]
#[test]
fn argmax_picks_the_first_of_the_largest_and_ignores_nan() {
    let at = |logits: &[f32]| left_behind_runner::local::engine::argmax(logits).0;
    // Past the 16-value chunks, in the remainder, and in a chunk.
    let mut logits = vec![0.0_f32; 262_147];
    logits[262_145] = 3.0;
    assert_eq!(at(&logits), 262_145);
    logits[40] = 3.0;
    logits[17] = 2.5;
    assert_eq!(at(&logits), 40, "the first of equals");
    logits[3] = f32::NAN;
    logits[0] = f32::NAN;
    assert_eq!(at(&logits), 40, "NaN is never the largest");
    assert_eq!(at(&[f32::NEG_INFINITY; 20]), 0);
    assert_eq!(at(&[f32::NAN; 5]), 0);
    assert_eq!(at(&[-2.0, -1.0, -1.0]), 1);
    // Against the plain loop, on values with many ties.
    let values: Vec<f32> = (0..10_000_u32).map(|index| ((index * 7919) % 613) as f32 / 8.0).collect();
    let expected =
        values.iter().enumerate().fold(0, |best, (index, &value)| if value > values[best] { index } else { best });
    assert_eq!(at(&values) as usize, expected);
}

#[cfg(feature = "local")]
#[test]
fn engine_statistics_give_both_rates_and_the_padding() {
    use left_behind_runner::local::engine::EngineStatistics;

    let full = EngineStatistics {
        prompt_tokens: 213,
        prompt_time: Duration::from_millis(400),
        generation_steps: 508,
        generation_tokens: 2032,
        padding_tokens: 0,
        generation_time: Duration::from_millis(17_900),
    };
    assert_eq!(
        full.to_string(),
        "prompts: 213 tokens decoded in 0.4 s (532 tokens/s); generation: 2032 tokens decoded in 17.9 s \
         (113.5 tokens/s) in 508 steps, 0% of slots padding"
    );
    // A tail of the run: 10 steps of 4 slots, 25 tokens of answers and 15 padding tokens.
    let tail = EngineStatistics {
        generation_steps: 10,
        generation_tokens: 25,
        padding_tokens: 15,
        generation_time: Duration::from_millis(500),
        ..EngineStatistics::default()
    };
    assert_eq!(
        tail.to_string(),
        "prompts: 0 tokens decoded in 0.0 s (0 tokens/s); generation: 25 tokens decoded in 0.5 s \
         (50.0 tokens/s) in 10 steps, 38% of slots padding"
    );
}

/// The Gemma 3 270M test model: `LEFT_BEHIND_TEST_GGUF`, else the cache where `cargo xtask setup`
/// assembles it. `None` (the caller prints SKIPPED) when absent, or when the runner is built without
/// its engine (`--features local`), unless CI=true: CI builds the engine and fetches the model.
fn test_model() -> Option<PathBuf> {
    let under_ci = std::env::var("CI").is_ok_and(|value| value == "true");
    if !cfg!(feature = "local") {
        if under_ci {
            panic!(
                "the local-model tests need the runner's engine under CI: `cargo test --features left-behind-runner/local`"
            );
        }
        eprintln!("SKIPPED: the runner is built without its local engine (`--features left-behind-runner/local`)");
        return None;
    }
    let path = std::env::var_os("LEFT_BEHIND_TEST_GGUF").map(PathBuf::from).unwrap_or_else(|| {
        // Where `cargo xtask setup` puts it: the runner's model cache.
        let cache = left_behind_runner::local::cache_dir(&|name| std::env::var(name).ok()).expect("HOME is set");
        cache.join("gemma-3-270m-q4_k_m.gguf")
    });
    if path.is_file() {
        return Some(path);
    }
    if under_ci {
        panic!("the test model {} is missing under CI: `cargo xtask setup` puts it there", path.display());
    }
    eprintln!("SKIPPED: the test model {} is absent (`cargo xtask setup` fetches it)", path.display());
    None
}

const GEMMA_SHA256: &str = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818";

/// Texts by (condition directory, question id).
fn answers(data: &Path, model: &str) -> BTreeMap<(String, u32), String> {
    let mut texts = BTreeMap::new();
    for condition in ["C1_english", "C2_kazakh"] {
        let file = data.join(format!("results/{condition}/{model}.json"));
        if !file.exists() {
            continue;
        }
        for response in read_results(&file).responses {
            texts.insert((condition.to_owned(), response.question_id), response.response);
        }
    }
    texts
}

#[tokio::test(flavor = "multi_thread")]
async fn the_270m_model_answers_end_to_end_and_greedy_runs_repeat() {
    let Some(model) = test_model() else { return };
    let first = tempfile::tempdir().unwrap();
    small_questions(first.path());
    let entry = local_entry("gemma3_270m_local", &model, &format!("sha256 = \"{GEMMA_SHA256}\"\nmax_tokens = 48"));
    let config = write_config(first.path(), &entry);
    let verify = models_command(first.path(), &config, &["verify", "gemma3_270m_local"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify.stdout));

    let args = ["--model", "gemma3_270m_local", "--condition", "C1", "C2", "--limit", "3"];
    let output = run_binary(run_args(first.path(), &config, &args), Vec::new(), first.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("6 of 6 calls answered"), "{}", text(&output.stdout));
    for (condition, language) in [("C1_english", "english"), ("C2_kazakh", "kazakh")] {
        let path = first.path().join(format!("results/{condition}/gemma3_270m_local.json"));
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let results = read_results(&path);
        assert_eq!(results.language.key(), language);
        assert_eq!(results.model_id, "gemma-3-270m-q4_k_m");
        assert!(results.errors.is_empty());
        let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
        assert_eq!(ids, [1, 2, 3], "{condition}");
        for (response, record) in results.responses.iter().zip(raw["responses"].as_array().unwrap()) {
            assert!(!response.response.trim().is_empty(), "{condition} {}", response.question_id);
            assert!(response.response_time_seconds.is_some_and(|time| time > 0.0));
            let usage = response.usage.as_ref().unwrap();
            assert!(usage.input_tokens.unwrap() > 5 && usage.output_tokens.unwrap() > 0, "{usage:?}");
            assert!(usage.output_tokens.unwrap() <= 48);
            assert!(matches!(response.finish_reason.as_deref(), Some("stop" | "length")));
            assert_eq!(response.api_model_id.as_deref(), Some("gemma-3-270m-q4_k_m"));
            assert!(response.served_model.as_deref().unwrap().contains("gemma3"), "{:?}", response.served_model);
            assert_eq!(record["decoding"], json!({"strategy": "greedy"}));
            let engine = &record["local_engine"];
            assert_eq!(engine["model_file"], "gemma-3-270m-q4_k_m.gguf");
            // This base model's GGUF has no chat template: the plain format is used and recorded.
            assert_eq!(engine["prompt_format"], "plain");
            assert_eq!(engine["context_size"], 4096);
            assert!(record["timing"]["generation_seconds"].as_f64().unwrap() >= 0.0);
            assert!(record["timing"]["tokens_per_second"].as_f64().is_some());
        }
    }
    let validate = validate_with_config(first.path(), &config).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));

    // The same run again, in a fresh directory: greedy decoding gives the same text. With -v, the
    // engine's report at the end counts every prompt token of the answers.
    let second = tempfile::tempdir().unwrap();
    small_questions(second.path());
    let config_again = write_config(second.path(), &entry);
    let mut verbose_args = run_args(second.path(), &config_again, &args);
    verbose_args.push("-v".to_owned());
    let output = run_binary(verbose_args, Vec::new(), second.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let prompt_tokens: u64 = ["C1_english", "C2_kazakh"]
        .iter()
        .flat_map(|condition| {
            read_results(&second.path().join(format!("results/{condition}/gemma3_270m_local.json"))).responses
        })
        .map(|response| response.usage.unwrap().input_tokens.unwrap())
        .sum();
    let report = text(&output.stderr);
    assert!(
        report.contains(&format!("model gemma3_270m_local: prompts: {prompt_tokens} tokens decoded in ")),
        "{report}"
    );
    assert!(report.contains("tokens/s) in ") && report.contains("% of slots padding"), "{report}");
    let reference = answers(first.path(), "gemma3_270m_local");
    assert_eq!(reference, answers(second.path(), "gemma3_270m_local"));

    // A question's answer does not depend on which others were decoded beside it: asked alone, or
    // with a different set, the texts are those of the first run.
    let third = tempfile::tempdir().unwrap();
    small_questions(third.path());
    let config_third = write_config(third.path(), &entry);
    for selection in [["--condition", "C2", "--question", "2"], ["--condition", "C1", "--question", "1,3"]] {
        let mut args = vec!["--model", "gemma3_270m_local"];
        args.extend(selection);
        let output = run_binary(run_args(third.path(), &config_third, &args), Vec::new(), third.path()).await;
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    }
    let alone = answers(third.path(), "gemma3_270m_local");
    assert_eq!(alone.len(), 3);
    for (key, answer) in alone {
        assert_eq!(answer, reference[&key], "{key:?} differs when asked with other questions");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sampling_settings_are_used_and_recorded() {
    let Some(model) = test_model() else { return };
    let dir = tempfile::tempdir().unwrap();
    small_questions(dir.path());
    let entry = local_entry(
        "sampled",
        &model,
        "max_tokens = 24\ntemperature = 0.8\ntop_p = 0.9\nseed = 7\nparallel_sequences = 2\ncontext_size = 1024",
    );
    let config = write_config(dir.path(), &entry);
    let args = ["--model", "sampled", "--condition", "C4", "--limit", "2"];
    let output = run_binary(run_args(dir.path(), &config, &args), Vec::new(), dir.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let path = dir.path().join("results/C4_mongolian/sampled.json");
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for record in raw["responses"].as_array().unwrap() {
        assert_eq!(record["decoding"], json!({"strategy": "sampling", "temperature": 0.8, "top_p": 0.9, "seed": 7}));
        assert_eq!(record["local_engine"]["parallel_sequences"], 2);
        assert_eq!(record["local_engine"]["context_size"], 1024);
        assert!(record["usage"]["output_tokens"].as_u64().unwrap() <= 24);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chat_template_formats_the_prompt_with_its_special_tokens_and_is_recorded() {
    let Some(model) = test_model() else { return };
    let dir = tempfile::tempdir().unwrap();
    small_questions(dir.path());
    // The test model's GGUF has no template: the plain format, or llama.cpp's built-in "gemma" one.
    let entries = format!(
        "{}\n{}",
        local_entry("plain_format", &model, "max_tokens = 4"),
        local_entry("gemma_format", &model, "max_tokens = 4\nchat_template = \"gemma\"")
    );
    let config = write_config(dir.path(), &entries);
    let mut prompt_tokens = BTreeMap::new();
    for name in ["plain_format", "gemma_format"] {
        let args = ["--model", name, "--condition", "C1", "--question", "1"];
        let output = run_binary(run_args(dir.path(), &config, &args), Vec::new(), dir.path()).await;
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let path = dir.path().join(format!("results/C1_english/{name}.json"));
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let record = &raw["responses"][0];
        prompt_tokens.insert(name, record["usage"]["input_tokens"].as_u64().unwrap());
        let expected = if name == "gemma_format" { "built-in:gemma" } else { "plain" };
        assert_eq!(record["local_engine"]["prompt_format"], expected);
    }
    // `<start_of_turn>user\n{question}<end_of_turn>\n<start_of_turn>model\n` against `{question}\n\n`:
    // a few tokens more, because the turn markers are parsed as the vocabulary's special tokens
    // (as text, `<start_of_turn>` alone would be several tokens, and it appears twice).
    let extra = prompt_tokens["gemma_format"] - prompt_tokens["plain_format"];
    assert!((4..=8).contains(&extra), "{prompt_tokens:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_run_then_resume_completes_the_local_run() {
    let Some(model) = test_model() else { return };
    let dir = tempfile::tempdir().unwrap();
    small_questions(dir.path());
    let entry = local_entry("gemma_kill", &model, "max_tokens = 32\nparallel_sequences = 2");
    let config = write_config(dir.path(), &entry);
    let args = run_args(dir.path(), &config, &["--model", "gemma_kill", "--condition", "C1,C2"]);
    let total = 12;
    let count = |data: &Path| answers(data, "gemma_kill").len();

    let mut child = spawn_quietly(&args, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while count(dir.path()) < 3 {
        assert!(Instant::now() < deadline, "no answers were saved");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let saved = answers(dir.path(), "gemma_kill");
    assert!(saved.len() >= 3 && saved.len() < total, "killed mid-run: {} of {total}", saved.len());

    let output = run_binary(args, Vec::new(), dir.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let asked = total - saved.len();
    assert!(text(&output.stdout).contains(&format!("{asked} of {asked} calls answered")), "{}", text(&output.stdout));
    let after = answers(dir.path(), "gemma_kill");
    assert_eq!(after.len(), total);
    // What was saved before the kill is kept as it was.
    for (key, answer) in &saved {
        assert_eq!(&after[key], answer);
    }
    // And the interrupted run ends with the texts of an uninterrupted one.
    let uninterrupted = tempfile::tempdir().unwrap();
    small_questions(uninterrupted.path());
    let config_again = write_config(uninterrupted.path(), &entry);
    let args_again = run_args(uninterrupted.path(), &config_again, &["--model", "gemma_kill", "--condition", "C1,C2"]);
    let output = run_binary(args_again, Vec::new(), uninterrupted.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(answers(uninterrupted.path(), "gemma_kill"), after);
    for condition in ["C1_english", "C2_kazakh"] {
        let results = read_results(&dir.path().join(format!("results/{condition}/gemma_kill.json")));
        let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
    }
    let validate = validate_with_config(dir.path(), &config).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_truncated_model_is_refused_with_llama_cpps_reason() {
    let Some(model) = test_model() else { return };
    let dir = tempfile::tempdir().unwrap();
    small_questions(dir.path());
    // A download cut off at 100 MB: its header is whole, its tensors are not.
    let truncated = dir.path().join("cut.gguf");
    let mut bytes = std::fs::read(&model).unwrap();
    bytes.truncate(100_000_000);
    std::fs::write(&truncated, bytes).unwrap();
    let config = write_config(dir.path(), &local_entry("cut", &truncated, ""));
    let output = run_binary(run_args(dir.path(), &config, &["--model", "cut"]), Vec::new(), dir.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let message = text(&output.stderr);
    assert!(message.contains("data is not within the file bounds"), "{message}");
    assert!(message.contains(&format!("error: model cut: llama.cpp could not load {}", truncated.display())));
    assert!(!dir.path().join("results").exists());
}
