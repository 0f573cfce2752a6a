//! `left-behind.toml`: which models to call and how, the system prompt of each condition, and the
//! limits of the call layer. Without a file the built-in defaults reproduce the study exactly: its
//! eight models with their API model ids, 2048 output tokens, and its five system prompts.
//!
//! ```toml
//! [run]
//! concurrency = 32              # requests in flight overall
//! timeout_seconds = 300         # per request
//! max_attempts = 6
//! retry_base_delay_ms = 1000    # doubled on each retry, with jitter
//! retry_max_delay_ms = 60000
//!
//! [providers.huggingface]
//! concurrency = 4               # requests in flight per provider endpoint (default 8)
//!
//! [models.my_local_qwen]        # a model of your own
//! provider = "openai-compatible"
//! base_url = "http://127.0.0.1:8000/v1"
//! model_id = "Qwen/Qwen2.5-7B-Instruct"
//! api_key_env = "MY_SERVER_KEY" # optional
//! category = "bilingual"
//!
//! [models.gemma3_270m_local]    # a GGUF file run in-process by llama.cpp (no key, no server)
//! provider = "local"
//! model_path = "~/.cache/left-behind/models/gemma-3-270m-q4_k_m.gguf"
//! url = "https://huggingface.co/.../resolve/main/gemma-3-270m-q4_k_m.gguf"  # for `models pull`
//! sha256 = "a5fd3b62..."        # checked by `models verify` and `models pull`
//! category = "multilingual"
//! context_size = 4096           # tokens per sequence
//! parallel_sequences = 4        # questions decoded together (continuous batching)
//! threads = 2                   # default: the machine's cores
//! temperature = 0.7             # default: greedy decoding; top_p and seed apply when sampling
//! chat_template = "chatml"      # default: the GGUF's own; "plain": the fallback format
//!
//! [models."gpt_5.2"]            # a built-in model: only the fields given change
//! concurrency = 2
//! price_input_per_mtok = 1.75   # US dollars per million tokens, for cost estimates
//! price_output_per_mtok = 14.0  # (the built-in models have documented defaults)
//! batch_discount = 0.5          # the fraction batch mode takes off
//!
//! [conditions.C2]
//! system_prompt = "..."         # "" sends none
//! ```
//!
//! `grade`'s judge is a built-in entry too, [`DEFAULT_JUDGE`] (the study's grader, Claude Sonnet 4.5),
//! kept apart from the models that answer: `run` never calls it and reports never list it. A
//! `[models."claude_sonnet_4.5"]` table changes it like a built-in model; `grade --judge NAME` picks
//! any other entry instead.
//!
//! Parsing is pure: [`parse`] takes the text and a lookup for environment variables (the base-URL
//! overrides ANTHROPIC_BASE_URL, OPENAI_BASE_URL, GOOGLE_BASE_URL, XAI_BASE_URL, HF_BASE_URL), so
//! tests need not touch the process environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use left_behind_shared::{Condition, ModelCategory, ModelInfo, ModelRegistry};
use reqwest::Url;
use serde::Deserialize;

use crate::dispatch::DispatchPolicy;
use crate::local::{self, LocalModelSettings};
use crate::providers::ProviderKind;

/// The file looked for in the dataset directory when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "left-behind.toml";
/// The study's output limit for every model.
pub const DEFAULT_MAX_TOKENS: u32 = 2048;
/// Requests in flight per provider endpoint unless configured.
pub const DEFAULT_PROVIDER_CONCURRENCY: usize = 8;
/// The name of `grade`'s built-in judge.
pub const DEFAULT_JUDGE: &str = "claude_sonnet_4.5";
/// The study's judge: Claude Sonnet 4.5 on Anthropic's API, at most 250 output tokens (a verdict is
/// a short JSON object), temperature 0 (the same answer to the same question).
pub const DEFAULT_JUDGE_MODEL_ID: &str = "claude-sonnet-4-5-20250929";
pub const DEFAULT_JUDGE_MAX_TOKENS: u32 = 250;
pub const DEFAULT_JUDGE_TEMPERATURE: f32 = 0.0;

/// The resolved configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerConfig {
    /// Where it came from, for messages.
    pub source: ConfigSource,
    /// Built-in models first (in the study's order), then the file's own, in file order.
    pub models: Vec<ModelEntry>,
    /// `grade`'s default judge ([`DEFAULT_JUDGE`]): not one of the models that answer.
    pub judge: ModelEntry,
    /// The five conditions, in order.
    pub conditions: Vec<ConditionEntry>,
    pub dispatch: DispatchPolicy,
    /// Requests in flight per endpoint of each provider.
    pub provider_concurrency: BTreeMap<ProviderKind, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    BuiltIn,
    File(PathBuf),
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::BuiltIn => f.write_str("the built-in defaults (the study's setup)"),
            ConfigSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One model: how to reach it and how to ask it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEntry {
    /// The name in file names and reports (`gpt_5.2`).
    pub name: String,
    pub display_name: String,
    pub provider: ProviderKind,
    /// The id the API knows (`gpt-5.2`).
    pub model_id: String,
    pub base_url: Url,
    /// Where `base_url` came from: `config`, an environment variable's name, or `default`.
    pub base_url_origin: String,
    /// The environment variable holding the key (`None`: the model takes no key).
    pub api_key_env: Option<String>,
    pub category: ModelCategory,
    /// For the Hugging Face router: the upstream provider to pin.
    pub provider_route: Option<String>,
    pub max_tokens: u32,
    /// `None`: the API's default.
    pub temperature: Option<f32>,
    /// Requests in flight for this model alone, on top of its provider's limit.
    pub concurrency: Option<usize>,
    /// Prices the file sets (`price_input_per_mtok`, `price_output_per_mtok`, `batch_discount`);
    /// unset ones come from [`crate::cost`]'s documented defaults for the built-in models.
    pub pricing: PriceOverrides,
    /// One of the study's eight (possibly with fields changed by the file).
    pub built_in: bool,
    /// For `provider = "local"`: the GGUF file and how to run it.
    pub local: Option<LocalModelSettings>,
}

impl ModelEntry {
    /// The registry's view of the model (name, display name, category, provider, API id).
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            api_model_id: self.model_id.clone(),
            provider: self.provider.key().to_owned(),
            provider_route: self.provider_route.clone(),
            category: self.category,
        }
    }

    /// The base URL for display: any password in it is hidden; a local model's file path.
    pub fn base_url_for_display(&self) -> String {
        if let Some(local) = &self.local {
            return local.model_path.display().to_string();
        }
        let mut url = self.base_url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("redacted"));
        }
        url.as_str().trim_end_matches('/').to_owned()
    }
}

/// The prices a configuration file sets for a model, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PriceOverrides {
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
    /// The fraction batch mode takes off (0.5: half the price).
    pub batch_discount: Option<f64>,
}

impl PriceOverrides {
    fn over(self, base: PriceOverrides) -> PriceOverrides {
        PriceOverrides {
            input_per_mtok: self.input_per_mtok.or(base.input_per_mtok),
            output_per_mtok: self.output_per_mtok.or(base.output_per_mtok),
            batch_discount: self.batch_discount.or(base.batch_discount),
        }
    }
}

/// A condition and the system prompt sent with each of its questions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionEntry {
    pub condition: Condition,
    pub system_prompt: Option<String>,
}

impl RunnerConfig {
    /// The study's setup.
    pub fn built_in(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<RunnerConfig> {
        parse("", ConfigSource::BuiltIn, env)
    }

    /// The model named `name`.
    pub fn model(&self, name: &str) -> Option<&ModelEntry> {
        self.models.iter().find(|model| model.name == name)
    }

    /// The judge for `grade`: the model named `name` (the built-in judge's name included), or the
    /// built-in judge when no name is given.
    pub fn judge(&self, name: Option<&str>) -> anyhow::Result<&ModelEntry> {
        let Some(name) = name else { return Ok(&self.judge) };
        if name == self.judge.name {
            return Ok(&self.judge);
        }
        self.model(name).with_context(|| {
            let known: Vec<&str> = self.models.iter().map(|model| model.name.as_str()).collect();
            format!(
                "unknown judge {name:?} in {}: the built-in judge is {}; other models: {}",
                self.source,
                self.judge.name,
                known.join(", ")
            )
        })
    }

    pub fn condition(&self, condition: Condition) -> &ConditionEntry {
        self.conditions.iter().find(|entry| entry.condition == condition).expect("every condition is configured")
    }

    /// The study's registry with the configured models added or changed, for `report` and
    /// `validate` to name and group them.
    pub fn registry(&self) -> ModelRegistry {
        let mut registry = ModelRegistry::study();
        for model in &self.models {
            registry.insert(model.info());
        }
        registry
    }

    /// Requests in flight per endpoint of `provider`.
    pub fn provider_concurrency(&self, provider: ProviderKind) -> usize {
        self.provider_concurrency.get(&provider).copied().unwrap_or(DEFAULT_PROVIDER_CONCURRENCY)
    }
}

/// Loads the configuration: `explicit` if given (it must exist), else `left-behind.toml` in
/// `data_dir` if there is one, else the built-in defaults.
pub fn load(explicit: Option<&Path>, data_dir: &Path) -> anyhow::Result<RunnerConfig> {
    let env = |name: &str| std::env::var(name).ok();
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let candidate = data_dir.join(CONFIG_FILE_NAME);
            if !candidate.is_file() {
                return RunnerConfig::built_in(&env);
            }
            candidate
        }
    };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("cannot read the configuration {}", path.display()))?;
    parse(&text, ConfigSource::File(path), &env)
}

/// Parses a configuration file's text over the built-in defaults. `env` looks up the base-URL
/// override variables.
pub fn parse(text: &str, source: ConfigSource, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<RunnerConfig> {
    let file: ConfigFile = toml::from_str(text).map_err(|error| describe_toml_error(&source, text, &error))?;
    resolve(file, source, env)
}

/// toml's own message quotes the offending line, which could hold a key pasted into the file by
/// mistake: keep the message and the position, not the quote.
fn describe_toml_error(source: &ConfigSource, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let position = error.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |part| part.chars().count()) + 1;
        format!(" at line {line}, column {column}")
    });
    let mut message = without_quoted_strings(error.message().trim());
    if message.contains("unknown field `api_key`") {
        message.push_str("; keys are never written in the file: put the key in an environment variable (or .env) and name the variable with api_key_env");
    }
    anyhow::anyhow!("{source}{}: {message}", position.unwrap_or_default())
}

/// serde's "invalid type: string \"...\", expected u32" quotes the value; a value in the wrong
/// place may be a key, so the quote goes.
fn without_quoted_strings(message: &str) -> String {
    let mut rest = message;
    let mut result = String::new();
    while let Some(start) = rest.find("string \"") {
        result.push_str(&rest[..start]);
        result.push_str("a string");
        let quoted = &rest[start + "string \"".len()..];
        let mut escaped = false;
        let end = quoted.char_indices().find(|&(_, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        rest = match end {
            Some((index, _)) => &quoted[index + 1..],
            None => "",
        };
    }
    result.push_str(rest);
    result
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    run: RunSection,
    #[serde(default)]
    providers: BTreeMap<String, ProviderSection>,
    #[serde(default)]
    models: OrderedTable<ModelSection>,
    #[serde(default)]
    conditions: BTreeMap<String, ConditionSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSection {
    concurrency: Option<usize>,
    timeout_seconds: Option<f64>,
    max_attempts: Option<u32>,
    retry_base_delay_ms: Option<u64>,
    retry_max_delay_ms: Option<u64>,
    max_retry_after_seconds: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderSection {
    concurrency: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSection {
    provider: Option<String>,
    model_id: Option<String>,
    display_name: Option<String>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    category: Option<String>,
    provider_route: Option<String>,
    max_tokens: Option<u32>,
    temperature: Option<f32>,
    concurrency: Option<usize>,
    price_input_per_mtok: Option<f64>,
    price_output_per_mtok: Option<f64>,
    batch_discount: Option<f64>,
    // provider = "local" only:
    model_path: Option<String>,
    url: Option<String>,
    sha256: Option<String>,
    context_size: Option<u32>,
    parallel_sequences: Option<u32>,
    threads: Option<u32>,
    top_p: Option<f32>,
    seed: Option<u32>,
    chat_template: Option<String>,
    download_token_env: Option<String>,
}

impl ModelSection {
    fn pricing(&self) -> PriceOverrides {
        PriceOverrides {
            input_per_mtok: self.price_input_per_mtok,
            output_per_mtok: self.price_output_per_mtok,
            batch_discount: self.batch_discount,
        }
    }

    /// The local-only fields that are set, by name.
    fn local_fields(&self) -> Vec<&'static str> {
        [
            ("model_path", self.model_path.is_some()),
            ("url", self.url.is_some()),
            ("sha256", self.sha256.is_some()),
            ("context_size", self.context_size.is_some()),
            ("parallel_sequences", self.parallel_sequences.is_some()),
            ("threads", self.threads.is_some()),
            ("top_p", self.top_p.is_some()),
            ("seed", self.seed.is_some()),
            ("chat_template", self.chat_template.is_some()),
            ("download_token_env", self.download_token_env.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSection {
    system_prompt: Option<String>,
}

/// A TOML table read in file order (models are listed in the order the user wrote them).
#[derive(Debug)]
struct OrderedTable<T>(Vec<(String, T)>);

impl<T> Default for OrderedTable<T> {
    fn default() -> OrderedTable<T> {
        OrderedTable(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedTable<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<OrderedTable<T>, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OrderedTable<T>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
                formatter.write_str("a table of models")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OrderedTable<T>, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(OrderedTable(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

fn resolve(
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

fn at_least_one(value: Option<usize>, field: &str, source: &ConfigSource) -> anyhow::Result<Option<usize>> {
    match value {
        Some(0) => anyhow::bail!("{source}: {field} must be at least 1"),
        other => Ok(other),
    }
}

fn quote_key(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// Model names become file names (`results/C1_english/<name>.json`).
fn check_model_name(name: &str) -> anyhow::Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
        anyhow::bail!(
            "the model name {name:?} must be letters, digits, '_', '-' or '.', not starting with '.' (it names results files)"
        );
    }
    Ok(())
}

fn parse_provider(key: &str, place: &str, source: &ConfigSource) -> anyhow::Result<ProviderKind> {
    ProviderKind::from_key(key).with_context(|| {
        let known: Vec<&str> = ProviderKind::ALL.iter().map(|kind| kind.key()).collect();
        format!("{source}: {place}: unknown provider {key:?} (one of {})", known.join(", "))
    })
}

fn built_in_entry(info: &ModelInfo, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<ModelEntry> {
    let provider = ProviderKind::from_key(&info.provider).expect("the study's providers are all known");
    let (base_url, base_url_origin) = base_url(provider, None, env)?;
    Ok(ModelEntry {
        name: info.name.clone(),
        display_name: info.display_name.clone(),
        provider,
        model_id: info.api_model_id.clone(),
        base_url,
        base_url_origin,
        api_key_env: provider.key_variable().map(str::to_owned),
        category: info.category,
        provider_route: info.provider_route.clone(),
        max_tokens: DEFAULT_MAX_TOKENS,
        temperature: None,
        concurrency: None,
        pricing: PriceOverrides::default(),
        built_in: true,
        local: None,
    })
}

/// The study's judge, reached like the built-in Anthropic model (ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY).
fn default_judge(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<ModelEntry> {
    let provider = ProviderKind::Anthropic;
    let (base_url, base_url_origin) = base_url(provider, None, env)?;
    Ok(ModelEntry {
        name: DEFAULT_JUDGE.to_owned(),
        display_name: "Claude Sonnet 4.5 (judge)".to_owned(),
        provider,
        model_id: DEFAULT_JUDGE_MODEL_ID.to_owned(),
        base_url,
        base_url_origin,
        api_key_env: provider.key_variable().map(str::to_owned),
        category: ModelCategory::Unassigned,
        provider_route: None,
        max_tokens: DEFAULT_JUDGE_MAX_TOKENS,
        temperature: Some(DEFAULT_JUDGE_TEMPERATURE),
        concurrency: None,
        pricing: PriceOverrides::default(),
        built_in: true,
        local: None,
    })
}

/// The base URL: the file's, else the provider's environment variable, else the public endpoint.
fn base_url(
    provider: ProviderKind,
    configured: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<(Url, String)> {
    let from_env = provider
        .base_url_variable()
        .and_then(|variable| env(variable).filter(|value| !value.trim().is_empty()).map(|value| (value, variable)));
    let (text, origin) = match (configured, from_env, provider.default_base_url()) {
        (Some(text), _, _) => (text.to_owned(), "config".to_owned()),
        (None, Some((text, variable)), _) => (text, variable.to_owned()),
        (None, None, Some(default)) => (default.to_owned(), "default".to_owned()),
        (None, None, None) => {
            anyhow::bail!("provider {provider} needs a base_url (such as \"http://127.0.0.1:8000/v1\")")
        }
    };
    let url = Url::parse(text.trim())
        .with_context(|| format!("the base URL {:?} (from {origin}) is not a URL", text.trim()))?;
    if !matches!(url.scheme(), "http" | "https") {
        anyhow::bail!("the base URL {:?} (from {origin}) must be http or https", text.trim());
    }
    Ok((url, origin))
}

fn parse_category(text: &str) -> anyhow::Result<ModelCategory> {
    ModelCategory::from_key(text).with_context(|| {
        let known: Vec<&str> = ModelCategory::ALL.iter().map(|category| category.key()).collect();
        format!("unknown category {text:?} (one of {})", known.join(", "))
    })
}

fn check_numbers(section: &ModelSection) -> anyhow::Result<()> {
    if section.max_tokens == Some(0) {
        anyhow::bail!("max_tokens must be at least 1");
    }
    if section.concurrency == Some(0) {
        anyhow::bail!("concurrency must be at least 1");
    }
    for (field, price) in [
        ("price_input_per_mtok", section.price_input_per_mtok),
        ("price_output_per_mtok", section.price_output_per_mtok),
    ] {
        if let Some(price) = price
            && !(price.is_finite() && price >= 0.0)
        {
            anyhow::bail!("{field} must be a price in US dollars per million tokens (0 or more)");
        }
    }
    if let Some(discount) = section.batch_discount
        && !(discount.is_finite() && (0.0..1.0).contains(&discount))
    {
        anyhow::bail!(
            "batch_discount must be the fraction batch mode takes off, from 0 up to (not including) 1, such as 0.5"
        );
    }
    if let Some(temperature) = section.temperature
        && !(temperature.is_finite() && (0.0..=2.0).contains(&temperature))
    {
        anyhow::bail!("temperature must be between 0 and 2");
    }
    if let Some(variable) = &section.api_key_env
        && (variable.is_empty() || !variable.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        anyhow::bail!("api_key_env must name an environment variable (letters, digits, '_'), not hold a key");
    }
    Ok(())
}

fn new_entry(
    name: &str,
    section: ModelSection,
    config_dir: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ModelEntry> {
    check_numbers(&section)?;
    let pricing = section.pricing();
    let provider_key = section
        .provider
        .as_deref()
        .context("a new model needs `provider` (such as \"openai-compatible\" or \"local\")")?;
    let provider = ProviderKind::from_key(provider_key).with_context(|| {
        let known: Vec<&str> = ProviderKind::ALL.iter().map(|kind| kind.key()).collect();
        format!("unknown provider {provider_key:?} (one of {})", known.join(", "))
    })?;
    if provider == ProviderKind::Local {
        return new_local_entry(name, section, config_dir, env);
    }
    check_no_local_fields(&section, provider)?;
    let model_id = section.model_id.filter(|id| !id.trim().is_empty()).context("a new model needs `model_id`")?;
    let (base_url, base_url_origin) = base_url(provider, section.base_url.as_deref(), env)?;
    Ok(ModelEntry {
        name: name.to_owned(),
        display_name: section.display_name.unwrap_or_else(|| name.to_owned()),
        provider,
        model_id,
        base_url,
        base_url_origin,
        api_key_env: section.api_key_env.or_else(|| provider.key_variable().map(str::to_owned)),
        category: section.category.as_deref().map(parse_category).transpose()?.unwrap_or(ModelCategory::Unassigned),
        provider_route: section.provider_route,
        max_tokens: section.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        temperature: section.temperature,
        concurrency: section.concurrency,
        pricing,
        built_in: false,
        local: None,
    })
}

fn check_no_local_fields(section: &ModelSection, provider: ProviderKind) -> anyhow::Result<()> {
    let fields = section.local_fields();
    if !fields.is_empty() {
        anyhow::bail!("{} only apply to provider = \"local\", not {provider}", fields.join(", "));
    }
    Ok(())
}

/// A `provider = "local"` entry: a GGUF file run in-process. Its "base URL" is the file's
/// `file://` URL (it names the engine in dispatch lanes and displays).
fn new_local_entry(
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
        provider: ProviderKind::Local,
        model_id,
        base_url,
        base_url_origin: "model_path".to_owned(),
        api_key_env: None,
        category: section.category.as_deref().map(parse_category).transpose()?.unwrap_or(ModelCategory::Unassigned),
        provider_route: None,
        max_tokens: section.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        temperature: section.temperature,
        concurrency: None,
        pricing,
        built_in: false,
        local: Some(LocalModelSettings {
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
        }),
    })
}

/// A built-in model with the file's fields applied over it.
fn apply_section(
    mut entry: ModelEntry,
    section: ModelSection,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<ModelEntry> {
    check_numbers(&section)?;
    check_no_local_fields(&section, entry.provider)?;
    let pricing = section.pricing();
    let mut provider_changed = false;
    if let Some(key) = &section.provider {
        let provider = ProviderKind::from_key(key).with_context(|| format!("unknown provider {key:?}"))?;
        if provider == ProviderKind::Local {
            anyhow::bail!("a built-in model cannot become a local one: give the local model an entry of its own");
        }
        if provider != entry.provider {
            entry.provider = provider;
            entry.api_key_env = provider.key_variable().map(str::to_owned);
            provider_changed = true;
        }
    }
    if provider_changed || section.base_url.is_some() {
        (entry.base_url, entry.base_url_origin) = base_url(entry.provider, section.base_url.as_deref(), env)?;
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
    Ok(entry)
}
