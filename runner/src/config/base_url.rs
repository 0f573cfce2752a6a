//! Where a model's base URL comes from: the file's `base_url`, else the provider's environment
//! variable (as the official SDKs read them), else the provider's public endpoint; a local model's
//! is its file's `file://` URL.

use anyhow::Context;
use reqwest::Url;

use crate::providers::{self, ProviderKind};

/// Where a base URL came from, shown beside it (`run --list`, `grade --dry-run`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseUrlOrigin {
    /// The entry's `base_url`.
    Configured,
    /// The provider's variable (`OPENAI_BASE_URL`, ...), named.
    EnvironmentVariable(&'static str),
    /// The provider's public endpoint.
    Default,
    /// A local model: its `model_path`.
    ModelFile,
}

impl std::fmt::Display for BaseUrlOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseUrlOrigin::Configured => f.write_str("config"),
            BaseUrlOrigin::EnvironmentVariable(variable) => f.write_str(variable),
            BaseUrlOrigin::Default => f.write_str("default"),
            BaseUrlOrigin::ModelFile => f.write_str("model_path"),
        }
    }
}

/// A resolved base URL and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub url: Url,
    pub origin: BaseUrlOrigin,
}

/// The base URL: the file's, else the provider's environment variable, else the public endpoint.
pub fn resolve_base_url(
    provider: ProviderKind,
    configured: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<BaseUrl> {
    let from_env = providers::base_url_variable(provider)
        .and_then(|variable| env(variable).filter(|value| !value.trim().is_empty()).map(|value| (value, variable)));
    let (text, origin) = match (configured, from_env, providers::default_base_url(provider)) {
        (Some(text), _, _) => (text.to_owned(), BaseUrlOrigin::Configured),
        (None, Some((text, variable)), _) => (text, BaseUrlOrigin::EnvironmentVariable(variable)),
        (None, None, Some(default)) => (default.to_owned(), BaseUrlOrigin::Default),
        (None, None, None) => {
            anyhow::bail!("provider {provider} needs a base_url (such as \"http://127.0.0.1:8000/v1\")")
        }
    };
    let url = Url::parse(text.trim())
        .with_context(|| format!("the base URL {:?} (from {origin}) is not a URL", text.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!("the base URL {:?} (from {origin}) must be http or https", text.trim());
    }
    Ok(BaseUrl { url, origin })
}
