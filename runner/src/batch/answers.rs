//! `run --batch`: the pending calls of each model whose provider has a batch API go out as batches,
//! the others are called live in the same command; open batches of earlier commands are collected.
//! Answers and failures go to the same results-file writers as live calls, each answer with its
//! `batch_id` (and no per-call time: `response_time_seconds` is `null` for a batch answer, unknown,
//! never 0).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use left_behind_shared::{Condition, Question, ResponseRecord, ResultsFile, RunError, results_path};
use serde_json::{Map, json};

use super::collect::{self, Delivered, Followed, PollPolicy, Tracked};
use super::record::{BatchWork, OpenBatch, RecordedRequest};
use super::{BatchApi, BatchClient, BatchEnd, BatchPhase, ItemResult};
use crate::config::{ModelEntry, RunnerConfig};
use crate::interrupt::block_on_interruptible;
use crate::model_client::resolve_keys;
use crate::providers::{self, CompletionRequest, SystemPrompt, parameters};
use crate::run::Plan;
use crate::run::writer::{Recorded, ResultsDocument};
use crate::secrets::{KeySource, Secret};

/// Exit code of a command stopped by Ctrl-C (128 + SIGINT).
const INTERRUPTED: u8 = 130;

/// What `--batch` adds to a run: how batches are polled and how long they are waited for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchOptions {
    pub poll: PollPolicy,
}

/// The models of `plan` with calls to make whose provider has a batch API, and the others.
pub fn partition(plan: &Plan) -> (Vec<&ModelEntry>, Vec<&ModelEntry>) {
    plan.models_to_call().into_iter().partition(|model| BatchApi::for_provider(model.provider()).is_some())
}

/// Removes from `plan` the calls that open batches carry (they are paid for: never asked again while
/// their batch is open); how many were removed.
pub fn set_aside_open(plan: &mut Plan, open: &[OpenBatch]) -> usize {
    let mut removed = 0;
    for file in &mut plan.files {
        let before = file.pending.len();
        file.pending.retain(|question_id| {
            !open.iter().any(|batch| {
                batch.record.requests.iter().any(|request| {
                    request.condition == file.condition
                        && request.model == file.model.name
                        && request.question_id == *question_id
                })
            })
        });
        removed += before - file.pending.len();
    }
    removed
}

/// The configuration entries of the models that made the open batches (an error names a record whose
/// model is no longer configured).
pub fn callers<'a>(settings: &'a RunnerConfig, open: &[OpenBatch]) -> anyhow::Result<Vec<&'a ModelEntry>> {
    let mut entries: Vec<&ModelEntry> = Vec::new();
    for batch in open {
        let entry = if batch.record.caller == settings.judge.name {
            Some(&settings.judge)
        } else {
            settings.model(&batch.record.caller)
        };
        let entry = entry.with_context(|| {
            format!(
                "{}: the batch was made by model {:?}, which the configuration no longer has; put it back to collect the batch",
                batch.path.display(),
                batch.record.caller
            )
        })?;
        if !entries.iter().any(|known| known.name == entry.name) {
            entries.push(entry);
        }
    }
    Ok(entries)
}

/// `run --batch`: submits, calls live, collects, and reports.
pub fn run_batched(
    plan: Plan,
    open: Vec<OpenBatch>,
    settings: &RunnerConfig,
    data_dir: &Path,
    show_progress: bool,
    options: BatchOptions,
    questions: &[Question],
) -> anyhow::Result<ExitCode> {
    let (batch_models, live_models) = partition(&plan);
    if batch_models.is_empty() && !live_models.is_empty() {
        let list: Vec<String> =
            live_models.iter().map(|model| format!("{} ({})", model.name, model.provider())).collect();
        println!(
            "note: --batch: none of the selected models has a provider with a batch API (OpenAI, Anthropic, \
             Google, xAI); they are called live: {}",
            list.join(", ")
        );
    }
    for model in &batch_models {
        let calls: usize =
            plan.files.iter().filter(|file| file.model.name == model.name).map(|f| f.pending.len()).sum();
        println!("batch: {} ({} {}): {calls} calls", model.name, model.provider(), model.model_id);
    }
    for model in &live_models {
        let calls: usize =
            plan.files.iter().filter(|file| file.model.name == model.name).map(|f| f.pending.len()).sum();
        println!("live:  {} ({} {}): {calls} calls", model.name, model.provider(), model.model_id);
    }
    for batch in &open {
        println!(
            "open:  {} ({}): {} calls in batch {} (from an earlier command)",
            batch.record.caller,
            batch.record.provider,
            batch.record.requests.len(),
            batch.record.batch_id.as_deref().unwrap_or("not confirmed")
        );
    }
    let open_callers = callers(settings, &open)?;
    let mut to_key: Vec<&ModelEntry> = plan.models_to_call();
    for caller in open_callers {
        if !to_key.iter().any(|model| model.name == caller.name) {
            to_key.push(caller);
        }
    }
    let keys = KeySource::for_data_dir(data_dir)?;
    let resolved = resolve_keys(&to_key, &keys).map_err(anyhow::Error::new)?;
    let live_plan = Plan {
        files: plan
            .files
            .iter()
            .filter(|file| BatchApi::for_provider(file.model.provider()).is_none())
            .cloned()
            .collect(),
        ..plan.clone()
    };
    let (plan, live_plan, resolved, batch_models) = (&plan, &live_plan, &resolved, &batch_models);
    let outcome = block_on_interruptible(|stop, stopped| async move {
        let http = providers::http_client(settings.dispatch.max_in_flight).context("cannot build the HTTP client")?;
        // One writer per results file that batches answer into.
        let mut documents: BTreeMap<(Condition, String), ResultsDocument> = BTreeMap::new();
        for file in plan.files.iter().filter(|file| !file.pending.is_empty()) {
            if BatchApi::for_provider(file.model.provider()).is_some() {
                let existing = file.existing.clone();
                documents.insert(
                    (file.condition, file.model.name.clone()),
                    document(data_dir, file.condition, &file.model, existing, settings)?,
                );
            }
        }
        for batch in &open {
            for request in &batch.record.requests {
                let key = (request.condition, request.model.clone());
                if let std::collections::btree_map::Entry::Vacant(slot) = documents.entry(key) {
                    let entry = settings.model(&request.model).with_context(|| {
                        format!("{}: model {:?} is not configured", batch.path.display(), request.model)
                    })?;
                    let existing = crate::run::plan::read_existing(
                        &data_dir.join(results_path(request.condition, &request.model)),
                        &results_path(request.condition, &request.model),
                    )?;
                    slot.insert(document(data_dir, request.condition, entry, existing, settings)?);
                }
            }
        }
        let mut writers = BTreeMap::new();
        let mut joins = Vec::new();
        for (key, document) in documents {
            let relative = results_path(key.0, &key.1);
            crate::fs_util::remove_stale_temporaries(&document.path)?;
            let (handle, join) = crate::writer::spawn(document, stop.clone());
            writers.insert(key, handle);
            joins.push((relative, join));
        }

        let client_of = |entry: &ModelEntry| -> Option<Arc<BatchClient>> {
            let key = resolved.get(&entry.name).cloned().flatten();
            BatchClient::new(entry, key, http.clone()).map(Arc::new)
        };
        let mut tracked = Vec::new();
        for batch in open {
            let entry = callers(settings, std::slice::from_ref(&batch))?[0];
            let client = client_of(entry)
                .with_context(|| format!("{}: {} has no batch API", batch.path.display(), entry.provider()))?;
            tracked.push(Tracked { open: batch, client });
        }
        let mut refused = Vec::new();
        for model in batch_models {
            let client = client_of(model).expect("batch models have a batch API");
            let (requests, sent) = answer_requests(plan, model, settings);
            let submitted =
                collect::submit(data_dir, BatchWork::Run, model, client, requests, sent.to_json(), None).await?;
            for batch in &submitted.tracked {
                println!(
                    "submitted: {} ({}) batch {}: {} calls; record {}",
                    model.name,
                    model.provider(),
                    batch.open.record.batch_id.as_deref().unwrap_or_default(),
                    batch.open.record.requests.len(),
                    batch.open.path.display()
                );
            }
            tracked.extend(submitted.tracked);
            refused.extend(submitted.refused);
        }

        let tally = Arc::new(Mutex::new(Tally::default()));
        let deliver = {
            let writers = writers.clone();
            let questions: BTreeMap<u32, Question> = questions.iter().map(|q| (q.id, q.clone())).collect();
            let models: BTreeMap<String, String> =
                settings.models.iter().map(|m| (m.name.clone(), m.model_id.clone())).collect();
            let tally = tally.clone();
            let key = resolved.values().flatten().cloned().collect::<Vec<Secret>>();
            Arc::new(move |delivered: Delivered| {
                let Some(question) = questions.get(&delivered.request.question_id) else {
                    tracing::warn!(
                        "batch {}: question {} is no longer in questions.json",
                        delivered.batch_id,
                        delivered.request.question_id
                    );
                    return;
                };
                let model_id = models.get(&delivered.request.model).cloned().unwrap_or_default();
                let Some(recorded) = to_recorded(&delivered, question, &model_id, &key, &tally) else { return };
                if let Some(writer) = writers.get(&(delivered.request.condition, delivered.request.model.clone())) {
                    let _ = writer.send(recorded);
                }
            }) as Arc<dyn Fn(Delivered) + Send + Sync>
        };
        let policy = options.poll;
        let live = async {
            if live_plan.pending_calls() == 0 {
                return Ok(None);
            }
            crate::run::call_live(
                live_plan,
                settings,
                resolved,
                http.clone(),
                (stop.clone(), stopped.clone()),
                show_progress,
            )
            .await
            .map(Some)
        };
        let (live_summary, followed) = tokio::join!(live, collect::follow(tracked, policy, stopped.clone(), deliver));
        drop(writers);
        let save_errors = crate::writer::wait_all(joins).await;
        let interrupted = *stopped.borrow();
        anyhow::Ok((live_summary, followed, save_errors, refused, interrupted, tally))
    })?;
    let (live_summary, followed, save_errors, refused, interrupted, tally) = outcome;
    let live_summary = live_summary?;
    if let Some(summary) = &live_summary {
        println!("live: {}", summary.describe());
        let usage: BTreeMap<_, _> =
            summary.usage.iter().map(|(model, usage)| (model.clone(), (usage.clone(), false))).collect();
        print!("{}", crate::cost::describe_actual(&settings.models.iter().collect::<Vec<_>>(), &usage));
    }
    let live_failures = live_summary.map_or(0, |summary| summary.failed.len());
    let tally = tally.lock().expect("the tally");
    let ended = Ended { followed, save_errors, refused, interrupted };
    report(BatchWork::Run, data_dir, ended, &tally, live_failures, &settings.models)
}

/// The requests of `model`'s pending calls, and what each sends besides the prompt.
fn answer_requests(
    plan: &Plan,
    model: &ModelEntry,
    settings: &RunnerConfig,
) -> (Vec<(RecordedRequest, CompletionRequest)>, parameters::SentParameters) {
    let mut requests = Vec::new();
    let mut sent = None;
    for file in plan.files.iter().filter(|file| file.model.name == model.name) {
        let system = settings.condition(file.condition).system_prompt.clone().map(SystemPrompt::new);
        for &question_id in &file.pending {
            let question = plan.question(question_id);
            let request = CompletionRequest {
                system: system.clone(),
                user_message: question.text(file.condition.language()).to_owned(),
                max_output_tokens: model.max_tokens,
                temperature: model.temperature,
            };
            let (request, parameters) = parameters::fit_request(model.provider(), &model.model_id, &request);
            sent = Some(parameters);
            let recorded = RecordedRequest {
                custom_id: String::new(),
                condition: file.condition,
                model: model.name.clone(),
                question_id,
            };
            requests.push((recorded, request));
        }
    }
    let sent = sent.unwrap_or(parameters::SentParameters {
        max_output_tokens: model.max_tokens,
        temperature: None,
        temperature_not_sent: None,
    });
    (requests, sent)
}

/// The results document of (condition, model): the file as it is, or a new one.
fn document(
    data_dir: &Path,
    condition: Condition,
    model: &ModelEntry,
    existing: Option<ResultsFile>,
    settings: &RunnerConfig,
) -> anyhow::Result<ResultsDocument> {
    let relative = results_path(condition, &model.name);
    let file = existing.unwrap_or_else(|| crate::run::new_results_file_for(condition, model, settings));
    Ok(ResultsDocument { path: data_dir.join(relative), file })
}

/// Counts of what batches returned, and their tokens per model.
#[derive(Debug, Default)]
pub struct Tally {
    pub answered: usize,
    pub failed: Vec<String>,
    pub not_run: usize,
    pub usage: BTreeMap<String, left_behind_shared::TokenUsage>,
}

/// The record an answer or failure of a batch becomes (`None`: the request never ran).
fn to_recorded(
    delivered: &Delivered,
    question: &Question,
    model_id: &str,
    keys: &[Secret],
    tally: &Mutex<Tally>,
) -> Option<Recorded> {
    let request = &delivered.request;
    let text = question.text(request.condition.language()).to_owned();
    let mut extra = Map::new();
    if let Some(parameters) = &delivered.parameters {
        extra.insert("parameters".to_owned(), parameters.clone());
    }
    extra.insert("batch_id".to_owned(), json!(delivered.batch_id));
    let mut tally = tally.lock().expect("the tally");
    match &delivered.result {
        ItemResult::Answered(completion) => {
            tally.answered += 1;
            if let Some(usage) = &completion.usage {
                crate::cost::add_usage(tally.usage.entry(request.model.clone()).or_default(), usage);
            }
            Some(Recorded::Answer(ResponseRecord {
                question_id: question.id,
                category: question.category,
                question_text: text,
                response: completion.text.clone(),
                reference_answer: question.reference_answer.clone(),
                // A batch has no per-call time: unknown, left out of every mean time.
                response_time_seconds: None,
                finish_reason: completion.finish_reason.clone(),
                usage: completion.usage.clone(),
                attempts: Some(1),
                api_model_id: Some(model_id.to_owned()),
                served_model: completion.served_model.clone(),
                answered_at: Some(crate::clock::now_utc()),
                extra,
            }))
        }
        ItemResult::Failed(error) => {
            let message = keys.iter().fold(error.to_string(), |message, key| key.redact(&message));
            tally.failed.push(format!(
                "{} question {}: {message}",
                results_path(request.condition, &request.model),
                question.id
            ));
            Some(Recorded::Failure(RunError {
                question_id: question.id,
                category: question.category,
                question_text: text,
                status: error.status(),
                message,
                attempts: 1,
                failed_at: crate::clock::now_utc(),
                extra,
            }))
        }
        ItemResult::NotRun(_) => {
            tally.not_run += 1;
            None
        }
    }
}

/// How a batch command's waiting ended.
pub(crate) struct Ended {
    pub followed: Vec<Followed>,
    /// Files whose writer could not save.
    pub save_errors: Vec<String>,
    /// Batches the providers refused to create.
    pub refused: Vec<String>,
    /// Ctrl-C (or a writer that failed) stopped the wait.
    pub interrupted: bool,
}

/// Prints what became of each batch, closes the records of those collected and saved, and chooses
/// the exit code.
pub(crate) fn report(
    work: BatchWork,
    data_dir: &Path,
    ended: Ended,
    tally: &Tally,
    live_failures: usize,
    models: &[ModelEntry],
) -> anyhow::Result<ExitCode> {
    let Ended { followed, save_errors, refused, interrupted } = ended;
    let mut trouble = live_failures > 0 || !refused.is_empty();
    for line in &refused {
        println!("refused: {line}");
    }
    for followed in followed {
        match followed {
            Followed::Collected { open, status, .. } => {
                let record = &open.record;
                let outcome = format!("{} ({})", status.provider_state, status.counts.describe());
                let ending = match &status.phase {
                    BatchPhase::Ended(BatchEnd::Expired) => "expired",
                    BatchPhase::Ended(BatchEnd::Cancelled) => "cancelled",
                    BatchPhase::Ended(BatchEnd::Failed(_)) => "failed",
                    _ => "ended",
                };
                println!(
                    "batch {} of {} ({}) {ending}: {outcome}",
                    record.batch_id.as_deref().unwrap_or_default(),
                    record.caller,
                    record.provider,
                );
                if save_errors.is_empty() {
                    record_close(data_dir, open, outcome)?;
                } else {
                    trouble = true;
                }
            }
            Followed::Running { open, status } => {
                println!(
                    "batch {} of {} ({}) is still running{}; run the same command again to collect it (its calls are not asked again meanwhile)",
                    open.record.batch_id.as_deref().unwrap_or_default(),
                    open.record.caller,
                    open.record.provider,
                    status
                        .map(|status| format!(" ({}, {})", status.provider_state, status.counts.describe()))
                        .unwrap_or_default()
                );
            }
            Followed::Unconfirmed { open } => {
                trouble = true;
                println!(
                    "{}: this batch's submission was never confirmed, so it may or may not exist at {}; its {} calls \
                     are not asked again until the record is removed (check the provider's list of batches first)",
                    open.path.display(),
                    open.record.provider,
                    open.record.requests.len()
                );
            }
            Followed::Failed { open, message } => {
                trouble = true;
                println!("{}: {message}; the record stays open and the next command tries again", open.path.display());
            }
        }
    }
    let (done, failed_note) = match work {
        BatchWork::Run => {
            ("answered", "failed calls are recorded in the files' errors; `left-behind run` asks them again")
        }
        BatchWork::Grade => {
            ("graded", "failed gradings are recorded as -1 rows; `left-behind grade` grades them again")
        }
    };
    println!(
        "batches: {} {done}, {} failed{}",
        tally.answered,
        tally.failed.len(),
        if tally.not_run > 0 {
            format!(", {} never ran (asked again next time)", tally.not_run)
        } else {
            String::new()
        }
    );
    for line in &tally.failed {
        println!("  {line}");
    }
    if !tally.failed.is_empty() {
        println!("{failed_note}");
        trouble = true;
    }
    let usage: BTreeMap<_, _> =
        tally.usage.iter().map(|(model, usage)| (model.clone(), (usage.clone(), true))).collect();
    print!("{}", crate::cost::describe_actual(&models.iter().collect::<Vec<_>>(), &usage));
    if !save_errors.is_empty() {
        anyhow::bail!(
            "results could not be saved (the batches stay open and are collected again):\n  {}",
            save_errors.join("\n  ")
        );
    }
    if interrupted {
        println!("interrupted: open batches are collected by the same command run again");
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(if trouble { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn record_close(data_dir: &Path, open: OpenBatch, outcome: String) -> anyhow::Result<()> {
    open.record.close(data_dir, outcome)
}

/// `run --batch --status` and `--cancel`: lists the open batches of `work` with their state and
/// counts, and with `cancel` asks each provider to cancel them.
pub fn status_or_cancel(
    data_dir: &Path,
    settings: &RunnerConfig,
    work: BatchWork,
    cancel: bool,
) -> anyhow::Result<ExitCode> {
    let open = super::record::list_open(data_dir, work)?;
    if open.is_empty() {
        println!("no open batches of `{}` in {}", work.key(), data_dir.join(super::record::OPEN_DIRECTORY).display());
        return Ok(ExitCode::SUCCESS);
    }
    let entries = callers(settings, &open)?;
    let keys = KeySource::for_data_dir(data_dir)?;
    let resolved = resolve_keys(&entries, &keys).map_err(anyhow::Error::new)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    let mut trouble = false;
    runtime.block_on(async {
        let http = providers::http_client(4).context("cannot build the HTTP client")?;
        for batch in &open {
            let record = &batch.record;
            let entry = callers(settings, std::slice::from_ref(batch))?[0];
            let line = format!(
                "{} ({} {}): {} calls, record {}",
                record.caller,
                record.provider,
                record.model_id,
                record.requests.len(),
                batch.path.display()
            );
            let Some(batch_id) = &record.batch_id else {
                println!("{line}\n  submission not confirmed: the batch may or may not exist at {}", record.provider);
                continue;
            };
            let key = resolved.get(&entry.name).cloned().flatten();
            let Some(client) = BatchClient::new(entry, key, http.clone()) else { continue };
            match client.status(batch_id).await {
                Ok(status) => {
                    println!("{line}\n  batch {batch_id}: {} ({})", status.provider_state, status.counts.describe())
                }
                Err(error) => {
                    trouble = true;
                    println!("{line}\n  batch {batch_id}: cannot read its state: {error}");
                }
            }
            if cancel {
                match client.cancel(batch_id).await {
                    Ok(()) => println!(
                        "  cancel requested: `{} --batch` collects what finished; the rest is asked again",
                        work.key()
                    ),
                    Err(error) => {
                        trouble = true;
                        println!("  cannot cancel: {error}");
                    }
                }
            }
        }
        anyhow::Ok(())
    })?;
    runtime.shutdown_background();
    Ok(if trouble { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
