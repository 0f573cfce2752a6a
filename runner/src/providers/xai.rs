//! xAI's API, which speaks OpenAI's Chat Completions format (`POST {base}/chat/completions`).

use super::http::Endpoint;
use super::openai_wire::{self, Dialect};
use super::{CompletionRequest, Provider, ProviderFuture, ProviderKind};

pub const DEFAULT_BASE_URL: &str = "https://api.x.ai/v1";

/// The output limit is `max_tokens`; every Grok model takes a temperature.
pub(crate) const DIALECT: Dialect = Dialect { max_tokens_field: "max_tokens", send_temperature: true };

pub struct Xai {
    endpoint: Endpoint,
    model_id: String,
}

impl Xai {
    pub(crate) fn new(endpoint: Endpoint, model_id: String) -> Xai {
        Xai { endpoint, model_id }
    }
}

impl Provider for Xai {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Xai
    }

    fn wire_model_id(&self) -> &str {
        &self.model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        Box::pin(openai_wire::complete(&self.endpoint, &self.model_id, request, DIALECT))
    }
}
