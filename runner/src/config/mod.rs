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

mod base_url;
mod checks;
mod defaults;
mod file;
mod resolve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use left_behind_shared::{Condition, ModelCategory, ModelInfo, ModelRegistry, StudySettings};
use reqwest::Url;

use crate::dispatch::DispatchPolicy;
use crate::local::LocalModelSettings;
use crate::providers::ProviderKind;
pub use base_url::{BaseUrl, BaseUrlOrigin, resolve_base_url};
pub use defaults::{
    DEFAULT_JUDGE_MAX_TOKENS, DEFAULT_JUDGE_MODEL_ID, DEFAULT_JUDGE_TEMPERATURE, DEFAULT_MAX_TOKENS,
    DEFAULT_PROVIDER_CONCURRENCY,
};

/// The file looked for in the dataset directory when `--config` is not given.
pub const CONFIG_FILE_NAME: &str = "left-behind.toml";
/// The name of `grade`'s built-in judge.
pub const DEFAULT_JUDGE: &str = "claude_sonnet_4.5";
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
    /// How it is reached: a provider's API, or a local GGUF file and how to run it.
    pub serving: Serving,
    /// The id the API knows (`gpt-5.2`).
    pub model_id: String,
    pub base_url: Url,
    /// Where `base_url` came from.
    pub base_url_origin: BaseUrlOrigin,
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
    /// Who made the model (`anthropic`, `openai`, ...): a judge's family is compared with the
    /// families of the models it grades (self-preference in `report --judges`).
    pub family: Option<String>,
}

/// How a model is reached: each entry is one or the other, so a local model's provider and its
/// settings are one fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Serving {
    /// The HTTP API of a provider (never [`ProviderKind::Local`]).
    Api(ProviderKind),
    /// `provider = "local"`: a GGUF file run in-process, and how to run it.
    Local(Box<LocalModelSettings>),
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
    /// `self` where set, else `base`.
    pub fn over(self, base: PriceOverrides) -> PriceOverrides {
        PriceOverrides {
            input_per_mtok: self.input_per_mtok.or(base.input_per_mtok),
            output_per_mtok: self.output_per_mtok.or(base.output_per_mtok),
            batch_discount: self.batch_discount.or(base.batch_discount),
        }
    }
}

impl ModelEntry {
    pub fn provider(&self) -> ProviderKind {
        match &self.serving {
            Serving::Api(provider) => *provider,
            Serving::Local(_) => ProviderKind::Local,
        }
    }

    /// A local model's file and settings; `None` for an API model.
    pub fn local(&self) -> Option<&LocalModelSettings> {
        match &self.serving {
            Serving::Api(_) => None,
            Serving::Local(settings) => Some(settings),
        }
    }

    /// The registry's view of the model (name, display name, category, provider, API id).
    pub fn info(&self) -> ModelInfo {
        ModelInfo {
            name: self.name.clone(),
            display_name: self.display_name.clone(),
            api_model_id: self.model_id.clone(),
            provider: self.provider(),
            provider_route: self.provider_route.clone(),
            category: self.category,
            family: self.family.clone(),
        }
    }

    /// The base URL for display: any password in it is hidden; a local model's file path.
    pub fn base_url_for_display(&self) -> String {
        if let Some(local) = self.local() {
            return local.model_path.display().to_string();
        }
        let mut url = self.base_url.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("redacted"));
        }
        url.as_str().trim_end_matches('/').to_owned()
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

    /// What the analysis needs of the configuration (the registry and the judge): the study is
    /// opened with it (`shared::open_study`), here and on the site (`cargo xtask site` writes it into
    /// the manifest).
    pub fn study_settings(&self) -> StudySettings {
        StudySettings { registry: self.registry(), judge: self.judge.info() }
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
    let file = file::read(text, &source)?;
    resolve::resolve(file, source, env)
}
