//! A configured model ready to be called: its [`ModelEntry`], its provider (with its key) and the
//! dispatch lanes its calls share with other models of the same endpoint. `run` builds one per
//! selected model; `grade` builds one for its judge.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::{ModelEntry, RunnerConfig};
use crate::dispatch::{CallOutcome, Dispatcher, Lane};
use crate::providers::parameters::{self, SentParameters};
use crate::providers::{self, CompletionRequest, Provider, ProviderSettings, SystemPrompt};
use crate::secrets::{KeySource, MissingKeys, Secret};

pub struct ModelClient {
    pub entry: ModelEntry,
    provider: Arc<dyn Provider>,
    lanes: Vec<Lane>,
}

impl ModelClient {
    /// The model's provider, built with `key`, and its lanes in `dispatcher`: one per provider
    /// endpoint (kind and base URL), plus one for the model alone when it sets `concurrency`. A local
    /// model loads its engine here (the error names the model and its file) and has one lane of
    /// its own, as wide as its parallel sequences.
    pub fn new(
        entry: &ModelEntry,
        key: Option<Secret>,
        config: &RunnerConfig,
        dispatcher: &Dispatcher,
        http: reqwest::Client,
    ) -> anyhow::Result<ModelClient> {
        if let Some(local) = entry.local() {
            let provider = crate::local::provider::start(crate::local::provider::LocalModel {
                name: &entry.name,
                model_id: &entry.model_id,
                settings: local,
            })?;
            let lanes =
                vec![dispatcher.lane(&format!("local model {}", entry.name), local.parallel_sequences as usize)];
            return Ok(ModelClient { entry: entry.clone(), provider, lanes });
        }
        let settings = ProviderSettings {
            kind: entry.provider(),
            base_url: entry.base_url.clone(),
            model_id: entry.model_id.clone(),
            provider_route: entry.provider_route.clone(),
            key,
        };
        let mut lanes = vec![dispatcher.lane(
            &format!("{} {}", entry.provider(), entry.base_url_for_display()),
            config.provider_concurrency(entry.provider()),
        )];
        if let Some(concurrency) = entry.concurrency {
            lanes.push(dispatcher.lane(&format!("model {}", entry.name), concurrency));
        }
        Ok(ModelClient { entry: entry.clone(), provider: providers::build(settings, http), lanes })
    }

    /// A request with the model's output limit and temperature.
    pub fn request(&self, system: Option<SystemPrompt>, user_message: impl Into<String>) -> CompletionRequest {
        CompletionRequest {
            system,
            user_message: user_message.into(),
            max_output_tokens: self.entry.max_tokens,
            temperature: self.entry.temperature,
        }
    }

    /// `request` with what the model rejects left out (a temperature Anthropic's newest models or
    /// OpenAI's reasoning models refuse), and what is sent, to record with the answer.
    pub fn fit(&self, request: &CompletionRequest) -> (CompletionRequest, SentParameters) {
        parameters::fit_request(self.entry.provider(), &self.entry.model_id, request)
    }

    /// One call with the dispatcher's retries and limits. `request` should have been [`Self::fit`].
    pub async fn complete(&self, dispatcher: &Dispatcher, request: &CompletionRequest) -> CallOutcome {
        dispatcher.call(&self.lanes, self.provider.as_ref(), request).await
    }

    pub fn provider(&self) -> &dyn Provider {
        self.provider.as_ref()
    }

    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }
}

/// The keys of `models`, or every variable that is missing (all of them, before any call).
pub fn resolve_keys(models: &[&ModelEntry], keys: &KeySource) -> Result<BTreeMap<String, Option<Secret>>, MissingKeys> {
    let mut found = BTreeMap::new();
    let mut missing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for model in models {
        match &model.api_key_env {
            None => {
                found.insert(model.name.clone(), None);
            }
            Some(variable) => match keys.get(variable) {
                Some(key) => {
                    found.insert(model.name.clone(), Some(key));
                }
                None => missing.entry(variable.clone()).or_default().push(model.name.clone()),
            },
        }
    }
    if missing.is_empty() { Ok(found) } else { Err(MissingKeys(missing)) }
}
