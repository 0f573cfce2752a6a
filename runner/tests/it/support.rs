//! Test helpers: running the binary and writing small datasets; real HTTP servers on 127.0.0.1 that
//! record what they receive and answer as told, and a raw TCP server for broken connections.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const QUESTIONS: &str = r#"[
  {"id": 1, "category": "neutral_factual", "english": "What is 2+2?", "kazakh": "2+2 неше?", "mongolian": "2+2 хэд вэ?", "reference_answer": "4"},
  {"id": 2, "category": "kazakh_cultural", "english": "What is a dombra?", "kazakh": "Домбыра деген не?", "mongolian": "Домбыр гэж юу вэ?", "reference_answer": "A lute"}
]"#;

/// A C3 answer in the three steps of the transfer pipeline, its final answer after the step-3 marker.
pub const TRANSFER: &str =
    "1. Translate: What is a dombra?\n2. Answer: A two-stringed lute.\n3-қадам: Домбыра — қазақтың екі ішекті аспабы.";

pub const GRADES_HEADER: &str =
    "question_id,category,model,accuracy,fluency,completeness,total,response_time,response_length,notes\n";

pub fn left_behind(args: &[&str]) -> Output {
    left_behind_in(None, args, &[])
}

/// Runs the binary with `args`, in `cwd` if given, with extra environment variables.
pub fn left_behind_in(cwd: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_left-behind"));
    command.args(args).env_remove("LEFT_BEHIND_SOURCE").env_remove("RUST_LOG");
    if let Some(cwd) = cwd {
        command.current_dir(cwd);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

pub fn write(root: &Path, path: &str, content: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

pub fn results_json(condition: &str, directory_language: &str, model: &str, ids: &[u32]) -> String {
    let responses: Vec<String> = ids
        .iter()
        .map(|id| {
            let category = if *id == 1 { "neutral_factual" } else { "kazakh_cultural" };
            format!(
                r#"{{"question_id": {id}, "category": "{category}", "question_text": "q", "response": "Жауап {id}", "reference_answer": null, "response_time_seconds": 2.5}}"#
            )
        })
        .collect();
    format!(
        r#"{{"model": "{model}", "model_id": "x", "condition": "{condition}", "condition_description": "d", "language": "{directory_language}", "system_prompt_used": null, "started_at": "t0", "responses": [{}], "last_updated": "t1"}}"#,
        responses.join(", ")
    )
}

/// A results file over [`QUESTIONS`] with the given answers (question 1 is neutral_factual, the others
/// kazakh_cultural; the question as asked in `language`; 2.5 s each) and failed calls.
pub fn results_with(condition: &str, language: &str, model: &str, answers: &[(u32, &str)], failed: &[u32]) -> String {
    let questions: Vec<Value> = serde_json::from_str(QUESTIONS).unwrap();
    let asked =
        |id: u32| questions.iter().find(|question| question["id"] == id).map_or("q", |q| q[language].as_str().unwrap());
    let responses: Vec<serde_json::Value> = answers
        .iter()
        .map(|(id, text)| {
            serde_json::json!({
                "question_id": id, "category": if *id == 1 { "neutral_factual" } else { "kazakh_cultural" },
                "question_text": asked(*id), "response": text, "reference_answer": null, "response_time_seconds": 2.5,
            })
        })
        .collect();
    let errors: Vec<serde_json::Value> = failed
        .iter()
        .map(|id| {
            serde_json::json!({
                "question_id": id, "category": "kazakh_cultural", "question_text": "q", "status": 503,
                "message": "unavailable", "attempts": 5, "failed_at": "t",
            })
        })
        .collect();
    serde_json::json!({
        "model": model, "model_id": "x", "condition": condition, "condition_description": "d", "language": language,
        "system_prompt_used": null, "started_at": "t0", "responses": responses, "errors": errors, "last_updated": "t1",
    })
    .to_string()
}

/// Two questions; gpt_5.2 and qwen3 answered and graded in C1 and C2; one grading of qwen3 in C2 failed.
pub fn small_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    for (condition, directory, language) in [("C1", "C1_english", "english"), ("C2", "C2_kazakh", "kazakh")] {
        for model in ["gpt_5.2", "qwen3"] {
            write(
                root,
                &format!("results/{directory}/{model}.json"),
                &results_json(condition, language, model, &[1, 2]),
            );
        }
    }
    write(
        root,
        "grades/C1_english.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,3.0,10,\n2,kazakh_cultural,gpt_5.2,1,2,1,4,5.0,30,\n\
             1,neutral_factual,qwen3,2,2,1,5,2.0,20,\n2,kazakh_cultural,qwen3,0,2,0,2,4.0,40,\n"
        ),
    );
    write(
        root,
        "grades/C2_kazakh.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,1,2,5,6.0,12,\n2,kazakh_cultural,gpt_5.2,1,1,1,3,8.0,18,\n\
             1,neutral_factual,qwen3,1,0,1,2,9.0,9,\n2,kazakh_cultural,qwen3,-1,-1,-1,-1,7.0,7,judge timed out\n"
        ),
    );
    dir
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub fn read(path: impl Into<PathBuf>) -> String {
    let path = path.into();
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
    pub raw_body: String,
    pub at: Instant,
    /// Requests being answered when this one arrived, itself included.
    pub concurrent: usize,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
    pub hold: Hold,
}

/// A condition the server waits for before it answers, so that a test of overlapping requests does
/// not depend on how fast a loaded machine is: the answers are held until the requests are there.
/// A hold gives up after [`HOLD_LIMIT`] and answers anyway (the test's own assertions then fail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    None,
    /// Until this many requests have arrived in all.
    UntilArrived(usize),
    /// Until `count` requests are being answered at once (in waves: the request that makes the count
    /// reach it releases itself and every earlier one), or until all `of` requests the test makes
    /// have arrived (the last wave may be smaller).
    UntilInFlight {
        count: usize,
        of: usize,
    },
}

/// How long a hold waits at most.
pub const HOLD_LIMIT: Duration = Duration::from_secs(30);

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply { status, headers: Vec::new(), body: body.to_string(), delay: Duration::ZERO, hold: Hold::None }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply { status, headers: Vec::new(), body: body.to_owned(), delay: Duration::ZERO, hold: Hold::None }
    }

    /// Held until `hold` is met, then answered (after the delay, if any).
    pub fn held(mut self, hold: Hold) -> Reply {
        self.hold = hold;
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

struct ServerState {
    responder: Box<Responder>,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    /// Requests arrived so far (only grows, so a waiter cannot miss the moment it waits for).
    arrived: tokio::sync::watch::Sender<usize>,
    /// Requests with an index below this are released from an in-flight hold (only grows).
    released_below: tokio::sync::watch::Sender<usize>,
}

/// An HTTP server on 127.0.0.1 that records every request and answers with `responder(request,
/// index)`, index counting from 0 in arrival order.
pub struct MockServer {
    pub url: String,
    state: Arc<ServerState>,
    task: tokio::task::JoinHandle<()>,
}

impl MockServer {
    pub async fn start(responder: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> MockServer {
        let state = Arc::new(ServerState {
            responder: Box::new(responder),
            seen: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            arrived: tokio::sync::watch::Sender::new(0),
            released_below: tokio::sync::watch::Sender::new(0),
        });
        let app = axum::Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        MockServer { url, state, task }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }

    /// The most requests that were being answered at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// The number of requests once it stops changing: after a client was killed, the requests it
    /// sent just before may still be arriving. Polls until the count holds still for 250 ms.
    pub async fn settled_request_count(&self) -> usize {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut count = self.request_count();
        let mut still_since = Instant::now();
        while still_since.elapsed() < Duration::from_millis(250) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(25)).await;
            let now = self.request_count();
            if now != count {
                count = now;
                still_since = Instant::now();
            }
        }
        count
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(state): State<Arc<ServerState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let concurrent = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(concurrent, Ordering::SeqCst);
    let raw_body = String::from_utf8_lossy(&body).into_owned();
    let seen = Seen {
        method: method.to_string(),
        path: uri.path_and_query().map(|path| path.to_string()).unwrap_or_default(),
        headers,
        body: serde_json::from_str(&raw_body).unwrap_or(Value::Null),
        raw_body,
        at: Instant::now(),
        concurrent,
    };
    let index = {
        let mut all = state.seen.lock().unwrap();
        all.push(seen.clone());
        all.len() - 1
    };
    state.arrived.send_modify(|arrived| *arrived = (*arrived).max(index + 1));
    let reply = (state.responder)(&seen, index);
    match reply.hold {
        Hold::None => {}
        Hold::UntilArrived(count) => {
            let mut arrived = state.arrived.subscribe();
            let _ = tokio::time::timeout(HOLD_LIMIT, arrived.wait_for(|arrived| *arrived >= count)).await;
        }
        Hold::UntilInFlight { count, of } => {
            if concurrent >= count {
                state.released_below.send_modify(|below| *below = (*below).max(index + 1));
            }
            if index + 1 >= of {
                state.released_below.send_modify(|below| *below = usize::MAX);
            }
            let mut released = state.released_below.subscribe();
            let _ = tokio::time::timeout(HOLD_LIMIT, released.wait_for(|below| *below > index)).await;
        }
    }
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    response.headers_mut().insert("content-type", "application/json".parse().unwrap());
    for (name, value) in reply.headers {
        response
            .headers_mut()
            .insert(axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
    }
    response
}

/// A TCP server that drops the first `resets` connections right after reading the request (the
/// client sees the connection broken off), then answers `body` with HTTP 200.
pub struct RawServer {
    pub url: String,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl RawServer {
    pub async fn start(resets: usize, body: String) -> RawServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = connections.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { return };
                let number = counter.fetch_add(1, Ordering::SeqCst);
                let body = body.clone();
                tokio::spawn(async move {
                    let request = read_request(&mut stream).await;
                    if number < resets || request.is_none() {
                        // Closing without a word: "connection closed before message completed".
                        drop(stream);
                        return;
                    }
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(response.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        RawServer { url, connections, task }
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one HTTP/1.1 request (headers and a content-length body).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| {
                    line.strip_prefix("content-length:").map(|value| value.trim().parse::<usize>().unwrap_or(0))
                })
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return Some(buffer);
            }
        }
    }
}

/// An OpenAI Chat Completions answer.
pub fn openai_answer(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "served-model",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 20, "completion_tokens": 7, "total_tokens": 27 }
    })
}

/// An Anthropic Messages answer.
pub fn anthropic_answer(text: &str) -> Value {
    json!({
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-5-20251101",
        "content": [{ "type": "text", "text": text }],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": { "input_tokens": 30, "output_tokens": 9, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0 }
    })
}

/// A Gemini generateContent answer.
pub fn gemini_answer(text: &str) -> Value {
    json!({
        "candidates": [{
            "content": { "role": "model", "parts": [{ "text": text }] },
            "finishReason": "STOP",
            "index": 0
        }],
        "usageMetadata": { "promptTokenCount": 25, "candidatesTokenCount": 8, "totalTokenCount": 33 },
        "modelVersion": "gemini-3-pro-preview"
    })
}

/// Answers in whichever provider's format the path asks for, echoing the question's id.
pub fn answer_any(seen: &Seen) -> Reply {
    let question = last_user_text(seen);
    let text = format!("answer to: {question}");
    if seen.path.ends_with("/v1/messages") {
        Reply::json(200, anthropic_answer(&text))
    } else if seen.path.contains(":generateContent") {
        Reply::json(200, gemini_answer(&text))
    } else {
        Reply::json(200, openai_answer(&text))
    }
}

/// The user message of a request in any of the three formats.
pub fn last_user_text(seen: &Seen) -> String {
    let body = &seen.body;
    let from_messages =
        body["messages"].as_array().and_then(|messages| messages.last()).and_then(|m| m["content"].as_str());
    let from_gemini = body["contents"][0]["parts"][0]["text"].as_str();
    from_messages.or(from_gemini).unwrap_or_default().to_owned()
}

/// A dataset directory with `count` questions (ids 1..=count) in English, Kazakh and Mongolian.
pub fn dataset(count: u32) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_questions(dir.path(), count);
    dir
}

pub fn write_questions(dir: &Path, count: u32) {
    let categories =
        ["neutral_factual", "neutral_reasoning", "neutral_technical", "kazakh_cultural", "mongolian_cultural"];
    let questions: Vec<Value> = (1..=count)
        .map(|id| {
            json!({
                "id": id,
                "category": categories[(id as usize - 1) % categories.len()],
                "english": format!("English question {id}?"),
                "kazakh": format!("Қазақша сұрақ {id}?"),
                "mongolian": format!("Монгол асуулт {id}?"),
                "reference_answer": if id % 2 == 0 { Value::Null } else { json!(format!("Reference {id}")) }
            })
        })
        .collect();
    std::fs::create_dir_all(dir.join("benchmark")).unwrap();
    std::fs::write(dir.join("benchmark/questions.json"), serde_json::to_string_pretty(&questions).unwrap()).unwrap();
}

/// A configuration with fast retries, and `models` (TOML tables) appended.
pub fn write_config(dir: &Path, run_section: &str, models: &str) -> PathBuf {
    let path = dir.join("left-behind.toml");
    let text = format!("[run]\nretry_base_delay_ms = 10\nretry_max_delay_ms = 50\n{run_section}\n\n{models}\n");
    std::fs::write(&path, text).unwrap();
    path
}

/// A `[models.NAME]` table for an OpenAI-compatible server on 127.0.0.1, without a key.
pub fn server_model(name: &str, url: &str) -> String {
    format!(
        "[models.{name}]\nprovider = \"openai-compatible\"\nbase_url = \"{url}/v1\"\nmodel_id = \"local/{name}\"\ncategory = \"bilingual\"\n"
    )
}

/// The binary under test, with no provider variables inherited from the environment.
pub fn command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_left-behind"));
    for variable in [
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "GOOGLE_API_KEY",
        "XAI_API_KEY",
        "HF_API_KEY",
        "HF_TOKEN",
        "ANTHROPIC_BASE_URL",
        "OPENAI_BASE_URL",
        "GOOGLE_BASE_URL",
        "XAI_BASE_URL",
        "HF_BASE_URL",
        "RUST_LOG",
        "LEFT_BEHIND_SOURCE",
    ] {
        command.env_remove(variable);
    }
    command
}

/// Starts the binary with `args` and `env` in the background, its output discarded: for the tests that
/// kill it mid-run.
pub fn spawn_quietly(args: &[String], env: &[(String, String)]) -> std::process::Child {
    command()
        .args(args)
        .envs(env.iter().cloned())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the binary starts")
}

/// Runs the binary to completion off the async runtime (the test's servers keep answering).
pub async fn run_binary(args: Vec<String>, env: Vec<(String, String)>, cwd: &Path) -> Output {
    let cwd = cwd.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let mut command = command();
        command.args(&args).envs(env).current_dir(cwd);
        command.output().unwrap()
    })
    .await
    .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Arguments for `run` over `data` with `config`, without progress bars.
pub fn run_args(data: &Path, config: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = ["run", "--no-progress", "--data"].map(str::to_owned).to_vec();
    args.push(data.display().to_string());
    args.push("--config".to_owned());
    args.push(config.display().to_string());
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

/// `left-behind validate` over `data`.
pub async fn validate_data(data: &Path) -> Output {
    run_binary(vec!["validate".into(), "--data".into(), data.display().to_string()], Vec::new(), data).await
}

/// `left-behind validate` over `data` with `config`.
pub async fn validate_with_config(data: &Path, config: &Path) -> Output {
    let args = ["validate", "--data", path_str(data), "--config", path_str(config)].map(str::to_owned).to_vec();
    run_binary(args, Vec::new(), data).await
}

/// Reads and parses a results file (panics with the file's text if it is not valid).
pub fn read_results(path: &Path) -> left_behind_shared::ResultsFile {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    left_behind_shared::parse_results(&text, &path.display().to_string())
        .unwrap_or_else(|error| panic!("{} is not a valid results file: {error}\n{text}", path.display()))
}

/// The HTTP client the runner uses (installs the TLS crypto provider first, as `main` does).
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    left_behind_runner::providers::http_client(16).unwrap()
}
