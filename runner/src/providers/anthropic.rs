//! Anthropic's Messages API (`POST {base}/v1/messages`, `x-api-key`, `anthropic-version`).
//!
//! The system prompt goes in the top-level `system` field; when the request asks for caching it is
//! sent as a text block with `cache_control: {"type": "ephemeral"}`, so that a long prompt repeated
//! over many calls (the judge's rubric) is billed once per cache lifetime.

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;

use super::http::Endpoint;
use super::{Completion, CompletionRequest, Provider, ProviderError, ProviderFuture, ProviderKind, TokenUsage};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version the request and response shapes below follow.
pub const API_VERSION: &str = "2023-06-01";

pub struct Anthropic {
    endpoint: Endpoint,
    model_id: String,
}

impl Anthropic {
    pub(crate) fn new(endpoint: Endpoint, model_id: String) -> Anthropic {
        Anthropic { endpoint, model_id }
    }

    async fn call(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        let url = self.endpoint.url("v1/messages")?;
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.endpoint.key_header("x-api-key", "")? {
            headers.insert(name, value);
        }
        headers.insert("anthropic-version", HeaderValue::from_static(API_VERSION));
        let answer =
            self.endpoint.post_json::<MessagesResponse>(url, headers, &request_body(&self.model_id, request)).await?;
        into_completion(answer.value, answer.latency).map_err(|error| error.redacted(self.endpoint.key()))
    }
}

impl Provider for Anthropic {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Anthropic
    }

    fn wire_model_id(&self) -> &str {
        &self.model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        Box::pin(self.call(request))
    }
}

pub(crate) fn request_body(model: &str, request: &CompletionRequest) -> serde_json::Value {
    let mut body = json!({
        "model": model,
        "max_tokens": request.max_output_tokens,
        "messages": [{ "role": "user", "content": request.user_message }],
    });
    if let Some(system) = &request.system {
        body["system"] = if system.cache {
            json!([{ "type": "text", "text": system.text, "cache_control": { "type": "ephemeral" } }])
        } else {
            json!(system.text)
        };
    }
    // The models after Opus 4.6 answer HTTP 400 to any sampling parameter (see `parameters`).
    if let Some(temperature) = request.temperature
        && super::parameters::accepted_parameters(ProviderKind::Anthropic, model).temperature
    {
        body["temperature"] = json!(temperature);
    }
    body
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessagesResponse {
    content: Vec<ContentBlock>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Debug, Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

pub(crate) fn into_completion(
    response: MessagesResponse,
    latency: std::time::Duration,
) -> Result<Completion, ProviderError> {
    // Text blocks only: thinking and tool blocks are not the answer.
    let text: String = response
        .content
        .iter()
        .filter(|block| block.kind == "text")
        .filter_map(|block| block.text.as_deref())
        .collect();
    if text.trim().is_empty() {
        return Err(ProviderError::EmptyContent { finish_reason: response.stop_reason });
    }
    let usage = response.usage.map(|usage| {
        // Anthropic counts cached prompt tokens apart from `input_tokens`; the record counts all.
        let cached = usage.cache_read_input_tokens.unwrap_or(0) + usage.cache_creation_input_tokens.unwrap_or(0);
        TokenUsage {
            input_tokens: usage.input_tokens.map(|tokens| tokens + cached),
            output_tokens: usage.output_tokens,
            cached_input_tokens: usage.cache_read_input_tokens,
            cache_creation_input_tokens: usage.cache_creation_input_tokens,
            reasoning_tokens: None,
        }
    });
    Ok(Completion {
        text,
        finish_reason: response.stop_reason,
        usage: usage.filter(|usage| !usage.is_empty()),
        served_model: response.model,
        latency,
        record_fields: serde_json::Map::new(),
    })
}
