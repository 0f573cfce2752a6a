//! `grade --batch`: the judge's calls go out as batches when its provider has a batch API (the
//! study's judge, Claude Sonnet 4.5, does); open grading batches of earlier commands are collected.
//! Each judgment goes to the same writer as a live one (audit log line first, then the grades
//! file), with the batch's id in the audit record. A judge answer that is not a verdict is not asked
//! again inside the batch: it is a failed grading (-1 row), which the next `grade` grades again.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use left_behind_shared::{
    Condition, Dataset, GradeOutcome, GradingPlan, GradingTask, ModelRegistry, judge_grades_path,
};

use super::answers::{BatchOptions, Ended, Tally, report};
use super::collect::{self, Delivered, Tracked};
use super::record::{BatchWork, OpenBatch, RecordedRequest};
use super::{BatchClient, ItemResult};
use crate::config::DEFAULT_JUDGE_TEMPERATURE;
use crate::grade::judgment::JudgeIdentity;
use crate::grade::writer::GradesDocument;
use crate::grade::{ChosenJudge, Judgment, prompt_hash};
use crate::interrupt::block_on_interruptible;
use crate::providers::{self, CompletionRequest, SystemPrompt, parameters};
use crate::secrets::Secret;

/// A judgment's key: (condition, graded model, question id).
type Key = (Condition, String, u32);

/// Removes from `plan` (the plan of judge `judge`) the gradings that open batches of that judge
/// carry; how many were removed.
pub fn set_aside_open(plan: &mut GradingPlan<'_>, open: &[OpenBatch], judge: &str) -> usize {
    let before = plan.tasks.len();
    plan.tasks.retain(|task| {
        !open.iter().filter(|batch| batch.record.caller == judge).any(|batch| {
            batch.record.requests.iter().any(|request| {
                request.condition == task.condition
                    && request.model == task.model
                    && request.question_id == task.response.question_id
            })
        })
    });
    before - plan.tasks.len()
}

/// The judgment of an open batch's request, rebuilt from the dataset (`None`: the answer is gone).
fn rebuild(dataset: &Dataset, request: &RecordedRequest) -> Option<Judgment> {
    let results = dataset
        .results
        .iter()
        .find(|results| results.condition == request.condition && results.model == request.model)?;
    let response = results.responses.iter().find(|response| response.question_id == request.question_id)?;
    let task = GradingTask { condition: request.condition, model: &results.model, response };
    Some(Judgment::new(&task, dataset))
}

/// Everything `grade --batch` needs about the judge.
pub struct BatchJudge<'a> {
    pub judge: &'a ChosenJudge<'a>,
    pub key: Option<Secret>,
    pub system_prompt: String,
}

/// `grade --batch`: submits the judgments, collects them and earlier open batches, and reports.
#[allow(clippy::too_many_arguments)]
pub fn grade_batched(
    judgments: Vec<Judgment>,
    open: Vec<OpenBatch>,
    dataset: &Dataset,
    registry: &ModelRegistry,
    judge: BatchJudge<'_>,
    data_dir: &Path,
    options: BatchOptions,
    http_slots: usize,
) -> anyhow::Result<ExitCode> {
    let chosen = judge.judge;
    let entry = chosen.entry;
    let hash = prompt_hash(&judge.system_prompt);
    for batch in &open {
        if batch.record.prompt_hash.as_deref() != Some(hash.as_str()) {
            println!(
                "note: {} was submitted with another judge prompt than today's; its judgments record the hash they were made with",
                batch.path.display()
            );
        }
    }
    println!("batch: judge {} ({} {}): {} judgments", entry.name, entry.provider(), entry.model_id, judgments.len());
    for batch in &open {
        println!(
            "open:  {} judgments in batch {} (from an earlier command)",
            batch.record.requests.len(),
            batch.record.batch_id.as_deref().unwrap_or("not confirmed")
        );
    }
    // Every judgment this command may record, by key: the new ones and those of the open batches.
    let mut by_key: BTreeMap<Key, Judgment> = BTreeMap::new();
    let mut open_hashes: BTreeMap<String, String> = BTreeMap::new();
    for batch in &open {
        if let Some(batch_id) = &batch.record.batch_id {
            open_hashes.insert(batch_id.clone(), batch.record.prompt_hash.clone().unwrap_or_else(|| hash.clone()));
        }
        for request in &batch.record.requests {
            if let Some(judgment) = rebuild(dataset, request) {
                by_key.insert((request.condition, request.model.clone(), request.question_id), judgment);
            }
        }
    }
    let temperature = entry.temperature.or(Some(DEFAULT_JUDGE_TEMPERATURE));
    let mut requests = Vec::new();
    let mut sent = None;
    for judgment in judgments {
        let request = CompletionRequest {
            system: Some(SystemPrompt::cached(judge.system_prompt.clone())),
            user_message: judgment.user_message.clone(),
            max_output_tokens: entry.max_tokens,
            temperature,
        };
        let (request, parameters) = parameters::fit_request(entry.provider(), &entry.model_id, &request);
        sent = Some(parameters);
        let recorded = RecordedRequest {
            custom_id: String::new(),
            condition: judgment.row.condition,
            model: judgment.row.model.clone(),
            question_id: judgment.row.question_id,
        };
        requests.push((recorded, request));
        by_key.insert((judgment.row.condition, judgment.row.model.clone(), judgment.row.question_id), judgment);
    }
    let mut conditions: Vec<Condition> = by_key.keys().map(|(condition, _, _)| *condition).collect();
    conditions.dedup();
    let mut documents = Vec::new();
    for condition in conditions {
        let rows = chosen.existing_grades(dataset).iter().filter(|row| row.condition == condition).cloned().collect();
        let document = GradesDocument::open(data_dir, chosen.directory.as_ref(), condition, rows, registry.clone())?;
        documents.push((condition, document));
    }
    let identity =
        JudgeIdentity { name: entry.name.clone(), model_id: entry.model_id.clone(), prompt_hash: hash.clone() };
    let outcome = block_on_interruptible(|stop, stopped| async move {
        let http = providers::http_client(http_slots).context("cannot build the HTTP client")?;
        let client = Arc::new(
            BatchClient::new(entry, judge.key.clone(), http).context("the judge's provider has no batch API")?,
        );
        let mut writers = BTreeMap::new();
        let mut joins = Vec::new();
        for (condition, document) in documents {
            let (handle, join) = crate::writer::spawn(document, stop.clone());
            writers.insert(condition, handle);
            joins.push((chosen.grades_path(condition), join));
        }
        let mut tracked: Vec<Tracked> =
            open.into_iter().map(|batch| Tracked { open: batch, client: client.clone() }).collect();
        let mut refused = Vec::new();
        if !requests.is_empty() {
            let parameters = sent.map(|sent| sent.to_json()).unwrap_or_default();
            let submitted =
                collect::submit(data_dir, BatchWork::Grade, entry, client.clone(), requests, parameters, Some(&hash))
                    .await?;
            for batch in &submitted.tracked {
                println!(
                    "submitted: judge {} batch {}: {} judgments; record {}",
                    entry.name,
                    batch.open.record.batch_id.as_deref().unwrap_or_default(),
                    batch.open.record.requests.len(),
                    batch.open.path.display()
                );
            }
            tracked.extend(submitted.tracked);
            refused = submitted.refused;
        }
        let tally = Arc::new(Mutex::new(Tally::default()));
        let by_key = Arc::new(Mutex::new(by_key));
        let directory = chosen.directory.clone();
        let grades_path_of = move |condition: Condition| judge_grades_path(directory.as_ref(), condition);
        let deliver = {
            let writers = writers.clone();
            let tally = tally.clone();
            let key = judge.key.clone();
            Arc::new(move |delivered: Delivered| {
                let request = &delivered.request;
                let answer = match delivered.result {
                    ItemResult::Answered(completion) => {
                        if let Some(usage) = &completion.usage {
                            crate::cost::add_usage(
                                tally.lock().expect("the tally").usage.entry(identity.name.clone()).or_default(),
                                usage,
                            );
                        }
                        Ok(completion.text)
                    }
                    ItemResult::Failed(error) => Err(error.redacted(key.as_ref()).to_string()),
                    ItemResult::NotRun(_) => {
                        tally.lock().expect("the tally").not_run += 1;
                        return;
                    }
                };
                let Some(judgment) = by_key.lock().expect("the judgments").remove(&(
                    request.condition,
                    request.model.clone(),
                    request.question_id,
                )) else {
                    tracing::warn!(
                        "batch {}: {} {} question {} has no answer to grade any more; its judgment is dropped",
                        delivered.batch_id,
                        request.condition,
                        request.model,
                        request.question_id
                    );
                    return;
                };
                let mut identity = identity.clone();
                if let Some(hash) = open_hashes.get(&delivered.batch_id) {
                    identity.prompt_hash = hash.clone();
                }
                let parameters = delivered.parameters.clone().unwrap_or_default();
                let judged = judgment.from_batch(&identity, answer, &delivered.batch_id, parameters);
                {
                    let mut tally = tally.lock().expect("the tally");
                    match judged.row.outcome {
                        GradeOutcome::Scored(_) => tally.answered += 1,
                        GradeOutcome::Failed => tally.failed.push(format!(
                            "{} {} question {}: {}",
                            grades_path_of(judged.row.condition),
                            judged.row.model,
                            judged.row.question_id,
                            judged.row.notes
                        )),
                    }
                }
                if let Some(writer) = writers.get(&request.condition) {
                    let _ = writer.send(judged);
                }
            }) as Arc<dyn Fn(Delivered) + Send + Sync>
        };
        let followed = collect::follow(tracked, options.poll, stopped.clone(), deliver).await;
        drop(writers);
        let save_errors = crate::writer::wait_all(joins).await;
        let interrupted = *stopped.borrow();
        anyhow::Ok((followed, save_errors, refused, interrupted, tally))
    })?;
    let (followed, save_errors, refused, interrupted, tally) = outcome;
    let tally = tally.lock().expect("the tally");
    let ended = Ended { followed, save_errors, refused, interrupted };
    report(BatchWork::Grade, data_dir, ended, &tally, 0, std::slice::from_ref(entry))
}
