//! OpenAI's Batch API over `/v1/chat/completions`, as documented in the Batch API guide and the API
//! reference's "Batch" and "Files" pages (read 2026-12-01):
//!
//! 1. `POST {base}/files`, `multipart/form-data` with `purpose=batch` and `file`: a JSONL file, one
//!    line per request: `{"custom_id", "method": "POST", "url": "/v1/chat/completions", "body"}`,
//!    the body being the live call's. At most 50,000 requests and 200 MB. -> `{"id": "file-..."}`.
//! 2. `POST {base}/batches` `{"input_file_id", "endpoint": "/v1/chat/completions",
//!    "completion_window": "24h", "metadata"}` -> the Batch object (`id`, `status`,
//!    `request_counts: {total, completed, failed}`, `output_file_id`, `error_file_id`, `errors`).
//! 3. `GET {base}/batches/{id}`: `status` is `validating`, `in_progress`, `finalizing`, `completed`,
//!    `failed` (the file did not validate), `expired`, `cancelling` or `cancelled`.
//! 4. `GET {base}/files/{output_file_id}/content` and `.../{error_file_id}/content`: JSONL lines
//!    `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}`. A request an
//!    expired or cancelled batch never ran is in the error file with the code `batch_expired` or
//!    `batch_cancelled`.
//! 5. `POST {base}/batches/{id}/cancel`.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{BatchCounts, BatchEnd, BatchItem, BatchPhase, BatchStatus, ItemResult, jsonl_lines, parse_line};
use crate::providers::http::{Endpoint, MultipartFile};
use crate::providers::openai_wire::{self, ChatResponse};
use crate::providers::{ProviderError, openai};

pub const MAX_REQUESTS: usize = 50_000;
pub const MAX_BYTES: usize = 200_000_000;
/// The endpoint every line of the file calls.
const CHAT_ENDPOINT: &str = "/v1/chat/completions";

/// One line of the input file (without its newline). It holds the request body only: the key goes
/// in the upload's header, never into the file.
pub fn request_line(model_id: &str, item: &BatchItem) -> String {
    let body = openai_wire::request_body(model_id, &item.request, openai::dialect(model_id));
    json!({ "custom_id": item.custom_id, "method": "POST", "url": CHAT_ENDPOINT, "body": body }).to_string()
}

/// The input file: one line per request.
pub fn input_file(model_id: &str, items: &[BatchItem]) -> String {
    items.iter().map(|item| request_line(model_id, item) + "\n").collect()
}

fn headers(endpoint: &Endpoint) -> Result<HeaderMap, ProviderError> {
    let mut headers = HeaderMap::new();
    if let Some((name, value)) = endpoint.key_header("authorization", "Bearer ")? {
        headers.insert(name, value);
    }
    Ok(headers)
}

#[derive(Debug, Deserialize)]
struct FileObject {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Batch {
    id: String,
    status: String,
    #[serde(default)]
    request_counts: Option<RequestCounts>,
    #[serde(default)]
    output_file_id: Option<String>,
    #[serde(default)]
    error_file_id: Option<String>,
    #[serde(default)]
    errors: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct RequestCounts {
    #[serde(default)]
    total: usize,
    #[serde(default)]
    completed: usize,
    #[serde(default)]
    failed: usize,
}

pub(crate) async fn submit(
    endpoint: &Endpoint,
    model_id: &str,
    items: &[BatchItem],
    label: &str,
) -> Result<String, ProviderError> {
    let file = input_file(model_id, items);
    let uploaded: FileObject = endpoint
        .post_multipart(
            endpoint.url("files")?,
            headers(endpoint)?,
            &[("purpose", "batch")],
            MultipartFile {
                field: "file",
                file_name: &format!("{label}.jsonl"),
                content_type: "application/jsonl",
                content: file.as_bytes(),
            },
        )
        .await?;
    let body = json!({
        "input_file_id": uploaded.id,
        "endpoint": CHAT_ENDPOINT,
        "completion_window": "24h",
        "metadata": { "left_behind_record": label },
    });
    let batch = endpoint.post_json::<Batch>(endpoint.url("batches")?, headers(endpoint)?, &body).await?;
    Ok(batch.value.id)
}

async fn retrieve(endpoint: &Endpoint, batch_id: &str) -> Result<Batch, ProviderError> {
    endpoint.get_json(endpoint.url(&format!("batches/{}", path_segment(batch_id)?))?, headers(endpoint)?).await
}

pub(crate) async fn status(endpoint: &Endpoint, batch_id: &str) -> Result<BatchStatus, ProviderError> {
    Ok(status_of(&retrieve(endpoint, batch_id).await?))
}

fn status_of(batch: &Batch) -> BatchStatus {
    let phase = match batch.status.as_str() {
        "completed" => BatchPhase::Ended(BatchEnd::Completed),
        "expired" => BatchPhase::Ended(BatchEnd::Expired),
        "cancelled" => BatchPhase::Ended(BatchEnd::Cancelled),
        "failed" => BatchPhase::Ended(BatchEnd::Failed(failure_reason(batch.errors.as_ref()))),
        // validating, in_progress, finalizing, cancelling, and any state added later.
        _ => BatchPhase::InProgress,
    };
    let counts = batch.request_counts.as_ref().map_or(BatchCounts::default(), |counts| BatchCounts {
        total: counts.total,
        succeeded: counts.completed,
        failed: counts.failed,
    });
    BatchStatus { phase, provider_state: batch.status.clone(), counts }
}

/// The messages of a failed batch's `errors.data`.
fn failure_reason(errors: Option<&Value>) -> String {
    let messages: Vec<String> = errors
        .and_then(|errors| errors["data"].as_array())
        .map(|data| {
            data.iter()
                .filter_map(|error| error["message"].as_str().map(str::to_owned))
                .take(3)
                .collect::<Vec<String>>()
        })
        .unwrap_or_default();
    if messages.is_empty() { "the batch failed".to_owned() } else { messages.join("; ") }
}

#[derive(Debug, Deserialize)]
struct OutputLine {
    custom_id: String,
    #[serde(default)]
    response: Option<LineResponse>,
    #[serde(default)]
    error: Option<LineError>,
}

#[derive(Debug, Deserialize)]
struct LineResponse {
    status_code: u16,
    #[serde(default)]
    body: Value,
}

#[derive(Debug, Deserialize)]
struct LineError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

pub(crate) async fn results(endpoint: &Endpoint, batch_id: &str) -> Result<Vec<(String, ItemResult)>, ProviderError> {
    let batch = retrieve(endpoint, batch_id).await?;
    if let BatchPhase::Ended(BatchEnd::Failed(reason)) = status_of(&batch).phase {
        return Err(ProviderError::InBatch {
            batch_id: batch_id.to_owned(),
            status: None,
            code: None,
            message: reason,
        });
    }
    let mut results = Vec::new();
    for file_id in [batch.output_file_id.as_deref(), batch.error_file_id.as_deref()].into_iter().flatten() {
        let url = endpoint.url(&format!("files/{}/content", path_segment(file_id)?))?;
        let bytes = endpoint.get_bytes(url, headers(endpoint)?).await?;
        for (number, line) in jsonl_lines(&bytes)? {
            let line: OutputLine = parse_line(line, number)?;
            results.push((line.custom_id.clone(), item_result(batch_id, line)));
        }
    }
    Ok(results)
}

fn item_result(batch_id: &str, line: OutputLine) -> ItemResult {
    let code = line.error.as_ref().and_then(|error| error.code.clone());
    if let Some(code @ ("batch_expired" | "batch_cancelled")) = code.as_deref() {
        return ItemResult::NotRun(format!("{code}: the batch ended before this request ran"));
    }
    match line.response {
        Some(response) if response.status_code == 200 => match serde_json::from_value::<ChatResponse>(response.body) {
            Ok(body) => match openai_wire::into_completion(body, Duration::ZERO) {
                Ok(completion) => ItemResult::Answered(completion),
                Err(error) => ItemResult::Failed(error),
            },
            Err(error) => ItemResult::Failed(ProviderError::Malformed(format!("the response body: {error}"))),
        },
        response => {
            let status = response.as_ref().map(|response| response.status_code);
            let message = line
                .error
                .and_then(|error| error.message)
                .or_else(|| response.and_then(|response| response.body["error"]["message"].as_str().map(str::to_owned)))
                .unwrap_or_else(|| "no message".to_owned());
            ItemResult::Failed(ProviderError::InBatch { batch_id: batch_id.to_owned(), status, code, message })
        }
    }
}

pub(crate) async fn cancel(endpoint: &Endpoint, batch_id: &str) -> Result<(), ProviderError> {
    let url = endpoint.url(&format!("batches/{}/cancel", path_segment(batch_id)?))?;
    endpoint.post_json::<Value>(url, headers(endpoint)?, &json!({})).await.map(|_| ())
}

/// An id as one path segment: ids come from the provider, and a `/` or `?` in one must not change
/// which URL is asked.
pub(crate) fn path_segment(id: &str) -> Result<&str, ProviderError> {
    if id.is_empty() || id.contains(['/', '?', '#', '%']) || id.contains("..") {
        return Err(ProviderError::InvalidRequest(format!("{id:?} is not a batch or file id")));
    }
    Ok(id)
}
