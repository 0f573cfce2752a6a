//! `provider = "local"`: a GGUF model run in-process by llama.cpp ([`super::engine`]), behind
//! the same [`Provider`] trait as the APIs, so runs get the same concurrency, retries, resume and
//! error records. The dispatcher's lane for a local model allows `parallel_sequences` calls at once,
//! which is how many sequences the engine decodes together.
//!
//! Each answer is stored with how it was made (`record_fields`): the decoding (greedy, or the
//! temperature, top-p and seed), the prompt format, the engine's context and threads, and timings.

use std::sync::Arc;

use super::LocalModelSettings;
use crate::providers::Provider;

/// A local model to start: its name in the configuration, the model id recorded with its answers,
/// and its settings.
#[derive(Debug, Clone, Copy)]
pub struct LocalModel<'a> {
    pub name: &'a str,
    pub model_id: &'a str,
    pub settings: &'a LocalModelSettings,
}

/// Loads the model's engine (once per run) and returns its provider; fails, naming the model and
/// its file, before any question is asked.
pub fn start(model: LocalModel<'_>) -> anyhow::Result<Arc<dyn Provider>> {
    super::check_model_file(model.name, model.settings)?;
    start_engine(model)
}

#[cfg(not(feature = "local"))]
fn start_engine(model: LocalModel<'_>) -> anyhow::Result<Arc<dyn Provider>> {
    anyhow::bail!("model {}: {}", model.name, super::FEATURE_DISABLED)
}

#[cfg(feature = "local")]
fn start_engine(model: LocalModel<'_>) -> anyhow::Result<Arc<dyn Provider>> {
    use anyhow::Context;

    let LocalModel { name, model_id, settings } = model;
    let started = std::time::Instant::now();
    let engine = engine::Engine::start(settings).with_context(|| format!("model {name}"))?;
    let info = engine.info();
    tracing::info!(
        "model {}: loaded {} in {:.1} s; {} sequences of {} tokens, {} threads, prompts in {}",
        name,
        info.description,
        started.elapsed().as_secs_f64(),
        info.parallel_sequences,
        info.context_size,
        info.threads,
        info.prompt_format
    );
    Ok(Arc::new(engine::Local::new(engine, name.to_owned(), model_id.to_owned(), settings.clone())))
}

#[cfg(feature = "local")]
mod engine {
    use std::time::Instant;

    use serde_json::{Map, Value, json};

    use crate::local::LocalModelSettings;
    pub use crate::local::engine::Engine;
    use crate::local::engine::{GenerationRequest, Sampling};
    use crate::providers::{
        Completion, CompletionRequest, Provider, ProviderError, ProviderFuture, ProviderKind, TokenUsage,
    };

    pub struct Local {
        engine: Engine,
        /// The entry's name in the configuration, for the log.
        name: String,
        model_id: String,
        settings: LocalModelSettings,
    }

    impl Local {
        pub fn new(engine: Engine, name: String, model_id: String, settings: LocalModelSettings) -> Local {
            Local { engine, name, model_id, settings }
        }
    }

    impl Drop for Local {
        /// The run is over for this model: say what its engine did (prompt processing and
        /// generation rates), as llama.cpp's own performance report does.
        fn drop(&mut self) {
            let statistics = self.engine.statistics();
            if statistics.prompt_tokens > 0 {
                tracing::info!("model {}: {statistics}", self.name);
            }
        }
    }

    impl Provider for Local {
        fn kind(&self) -> ProviderKind {
            ProviderKind::Local
        }

        fn wire_model_id(&self) -> &str {
            &self.model_id
        }

        fn has_request_timeout(&self) -> bool {
            false
        }

        fn complete<'a>(&'a self, request: &'a CompletionRequest) -> ProviderFuture<'a> {
            Box::pin(async move {
                let started = Instant::now();
                let sampling = Sampling::from_settings(request.temperature, &self.settings);
                let answer = self.engine.submit(GenerationRequest {
                    system: request.system.as_ref().map(|system| system.text.clone()),
                    user: request.user_message.clone(),
                    max_tokens: request.max_output_tokens,
                    sampling,
                });
                let generation = answer
                    .await
                    .map_err(|_| ProviderError::Engine("the engine stopped".to_owned()))?
                    .map_err(|error| ProviderError::Engine(error.to_string()))?;
                let finish_reason = generation.finish.as_str().to_owned();
                if generation.text.trim().is_empty() {
                    return Err(ProviderError::EmptyContent { finish_reason: Some(finish_reason) });
                }
                let info = self.engine.info();
                let mut record_fields = Map::new();
                record_fields.insert("decoding".to_owned(), decoding_record(sampling));
                record_fields.insert(
                    "local_engine".to_owned(),
                    json!({
                        "engine": "llama.cpp",
                        "model_file": self.settings.model_path.file_name().map(|name| name.to_string_lossy()),
                        "prompt_format": info.prompt_format.record(),
                        "context_size": info.context_size,
                        "parallel_sequences": info.parallel_sequences,
                        "threads": info.threads,
                    }),
                );
                let tokens_per_second = if generation.generation_seconds > 0.0 {
                    // The first token comes from the prompt's decode; the rest took generation_seconds.
                    f64::from(generation.completion_tokens.saturating_sub(1)) / generation.generation_seconds
                } else {
                    0.0
                };
                record_fields.insert(
                    "timing".to_owned(),
                    json!({
                        "prompt_seconds": round(generation.prompt_seconds, 3),
                        "generation_seconds": round(generation.generation_seconds, 3),
                        "tokens_per_second": round(tokens_per_second, 2),
                        "sequences_decoding_together": generation.batch_peers,
                    }),
                );
                Ok(Completion {
                    text: generation.text,
                    finish_reason: Some(finish_reason),
                    usage: Some(TokenUsage {
                        input_tokens: Some(u64::from(generation.prompt_tokens)),
                        output_tokens: Some(u64::from(generation.completion_tokens)),
                        ..TokenUsage::default()
                    }),
                    served_model: Some(info.description.clone()),
                    latency: started.elapsed(),
                    record_fields,
                })
            })
        }
    }

    fn decoding_record(sampling: Sampling) -> Value {
        match sampling {
            Sampling::Greedy => json!({ "strategy": "greedy" }),
            Sampling::Random { temperature, top_p, seed } => json!({
                "strategy": "sampling",
                "temperature": round(f64::from(temperature), 4),
                "top_p": top_p.map(|top_p| round(f64::from(top_p), 4)),
                "seed": seed,
            }),
        }
    }

    /// f32 settings printed as written (0.7, not 0.699999988079071).
    fn round(value: f64, digits: i32) -> f64 {
        let scale = 10f64.powi(digits);
        (value * scale).round() / scale
    }
}
