//! Resolution: the file's tables applied over the built-in defaults, each value checked, into the
//! explicit [`RunnerConfig`] the commands take (base URLs from the file, the environment or the
//! default; a local model's file found and its settings filled in).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use left_behind_shared::{Condition, ModelCategory, ModelRegistry};
use reqwest::Url;

use super::base_url::{BaseUrl, BaseUrlOrigin, resolve_base_url};
use super::checks::{
    at_least_one, check_model_name, check_no_local_fields, check_numbers, parse_category, parse_provider, quote_key,
};
use super::defaults::{DEFAULT_MAX_TOKENS, built_in_entry, default_judge};
use super::file::{ConfigFile, ModelSection};
use super::{ConditionEntry, ConfigSource, ModelEntry, RunnerConfig, Serving};
use crate::dispatch::DispatchPolicy;
use crate::local::{self, LocalModelSettings};
use crate::providers::{self, ProviderKind};

pub(super) fn resolve(
    file: ConfigFile,
    source: ConfigSource,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<RunnerConfig> {
    let defaults = DispatchPolicy::default();
    let run = &file.run;
    let positive = |value: Option<f64>, field: &str| -> anyhow::Result<Option<Duration>> {
        match value {
            Some(seconds) if !(seconds.is_finite() && seconds > 0.0) => {
                anyhow::bail!("{source}: run.{field} must be a positive number of seconds")
            }
            Some(seconds) => Ok(Some(Duration::from_secs_f64(seconds))),
            None => Ok(None),
        }
    };
    let dispatch = DispatchPolicy {
        max_in_flight: at_least_one(run.concurrency, "run.concurrency", &source)?.unwrap_or(defaults.max_in_flight),
        max_attempts: match run.max_attempts {
            Some(0) => anyhow::bail!("{source}: run.max_attempts must be at least 1"),
            Some(attempts) => attempts,
            None => defaults.max_attempts,
        },
        request_timeout: positive(run.timeout_seconds, "timeout_seconds")?.unwrap_or(defaults.request_timeout),
        base_delay: run.retry_base_delay_ms.map(Duration::from_millis).unwrap_or(defaults.base_delay),
        max_delay: run.retry_max_delay_ms.map(Duration::from_millis).unwrap_or(defaults.max_delay),
        max_retry_after: positive(run.max_retry_after_seconds, "max_retry_after_seconds")?
            .unwrap_or(defaults.max_retry_after),
    };

    let mut provider_concurrency = BTreeMap::new();
    for (key, section) in &file.providers {
        let kind = parse_provider(key, &format!("providers.{key}"), &source)?;
        if let Some(concurrency) = at_least_one(section.concurrency, &format!("providers.{key}.concurrency"), &source)?
        {
            provider_concurrency.insert(kind, concurrency);
        }
    }

    let mut models: Vec<ModelEntry> =
        ModelRegistry::study().models.iter().map(|info| built_in_entry(info, env)).collect::<anyhow::Result<_>>()?;
    let mut judge = default_judge(env)?;
    let config_dir = match &source {
        ConfigSource::File(path) => path.parent().map(Path::to_path_buf),
        ConfigSource::BuiltIn => None,
    };
    for (name, section) in file.models.0 {
        let place = format!("models.{}", quote_key(&name));
        check_model_name(&name).with_context(|| format!("{source}: {place}"))?;
        match models.iter().position(|model| model.name == name) {
            Some(index) => {
                let merged =
                    apply_section(models[index].clone(), section, env).with_context(|| format!("{source}: {place}"))?;
                models[index] = merged;
            }
            None if name == judge.name => {
                judge = apply_section(judge, section, env).with_context(|| format!("{source}: {place}"))?;
            }
            None => {
                let entry = new_entry(&name, section, config_dir.as_deref(), env)
                    .with_context(|| format!("{source}: {place}"))?;
                models.push(entry);
            }
        }
    }

    let mut conditions: Vec<ConditionEntry> = Condition::ALL
        .into_iter()
        .map(|condition| ConditionEntry { condition, system_prompt: condition.system_prompt().map(str::to_owned) })
        .collect();
    for (key, section) in file.conditions {
        let condition = Condition::parse(&key).with_context(|| {
            format!("{source}: conditions.{key}: not a condition (C1..C5 or a directory name such as C2_kazakh)")
        })?;
        if let Some(prompt) = section.system_prompt {
            let entry = conditions.iter_mut().find(|entry| entry.condition == condition).expect("all conditions");
            entry.system_prompt = (!prompt.is_empty()).then_some(prompt);
        }
    }

    Ok(RunnerConfig { source, models, judge, conditions, dispatch, provider_concurrency })
}

pub(super) fn new_entry(
    name: &str,
    section: ModelSection,
    config_dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ModelEntry> {
    check_numbers(&section)?;
    let provider_key = section
        .provider
        .as_deref()
        .context("a new model needs `provider` (such as \"openai-compatible\" or \"local\")")?;
    let provider: ProviderKind = provider_key.parse()?;
    if provider == ProviderKind::Local {
        return new_local_entry(name, section, config_dir, env);
    }
    check_no_local_fields(&section, provider)?;
    let pricing = section.pricing();
    let model_id = section.model_id.filter(|id| !id.trim().is_empty()).context("a new model needs `model_id`")?;
    let BaseUrl { url: base_url, origin: base_url_origin } =
        resolve_base_url(provider, section.base_url.as_deref(), env)?;
    Ok(ModelEntry {
        name: name.to_owned(),
        display_name: section.display_name.unwrap_or_else(|| name.to_owned()),
        serving: Serving::Api(provider),
        model_id,
        base_url,
        base_url_origin,
        api_key_env: section.api_key_env.or_else(|| providers::key_variable(provider).map(str::to_owned)),
        category: section.category.as_deref().map(parse_category).transpose()?.unwrap_or(ModelCategory::Unassigned),
        provider_route: section.provider_route,
        max_tokens: section.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        temperature: section.temperature,
        concurrency: section.concurrency,
        pricing,
        built_in: false,
        family: family(section.family)?,
    })
}

/// A `provider = "local"` entry: a GGUF file run in-process. Its "base URL" is the file's
/// `file://` URL (it names the engine in dispatch lanes and displays).
pub(super) fn new_local_entry(
    name: &str,
    section: ModelSection,
    config_dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ModelEntry> {
    let pricing = section.pricing();
    for (field, set) in [
        ("base_url", section.base_url.is_some()),
        ("api_key_env", section.api_key_env.is_some()),
        ("provider_route", section.provider_route.is_some()),
    ] {
        if set {
            anyhow::bail!("{field} does not apply to provider = \"local\" (it runs a GGUF file in-process)");
        }
    }
    let url = section
        .url
        .as_deref()
        .map(|text| {
            let url = Url::parse(text.trim()).with_context(|| format!("url {:?} is not a URL", text.trim()))?;
            if !matches!(url.scheme(), "http" | "https") {
                anyhow::bail!("url {:?} must be http or https", text.trim());
            }
            Ok(url)
        })
        .transpose()?;
    let model_path = match (&section.model_path, &url) {
        (Some(text), _) => local::expand_path(text, config_dir, env)?,
        (None, Some(url)) => {
            let file_name = url
                .path_segments()
                .and_then(|mut segments| segments.next_back())
                .filter(|segment| !segment.is_empty())
                .with_context(|| format!("url {url} does not end in a file name; give model_path"))?;
            local::cache_dir(env)
                .context("cannot find the cache directory (HOME is not set); give model_path")?
                .join(file_name)
        }
        (None, None) => anyhow::bail!("a local model needs `model_path` (a GGUF file) or a `url` to pull it from"),
    };
    let model_path = if model_path.is_absolute() {
        model_path
    } else {
        std::env::current_dir().context("cannot read the current directory")?.join(model_path)
    };
    let sha256 = section
        .sha256
        .map(|text| {
            let text = text.trim().to_ascii_lowercase();
            if !local::is_sha256_hex(&text) {
                anyhow::bail!("sha256 must be 64 hexadecimal digits");
            }
            Ok(text)
        })
        .transpose()?;
    for (field, value) in [
        ("context_size", section.context_size),
        ("parallel_sequences", section.parallel_sequences),
        ("threads", section.threads),
    ] {
        if value == Some(0) {
            anyhow::bail!("{field} must be at least 1");
        }
    }
    if let Some(top_p) = section.top_p
        && !(top_p.is_finite() && top_p > 0.0 && top_p <= 1.0)
    {
        anyhow::bail!("top_p must be above 0 and at most 1");
    }
    if section.concurrency.is_some() {
        anyhow::bail!(
            "concurrency does not apply to provider = \"local\": parallel_sequences sets how many questions run at once"
        );
    }
    let chat_template = section.chat_template.map(|name| name.trim().to_owned()).filter(|name| !name.is_empty());
    let download_token_env = match section.download_token_env.map(|name| name.trim().to_owned()) {
        Some(name) if name.is_empty() => anyhow::bail!("download_token_env must name an environment variable"),
        Some(name) => Some(name),
        None => url.as_ref().and_then(local::default_download_token_env).map(str::to_owned),
    };
    let base_url = Url::from_file_path(&model_path)
        .map_err(|()| anyhow::anyhow!("model_path {} is not an absolute path", model_path.display()))?;
    let model_id = match section.model_id.filter(|id| !id.trim().is_empty()) {
        Some(id) => id,
        None => model_path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .with_context(|| format!("model_path {} has no file name", model_path.display()))?,
    };
    Ok(ModelEntry {
        name: name.to_owned(),
        display_name: section.display_name.unwrap_or_else(|| name.to_owned()),
        model_id,
        base_url,
        base_url_origin: BaseUrlOrigin::ModelFile,
        api_key_env: None,
        category: section.category.as_deref().map(parse_category).transpose()?.unwrap_or(ModelCategory::Unassigned),
        provider_route: None,
        max_tokens: section.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        temperature: section.temperature,
        concurrency: None,
        pricing,
        built_in: false,
        family: family(section.family.clone())?,
        serving: Serving::Local(Box::new(LocalModelSettings {
            model_path,
            url,
            sha256,
            context_size: section.context_size.unwrap_or(local::DEFAULT_CONTEXT_SIZE),
            parallel_sequences: section.parallel_sequences.unwrap_or(local::DEFAULT_PARALLEL_SEQUENCES),
            threads: section.threads,
            top_p: section.top_p,
            seed: section.seed.unwrap_or(local::DEFAULT_SEED),
            chat_template,
            download_token_env,
        })),
    })
}

/// A built-in model with the file's fields applied over it.
pub(super) fn apply_section(
    mut entry: ModelEntry,
    section: ModelSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ModelEntry> {
    check_numbers(&section)?;
    let pricing = section.pricing();
    check_no_local_fields(&section, entry.provider())?;
    let mut provider_changed = false;
    if let Some(key) = &section.provider {
        let provider: ProviderKind = key.parse()?;
        if provider == ProviderKind::Local {
            anyhow::bail!("a built-in model cannot become a local one: give the local model an entry of its own");
        }
        if provider != entry.provider() {
            entry.serving = Serving::Api(provider);
            entry.api_key_env = providers::key_variable(provider).map(str::to_owned);
            provider_changed = true;
        }
    }
    if provider_changed || section.base_url.is_some() {
        let resolved = resolve_base_url(entry.provider(), section.base_url.as_deref(), env)?;
        (entry.base_url, entry.base_url_origin) = (resolved.url, resolved.origin);
    }
    if let Some(model_id) = section.model_id {
        entry.model_id = model_id;
    }
    if let Some(display_name) = section.display_name {
        entry.display_name = display_name;
    }
    if let Some(variable) = section.api_key_env {
        entry.api_key_env = Some(variable);
    }
    if let Some(category) = section.category {
        entry.category = parse_category(&category)?;
    }
    if let Some(route) = section.provider_route {
        entry.provider_route = (!route.is_empty()).then_some(route);
    }
    entry.max_tokens = section.max_tokens.unwrap_or(entry.max_tokens);
    entry.temperature = section.temperature.or(entry.temperature);
    entry.concurrency = section.concurrency.or(entry.concurrency);
    entry.pricing = pricing.over(entry.pricing);
    if let Some(family) = family(section.family)? {
        entry.family = Some(family);
    }
    Ok(entry)
}

/// A model's family as written (`family = "openai"`), lowercased; empty is refused.
fn family(text: Option<String>) -> anyhow::Result<Option<String>> {
    match text.map(|text| text.trim().to_lowercase()) {
        Some(text) if text.is_empty() => anyhow::bail!("family must name who made the model (such as \"openai\")"),
        other => Ok(other),
    }
}
