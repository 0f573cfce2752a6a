//! Asking the models, behind `left-behind run` ([`crate::commands::run`]): the selected models get the
//! benchmark's questions under the selected conditions and the answers go to
//! `results/<condition_dir>/<model>.json`, in the study's format.
//!
//! A run resumes: answered questions are skipped, failed ones tried again. Each answer or failure is
//! saved the moment it arrives (atomically, by the file's one writer), so a run stopped at any point
//! (Ctrl-C, a crash, SIGKILL) loses at most the calls in flight. A failed call is recorded in the
//! file's `errors`, never as an answer.

pub mod plan;
pub mod writer;

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use left_behind_shared::{Condition, ResponseRecord, ResultsFile, RunError};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{ModelEntry, RunnerConfig};
use crate::dispatch::Dispatcher;
use crate::interrupt::block_on_interruptible;
use crate::model_client::ModelClient;
use crate::progress::Progress;
use crate::providers::parameters::{SentParameters, accepted_parameters, temperature_note};
use crate::providers::{self, SystemPrompt};
pub use plan::{FilePlan, Plan, RunMode, Selection};
use writer::{Recorded, ResultsDocument};

/// Makes the plan's pending calls on a runtime of their own; Ctrl-C, or a file that cannot be saved,
/// stops them cleanly.
pub fn make_calls(
    plan: &Plan,
    settings: &RunnerConfig,
    resolved_keys: BTreeMap<String, Option<crate::secrets::Secret>>,
    show_progress: bool,
) -> anyhow::Result<Summary> {
    block_on_interruptible(|cancel, cancelled| async move {
        let http = providers::http_client(settings.dispatch.max_in_flight).context("cannot build the HTTP client")?;
        call_live(plan, settings, &resolved_keys, http, (cancel, cancelled), show_progress).await
    })
}

/// A call that still failed after its retries, as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailedCall {
    /// The results file it is recorded in.
    pub file: String,
    pub question_id: u32,
    pub message: String,
}

/// Makes the plan's pending calls live, on the runtime the caller runs (`run`, or `run --batch`
/// for the models without a batch API).
pub(crate) async fn call_live(
    plan: &Plan,
    settings: &RunnerConfig,
    resolved_keys: &BTreeMap<String, Option<crate::secrets::Secret>>,
    http: reqwest::Client,
    stop: (Arc<watch::Sender<bool>>, watch::Receiver<bool>),
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let dispatcher = Arc::new(Dispatcher::new(settings.dispatch.clone()));
    let mut clients = BTreeMap::new();
    for model in plan.models_to_call() {
        let key = resolved_keys.get(&model.name).cloned().flatten();
        clients
            .insert(model.name.clone(), Arc::new(ModelClient::new(model, key, settings, &dispatcher, http.clone())?));
    }
    execute(plan, settings, &clients, dispatcher, stop, show_progress).await
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    pub planned: usize,
    pub answered: usize,
    /// Tokens the APIs reported, per model.
    pub usage: BTreeMap<String, left_behind_shared::TokenUsage>,
    pub failed: Vec<FailedCall>,
    pub interrupted: bool,
}

impl Summary {
    pub fn describe(&self) -> String {
        let mut text = format!("{} of {} calls answered", self.answered, self.planned);
        if !self.failed.is_empty() {
            text.push_str(&format!(
                ", {} failed (recorded in the files' errors; `left-behind run` tries them again):",
                self.failed.len()
            ));
            for FailedCall { file, question_id, message } in &self.failed {
                text.push_str(&format!("\n  {file} question {question_id}: {message}"));
            }
        }
        if self.interrupted {
            let left = self.planned - self.answered - self.failed.len();
            text.push_str(&format!("\ninterrupted: {left} calls not made; run the same command again to finish"));
        }
        text
    }
}

async fn execute(
    plan: &Plan,
    settings: &RunnerConfig,
    clients: &BTreeMap<String, Arc<ModelClient>>,
    dispatcher: Arc<Dispatcher>,
    (cancel, cancelled): (Arc<watch::Sender<bool>>, watch::Receiver<bool>),
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let planned = plan.pending_calls();
    let progress = Progress::new(show_progress, planned as u64, "all calls");
    let mut writers = Vec::new();
    let mut calls = JoinSet::new();
    for file in plan.files.iter().filter(|file| !file.pending.is_empty()) {
        // A run killed mid-write leaves its temporary file; this run is now the file's only writer.
        let stale = crate::fs_util::remove_stale_temporaries(&file.path)?;
        if stale > 0 {
            tracing::info!("removed {stale} temporary files a killed run left beside {}", file.relative_path);
        }
        let initial = file.existing.clone().unwrap_or_else(|| new_results_file(file, settings));
        let document = ResultsDocument { path: file.path.clone(), file: initial };
        let (handle, join) = crate::writer::spawn(document, cancel.clone());
        writers.push((file.relative_path.clone(), join));
        let bar = progress.add_bar(&format!("{} {}", file.condition, file.model.name), file.pending.len() as u64);
        let client = clients.get(&file.model.name).expect("a client for every model with pending calls").clone();
        let system_prompt = settings.condition(file.condition).system_prompt.clone();
        for &question_id in &file.pending {
            let question = plan.question(question_id).clone();
            let job = Job {
                condition: file.condition,
                relative_path: file.relative_path.clone(),
                client: client.clone(),
                system_prompt: system_prompt.clone(),
                question,
            };
            let writer = handle.clone();
            let dispatcher = dispatcher.clone();
            let mut cancelled = cancelled.clone();
            let bar = bar.clone();
            let overall = progress.overall().clone();
            calls.spawn(async move {
                let outcome = tokio::select! {
                    // Cancellation first: once stopped, no call waiting for a slot sends its request.
                    biased;
                    _ = cancelled.wait_for(|cancelled| *cancelled) => return CallResult::Cancelled,
                    outcome = job.call(&dispatcher) => outcome,
                };
                let result = match &outcome {
                    Recorded::Answer(answer) => {
                        CallResult::Answered(job.client.entry.name.clone(), answer.usage.clone())
                    }
                    Recorded::Failure(failure) => {
                        bar.set_message("(some failed)");
                        CallResult::Failed(FailedCall {
                            file: job.relative_path.clone(),
                            question_id: failure.question_id,
                            message: failure.message.clone(),
                        })
                    }
                };
                // The writer only goes away if saving failed; that error is reported below.
                let _ = writer.send(outcome);
                bar.inc(1);
                overall.inc(1);
                if bar.position() == bar.length().unwrap_or(0) {
                    bar.finish();
                }
                result
            });
        }
    }

    let mut summary = Summary { planned, ..Summary::default() };
    let mut cancelled_watch = cancelled.clone();
    while let Some(joined) = calls.join_next().await {
        match joined.context("a call task failed")? {
            CallResult::Answered(model, usage) => {
                summary.answered += 1;
                if let Some(usage) = usage {
                    crate::cost::add_usage(summary.usage.entry(model).or_default(), &usage);
                }
            }
            CallResult::Failed(failed) => summary.failed.push(failed),
            CallResult::Cancelled => summary.interrupted = true,
        }
        if !summary.interrupted && *cancelled_watch.borrow_and_update() {
            summary.interrupted = true;
            progress.overall().set_message("interrupted: saving what has arrived");
        }
    }
    // Every call has ended, so every sender is gone: each writer saves what is left and stops.
    let save_errors = crate::writer::wait_all(writers).await;
    progress.finish();
    if !save_errors.is_empty() {
        anyhow::bail!(
            "answers could not be saved (they will be asked again next run):\n  {}",
            save_errors.join("\n  ")
        );
    }
    summary.failed.sort();
    Ok(summary)
}

enum CallResult {
    Answered(String, Option<left_behind_shared::TokenUsage>),
    Failed(FailedCall),
    Cancelled,
}

/// One question to one model under one condition.
struct Job {
    condition: Condition,
    relative_path: String,
    client: Arc<ModelClient>,
    system_prompt: Option<String>,
    question: left_behind_shared::Question,
}

impl Job {
    async fn call(&self, dispatcher: &Dispatcher) -> Recorded {
        let language = self.condition.language();
        let text = self.question.text(language).to_owned();
        let request = self.client.request(self.system_prompt.clone().map(SystemPrompt::new), text.clone());
        let (request, sent) = self.client.fit(&request);
        let outcome = self.client.complete(dispatcher, &request).await;
        let model = &self.client.entry.name;
        match outcome.result {
            Ok(completion) => {
                tracing::info!(
                    "{} {model} question {}: answered in {:.2} s ({} attempt{})",
                    self.condition,
                    self.question.id,
                    completion.latency.as_secs_f64(),
                    outcome.attempts,
                    if outcome.attempts == 1 { "" } else { "s" }
                );
                Recorded::Answer(ResponseRecord {
                    question_id: self.question.id,
                    category: self.question.category,
                    question_text: text,
                    response: completion.text,
                    reference_answer: self.question.reference_answer.clone(),
                    // The study's precision.
                    response_time_seconds: Some((completion.latency.as_secs_f64() * 100.0).round() / 100.0),
                    finish_reason: completion.finish_reason,
                    usage: completion.usage,
                    attempts: Some(outcome.attempts),
                    api_model_id: Some(self.client.provider().wire_model_id().to_owned()),
                    served_model: completion.served_model,
                    answered_at: Some(crate::clock::now_utc()),
                    extra: with_parameters(completion.record_fields, &sent),
                })
            }
            Err(error) => {
                tracing::warn!(
                    "{} {model} question {}: failed after {} attempt{}: {error}",
                    self.condition,
                    self.question.id,
                    outcome.attempts,
                    if outcome.attempts == 1 { "" } else { "s" }
                );
                Recorded::Failure(RunError {
                    question_id: self.question.id,
                    category: self.question.category,
                    question_text: text,
                    status: error.status(),
                    message: error.to_string(),
                    attempts: outcome.attempts,
                    failed_at: crate::clock::now_utc(),
                    extra: Default::default(),
                })
            }
        }
    }
}

/// An answer's extra fields with the parameters sent beside the prompt (`parameters`).
pub(crate) fn with_parameters(
    mut fields: serde_json::Map<String, serde_json::Value>,
    sent: &SentParameters,
) -> serde_json::Map<String, serde_json::Value> {
    fields.insert("parameters".to_owned(), sent.to_json());
    fields
}

/// The notes printed once per command: models asked without their configured temperature.
pub(crate) fn parameter_notes<'a>(models: impl IntoIterator<Item = &'a ModelEntry>) -> Vec<String> {
    models
        .into_iter()
        .filter_map(|model| {
            let temperature = model.temperature?;
            let accepted = accepted_parameters(model.provider(), &model.model_id);
            (!accepted.temperature)
                .then(|| temperature_note(&model.name, model.provider(), &model.model_id, temperature))
        })
        .collect()
}

fn new_results_file(file: &FilePlan, settings: &RunnerConfig) -> ResultsFile {
    new_results_file_for(file.condition, &file.model, settings)
}

/// A results file of `model` under `condition` with no answers yet.
pub(crate) fn new_results_file_for(condition: Condition, model: &ModelEntry, settings: &RunnerConfig) -> ResultsFile {
    let now = crate::clock::now_utc();
    ResultsFile {
        model: model.name.clone(),
        model_id: model.model_id.clone(),
        condition,
        condition_description: condition.description().to_owned(),
        language: condition.language(),
        system_prompt_used: settings.condition(condition).system_prompt.clone(),
        started_at: now.clone(),
        responses: Vec::new(),
        errors: Vec::new(),
        last_updated: now,
        extra: Default::default(),
    }
}
