//! The built-in configuration, which reproduces the study: its eight models with their API ids, its
//! output limit, its judge, and the call layer's limits.

use left_behind_shared::{ModelCategory, ModelInfo};

use super::base_url::{BaseUrl, resolve_base_url};
use super::{DEFAULT_JUDGE, ModelEntry, PriceOverrides, Serving};
use crate::providers::{self, ProviderKind};

/// The study's output limit for every model.
pub const DEFAULT_MAX_TOKENS: u32 = 2048;
/// Requests in flight per provider endpoint unless configured.
pub const DEFAULT_PROVIDER_CONCURRENCY: usize = 8;
/// The study's judge: Claude Sonnet 4.5 on Anthropic's API, at most 250 output tokens (a verdict is
/// a short JSON object), temperature 0 (the same answer to the same question).
pub const DEFAULT_JUDGE_MODEL_ID: &str = "claude-sonnet-4-5-20250929";
pub const DEFAULT_JUDGE_MAX_TOKENS: u32 = 250;
pub const DEFAULT_JUDGE_TEMPERATURE: f32 = 0.0;

pub(super) fn built_in_entry(info: &ModelInfo, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<ModelEntry> {
    let provider = info.provider;
    let BaseUrl { url: base_url, origin: base_url_origin } = resolve_base_url(provider, None, env)?;
    Ok(ModelEntry {
        name: info.name.clone(),
        display_name: info.display_name.clone(),
        serving: Serving::Api(provider),
        model_id: info.api_model_id.clone(),
        base_url,
        base_url_origin,
        api_key_env: providers::key_variable(provider).map(str::to_owned),
        category: info.category,
        provider_route: info.provider_route.clone(),
        max_tokens: DEFAULT_MAX_TOKENS,
        temperature: None,
        concurrency: None,
        pricing: PriceOverrides::default(),
        built_in: true,
        family: info.family.clone(),
    })
}

/// The study's judge, reached like the built-in Anthropic model (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY).
pub(super) fn default_judge(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<ModelEntry> {
    let provider = ProviderKind::Anthropic;
    let BaseUrl { url: base_url, origin: base_url_origin } = resolve_base_url(provider, None, env)?;
    Ok(ModelEntry {
        name: DEFAULT_JUDGE.to_owned(),
        display_name: "Claude Sonnet 4.5 (judge)".to_owned(),
        serving: Serving::Api(provider),
        model_id: DEFAULT_JUDGE_MODEL_ID.to_owned(),
        base_url,
        base_url_origin,
        api_key_env: providers::key_variable(provider).map(str::to_owned),
        category: ModelCategory::Unassigned,
        provider_route: None,
        max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
        temperature: Some(DEFAULT_JUDGE_TEMPERATURE),
        concurrency: None,
        pricing: PriceOverrides::default(),
        built_in: true,
        family: Some("anthropic".to_owned()),
    })
}
