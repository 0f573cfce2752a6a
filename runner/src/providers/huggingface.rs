//! The Hugging Face inference router, which speaks OpenAI's Chat Completions format. A model id
//! with a `:provider` suffix (`Qwen/Qwen3-235B-A22B-Instruct-2507:together`) pins the upstream
//! provider; without one the router picks.

use super::http::Endpoint;
use super::openai_wire::{self, Dialect};
use super::{CompletionRequest, Provider, ProviderFuture, ProviderKind};

pub const DEFAULT_BASE_URL: &str = "https://router.huggingface.co/v1";

pub struct HuggingFace {
    endpoint: Endpoint,
    wire_model_id: String,
}

impl HuggingFace {
    pub(crate) fn new(endpoint: Endpoint, model_id: &str, provider_route: Option<&str>) -> HuggingFace {
        HuggingFace { endpoint, wire_model_id: wire_model_id(model_id, provider_route) }
    }
}

/// `model_id:route`, unless the id already names a route.
pub fn wire_model_id(model_id: &str, provider_route: Option<&str>) -> String {
    match provider_route.map(str::trim).filter(|route| !route.is_empty()) {
        Some(route) if !model_id.contains(':') => format!("{model_id}:{route}"),
        _ => model_id.to_owned(),
    }
}

impl Provider for HuggingFace {
    fn kind(&self) -> ProviderKind {
        ProviderKind::HuggingFace
    }

    fn wire_model_id(&self) -> &str {
        &self.wire_model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        let dialect = Dialect { max_tokens_field: "max_tokens", send_temperature: true };
        Box::pin(openai_wire::complete(&self.endpoint, &self.wire_model_id, request, dialect))
    }
}
