//! Batch mode (`run --batch`, `grade --batch`): the calls of a model whose provider has a batch API
//! go out as batches, at about half the price, and come back within 24 hours (most much sooner).
//!
//! - [`BatchApi`]: which providers have one, and their limits per batch.
//! - [`BatchClient`]: one model's batch endpoint: submit, status, results, cancel. The wire formats
//!   are in [`openai`] (Batch API), [`anthropic`] (Message Batches) and [`google`] (Gemini batch
//!   mode), each following its provider's documentation (named, with the date read, at the top of
//!   each file). The request inside a batch is the live call's request body, built by the same
//!   functions as the live providers', so prompts, parameters and prompt caching are the same.
//! - [`record`]: the open-batch records in `batches/open/` of the data directory, written before a
//!   batch is submitted and given its id right after, so that no command ever pays for a call twice.
//! - [`collect`]: submitting (split by the limits), polling with backoff, and handing each result
//!   to the command's writers.
//!
//! xAI documents a Batch API of its own (docs.x.ai, "Batch API", released January 2026; read
//! 2026-12-01) with a different shape (a batch created empty, requests added to it, results paged);
//! this runner does not speak it yet, so xAI models are called live.

pub mod answers;
pub mod anthropic;
pub mod collect;
pub mod google;
pub mod judgments;
pub mod openai;
pub mod record;

use crate::config::ModelEntry;
use crate::providers::http::Endpoint;
use crate::providers::{Completion, CompletionRequest, ProviderError, ProviderKind};
use crate::secrets::Secret;

/// The batch APIs the runner speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchApi {
    OpenAi,
    Anthropic,
    Google,
}

/// The most one batch may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    pub max_requests: usize,
    /// Of the uploaded file (OpenAI), the create request (Anthropic, Gemini's inline requests).
    pub max_bytes: usize,
}

impl BatchApi {
    /// The batch API of `kind`, if the runner speaks one.
    pub fn for_provider(kind: ProviderKind) -> Option<BatchApi> {
        match kind {
            ProviderKind::OpenAi => Some(BatchApi::OpenAi),
            ProviderKind::Anthropic => Some(BatchApi::Anthropic),
            ProviderKind::Google => Some(BatchApi::Google),
            ProviderKind::Xai | ProviderKind::HuggingFace | ProviderKind::OpenAiCompatible | ProviderKind::Local => {
                None
            }
        }
    }

    /// The documented limits, less a margin for the envelope around the requests.
    pub fn limits(self) -> BatchLimits {
        const MB: usize = 1_000_000;
        match self {
            BatchApi::OpenAi => BatchLimits { max_requests: openai::MAX_REQUESTS, max_bytes: openai::MAX_BYTES - MB },
            BatchApi::Anthropic => {
                BatchLimits { max_requests: anthropic::MAX_REQUESTS, max_bytes: anthropic::MAX_BYTES - MB }
            }
            BatchApi::Google => BatchLimits { max_requests: google::MAX_REQUESTS, max_bytes: google::MAX_BYTES - MB },
        }
    }
}

/// One request of a batch: the id it carries there, and the live call's request.
#[derive(Debug, Clone)]
pub struct BatchItem {
    pub custom_id: String,
    pub request: CompletionRequest,
}

/// Where a batch is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchPhase {
    /// Accepted and being worked on (or waiting, validating, finalizing).
    InProgress,
    /// Finished: its results can be read.
    Ended(BatchEnd),
}

/// How a batch ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchEnd {
    Completed,
    /// The window (24 hours) ran out: what did not run is asked again by the next command.
    Expired,
    Cancelled,
    /// The batch as a whole was refused (validation failed): every request failed with `reason`.
    Failed(String),
}

/// A batch's state as its provider reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchStatus {
    pub phase: BatchPhase,
    /// The provider's own word (`in_progress`, `ended`, `BATCH_STATE_RUNNING`).
    pub provider_state: String,
    pub counts: BatchCounts,
}

/// Requests of a batch by state, as far as the provider counts them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
}

impl BatchCounts {
    pub fn describe(&self) -> String {
        let done = self.succeeded + self.failed;
        if self.failed > 0 {
            format!("{done} of {} done, {} failed", self.total, self.failed)
        } else {
            format!("{done} of {} done", self.total)
        }
    }
}

/// What became of one request of an ended batch.
#[derive(Debug, Clone)]
pub enum ItemResult {
    Answered(Completion),
    /// It ran and failed: recorded as a failed call.
    Failed(ProviderError),
    /// It never ran (the batch expired or was cancelled first): asked again by the next command.
    NotRun(String),
}

/// One model's batch endpoint.
pub struct BatchClient {
    api: BatchApi,
    endpoint: Endpoint,
    model_id: String,
}

impl BatchClient {
    /// The batch endpoint of `entry`, if its provider has one.
    pub fn new(entry: &ModelEntry, key: Option<Secret>, http: reqwest::Client) -> Option<BatchClient> {
        let api = BatchApi::for_provider(entry.provider())?;
        let model_id = match api {
            BatchApi::Google => entry.model_id.strip_prefix("models/").unwrap_or(&entry.model_id).to_owned(),
            BatchApi::OpenAi | BatchApi::Anthropic => entry.model_id.clone(),
        };
        Some(BatchClient { api, endpoint: Endpoint::new(http, entry.base_url.clone(), key), model_id })
    }

    pub fn api(&self) -> BatchApi {
        self.api
    }

    /// The bytes `item` adds to a batch (its JSONL line, or its entry in the create request).
    pub fn encoded_size(&self, item: &BatchItem) -> usize {
        match self.api {
            BatchApi::OpenAi => openai::request_line(&self.model_id, item).len(),
            BatchApi::Anthropic => anthropic::batch_entry(&self.model_id, item).to_string().len() + 1,
            BatchApi::Google => google::batch_entry(item).to_string().len() + 1,
        }
    }

    /// Submits `items` as one batch named `label`; the provider's batch id.
    pub async fn submit(&self, items: &[BatchItem], label: &str) -> Result<String, ProviderError> {
        match self.api {
            BatchApi::OpenAi => openai::submit(&self.endpoint, &self.model_id, items, label).await,
            BatchApi::Anthropic => anthropic::submit(&self.endpoint, &self.model_id, items).await,
            BatchApi::Google => google::submit(&self.endpoint, &self.model_id, items, label).await,
        }
    }

    pub async fn status(&self, batch_id: &str) -> Result<BatchStatus, ProviderError> {
        match self.api {
            BatchApi::OpenAi => openai::status(&self.endpoint, batch_id).await,
            BatchApi::Anthropic => anthropic::status(&self.endpoint, batch_id).await,
            BatchApi::Google => google::status(&self.endpoint, batch_id).await,
        }
    }

    /// The result of each request of an ended batch, by custom id.
    pub async fn results(
        &self,
        batch_id: &str,
        status: &BatchStatus,
    ) -> Result<Vec<(String, ItemResult)>, ProviderError> {
        let results = match self.api {
            BatchApi::OpenAi => openai::results(&self.endpoint, batch_id).await,
            BatchApi::Anthropic => anthropic::results(&self.endpoint, batch_id).await,
            BatchApi::Google => google::results(&self.endpoint, batch_id, status).await,
        }?;
        // What the provider answered is untrusted: the key never reaches a file through it.
        let key = self.endpoint.key();
        Ok(results
            .into_iter()
            .map(|(custom_id, result)| {
                let result = match result {
                    ItemResult::Answered(mut completion) => {
                        if let Some(key) = key {
                            completion.text = key.redact(&completion.text);
                        }
                        ItemResult::Answered(completion)
                    }
                    ItemResult::Failed(error) => ItemResult::Failed(error.redacted(key)),
                    not_run @ ItemResult::NotRun(_) => not_run,
                };
                (custom_id, result)
            })
            .collect())
    }

    pub async fn cancel(&self, batch_id: &str) -> Result<(), ProviderError> {
        match self.api {
            BatchApi::OpenAi => openai::cancel(&self.endpoint, batch_id).await,
            BatchApi::Anthropic => anthropic::cancel(&self.endpoint, batch_id).await,
            BatchApi::Google => google::cancel(&self.endpoint, batch_id).await,
        }
    }
}

/// `items` in batches within `limits`, in order; `size` gives an item's bytes.
pub fn split(items: Vec<BatchItem>, limits: BatchLimits, size: impl Fn(&BatchItem) -> usize) -> Vec<Vec<BatchItem>> {
    let mut batches = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for item in items {
        let item_bytes = size(&item);
        if !current.is_empty() && (current.len() >= limits.max_requests || bytes + item_bytes > limits.max_bytes) {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += item_bytes;
        current.push(item);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The one JSON value of a JSONL line, or what is wrong with it.
pub(crate) fn parse_line<T: serde::de::DeserializeOwned>(line: &str, number: usize) -> Result<T, ProviderError> {
    serde_json::from_str(line).map_err(|error| {
        ProviderError::Malformed(format!("results line {number}: {error} (the line begins {:?})", begin(line)))
    })
}

/// The JSONL lines of `bytes` that hold something, numbered from 1.
pub(crate) fn jsonl_lines(bytes: &[u8]) -> Result<Vec<(usize, &str)>, ProviderError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|error| ProviderError::Malformed(format!("results are not UTF-8: {error}")))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect())
}

fn begin(text: &str) -> String {
    text.chars().take(120).collect()
}
