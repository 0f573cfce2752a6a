//! Google's Gemini API (`POST {base}/v1beta/models/{model}:generateContent`).
//!
//! The key goes in the `x-goog-api-key` header, never in the `?key=` query string: URLs end up in
//! error messages and logs. The system prompt is `systemInstruction`, the output limit
//! `generationConfig.maxOutputTokens`. An answer without candidates, or whose candidate was stopped
//! by a safety filter without text, is a [`ProviderError::Blocked`], never an empty answer.

use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::json;

use super::http::Endpoint;
use super::{Completion, CompletionRequest, Provider, ProviderError, ProviderFuture, ProviderKind, TokenUsage};

pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// Finish reasons that mean a filter stopped the answer.
const BLOCKING_FINISH_REASONS: [&str; 6] =
    ["SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION", "IMAGE_SAFETY"];

pub struct Google {
    endpoint: Endpoint,
    model_id: String,
}

impl Google {
    pub(crate) fn new(endpoint: Endpoint, model_id: String) -> Google {
        // Accept ids written as the API lists them (`models/gemini-...`).
        let model_id = model_id.strip_prefix("models/").map(str::to_owned).unwrap_or(model_id);
        Google { endpoint, model_id }
    }

    async fn call(&self, request: &CompletionRequest) -> Result<Completion, ProviderError> {
        if self.model_id.contains('/') || self.model_id.contains('?') || self.model_id.contains('#') {
            return Err(ProviderError::InvalidRequest(format!("{:?} is not a Gemini model id", self.model_id)));
        }
        let url = self.endpoint.url(&format!("v1beta/models/{}:generateContent", self.model_id))?;
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.endpoint.key_header("x-goog-api-key", "")? {
            headers.insert(name, value);
        }
        let answer = self.endpoint.post_json::<GenerateResponse>(url, headers, &request_body(request)).await?;
        into_completion(answer.value, answer.latency).map_err(|error| error.redacted(self.endpoint.key()))
    }
}

impl Provider for Google {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Google
    }

    fn wire_model_id(&self) -> &str {
        &self.model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        Box::pin(self.call(request))
    }
}

pub(crate) fn request_body(request: &CompletionRequest) -> serde_json::Value {
    let mut body = json!({
        "contents": [{ "role": "user", "parts": [{ "text": request.user_message }] }],
        "generationConfig": { "maxOutputTokens": request.max_output_tokens },
    });
    if let Some(system) = &request.system {
        body["systemInstruction"] = json!({ "parts": [{ "text": system.text }] });
    }
    if let Some(temperature) = request.temperature {
        body["generationConfig"]["temperature"] = json!(temperature);
    }
    body
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateResponse {
    #[serde(default)]
    candidates: Vec<Candidate>,
    #[serde(default)]
    prompt_feedback: Option<PromptFeedback>,
    #[serde(default)]
    usage_metadata: Option<UsageMetadata>,
    #[serde(default)]
    model_version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    #[serde(default)]
    content: Option<Content>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Content {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(default)]
    text: Option<String>,
    /// Thought summaries, sent only when asked for; not the answer.
    #[serde(default)]
    thought: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    #[serde(default)]
    block_reason: Option<String>,
    #[serde(default)]
    block_reason_message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageMetadata {
    #[serde(default)]
    prompt_token_count: Option<u64>,
    #[serde(default)]
    candidates_token_count: Option<u64>,
    #[serde(default)]
    cached_content_token_count: Option<u64>,
    #[serde(default)]
    thoughts_token_count: Option<u64>,
}

pub(crate) fn into_completion(
    response: GenerateResponse,
    latency: std::time::Duration,
) -> Result<Completion, ProviderError> {
    let Some(candidate) = response.candidates.into_iter().next() else {
        return Err(
            match response.prompt_feedback.and_then(|feedback| {
                feedback.block_reason.map(|reason| match feedback.block_reason_message {
                    Some(message) => format!("the prompt was blocked ({reason}: {message})"),
                    None => format!("the prompt was blocked ({reason})"),
                })
            }) {
                Some(reason) => ProviderError::Blocked { reason },
                None => ProviderError::Malformed("no candidates in the answer".to_owned()),
            },
        );
    };
    let text: String = candidate
        .content
        .map(|content| {
            content.parts.into_iter().filter(|part| part.thought != Some(true)).filter_map(|part| part.text).collect()
        })
        .unwrap_or_default();
    if text.trim().is_empty() {
        return Err(match candidate.finish_reason {
            Some(reason) if BLOCKING_FINISH_REASONS.contains(&reason.as_str()) => {
                ProviderError::Blocked { reason: format!("the answer was stopped ({reason})") }
            }
            finish_reason => ProviderError::EmptyContent { finish_reason },
        });
    }
    let usage = response.usage_metadata.map(|usage| TokenUsage {
        input_tokens: usage.prompt_token_count,
        // Gemini counts thinking apart from the answer; the record's output counts both.
        output_tokens: match (usage.candidates_token_count, usage.thoughts_token_count) {
            (None, None) => None,
            (answer, thoughts) => Some(answer.unwrap_or(0) + thoughts.unwrap_or(0)),
        },
        cached_input_tokens: usage.cached_content_token_count,
        cache_creation_input_tokens: None,
        reasoning_tokens: usage.thoughts_token_count,
    });
    Ok(Completion {
        text,
        finish_reason: candidate.finish_reason,
        usage: usage.filter(|usage| !usage.is_empty()),
        served_model: response.model_version,
        latency,
        record_fields: serde_json::Map::new(),
    })
}
