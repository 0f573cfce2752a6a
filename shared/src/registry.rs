//! The model registry: which models the study asked, how to reach them (their [`ProviderKind`]), and
//! which category of model each belongs to. Models found in data but not registered still load, as
//! [`ModelCategory::Unassigned`].

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The paper's grouping of models by the languages they were built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelCategory {
    EnglishFirst,
    Bilingual,
    Multilingual,
    /// A model that is not in the registry (for example one a user added) and has no category.
    Unassigned,
}

impl ModelCategory {
    pub const ALL: [ModelCategory; 4] =
        [ModelCategory::EnglishFirst, ModelCategory::Bilingual, ModelCategory::Multilingual, ModelCategory::Unassigned];

    /// `"english_first"`.
    pub fn key(self) -> &'static str {
        match self {
            ModelCategory::EnglishFirst => "english_first",
            ModelCategory::Bilingual => "bilingual",
            ModelCategory::Multilingual => "multilingual",
            ModelCategory::Unassigned => "unassigned",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            ModelCategory::EnglishFirst => "English-first",
            ModelCategory::Bilingual => "Bilingual",
            ModelCategory::Multilingual => "Multilingual",
            ModelCategory::Unassigned => "Unassigned",
        }
    }

    pub fn from_key(key: &str) -> Option<ModelCategory> {
        ModelCategory::ALL.into_iter().find(|category| category.key() == key)
    }
}

impl std::fmt::Display for ModelCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The API a model is reached through, as configuration files, the registry and the site's manifest
/// name it (`openai-compatible`). The runner speaks each of them; everyone else only names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderKind {
    Anthropic,
    OpenAi,
    Google,
    Xai,
    /// The Hugging Face router, which passes a call on to one of its inference providers.
    HuggingFace,
    /// Any server that speaks OpenAI's chat completions (vLLM, llama.cpp's server, Ollama), at a
    /// configured URL.
    OpenAiCompatible,
    /// A GGUF file run in-process by the runner's llama.cpp engine.
    Local,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 7] = [
        ProviderKind::Anthropic,
        ProviderKind::OpenAi,
        ProviderKind::Google,
        ProviderKind::Xai,
        ProviderKind::HuggingFace,
        ProviderKind::OpenAiCompatible,
        ProviderKind::Local,
    ];

    /// The name in configuration files, the registry and the manifest (`openai-compatible`): the only
    /// place these strings are written.
    pub fn key(self) -> &'static str {
        match self {
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::OpenAi => "openai",
            ProviderKind::Google => "google",
            ProviderKind::Xai => "xai",
            ProviderKind::HuggingFace => "huggingface",
            ProviderKind::OpenAiCompatible => "openai-compatible",
            ProviderKind::Local => "local",
        }
    }

    pub fn from_key(key: &str) -> Option<ProviderKind> {
        ProviderKind::ALL.into_iter().find(|kind| kind.key() == key)
    }
}

impl std::fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A provider name that is none of [`ProviderKind`]'s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown provider {0:?} (one of {known})", known = known_provider_keys())]
pub struct UnknownProvider(pub String);

fn known_provider_keys() -> String {
    ProviderKind::ALL.map(ProviderKind::key).join(", ")
}

impl std::str::FromStr for ProviderKind {
    type Err = UnknownProvider;

    fn from_str(key: &str) -> Result<ProviderKind, UnknownProvider> {
        ProviderKind::from_key(key).ok_or_else(|| UnknownProvider(key.to_owned()))
    }
}

/// Written as its [key](ProviderKind::key), so the registry's JSON holds the same strings as before
/// the enum.
impl Serialize for ProviderKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for ProviderKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ProviderKind, D::Error> {
        let key = String::deserialize(deserializer)?;
        key.parse().map_err(serde::de::Error::custom)
    }
}

/// One model: its name in file names, how it is shown, and how its API knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The name used in `results/<condition>/<name>.json` and the grades' `model` column (`gpt_5.2`).
    pub name: String,
    pub display_name: String,
    /// The id the provider's API takes (`gpt-5.2`).
    pub api_model_id: String,
    /// The API that serves it.
    pub provider: ProviderKind,
    /// For routers (the Hugging Face router), the upstream provider the study pinned, if any.
    pub provider_route: Option<String>,
    pub category: ModelCategory,
    /// Who made the model (`anthropic`, `openai`, `google`, `xai`, `deepseek`, `meta`, `qwen`,
    /// `cohere` in the study), to see whether a judge favours its own family's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

impl ModelInfo {
    fn study(
        name: &str,
        display_name: &str,
        api_model_id: &str,
        (provider, provider_route): (ProviderKind, Option<&str>),
        category: ModelCategory,
        family: &str,
    ) -> ModelInfo {
        ModelInfo {
            name: name.to_owned(),
            display_name: display_name.to_owned(),
            api_model_id: api_model_id.to_owned(),
            provider,
            provider_route: provider_route.map(str::to_owned),
            category,
            family: Some(family.to_owned()),
        }
    }
}

/// The known models, in the order the study reports them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRegistry {
    pub models: Vec<ModelInfo>,
}

impl ModelRegistry {
    /// The eight models of the study, in the order of the study's grade files.
    pub fn study() -> ModelRegistry {
        use ModelCategory::*;
        use ProviderKind::*;
        let models = vec![
            ModelInfo::study(
                "claude_opus_4.5",
                "Claude Opus 4.5",
                "claude-opus-4-5",
                (Anthropic, None),
                EnglishFirst,
                "anthropic",
            ),
            ModelInfo::study("gpt_5.2", "GPT-5.2", "gpt-5.2", (OpenAi, None), EnglishFirst, "openai"),
            ModelInfo::study(
                "gemini_3_pro",
                "Gemini 3 Pro",
                "gemini-3-pro-preview",
                (Google, None),
                EnglishFirst,
                "google",
            ),
            ModelInfo::study("grok_4.1", "Grok 4.1", "grok-4-1-fast", (Xai, None), EnglishFirst, "xai"),
            ModelInfo::study(
                "deepseek_v3.2",
                "DeepSeek V3.2",
                "deepseek-ai/DeepSeek-V3.2",
                (HuggingFace, None),
                Bilingual,
                "deepseek",
            ),
            ModelInfo::study(
                "llama_4_maverick",
                "Llama 4 Maverick",
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
                (HuggingFace, None),
                EnglishFirst,
                "meta",
            ),
            ModelInfo::study(
                "qwen3",
                "Qwen3 235B",
                "Qwen/Qwen3-235B-A22B-Instruct-2507",
                (HuggingFace, Some("together")),
                Bilingual,
                "qwen",
            ),
            ModelInfo::study(
                "aya_expanse",
                "Aya Expanse 32B",
                "CohereLabs/aya-expanse-32b",
                (HuggingFace, None),
                Multilingual,
                "cohere",
            ),
        ];
        ModelRegistry { models }
    }

    pub fn get(&self, name: &str) -> Option<&ModelInfo> {
        self.models.iter().find(|model| model.name == name)
    }

    /// The category of `name`; a model the registry does not know is [`ModelCategory::Unassigned`].
    pub fn category_of(&self, name: &str) -> ModelCategory {
        self.get(name).map_or(ModelCategory::Unassigned, |model| model.category)
    }

    /// The family of `name`, if the registry knows it.
    pub fn family_of(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(|model| model.family.as_deref())
    }

    /// How to show `name`: the registered display name, else the name itself.
    pub fn display_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.get(name).map_or(name, |model| model.display_name.as_str())
    }

    /// Sort key that puts registered models in registry order and the rest after them by name.
    pub fn order_of<'a>(&self, name: &'a str) -> (usize, &'a str) {
        let position = self.models.iter().position(|model| model.name == name).unwrap_or(self.models.len());
        (position, name)
    }

    /// Adds `model`, replacing a registered model of the same name.
    pub fn insert(&mut self, model: ModelInfo) {
        match self.models.iter_mut().find(|existing| existing.name == model.name) {
            Some(existing) => *existing = model,
            None => self.models.push(model),
        }
    }

    /// Sorts model names in registry order (unknown names last, alphabetically) and removes duplicates.
    pub fn sorted_names<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut names: Vec<&str> = names.into_iter().collect();
        names.sort_by(|a, b| self.order_of(a).cmp(&self.order_of(b)));
        names.dedup();
        names.into_iter().map(str::to_owned).collect()
    }
}

impl Default for ModelRegistry {
    fn default() -> ModelRegistry {
        ModelRegistry::study()
    }
}
