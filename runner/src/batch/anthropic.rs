//! Anthropic's Message Batches, as documented in the API reference ("Create a Message Batch",
//! "Retrieve a Message Batch", "Retrieve Message Batch results", "Cancel a Message Batch") and the
//! batch-processing guide (read 2026-12-01):
//!
//! - `POST {base}/v1/messages/batches` `{"requests": [{"custom_id", "params"}]}`, `params` being the
//!   live Messages request (so `cache_control` on the judge's system prompt works in a batch too).
//!   At most 100,000 requests and 256 MB. `custom_id` matches `^[a-zA-Z0-9_-]{1,64}$`.
//!   -> `{"id": "msgbatch_...", "processing_status": "in_progress" | "canceling" | "ended",
//!   "request_counts": {processing, succeeded, errored, canceled, expired}, "results_url",
//!   "cancel_initiated_at", ...}`.
//! - `GET {base}/v1/messages/batches/{id}`: the same object.
//! - `GET {base}/v1/messages/batches/{id}/results`: JSONL, one line per request, in any order:
//!   `{"custom_id", "result": {"type": "succeeded", "message"} | {"type": "errored", "error":
//!   {"type": "error", "error": {"type", "message"}}} | {"type": "canceled"} | {"type": "expired"}}`.
//!   The documented endpoint is asked rather than `results_url`, so the key only ever goes to the
//!   configured base URL.
//! - `POST {base}/v1/messages/batches/{id}/cancel`.
//!
//! Every request carries `x-api-key` and `anthropic-version` like a live call.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use super::openai::path_segment;
use super::{BatchCounts, BatchEnd, BatchItem, BatchPhase, BatchStatus, ItemResult, jsonl_lines, parse_line};
use crate::providers::ProviderError;
use crate::providers::anthropic::{self, MessagesResponse};
use crate::providers::http::Endpoint;

pub const MAX_REQUESTS: usize = 100_000;
pub const MAX_BYTES: usize = 256_000_000;

/// One entry of the create request.
pub fn batch_entry(model_id: &str, item: &BatchItem) -> Value {
    json!({ "custom_id": item.custom_id, "params": anthropic::request_body(model_id, &item.request) })
}

fn headers(endpoint: &Endpoint) -> Result<HeaderMap, ProviderError> {
    let mut headers = HeaderMap::new();
    if let Some((name, value)) = endpoint.key_header("x-api-key", "")? {
        headers.insert(name, value);
    }
    headers.insert("anthropic-version", HeaderValue::from_static(anthropic::API_VERSION));
    Ok(headers)
}

#[derive(Debug, Deserialize)]
struct MessageBatch {
    id: String,
    processing_status: String,
    #[serde(default)]
    request_counts: Option<RequestCounts>,
    #[serde(default)]
    cancel_initiated_at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct RequestCounts {
    #[serde(default)]
    processing: usize,
    #[serde(default)]
    succeeded: usize,
    #[serde(default)]
    errored: usize,
    #[serde(default)]
    canceled: usize,
    #[serde(default)]
    expired: usize,
}

pub(crate) async fn submit(endpoint: &Endpoint, model_id: &str, items: &[BatchItem]) -> Result<String, ProviderError> {
    let requests: Vec<Value> = items.iter().map(|item| batch_entry(model_id, item)).collect();
    let url = endpoint.url("v1/messages/batches")?;
    let batch = endpoint.post_json::<MessageBatch>(url, headers(endpoint)?, &json!({ "requests": requests })).await?;
    Ok(batch.value.id)
}

pub(crate) async fn status(endpoint: &Endpoint, batch_id: &str) -> Result<BatchStatus, ProviderError> {
    let url = endpoint.url(&format!("v1/messages/batches/{}", path_segment(batch_id)?))?;
    let batch: MessageBatch = endpoint.get_json(url, headers(endpoint)?).await?;
    let counts = batch.request_counts.unwrap_or_default();
    let phase = match batch.processing_status.as_str() {
        "ended" if batch.cancel_initiated_at.is_some() => BatchPhase::Ended(BatchEnd::Cancelled),
        "ended" if counts.expired > 0 => BatchPhase::Ended(BatchEnd::Expired),
        "ended" => BatchPhase::Ended(BatchEnd::Completed),
        _ => BatchPhase::InProgress,
    };
    Ok(BatchStatus {
        phase,
        provider_state: batch.processing_status,
        counts: BatchCounts {
            total: counts.processing + counts.succeeded + counts.errored + counts.canceled + counts.expired,
            succeeded: counts.succeeded,
            failed: counts.errored,
        },
    })
}

#[derive(Debug, Deserialize)]
struct ResultLine {
    custom_id: String,
    result: ResultBody,
}

#[derive(Debug, Deserialize)]
struct ResultBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    error: Option<Value>,
}

pub(crate) async fn results(endpoint: &Endpoint, batch_id: &str) -> Result<Vec<(String, ItemResult)>, ProviderError> {
    let url = endpoint.url(&format!("v1/messages/batches/{}/results", path_segment(batch_id)?))?;
    let bytes = endpoint.get_bytes(url, headers(endpoint)?).await?;
    let mut results = Vec::new();
    for (number, line) in jsonl_lines(&bytes)? {
        let line: ResultLine = parse_line(line, number)?;
        let result = match line.result.kind.as_str() {
            "succeeded" => match line.result.message.map(serde_json::from_value::<MessagesResponse>) {
                Some(Ok(message)) => match anthropic::into_completion(message, Duration::ZERO) {
                    Ok(completion) => ItemResult::Answered(completion),
                    Err(error) => ItemResult::Failed(error),
                },
                Some(Err(error)) => ItemResult::Failed(ProviderError::Malformed(format!("the message: {error}"))),
                None => ItemResult::Failed(ProviderError::Malformed("a succeeded result without a message".to_owned())),
            },
            "errored" => {
                // {"type": "error", "error": {"type": "invalid_request_error", "message": "..."}}
                let error = line.result.error.unwrap_or(Value::Null);
                let inner = if error["error"].is_object() { &error["error"] } else { &error };
                ItemResult::Failed(ProviderError::InBatch {
                    batch_id: batch_id.to_owned(),
                    status: None,
                    code: inner["type"].as_str().map(str::to_owned),
                    message: inner["message"].as_str().unwrap_or("no message").to_owned(),
                })
            }
            "canceled" => ItemResult::NotRun("canceled: the batch was cancelled before this request ran".to_owned()),
            "expired" => ItemResult::NotRun("expired: the batch ended before this request ran".to_owned()),
            other => ItemResult::Failed(ProviderError::Malformed(format!("result type {other:?}"))),
        };
        results.push((line.custom_id, result));
    }
    Ok(results)
}

pub(crate) async fn cancel(endpoint: &Endpoint, batch_id: &str) -> Result<(), ProviderError> {
    let url = endpoint.url(&format!("v1/messages/batches/{}/cancel", path_segment(batch_id)?))?;
    endpoint.post_json::<Value>(url, headers(endpoint)?, &json!({})).await.map(|_| ())
}
