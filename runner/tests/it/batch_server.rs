//! A fake of the three batch APIs the runner speaks, on 127.0.0.1, implementing their documented
//! endpoints and shapes (see runner/src/batch/{openai,anthropic,google}.rs for the documentation
//! each follows): OpenAI's files + batches, Anthropic's Message Batches, Gemini's
//! batchGenerateContent with inline requests. Batches end after a set number of polls; requests
//! whose user message contains a marker fail inside the batch; a batch may expire after answering
//! only some requests, be cancelled, and serve its results slowly.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{MockServer, Reply, Seen, anthropic_answer, gemini_answer, openai_answer};

/// The answer text for a request: its user message, its system prompt.
pub type Answerer = Arc<dyn Fn(&str, Option<&str>) -> String + Send + Sync>;

/// How the fake's batches behave.
#[derive(Clone)]
pub struct Scenario {
    /// Polls (status requests) a batch answers "in progress" before it ends.
    pub polls_to_end: usize,
    /// A request whose user message contains this fails inside the batch.
    pub fail_marker: Option<String>,
    /// The batch expires after answering this many of its requests.
    pub expire_after: Option<usize>,
    /// How long the results download takes to answer.
    pub results_delay: Duration,
    /// The first this many status requests are answered 429 with `retry-after` (seconds).
    pub throttled_polls: usize,
    /// Every request that would create a batch is refused (HTTP 400).
    pub refuse_creation: bool,
    /// The message of a request that fails inside the batch.
    pub error_message: String,
    /// The answer text for a request (its user message, its system prompt).
    pub answer: Answerer,
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario {
            polls_to_end: 2,
            fail_marker: None,
            expire_after: None,
            results_delay: Duration::ZERO,
            refuse_creation: false,
            throttled_polls: 0,
            error_message: "the request was refused inside the batch".to_owned(),
            answer: Arc::new(|user, _| format!("answer to: {user}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    OpenAi,
    Anthropic,
    Google,
}

#[derive(Debug, Clone)]
pub struct FakeBatch {
    pub api: Api,
    pub id: String,
    /// (custom id, request body)
    pub requests: Vec<(String, Value)>,
    pub polls: usize,
    pub cancelled: bool,
}

#[derive(Default)]
struct State {
    batches: Vec<FakeBatch>,
    files: BTreeMap<String, String>,
    throttled: usize,
}

pub struct BatchServer {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

impl BatchServer {
    pub async fn start(scenario: Scenario) -> BatchServer {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let server = MockServer::start(move |seen, _| respond(&shared, &scenario, seen)).await;
        BatchServer { server, state }
    }

    pub fn url(&self) -> &str {
        &self.server.url
    }

    /// The batches created so far.
    pub fn batches(&self) -> Vec<FakeBatch> {
        self.state.lock().unwrap().batches.clone()
    }

    /// Requests that created a batch.
    pub fn creations(&self) -> usize {
        self.batches().len()
    }

    /// Requests that read an OpenAI or Anthropic batch's results.
    pub fn downloads(&self) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|seen| seen.method == "GET" && (seen.path.ends_with("/content") || seen.path.ends_with("/results")))
            .count()
    }
}

/// The user message and system prompt of a request body in any of the three formats.
pub fn texts(body: &Value) -> (String, Option<String>) {
    let user = body["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .and_then(|message| message["content"].as_str())
        .or_else(|| body["contents"][0]["parts"][0]["text"].as_str())
        .unwrap_or_default()
        .to_owned();
    let system = body["messages"]
        .as_array()
        .and_then(|messages| messages.iter().find(|message| message["role"] == "system"))
        .and_then(|message| message["content"].as_str())
        .or_else(|| body["system"].as_str())
        .or_else(|| body["system"][0]["text"].as_str())
        .or_else(|| body["systemInstruction"]["parts"][0]["text"].as_str())
        .map(str::to_owned);
    (user, system)
}

fn respond(state: &Mutex<State>, scenario: &Scenario, seen: &Seen) -> Reply {
    let mut state = state.lock().unwrap();
    let path = seen.path.split('?').next().unwrap_or_default().to_owned();
    let method = seen.method.as_str();
    let creates = method == "POST"
        && (path == "/v1/batches" || path == "/v1/messages/batches" || path.ends_with(":batchGenerateContent"));
    if creates && scenario.refuse_creation {
        return Reply::json(400, json!({ "error": { "message": "batch refused: the account has no batch access" } }));
    }
    let polls = method == "GET"
        && (path.starts_with("/v1/batches/") || path.starts_with("/v1beta/batches/") || {
            path.starts_with("/v1/messages/batches/") && !path.ends_with("/results")
        });
    if polls && state.throttled < scenario.throttled_polls {
        state.throttled += 1;
        return Reply::json(429, json!({ "error": { "message": "too many status requests" } }))
            .with_header("retry-after", "0.05");
    }
    // OpenAI
    if method == "POST" && path == "/v1/files" {
        let lines: Vec<&str> = seen.raw_body.lines().map(str::trim).filter(|line| line.starts_with('{')).collect();
        assert!(seen.raw_body.contains("name=\"purpose\"\r\n\r\nbatch\r\n"), "purpose=batch: {}", seen.raw_body);
        let id = format!("file-in-{}", state.files.len() + 1);
        state.files.insert(id.clone(), lines.join("\n") + "\n");
        return Reply::json(
            200,
            json!({ "id": id, "object": "file", "purpose": "batch", "bytes": seen.raw_body.len() }),
        );
    }
    if method == "POST" && path == "/v1/batches" {
        assert_eq!(seen.body["endpoint"], "/v1/chat/completions");
        assert_eq!(seen.body["completion_window"], "24h");
        let file = seen.body["input_file_id"].as_str().unwrap();
        let content = state.files.get(file).cloned().expect("an uploaded file");
        let requests = content
            .lines()
            .map(|line| {
                let line: Value = serde_json::from_str(line).unwrap();
                assert_eq!(line["method"], "POST");
                assert_eq!(line["url"], "/v1/chat/completions");
                (line["custom_id"].as_str().unwrap().to_owned(), line["body"].clone())
            })
            .collect();
        let id = format!("batch_{}", state.batches.len() + 1);
        state.batches.push(FakeBatch { api: Api::OpenAi, id: id.clone(), requests, polls: 0, cancelled: false });
        let batch = state.batches.last().unwrap().clone();
        return Reply::json(200, openai_batch(&batch, scenario, "validating"));
    }
    if let Some(rest) = path.strip_prefix("/v1/batches/") {
        let (id, action) = rest.split_once('/').map_or((rest, ""), |(id, action)| (id, action));
        let Some(batch) = state.batches.iter_mut().find(|batch| batch.id == id) else {
            return Reply::json(404, json!({ "error": { "message": "no such batch" } }));
        };
        if method == "POST" && action == "cancel" {
            batch.cancelled = true;
            let batch = batch.clone();
            return Reply::json(200, openai_batch(&batch, scenario, "cancelling"));
        }
        batch.polls += 1;
        let batch = batch.clone();
        let status = openai_status(&batch, scenario);
        return Reply::json(200, openai_batch(&batch, scenario, status));
    }
    if let Some(rest) = path.strip_prefix("/v1/files/") {
        let id = rest.trim_end_matches("/content");
        let (batch_id, kind) = id.rsplit_once('-').unwrap();
        let batch = state.batches.iter().find(|batch| format!("out_{}", batch.id) == batch_id).unwrap().clone();
        let lines: Vec<String> = results(&batch, scenario)
            .into_iter()
            .filter_map(|(custom_id, result)| {
                let line = match (&result, kind) {
                    (Outcome::Answer(text), "output") => json!({
                        "id": format!("batch_req_{custom_id}"), "custom_id": custom_id,
                        "response": { "status_code": 200, "request_id": "req", "body": openai_answer(text) }, "error": null
                    }),
                    (Outcome::Error(message), "errors") => json!({
                        "id": format!("batch_req_{custom_id}"), "custom_id": custom_id,
                        "response": { "status_code": 400, "request_id": "req", "body": { "error": { "message": message, "type": "invalid_request_error" } } },
                        "error": null
                    }),
                    (Outcome::NotRun(code), "errors") => json!({
                        "id": format!("batch_req_{custom_id}"), "custom_id": custom_id, "response": null,
                        "error": { "code": code, "message": "This request could not be executed before the completion window expired." }
                    }),
                    _ => return None,
                };
                Some(line.to_string())
            })
            .collect();
        return Reply::text(200, &(lines.join("\n") + "\n")).after(scenario.results_delay);
    }
    // Anthropic
    if method == "POST" && path == "/v1/messages/batches" {
        assert!(seen.header("anthropic-version").is_some());
        let requests = seen.body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|request| {
                let custom_id = request["custom_id"].as_str().unwrap();
                assert!(
                    !custom_id.is_empty()
                        && custom_id.len() <= 64
                        && custom_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                    "custom_id {custom_id:?}"
                );
                (custom_id.to_owned(), request["params"].clone())
            })
            .collect();
        let id = format!("msgbatch_{:02}", state.batches.len() + 1);
        state.batches.push(FakeBatch { api: Api::Anthropic, id, requests, polls: 0, cancelled: false });
        let batch = state.batches.last().unwrap().clone();
        return Reply::json(200, anthropic_batch(&batch, scenario, false));
    }
    if let Some(rest) = path.strip_prefix("/v1/messages/batches/") {
        let (id, action) = rest.split_once('/').map_or((rest, ""), |(id, action)| (id, action));
        let Some(batch) = state.batches.iter_mut().find(|batch| batch.id == id) else {
            return Reply::json(
                404,
                json!({ "type": "error", "error": { "type": "not_found_error", "message": "no such batch" } }),
            );
        };
        if method == "POST" && action == "cancel" {
            batch.cancelled = true;
            let batch = batch.clone();
            return Reply::json(200, anthropic_batch(&batch, scenario, false));
        }
        if action == "results" {
            let batch = batch.clone();
            let lines: Vec<String> = results(&batch, scenario)
                .into_iter()
                .map(|(custom_id, result)| {
                    let result = match result {
                        Outcome::Answer(text) => json!({ "type": "succeeded", "message": anthropic_answer(&text) }),
                        Outcome::Error(message) => json!({
                            "type": "errored",
                            "error": { "type": "error", "error": { "type": "invalid_request_error", "message": message } }
                        }),
                        Outcome::NotRun(code) if code == "batch_cancelled" => json!({ "type": "canceled" }),
                        Outcome::NotRun(_) => json!({ "type": "expired" }),
                    };
                    json!({ "custom_id": custom_id, "result": result }).to_string()
                })
                .collect();
            return Reply::text(200, &(lines.join("\n") + "\n")).after(scenario.results_delay);
        }
        batch.polls += 1;
        let batch = batch.clone();
        return Reply::json(200, anthropic_batch(&batch, scenario, true));
    }
    // Gemini
    if method == "POST" && path.starts_with("/v1beta/models/") && path.ends_with(":batchGenerateContent") {
        let requests = seen.body["batch"]["input_config"]["requests"]["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| (entry["metadata"]["key"].as_str().unwrap().to_owned(), entry["request"].clone()))
            .collect();
        let id = format!("batches/gem{}", state.batches.len() + 1);
        state.batches.push(FakeBatch { api: Api::Google, id, requests, polls: 0, cancelled: false });
        let batch = state.batches.last().unwrap().clone();
        return Reply::json(200, gemini_operation(&batch, scenario, false));
    }
    if let Some(rest) = path.strip_prefix("/v1beta/batches/") {
        let (id, cancel) = match rest.strip_suffix(":cancel") {
            Some(id) => (id, true),
            None => (rest, false),
        };
        let id = format!("batches/{id}");
        let Some(batch) = state.batches.iter_mut().find(|batch| batch.id == id) else {
            return Reply::json(
                404,
                json!({ "error": { "code": 404, "message": "no such batch", "status": "NOT_FOUND" } }),
            );
        };
        if cancel {
            batch.cancelled = true;
            return Reply::json(200, json!({}));
        }
        batch.polls += 1;
        let batch = batch.clone();
        let reply = Reply::json(200, gemini_operation(&batch, scenario, true));
        return if ended(&batch, scenario) { reply.after(scenario.results_delay) } else { reply };
    }
    Reply::json(404, json!({ "error": { "message": format!("the fake has no {method} {path}") } }))
}

enum Outcome {
    Answer(String),
    Error(String),
    NotRun(String),
}

fn ended(batch: &FakeBatch, scenario: &Scenario) -> bool {
    batch.cancelled || batch.polls > scenario.polls_to_end
}

fn results(batch: &FakeBatch, scenario: &Scenario) -> Vec<(String, Outcome)> {
    batch
        .requests
        .iter()
        .enumerate()
        .map(|(index, (custom_id, body))| {
            let (user, system) = texts(body);
            let outcome = if batch.cancelled {
                Outcome::NotRun("batch_cancelled".to_owned())
            } else if scenario.expire_after.is_some_and(|limit| index >= limit) {
                Outcome::NotRun("batch_expired".to_owned())
            } else if scenario.fail_marker.as_ref().is_some_and(|marker| user.contains(marker.as_str())) {
                Outcome::Error(scenario.error_message.clone())
            } else {
                Outcome::Answer((scenario.answer)(&user, system.as_deref()))
            };
            (custom_id.clone(), outcome)
        })
        .collect()
}

fn counts(batch: &FakeBatch, scenario: &Scenario) -> (usize, usize, usize, usize) {
    let (mut succeeded, mut failed, mut not_run) = (0, 0, 0);
    if ended(batch, scenario) {
        for (_, outcome) in results(batch, scenario) {
            match outcome {
                Outcome::Answer(_) => succeeded += 1,
                Outcome::Error(_) => failed += 1,
                Outcome::NotRun(_) => not_run += 1,
            }
        }
    }
    (batch.requests.len(), succeeded, failed, not_run)
}

fn openai_status(batch: &FakeBatch, scenario: &Scenario) -> &'static str {
    match (ended(batch, scenario), batch.cancelled, scenario.expire_after.is_some()) {
        (false, _, _) => "in_progress",
        (true, true, _) => "cancelled",
        (true, false, true) => "expired",
        (true, false, false) => "completed",
    }
}

fn openai_batch(batch: &FakeBatch, scenario: &Scenario, status: &str) -> Value {
    let (total, succeeded, failed, not_run) = counts(batch, scenario);
    let done = ended(batch, scenario) && status != "cancelling" && status != "validating";
    json!({
        "id": batch.id, "object": "batch", "endpoint": "/v1/chat/completions", "input_file_id": "file-in",
        "completion_window": "24h", "status": status,
        "output_file_id": if done { json!(format!("out_{}-output", batch.id)) } else { Value::Null },
        "error_file_id": if done && failed + not_run > 0 { json!(format!("out_{}-errors", batch.id)) } else { Value::Null },
        "request_counts": { "total": total, "completed": succeeded, "failed": failed + not_run },
        "errors": null, "metadata": {}
    })
}

fn anthropic_batch(batch: &FakeBatch, scenario: &Scenario, polled: bool) -> Value {
    let (total, succeeded, failed, not_run) = counts(batch, scenario);
    let done = polled && ended(batch, scenario);
    let (canceled, expired) = if batch.cancelled { (not_run, 0) } else { (0, not_run) };
    json!({
        "id": batch.id, "type": "message_batch",
        "processing_status": if done { "ended" } else if batch.cancelled { "canceling" } else { "in_progress" },
        "request_counts": {
            "processing": if done { 0 } else { total }, "succeeded": succeeded, "errored": failed,
            "canceled": canceled, "expired": expired
        },
        "ended_at": null, "created_at": "2026-12-01T00:00:00Z", "expires_at": "2026-12-02T00:00:00Z",
        "cancel_initiated_at": if batch.cancelled { json!("2026-12-01T00:01:00Z") } else { Value::Null },
        "results_url": if done { json!(format!("https://api.anthropic.com/v1/messages/batches/{}/results", batch.id)) } else { Value::Null }
    })
}

fn gemini_operation(batch: &FakeBatch, scenario: &Scenario, polled: bool) -> Value {
    let (total, succeeded, failed, _) = counts(batch, scenario);
    let done = polled && ended(batch, scenario);
    let state = match (done, batch.cancelled, scenario.expire_after.is_some()) {
        (false, _, _) => "BATCH_STATE_RUNNING",
        (true, true, _) => "BATCH_STATE_CANCELLED",
        (true, false, true) => "BATCH_STATE_EXPIRED",
        (true, false, false) => "BATCH_STATE_SUCCEEDED",
    };
    let mut operation = json!({
        "name": batch.id,
        "metadata": {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch",
            "model": "models/gemini-3-pro-preview", "displayName": "left-behind", "state": state,
            "batchStats": { "requestCount": total.to_string(), "successfulRequestCount": succeeded.to_string(), "failedRequestCount": failed.to_string() }
        },
        "done": done
    });
    if done && !batch.cancelled {
        let responses: Vec<Value> = results(batch, scenario)
            .into_iter()
            .filter_map(|(key, outcome)| match outcome {
                Outcome::Answer(text) => Some(json!({ "response": gemini_answer(&text), "metadata": { "key": key } })),
                Outcome::Error(message) => Some(json!({
                    "error": { "code": 3, "message": message, "status": "INVALID_ARGUMENT" }, "metadata": { "key": key }
                })),
                Outcome::NotRun(_) => None,
            })
            .collect();
        operation["response"] = json!({
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput",
            "inlinedResponses": { "inlinedResponses": responses }
        });
    }
    operation
}
