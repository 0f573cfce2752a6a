//! Any server that speaks OpenAI's Chat Completions format at a configured base URL: vLLM,
//! llama.cpp server, Ollama, TGI, LM Studio. The key is optional (local servers often take none).

use super::http::Endpoint;
use super::openai_wire::{self, Dialect};
use super::{CompletionRequest, Provider, ProviderFuture, ProviderKind};

pub struct OpenAiCompatible {
    endpoint: Endpoint,
    model_id: String,
}

impl OpenAiCompatible {
    pub(crate) fn new(endpoint: Endpoint, model_id: String) -> OpenAiCompatible {
        OpenAiCompatible { endpoint, model_id }
    }
}

impl Provider for OpenAiCompatible {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OpenAiCompatible
    }

    fn wire_model_id(&self) -> &str {
        &self.model_id
    }

    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
        // `max_tokens` is the field every self-hosted server knows.
        let dialect = Dialect { max_tokens_field: "max_tokens", send_temperature: true };
        Box::pin(openai_wire::complete(&self.endpoint, &self.model_id, request, dialect))
    }
}
