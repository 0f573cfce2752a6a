//! The OpenAI Chat Completions wire format, which OpenAI, xAI, the Hugging Face router and most
//! self-hosted servers (vLLM, llama.cpp server, Ollama, TGI) speak. The providers differ only in
//! their endpoint, the name of the output-token limit, and whether a temperature may be sent.

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::Endpoint;
use super::{Completion, CompletionRequest, ProviderError, TokenUsage};

/// What varies between Chat Completions servers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dialect {
    /// `max_completion_tokens` (OpenAI, which rejects `max_tokens` for its reasoning models) or
    /// `max_tokens` (everyone else).
    pub max_tokens_field: &'static str,
    /// Whether the request's temperature is sent.
    pub send_temperature: bool,
}

/// The JSON body: the system prompt as the first message, then the user message.
pub(crate) fn request_body(model: &str, request: &CompletionRequest, dialect: Dialect) -> Value {
    let mut messages = Vec::new();
    if let Some(system) = &request.system {
        messages.push(json!({ "role": "system", "content": system.text }));
    }
    messages.push(json!({ "role": "user", "content": request.user_message }));
    let mut body = json!({ "model": model, "messages": messages });
    body[dialect.max_tokens_field] = json!(request.max_output_tokens);
    if let (Some(temperature), true) = (request.temperature, dialect.send_temperature) {
        body["temperature"] = json!(temperature);
    }
    body
}

/// One call to `{base_url}/chat/completions` with a bearer key when there is one.
pub(crate) async fn complete(
    endpoint: &Endpoint,
    model: &str,
    request: &CompletionRequest,
    dialect: Dialect,
) -> Result<Completion, ProviderError> {
    let url = endpoint.url("chat/completions")?;
    let mut headers = HeaderMap::new();
    if let Some((name, value)) = endpoint.key_header("authorization", "Bearer ")? {
        headers.insert(name, value);
    }
    let answer = endpoint.post_json::<ChatResponse>(url, headers, &request_body(model, request, dialect)).await?;
    into_completion(answer.value, answer.latency).map_err(|error| error.redacted(endpoint.key()))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    model: Option<String>,
    /// Some servers answer 200 with an error object instead of choices.
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    message: Option<Message>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Message {
    /// A string, or (some servers) a list of `{"type": "text", "text": ...}` parts.
    #[serde(default)]
    content: Option<Value>,
    /// OpenAI's refusal message, sent instead of content.
    #[serde(default)]
    refusal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Debug, Deserialize)]
struct PromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct CompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

pub(crate) fn into_completion(
    response: ChatResponse,
    latency: std::time::Duration,
) -> Result<Completion, ProviderError> {
    let Some(choice) = response.choices.into_iter().next() else {
        return Err(ProviderError::Malformed(match response.error {
            Some(error) => format!("no choices; the server says {error}"),
            None => "no choices in the answer".to_owned(),
        }));
    };
    let message =
        choice.message.ok_or_else(|| ProviderError::Malformed("the first choice has no message".to_owned()))?;
    let mut finish_reason = choice.finish_reason;
    let mut text = match message.content {
        Some(Value::String(text)) => text,
        Some(Value::Array(parts)) => {
            parts.iter().filter_map(|part| part.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("")
        }
        Some(Value::Null) | None => String::new(),
        Some(other) => {
            return Err(ProviderError::Malformed(format!("message content is neither text nor parts: {other}")));
        }
    };
    if text.trim().is_empty() {
        match message.refusal.filter(|refusal| !refusal.trim().is_empty()) {
            // A refusal is the model's answer (the judge scores it 0), not a failed call.
            Some(refusal) => {
                text = refusal;
                finish_reason = Some("refusal".to_owned());
            }
            None => return Err(ProviderError::EmptyContent { finish_reason }),
        }
    }
    let usage = response.usage.map(|usage| TokenUsage {
        input_tokens: usage.prompt_tokens,
        output_tokens: usage.completion_tokens,
        cached_input_tokens: usage.prompt_tokens_details.and_then(|details| details.cached_tokens),
        cache_creation_input_tokens: None,
        reasoning_tokens: usage.completion_tokens_details.and_then(|details| details.reasoning_tokens),
    });
    Ok(Completion {
        text,
        finish_reason,
        usage: usage.filter(|usage| !usage.is_empty()),
        served_model: response.model,
        latency,
        record_fields: serde_json::Map::new(),
    })
}
