//! The model providers: one module per API behind one trait, [`Provider`].
//!
//! A provider turns a [`CompletionRequest`] (an optional system prompt and one user message) into
//! one HTTP call and the answer into a [`Completion`], or a [`ProviderError`] that says whether trying
//! again can help. Providers make exactly one attempt: retries, timeouts and concurrency belong to
//! [`crate::dispatch`]. Providers never see the filesystem, and the only key they hold is the
//! [`Secret`] they were built with, which every error message is scrubbed of.

pub mod anthropic;
pub mod google;
pub(crate) mod http;
pub mod huggingface;
pub mod openai;
pub mod openai_compatible;
pub(crate) mod openai_wire;
pub mod parameters;
pub mod xai;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The APIs the runner speaks, named as configuration files and the registry name them.
pub use left_behind_shared::ProviderKind;
pub use left_behind_shared::TokenUsage;
use reqwest::Url;

use crate::secrets::Secret;

/// A boxed future, so that [`Provider`] can be used as `dyn Provider`.
pub type ProviderFuture<'a> = Pin<Box<dyn Future<Output = Result<Completion, ProviderError>> + Send + 'a>>;

/// One model behind one API. Implementations hold their endpoint, model id and key.
pub trait Provider: Send + Sync {
    /// Which API this speaks.
    fn kind(&self) -> ProviderKind;
    /// The model id as sent on the wire (for the Hugging Face router, with its `:provider` suffix).
    fn wire_model_id(&self) -> &str;
    /// Makes one call. Never retries.
    fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a>;
    /// Whether the dispatcher's per-request timeout applies. A local generation is bounded by its
    /// token limit, not by a network, and timing it out would only throw the work away.
    fn has_request_timeout(&self) -> bool {
        true
    }
}

/// A single-turn conversation: an optional system prompt and one user message.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionRequest {
    pub system: Option<SystemPrompt>,
    pub user_message: String,
    /// The most tokens the model may generate.
    pub max_output_tokens: u32,
    /// Sampling temperature. `None` leaves the API's default; a provider whose model does not accept
    /// a temperature (OpenAI's reasoning models) leaves it out.
    pub temperature: Option<f32>,
}

/// A system prompt, and whether to ask the provider to cache it (worth it for a long prompt sent
/// with many requests, such as a judge's rubric). Only Anthropic needs to be asked
/// (`cache_control`); OpenAI-style APIs and Gemini cache long prefixes on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemPrompt {
    pub text: String,
    pub cache: bool,
}

impl SystemPrompt {
    pub fn new(text: impl Into<String>) -> SystemPrompt {
        SystemPrompt { text: text.into(), cache: false }
    }

    pub fn cached(text: impl Into<String>) -> SystemPrompt {
        SystemPrompt { text: text.into(), cache: true }
    }
}

/// A model's answer to one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The answer, never empty (an empty answer is [`ProviderError::EmptyContent`]).
    pub text: String,
    /// Why generation stopped, in the API's own words.
    pub finish_reason: Option<String>,
    pub usage: Option<TokenUsage>,
    /// The model version the API says answered, if it says.
    pub served_model: Option<String>,
    /// From sending the request to having read the whole answer.
    pub latency: Duration,
    /// More about how the answer was made, stored with it in the results file (the local engine's
    /// decoding settings, prompt format and timings). Empty for the APIs.
    pub record_fields: serde_json::Map<String, serde_json::Value>,
}

/// Why a call failed. [`ProviderError::is_retryable`] tells the dispatch layer whether to try again.
/// Messages quote the server (shortened) and are scrubbed of the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// HTTP 429. Retryable, after `retry_after` when the server said.
    #[error("rate limited (HTTP 429){}: {message}", retry_after_text(*.retry_after))]
    RateLimited { retry_after: Option<Duration>, message: String },
    /// HTTP 5xx (including Anthropic's 529 "overloaded") or 408. Retryable.
    #[error("server error (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    /// No answer within the per-request timeout. Retryable.
    #[error("no answer within {} s", .0.as_secs_f64())]
    Timeout(Duration),
    /// The connection could not be made or broke off. Retryable.
    #[error("connection failed: {0}")]
    Connection(String),
    /// Any other HTTP 4xx: the request itself is wrong (bad key, unknown model, too long). Final.
    #[error("request rejected (HTTP {status}): {message}")]
    Rejected { status: u16, message: String },
    /// HTTP 200 but not the JSON the API documents. Final.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// HTTP 200 without any text. Final.
    #[error("the response holds no text{}", finish_reason_text(.finish_reason.as_deref()))]
    EmptyContent { finish_reason: Option<String> },
    /// The provider's safety system blocked the prompt or the answer. Final.
    #[error("blocked by the provider's safety filter: {reason}")]
    Blocked { reason: String },
    /// The request could not even be built (an invalid URL or model id). Final.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The local engine could not answer (a prompt longer than the context, a llama.cpp failure).
    /// Final.
    #[error("local engine: {0}")]
    Engine(String),
    /// A request inside a provider's batch failed there (the provider's error code and message).
    /// Final for this batch; the next `run` or `grade` asks again.
    #[error("failed inside batch {batch_id}{}: {message}", code_text(.code.as_deref()))]
    InBatch { batch_id: String, status: Option<u16>, code: Option<String>, message: String },
}

fn code_text(code: Option<&str>) -> String {
    code.map(|code| format!(" ({code})")).unwrap_or_default()
}

fn retry_after_text(retry_after: Option<Duration>) -> String {
    retry_after.map(|delay| format!(", retry after {} s", delay.as_secs_f64())).unwrap_or_default()
}

fn finish_reason_text(finish_reason: Option<&str>) -> String {
    finish_reason.map(|reason| format!(" (finish reason {reason})")).unwrap_or_default()
}

impl ProviderError {
    /// Whether another attempt may succeed: rate limits, server errors, timeouts, broken connections.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Timeout(_)
                | ProviderError::Connection(_)
        )
    }

    /// The HTTP status of the answer, when there was one (200 for an answer that was unusable).
    pub fn status(&self) -> Option<u16> {
        match self {
            ProviderError::RateLimited { .. } => Some(429),
            ProviderError::Server { status, .. } | ProviderError::Rejected { status, .. } => Some(*status),
            ProviderError::Malformed(_) | ProviderError::EmptyContent { .. } | ProviderError::Blocked { .. } => {
                Some(200)
            }
            ProviderError::Timeout(_)
            | ProviderError::Connection(_)
            | ProviderError::InvalidRequest(_)
            | ProviderError::Engine(_) => None,
            ProviderError::InBatch { status, .. } => *status,
        }
    }

    /// How long the server asked to wait (429 with `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The error with the key removed from every message it carries.
    pub fn redacted(self, secret: Option<&Secret>) -> ProviderError {
        let Some(secret) = secret else { return self };
        match self {
            ProviderError::RateLimited { retry_after, message } => {
                ProviderError::RateLimited { retry_after, message: secret.redact(&message) }
            }
            ProviderError::Server { status, message } => {
                ProviderError::Server { status, message: secret.redact(&message) }
            }
            ProviderError::Connection(message) => ProviderError::Connection(secret.redact(&message)),
            ProviderError::Rejected { status, message } => {
                ProviderError::Rejected { status, message: secret.redact(&message) }
            }
            ProviderError::Malformed(message) => ProviderError::Malformed(secret.redact(&message)),
            ProviderError::EmptyContent { finish_reason } => {
                ProviderError::EmptyContent { finish_reason: finish_reason.map(|reason| secret.redact(&reason)) }
            }
            ProviderError::Blocked { reason } => ProviderError::Blocked { reason: secret.redact(&reason) },
            ProviderError::InvalidRequest(message) => ProviderError::InvalidRequest(secret.redact(&message)),
            ProviderError::Engine(message) => ProviderError::Engine(secret.redact(&message)),
            ProviderError::InBatch { batch_id, status, code, message } => ProviderError::InBatch {
                batch_id,
                status,
                code: code.map(|code| secret.redact(&code)),
                message: secret.redact(&message),
            },
            timeout @ ProviderError::Timeout(_) => timeout,
        }
    }
}

/// The public endpoint of `provider` (`None` for `openai-compatible`, whose URL the configuration must
/// give, and for local models).
pub fn default_base_url(provider: ProviderKind) -> Option<&'static str> {
    match provider {
        ProviderKind::Anthropic => Some(anthropic::DEFAULT_BASE_URL),
        ProviderKind::OpenAi => Some(openai::DEFAULT_BASE_URL),
        ProviderKind::Google => Some(google::DEFAULT_BASE_URL),
        ProviderKind::Xai => Some(xai::DEFAULT_BASE_URL),
        ProviderKind::HuggingFace => Some(huggingface::DEFAULT_BASE_URL),
        ProviderKind::OpenAiCompatible | ProviderKind::Local => None,
    }
}

/// The environment variable that overrides `provider`'s base URL, as the official SDKs read it.
pub fn base_url_variable(provider: ProviderKind) -> Option<&'static str> {
    match provider {
        ProviderKind::Anthropic => Some("ANTHROPIC_BASE_URL"),
        ProviderKind::OpenAi => Some("OPENAI_BASE_URL"),
        ProviderKind::Google => Some("GOOGLE_BASE_URL"),
        ProviderKind::Xai => Some("XAI_BASE_URL"),
        ProviderKind::HuggingFace => Some("HF_BASE_URL"),
        ProviderKind::OpenAiCompatible | ProviderKind::Local => None,
    }
}

/// The environment variable holding `provider`'s key (`None`: the API needs no key unless configured).
pub fn key_variable(provider: ProviderKind) -> Option<&'static str> {
    match provider {
        ProviderKind::Anthropic => Some("ANTHROPIC_API_KEY"),
        ProviderKind::OpenAi => Some("OPENAI_API_KEY"),
        ProviderKind::Google => Some("GOOGLE_API_KEY"),
        ProviderKind::Xai => Some("XAI_API_KEY"),
        ProviderKind::HuggingFace => Some("HF_API_KEY"),
        ProviderKind::OpenAiCompatible | ProviderKind::Local => None,
    }
}

/// Everything needed to build a provider for one model.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    /// The API root, such as `https://api.anthropic.com` or `http://127.0.0.1:8000/v1`.
    pub base_url: Url,
    /// The model id the API knows (without a router suffix).
    pub model_id: String,
    /// For the Hugging Face router: the upstream provider to pin (`together`).
    pub provider_route: Option<String>,
    /// The key, if the API takes one.
    pub key: Option<Secret>,
}

/// Builds the provider of an HTTP API for `settings`, sharing `http` (one connection pool for the
/// whole run). Local models are not built here: their engine loads a file ([`crate::local::provider::start`]).
pub fn build(settings: ProviderSettings, http: reqwest::Client) -> Arc<dyn Provider> {
    let endpoint = http::Endpoint::new(http, settings.base_url, settings.key);
    match settings.kind {
        ProviderKind::Anthropic => Arc::new(anthropic::Anthropic::new(endpoint, settings.model_id)),
        ProviderKind::OpenAi => Arc::new(openai::OpenAi::new(endpoint, settings.model_id)),
        ProviderKind::Google => Arc::new(google::Google::new(endpoint, settings.model_id)),
        ProviderKind::Xai => Arc::new(xai::Xai::new(endpoint, settings.model_id)),
        ProviderKind::HuggingFace => {
            Arc::new(huggingface::HuggingFace::new(endpoint, &settings.model_id, settings.provider_route.as_deref()))
        }
        ProviderKind::OpenAiCompatible => {
            Arc::new(openai_compatible::OpenAiCompatible::new(endpoint, settings.model_id))
        }
        ProviderKind::Local => panic!("local models are started with local::provider::start, not built from a URL"),
    }
}

/// The HTTP client every provider of a run shares: rustls, a user agent, a connect timeout. The
/// per-request timeout is the dispatch layer's.
pub fn http_client(max_idle_per_host: usize) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("left-behind/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(max_idle_per_host.max(1))
        .build()
}
