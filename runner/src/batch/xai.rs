//! xAI's Batch API, as documented in docs.x.ai's "Batch API" guide (released January 2026; its
//! limits: 1 batch created per second, at most 25 MB per request that adds requests, batches over
//! 100,000 requests may be throttled) and the REST reference's batch endpoints, as the xAI SDKs call
//! them (read 2026-12-01):
//!
//! - `POST {base}/batches` `{"name"}` -> `{"batch_id", ...}`: an empty batch (free).
//! - `POST {base}/batches/{id}/requests` `{"batch_requests": [{"batch_request_id", "batch_request":
//!   {"chat_get_completion": <the live Chat Completions body>}}]}`: the paid step.
//! - `GET {base}/batches/{id}` -> `{"batch_id", "state": {"num_requests", "num_pending",
//!   "num_success", "num_error", "num_cancelled"}}`: the batch has ended when nothing is pending.
//! - `GET {base}/batches/{id}/results?page_size=100[&pagination_token=...]` -> `{"results":
//!   [{"batch_request_id", "batch_result": {"response": {"chat_get_completion": <completion>}} |
//!   {"error": ...}}], "pagination_token"}`, page by page.
//! - `POST {base}/batches/{id}:cancel`.
//!
//! The record is written before the batch is created, the batch id added once the requests are in:
//! a command killed between creating the empty batch and adding its requests leaves a record
//! without an id (never a second paid batch).

use std::time::Duration;

use left_behind_shared::truncate;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

use super::openai::path_segment;
use super::{BatchCounts, BatchEnd, BatchItem, BatchPhase, BatchStatus, ItemResult};
use crate::providers::http::Endpoint;
use crate::providers::openai_wire::{self, ChatResponse};
use crate::providers::{ProviderError, xai};

pub const MAX_REQUESTS: usize = 100_000;
/// One request that adds requests: at most 25 MB.
pub const MAX_BYTES: usize = 25_000_000;
/// Results per page.
const PAGE_SIZE: usize = 100;

/// One entry of the request that adds requests.
pub fn batch_entry(model_id: &str, item: &BatchItem) -> Value {
    let body = openai_wire::request_body(model_id, &item.request, xai::DIALECT);
    json!({ "batch_request_id": item.custom_id, "batch_request": { "chat_get_completion": body } })
}

fn headers(endpoint: &Endpoint) -> Result<HeaderMap, ProviderError> {
    let mut headers = HeaderMap::new();
    if let Some((name, value)) = endpoint.key_header("authorization", "Bearer ")? {
        headers.insert(name, value);
    }
    Ok(headers)
}

pub(crate) async fn submit(
    endpoint: &Endpoint,
    model_id: &str,
    items: &[BatchItem],
    label: &str,
) -> Result<String, ProviderError> {
    let created =
        endpoint.post_json::<Value>(endpoint.url("batches")?, headers(endpoint)?, &json!({ "name": label })).await?;
    let batch_id = created
        .value
        .get("batch_id")
        .or_else(|| created.value.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ProviderError::Malformed("the created batch has no batch_id".to_owned()))?;
    let requests: Vec<Value> = items.iter().map(|item| batch_entry(model_id, item)).collect();
    let url = endpoint.url(&format!("batches/{}/requests", path_segment(&batch_id)?))?;
    endpoint.post_json::<Value>(url, headers(endpoint)?, &json!({ "batch_requests": requests })).await?;
    Ok(batch_id)
}

/// A count of the API: a number, or a string from servers that send int64 as one.
fn count(value: &Value) -> usize {
    value.as_u64().or_else(|| value.as_str().and_then(|text| text.parse().ok())).unwrap_or(0) as usize
}

pub(crate) async fn status(endpoint: &Endpoint, batch_id: &str) -> Result<BatchStatus, ProviderError> {
    let url = endpoint.url(&format!("batches/{}", path_segment(batch_id)?))?;
    let batch: Value = endpoint.get_json(url, headers(endpoint)?).await?;
    let state = &batch["state"];
    let (total, pending) = (count(&state["num_requests"]), count(&state["num_pending"]));
    let cancelled = count(&state["num_cancelled"]);
    let phase = match (total, pending) {
        (0, _) | (_, 1..) => BatchPhase::InProgress,
        _ if cancelled > 0 => BatchPhase::Ended(BatchEnd::Cancelled),
        _ => BatchPhase::Ended(BatchEnd::Completed),
    };
    Ok(BatchStatus {
        provider_state: if matches!(phase, BatchPhase::InProgress) {
            format!("{pending} pending")
        } else {
            "done".to_owned()
        },
        phase,
        counts: BatchCounts { total, succeeded: count(&state["num_success"]), failed: count(&state["num_error"]) },
    })
}

pub(crate) async fn results(endpoint: &Endpoint, batch_id: &str) -> Result<Vec<(String, ItemResult)>, ProviderError> {
    let mut results = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut url = endpoint.url(&format!("batches/{}/results", path_segment(batch_id)?))?;
        url.query_pairs_mut().append_pair("page_size", &PAGE_SIZE.to_string());
        if let Some(token) = &token {
            url.query_pairs_mut().append_pair("pagination_token", token);
        }
        let page: Value = endpoint.get_json(url, headers(endpoint)?).await?;
        for entry in page["results"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let Some(custom_id) = entry["batch_request_id"].as_str() else {
                return Err(ProviderError::Malformed("a result without batch_request_id".to_owned()));
            };
            results.push((custom_id.to_owned(), item_result(batch_id, &entry["batch_result"])));
        }
        token = page["pagination_token"].as_str().filter(|token| !token.is_empty()).map(str::to_owned);
        if token.is_none() {
            return Ok(results);
        }
    }
}

fn item_result(batch_id: &str, result: &Value) -> ItemResult {
    let completion = &result["response"]["chat_get_completion"];
    if completion.is_object() {
        return match serde_json::from_value::<ChatResponse>(completion.clone()) {
            Ok(body) => match openai_wire::into_completion(body, Duration::ZERO) {
                Ok(completion) => ItemResult::Answered(completion),
                Err(error) => ItemResult::Failed(error),
            },
            Err(error) => ItemResult::Failed(ProviderError::Malformed(format!("the completion: {error}"))),
        };
    }
    let error = &result["error"];
    let message = error
        .as_str()
        .or_else(|| error["message"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("no completion in the result: {}", truncate(&result.to_string(), 200)));
    ItemResult::Failed(ProviderError::InBatch {
        batch_id: batch_id.to_owned(),
        status: None,
        code: error["code"].as_str().map(str::to_owned),
        message,
    })
}

pub(crate) async fn cancel(endpoint: &Endpoint, batch_id: &str) -> Result<(), ProviderError> {
    let url = endpoint.url(&format!("batches/{}:cancel", path_segment(batch_id)?))?;
    endpoint.post_json::<Value>(url, headers(endpoint)?, &json!({})).await.map(|_| ())
}
