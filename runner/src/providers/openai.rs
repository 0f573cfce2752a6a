//! OpenAI's Chat Completions API (`POST {base}/chat/completions`, bearer key).
//!
//! The output limit is sent as `max_completion_tokens`, which OpenAI's reasoning models (GPT-5, o1,
//! o3, o4) require; those models reject any temperature but the default, so none is sent to them.

use super::http::Endpoint;
use super::openai_wire::{self, Dialect};
use super::{CompletionRequest, Provider, ProviderFuture, ProviderKind};

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

pub struct OpenAi {
    endpoint: Endpoint,
    model_id: String,
}

impl OpenAi {
    pub(crate) fn new(endpoint: Endpoint, model_id: String) -> OpenAi {
        OpenAi { endpoint, model_id }
    }
}

/// Whether `model_id` is one of OpenAI's reasoning models, which take no temperature.
pub fn is_reasoning_model(model_id: &str) -> bool {
    let id = model_id.to_ascii_lowercase();
    ["gpt-5", "o1", "o3", "o4"].iter().any(|prefix| id == *prefix || id.starts_with(&format!("{prefix}-")))
        || id.starts_with("gpt-5.")
}

/// OpenAI's Chat Completions dialect for `model_id` (live calls and batch lines alike).
pub(crate) fn dialect(model_id: &str) -> Dialect {
    Dialect { max_tokens_field: "max_completion_tokens", send_temperature: !is_reasoning_model(model_id) }
}

impl Provider for OpenAi {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OpenAi
    }

    fn wire_model_id(&self) -> &str {
        &self.model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        Box::pin(openai_wire::complete(&self.endpoint, &self.model_id, request, dialect(&self.model_id)))
    }
}
