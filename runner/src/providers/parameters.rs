//! Which request parameters a model takes, per provider and model id: the providers' APIs drift,
//! and a parameter one model takes another answers with HTTP 400.
//!
//! What the runner knows (documentation and changelogs read 2026-12-01):
//! - Anthropic: the models after Claude Opus 4.6 (Opus 4.7 and 4.8, the Claude 5 family) reject any
//!   sampling parameter (`temperature`, `top_p`, `top_k`) with HTTP 400 "`temperature` is deprecated
//!   for this model" (Anthropic's "Migrating to Claude Opus 4.7" notes; the official SDKs' 2.x
//!   request types; LiteLLM issue #26444, ComfyUI issue #13923). API version 2026-10-21 rejects them
//!   for every model; this runner sends [`super::anthropic::API_VERSION`] (2023-06-01), under which
//!   older models still take them.
//! - OpenAI: the reasoning models (GPT-5 family, o1, o3, o4) take no temperature but the default
//!   (API reference, Chat Completions, `temperature`); they take `max_completion_tokens`.
//! - Gemini: every current model takes `generationConfig.temperature` (Gemini 3 documents 1.0 as
//!   the recommended value, not a rejected one).
//! - xAI: the Grok models take `temperature`; its reasoning models reject `presencePenalty`,
//!   `frequencyPenalty` and `stop`, which the runner never sends.
//! - The Hugging Face router, `openai-compatible` servers and `local` take what they are given.
//!
//! The runner leaves out what a model rejects, records in each answer and judgment what was sent
//! ([`SentParameters`]), and says once per command which configured temperature was not sent.

use serde_json::{Map, Value, json};

use super::{CompletionRequest, ProviderKind, anthropic, openai};

/// The first Anthropic API version under which no model takes a sampling parameter.
pub const ANTHROPIC_SAMPLING_FREE_VERSION: &str = "2026-10-21";

/// What a model takes, of the parameters the runner may send besides the prompt and output limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptedParameters {
    pub temperature: bool,
}

/// The parameters `model_id` on `kind` takes.
pub fn accepted_parameters(kind: ProviderKind, model_id: &str) -> AcceptedParameters {
    let temperature = match kind {
        ProviderKind::Anthropic => {
            anthropic::API_VERSION < ANTHROPIC_SAMPLING_FREE_VERSION && !anthropic_rejects_sampling(model_id)
        }
        ProviderKind::OpenAi => !openai::is_reasoning_model(model_id),
        ProviderKind::Google
        | ProviderKind::Xai
        | ProviderKind::HuggingFace
        | ProviderKind::OpenAiCompatible
        | ProviderKind::Local => true,
    };
    AcceptedParameters { temperature }
}

/// Whether an Anthropic model id names a model after Claude Opus 4.6 (4.7 and later, or the Claude 5
/// family or later), which rejects `temperature`, `top_p` and `top_k`. Reads ids as Anthropic writes
/// them (`claude-opus-4-8`, `claude-opus-4-7-20260416`, `claude-sonnet-5`), and as Bedrock and
/// Vertex do (`anthropic.claude-opus-4-7`, `claude-opus-4-7@20260416`). The older naming
/// (`claude-3-5-sonnet-20241022`) is read too.
pub fn anthropic_rejects_sampling(model_id: &str) -> bool {
    let id = model_id.to_ascii_lowercase();
    let Some(start) = id.find("claude-") else { return false };
    let mut numbers = Vec::new();
    for part in id[start + "claude-".len()..].split(['-', '@', ':', '.', '_']) {
        // A date (`20250929`) ends the version; a tier (`opus`) or `v1` is skipped.
        match part.parse::<u32>() {
            Ok(number) if part.len() <= 2 => numbers.push(number),
            Ok(_) => break,
            Err(_) if !numbers.is_empty() => break,
            Err(_) => {}
        }
    }
    match numbers.as_slice() {
        [] => false,
        [major] => *major >= 5,
        [major, minor, ..] => *major >= 5 || (*major == 4 && *minor >= 7),
    }
}

/// What was sent to the model besides the prompt, and a configured temperature that was not.
#[derive(Debug, Clone, PartialEq)]
pub struct SentParameters {
    pub max_output_tokens: u32,
    pub temperature: Option<f32>,
    /// The temperature the configuration asked for, when the model takes none.
    pub temperature_not_sent: Option<f32>,
}

impl SentParameters {
    /// As recorded in an answer (`parameters`) or a judgment: `{"max_tokens": 2048, "temperature":
    /// 0.0}`, and `"temperature_not_sent": 0.7` when the model rejects the configured one.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("max_tokens".to_owned(), json!(self.max_output_tokens));
        if let Some(temperature) = self.temperature {
            object.insert("temperature".to_owned(), json!(round_f32(temperature)));
        }
        if let Some(temperature) = self.temperature_not_sent {
            object.insert("temperature_not_sent".to_owned(), json!(round_f32(temperature)));
        }
        Value::Object(object)
    }
}

/// An `f32` as the decimal it was written as (0.7, not 0.699999988079071).
fn round_f32(value: f32) -> f64 {
    (f64::from(value) * 1e6).round() / 1e6
}

/// `request` with what the model rejects left out, and what is sent.
pub fn fit_request(
    kind: ProviderKind,
    model_id: &str,
    request: &CompletionRequest,
) -> (CompletionRequest, SentParameters) {
    let accepted = accepted_parameters(kind, model_id);
    let mut fitted = request.clone();
    let mut temperature_not_sent = None;
    if !accepted.temperature {
        temperature_not_sent = fitted.temperature.take();
    }
    let sent = SentParameters {
        max_output_tokens: fitted.max_output_tokens,
        temperature: fitted.temperature,
        temperature_not_sent,
    };
    (fitted, sent)
}

/// The note a command prints once for a model whose configured temperature is not sent.
pub fn temperature_note(name: &str, kind: ProviderKind, model_id: &str, temperature: f32) -> String {
    let why = match kind {
        ProviderKind::Anthropic => "Anthropic's models after Claude Opus 4.6 reject temperature, top_p and top_k",
        ProviderKind::OpenAi => "OpenAI's reasoning models take no temperature",
        _ => "the model takes no temperature",
    };
    format!(
        "note: {name} ({kind} {model_id}) is asked without the configured temperature {}: {why}; \
         each answer records the parameters sent",
        round_f32(temperature)
    )
}
