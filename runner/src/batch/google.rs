//! Gemini's batch mode, as documented in the Gemini API's "Batch API" guide and the "Batch Mode"
//! API reference (`models.batchGenerateContent`, `batches.get`, `batches.cancel`; read 2026-12-01):
//!
//! - `POST {base}/v1beta/models/{model}:batchGenerateContent` with inline requests (the way for
//!   batches under 20 MB):
//!   `{"batch": {"display_name", "input_config": {"requests": {"requests": [{"request":
//!   <GenerateContentRequest>, "metadata": {"key": <custom id>}}]}}}}` -> an Operation
//!   `{"name": "batches/...", "metadata": {"state", "batchStats", ...}}`.
//! - `GET {base}/v1beta/batches/{id}` -> the Operation: `metadata.state` is `BATCH_STATE_PENDING`,
//!   `_RUNNING`, `_SUCCEEDED`, `_FAILED`, `_CANCELLED` or `_EXPIRED` (the SDKs show them as
//!   `JOB_STATE_*`, read too); `metadata.batchStats` counts requests (int64 as strings); when
//!   `done`, `response.inlinedResponses.inlinedResponses` holds `{"response" | "error", "metadata"}`
//!   per request in the input's order.
//! - `POST {base}/v1beta/batches/{id}:cancel`.
//!
//! The key goes in `x-goog-api-key`, as for live calls (never in the URL).

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::openai::path_segment;
use super::{BatchCounts, BatchEnd, BatchItem, BatchPhase, BatchStatus, ItemResult};
use crate::providers::ProviderError;
use crate::providers::google::{self, GenerateResponse};
use crate::providers::http::Endpoint;

/// Gemini documents no count limit for inline requests, only their size.
pub const MAX_REQUESTS: usize = 100_000;
/// Inline requests: the whole create request under 20 MB.
pub const MAX_BYTES: usize = 20_000_000;

/// One inline request of the create request.
pub fn batch_entry(item: &BatchItem) -> Value {
    json!({ "request": google::request_body(&item.request), "metadata": { "key": item.custom_id } })
}

fn headers(endpoint: &Endpoint) -> Result<HeaderMap, ProviderError> {
    let mut headers = HeaderMap::new();
    if let Some((name, value)) = endpoint.key_header("x-goog-api-key", "")? {
        headers.insert(name, value);
    }
    Ok(headers)
}

/// `batches/abc` -> `abc`, checked to be one path segment.
fn batch_path(batch_id: &str) -> Result<String, ProviderError> {
    let id = batch_id.strip_prefix("batches/").unwrap_or(batch_id);
    Ok(format!("v1beta/batches/{}", path_segment(id)?))
}

pub(crate) async fn submit(
    endpoint: &Endpoint,
    model_id: &str,
    items: &[BatchItem],
    label: &str,
) -> Result<String, ProviderError> {
    if model_id.contains(['/', '?', '#']) {
        return Err(ProviderError::InvalidRequest(format!("{model_id:?} is not a Gemini model id")));
    }
    let requests: Vec<Value> = items.iter().map(batch_entry).collect();
    let body = json!({
        "batch": { "display_name": label, "input_config": { "requests": { "requests": requests } } }
    });
    let url = endpoint.url(&format!("v1beta/models/{model_id}:batchGenerateContent"))?;
    let operation = endpoint.post_json::<Value>(url, headers(endpoint)?, &body).await?.value;
    operation["name"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| ProviderError::Malformed("the created batch has no name".to_owned()))
}

async fn operation(endpoint: &Endpoint, batch_id: &str) -> Result<Value, ProviderError> {
    endpoint.get_json(endpoint.url(&batch_path(batch_id)?)?, headers(endpoint)?).await
}

pub(crate) async fn status(endpoint: &Endpoint, batch_id: &str) -> Result<BatchStatus, ProviderError> {
    Ok(status_of(&operation(endpoint, batch_id).await?))
}

/// An int64 of the API: a string, or a number from servers that send one.
fn count(value: &Value) -> usize {
    value.as_u64().or_else(|| value.as_str().and_then(|text| text.parse().ok())).unwrap_or(0) as usize
}

fn status_of(operation: &Value) -> BatchStatus {
    let metadata = &operation["metadata"];
    let state = metadata["state"].as_str().unwrap_or("BATCH_STATE_UNSPECIFIED").to_owned();
    let short = state.trim_start_matches("BATCH_STATE_").trim_start_matches("JOB_STATE_");
    let done = operation["done"].as_bool().unwrap_or(false);
    let phase = match short {
        "SUCCEEDED" => BatchPhase::Ended(BatchEnd::Completed),
        "EXPIRED" => BatchPhase::Ended(BatchEnd::Expired),
        "CANCELLED" => BatchPhase::Ended(BatchEnd::Cancelled),
        "FAILED" => BatchPhase::Ended(BatchEnd::Failed(
            operation["error"]["message"].as_str().unwrap_or("the batch failed").to_owned(),
        )),
        _ if done => BatchPhase::Ended(BatchEnd::Completed),
        _ => BatchPhase::InProgress,
    };
    let stats = &metadata["batchStats"];
    BatchStatus {
        phase,
        provider_state: state,
        counts: BatchCounts {
            total: count(&stats["requestCount"]),
            succeeded: count(&stats["successfulRequestCount"]),
            failed: count(&stats["failedRequestCount"]),
        },
    }
}

pub(crate) async fn results(
    endpoint: &Endpoint,
    batch_id: &str,
    status: &BatchStatus,
) -> Result<Vec<(String, ItemResult)>, ProviderError> {
    let operation = operation(endpoint, batch_id).await?;
    let responses = operation["response"]["inlinedResponses"]["inlinedResponses"].as_array();
    let Some(responses) = responses else {
        // An expired or cancelled batch may end without output: nothing ran, all is asked again.
        return match &status.phase {
            BatchPhase::Ended(BatchEnd::Expired | BatchEnd::Cancelled) => Ok(Vec::new()),
            BatchPhase::Ended(BatchEnd::Failed(reason)) => Err(ProviderError::InBatch {
                batch_id: batch_id.to_owned(),
                status: None,
                code: None,
                message: reason.clone(),
            }),
            _ if operation["response"]["responsesFile"].is_string() => Err(ProviderError::Malformed(
                "the batch answered with a responses file; this runner submits inline requests and reads inline responses"
                    .to_owned(),
            )),
            _ => Err(ProviderError::Malformed("an ended batch without inlinedResponses".to_owned())),
        };
    };
    let mut results = Vec::new();
    for (index, entry) in responses.iter().enumerate() {
        let Some(key) = entry["metadata"]["key"].as_str() else {
            return Err(ProviderError::Malformed(format!("inlined response {} has no metadata.key", index + 1)));
        };
        let result = if entry["response"].is_object() {
            match serde_json::from_value::<GenerateResponse>(entry["response"].clone()) {
                Ok(response) => match google::into_completion(response, Duration::ZERO) {
                    Ok(completion) => ItemResult::Answered(completion),
                    Err(error) => ItemResult::Failed(error),
                },
                Err(error) => ItemResult::Failed(ProviderError::Malformed(format!("the response: {error}"))),
            }
        } else {
            let error = &entry["error"];
            ItemResult::Failed(ProviderError::InBatch {
                batch_id: batch_id.to_owned(),
                // google.rpc.Status: `code` is a gRPC code, not an HTTP status.
                status: None,
                code: error["status"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| error["code"].as_u64().map(|code| code.to_string())),
                message: error["message"].as_str().unwrap_or("no message").to_owned(),
            })
        };
        results.push((key.to_owned(), result));
    }
    Ok(results)
}

pub(crate) async fn cancel(endpoint: &Endpoint, batch_id: &str) -> Result<(), ProviderError> {
    let url = endpoint.url(&format!("{}:cancel", batch_path(batch_id)?))?;
    endpoint.post_json::<Value>(url, headers(endpoint)?, &json!({})).await.map(|_| ())
}
