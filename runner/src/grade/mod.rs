//! The LLM judge behind `left-behind grade` ([`crate::commands::grade`]): it grades the responses in
//! `results/` and the grades go to
//! `grades/<condition_dir>.csv` in the study's format, every judge call to the audit log
//! `grades/judgments/<condition_dir>.jsonl`.
//!
//! The judge is one more model behind the same call layer as `run` (concurrency, retries, rate
//! limits), by default the study's ([`crate::config::DEFAULT_JUDGE`]). What needs grading is
//! `shared`'s [`plan_grading`]: a graded response is skipped unless forced, a failed grading (-1 row)
//! is graded again, a failed call is not an answer and is never graded. Each judgment is saved the
//! moment it ends by its condition's one writer ([`writer`]), so a grading stopped at any point
//! (Ctrl-C, SIGKILL) loses at most the judgments in flight.

pub mod judgment;
pub mod writer;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};
use left_behind_shared::{Condition, Dataset, GradeOutcome, GradingPlan, failed_calls_not_graded, grades_path, plural};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::{ModelEntry, RunnerConfig};
use crate::dispatch::Dispatcher;
use crate::interrupt::block_on_interruptible;
use crate::model_client::ModelClient;
use crate::progress::Progress;
use crate::providers;
use crate::secrets::Secret;
pub use judgment::{Judge, Judgment, MAX_JUDGE_ATTEMPTS, prompt_hash};
use writer::{GradesDocument, Judged};

/// A grading that ended without a verdict (a -1 row), as the summary lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FailedGrading {
    /// The grades file its -1 row is in.
    pub file: String,
    pub model: String,
    pub question_id: u32,
    /// Why (`GRADE_PARSE_ERROR: ...`, `GRADE_API_ERROR: ...`).
    pub notes: String,
}

/// What a grading did.
#[derive(Debug, Default)]
pub struct Summary {
    pub judge: String,
    pub planned: usize,
    pub graded: usize,
    /// The gradings that ended without a verdict.
    pub failed: Vec<FailedGrading>,
    /// Failed calls of the selected results files: not answers, not graded.
    pub run_errors: usize,
    pub interrupted: bool,
}

impl Summary {
    pub fn describe(&self) -> String {
        let mut text = format!("{} of {} graded by {}", self.graded, plural(self.planned, "response"), self.judge);
        if !self.failed.is_empty() {
            text.push_str(&format!(
                ", {} without a verdict (recorded as -1 rows; `left-behind grade` grades them again):",
                plural(self.failed.len(), "grading")
            ));
            for FailedGrading { file, model, question_id, notes } in &self.failed {
                text.push_str(&format!("\n  {file} {model} question {question_id}: {notes}"));
            }
        }
        if self.run_errors > 0 {
            text.push_str(&format!("\n{}", failed_calls_not_graded(self.run_errors)));
        }
        if self.interrupted {
            let left = self.planned - self.graded - self.failed.len();
            text.push_str(&format!(
                "\ninterrupted: {} not graded; run the same command again to finish",
                plural(left, "response")
            ));
        }
        text
    }
}

/// The judge before the runtime starts: its entry, its key, and the system prompt it gets.
pub struct JudgeSetup<'a> {
    pub entry: &'a ModelEntry,
    pub key: Option<Secret>,
    pub system_prompt: String,
}

/// Makes the plan's judgments on a runtime of their own; Ctrl-C, or a file that cannot be saved,
/// stops them cleanly.
pub fn make_judgments(
    plan: &GradingPlan<'_>,
    dataset: &Dataset,
    settings: &RunnerConfig,
    judge: JudgeSetup<'_>,
    data_dir: &Path,
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let judgments: Vec<Judgment> = plan.tasks.iter().map(|task| Judgment::new(task, dataset)).collect();
    // Every condition's files are opened (and repaired) before any call.
    let registry = settings.registry();
    let mut documents = Vec::new();
    for condition in Condition::ALL {
        if judgments.iter().any(|judgment| judgment.condition() == condition) {
            let rows = dataset.grades.iter().filter(|row| row.condition == condition).cloned().collect();
            documents.push((condition, GradesDocument::open(data_dir, condition, rows, registry.clone())?));
        }
    }
    let bars = plan.counts();
    let mut summary = block_on_interruptible(|stop, stopped| async move {
        let dispatcher = Arc::new(Dispatcher::new(settings.dispatch.clone()));
        let http = providers::http_client(settings.dispatch.max_in_flight).context("cannot build the HTTP client")?;
        let client = ModelClient::new(judge.entry, judge.key.clone(), settings, &dispatcher, http)?;
        let judge = Arc::new(Judge::new(client, judge.system_prompt, judge.key));
        execute(judgments, documents, &bars, judge, dispatcher, (stop, stopped), show_progress).await
    })?;
    summary.run_errors = plan.run_errors;
    Ok(summary)
}

enum JudgmentResult {
    Graded,
    Failed(FailedGrading),
    Cancelled,
}

async fn execute(
    judgments: Vec<Judgment>,
    documents: Vec<(Condition, GradesDocument)>,
    bar_counts: &[((Condition, String), usize)],
    judge: Arc<Judge>,
    dispatcher: Arc<Dispatcher>,
    (stop, stopped): (Arc<watch::Sender<bool>>, watch::Receiver<bool>),
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let mut summary = Summary { judge: judge.name().to_owned(), planned: judgments.len(), ..Summary::default() };
    let progress = Progress::new(show_progress, judgments.len() as u64, "all gradings");
    // Each waiting judgment holds its request, the whole answer sheet included: only a few more
    // than can be in flight are started at a time.
    let window = dispatcher.policy().max_in_flight.max(1) * 2;
    let mut writers = BTreeMap::new();
    let mut joins = Vec::new();
    for (condition, document) in documents {
        let (handle, join) = crate::writer::spawn(document, stop.clone());
        writers.insert(condition, handle);
        joins.push((grades_path(condition), join));
    }
    let bars: BTreeMap<(Condition, String), indicatif::ProgressBar> = bar_counts
        .iter()
        .map(|((condition, model), count)| {
            ((*condition, model.clone()), progress.add_bar(&format!("{condition} {model}"), *count as u64))
        })
        .collect();

    let mut pending = judgments.into_iter();
    let mut calls = JoinSet::new();
    let mut stopped_watch = stopped.clone();
    loop {
        while calls.len() < window && !summary.interrupted {
            let Some(judgment) = pending.next() else { break };
            let writer = writers.get(&judgment.condition()).expect("a writer for every condition to grade").clone();
            let bar = bars.get(&(judgment.condition(), judgment.row.model.clone())).expect("a bar for each").clone();
            let overall = progress.overall().clone();
            let judge = judge.clone();
            let dispatcher = dispatcher.clone();
            let mut stopped = stopped.clone();
            calls.spawn(async move {
                let judged = tokio::select! {
                    // Stopping first: once stopped, no judgment waiting for a slot sends its request.
                    biased;
                    _ = stopped.wait_for(|stopped| *stopped) => return JudgmentResult::Cancelled,
                    judged = judgment.judge(&judge, &dispatcher) => judged,
                };
                let Judged { row, .. } = &judged;
                let result = match row.outcome {
                    GradeOutcome::Scored(_) => JudgmentResult::Graded,
                    GradeOutcome::Failed => {
                        bar.set_message("(some failed)");
                        JudgmentResult::Failed(FailedGrading {
                            file: grades_path(row.condition),
                            model: row.model.clone(),
                            question_id: row.question_id,
                            notes: row.notes.clone(),
                        })
                    }
                };
                // The writer only goes away if saving failed; that error is reported below.
                let _ = writer.send(judged);
                bar.inc(1);
                overall.inc(1);
                if bar.position() == bar.length().unwrap_or(0) {
                    bar.finish();
                }
                result
            });
        }
        let Some(joined) = calls.join_next().await else { break };
        match joined.context("a grading task failed")? {
            JudgmentResult::Graded => summary.graded += 1,
            JudgmentResult::Failed(failed) => summary.failed.push(failed),
            JudgmentResult::Cancelled => summary.interrupted = true,
        }
        if !summary.interrupted && *stopped_watch.borrow_and_update() {
            summary.interrupted = true;
            progress.overall().set_message("interrupted: saving what has arrived");
        }
    }
    // Every judgment has ended and the senders are dropped: each writer saves what is left and stops.
    drop(writers);
    let save_errors = crate::writer::wait_all(joins).await;
    progress.finish();
    if !save_errors.is_empty() {
        bail!("grades could not be saved (they will be graded again next time):\n  {}", save_errors.join("\n  "));
    }
    summary.failed.sort();
    Ok(summary)
}
