//! The LLM judges behind `left-behind grade` ([`crate::commands::grade`]): they grade the responses in
//! `results/` and the grades go to
//! `grades/<condition_dir>.csv` in the study's format, every judge call to the audit log
//! `grades/judgments/<condition_dir>.jsonl`. Any judge but the default one writes the same files
//! under `grades/judges/<NAME>/`, so judges never overwrite each other; several judges grade in one
//! run behind one call layer.
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
use left_behind_shared::{
    Condition, Dataset, GradeOutcome, GradeRow, GradingPlan, JudgeName, judge_grades_path, plural,
};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::RunnerConfig;
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
    /// The judges, in the order they were given.
    pub judges: Vec<String>,
    pub planned: usize,
    pub graded: usize,
    /// The gradings that ended without a verdict.
    pub failed: Vec<FailedGrading>,
    /// Failed calls of the selected results files: not answers, not graded.
    pub run_errors: usize,
    pub interrupted: bool,
    /// Tokens the APIs reported, per judge.
    pub usage: BTreeMap<String, left_behind_shared::TokenUsage>,
}

impl Summary {
    pub fn describe(&self) -> String {
        let mut text = match self.judges.as_slice() {
            [judge] => format!("{} of {} graded by {judge}", self.graded, plural(self.planned, "response")),
            judges => format!(
                "{} of {} done by {} judges ({})",
                self.graded,
                plural(self.planned, "grading"),
                judges.len(),
                judges.join(", ")
            ),
        };
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
            text.push_str(&format!("\n{}", left_behind_shared::failed_calls_not_graded(self.run_errors)));
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

/// A judge of a grading: its configured model, and where its grades go.
#[derive(Debug, Clone)]
pub struct ChosenJudge<'a> {
    pub entry: &'a crate::config::ModelEntry,
    /// `None`: the default judge, whose grades are the study's `grades/*.csv`; otherwise the
    /// judge's own directory `grades/judges/<name>/`.
    pub directory: Option<JudgeName>,
}

impl ChosenJudge<'_> {
    /// The grades this judge already gave, which its grading resumes from.
    pub fn existing_grades<'d>(&self, dataset: &'d Dataset) -> &'d [GradeRow] {
        match &self.directory {
            None => &dataset.grades,
            Some(name) => dataset.judge_grades(name.as_str()).map_or(&[][..], |judge| &judge.rows[..]),
        }
    }

    /// This judge's grades file of `condition`, relative to the data directory.
    pub fn grades_path(&self, condition: Condition) -> String {
        judge_grades_path(self.directory.as_ref(), condition)
    }
}

/// A judge before the runtime starts: who it is, its key, the system prompt it gets, its plan.
pub struct JudgeSetup<'a> {
    pub judge: &'a ChosenJudge<'a>,
    pub key: Option<Secret>,
    pub system_prompt: String,
    pub plan: &'a GradingPlan<'a>,
}

/// A judge's work on the runtime: its judgments, and its files per condition.
struct JudgeWork {
    judge: Arc<Judge>,
    /// Where its grades go: `None` is the study's place.
    directory: Option<JudgeName>,
    judgments: Vec<Judgment>,
    documents: Vec<(Condition, GradesDocument)>,
    bar_counts: Vec<((Condition, String), usize)>,
}

/// Makes the plans' judgments on a runtime of their own, every judge behind one call layer (its
/// limits are shared); Ctrl-C, or a file that cannot be saved, stops them cleanly.
pub fn make_judgments(
    setups: Vec<JudgeSetup<'_>>,
    dataset: &Dataset,
    settings: &RunnerConfig,
    data_dir: &Path,
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let registry = settings.registry();
    let run_errors = setups.first().map_or(0, |setup| setup.plan.run_errors);
    let mut prepared = Vec::new();
    for setup in setups {
        let judgments: Vec<Judgment> = setup.plan.tasks.iter().map(|task| Judgment::new(task, dataset)).collect();
        // Every condition's files are opened (and repaired) before any call.
        let existing = setup.judge.existing_grades(dataset);
        let mut documents = Vec::new();
        for condition in Condition::ALL {
            if judgments.iter().any(|judgment| judgment.condition() == condition) {
                let rows = existing.iter().filter(|row| row.condition == condition).cloned().collect();
                let directory = setup.judge.directory.as_ref();
                documents
                    .push((condition, GradesDocument::open(data_dir, directory, condition, rows, registry.clone())?));
            }
        }
        prepared.push((setup, judgments, documents));
    }
    let mut summary = block_on_interruptible(|stop, stopped| async move {
        let dispatcher = Arc::new(Dispatcher::new(settings.dispatch.clone()));
        let http = providers::http_client(settings.dispatch.max_in_flight).context("cannot build the HTTP client")?;
        let mut work = Vec::new();
        for (setup, judgments, documents) in prepared {
            let client = ModelClient::new(setup.judge.entry, setup.key.clone(), settings, &dispatcher, http.clone())?;
            work.push(JudgeWork {
                judge: Arc::new(Judge::new(client, setup.system_prompt, setup.key)),
                directory: setup.judge.directory.clone(),
                judgments,
                documents,
                bar_counts: setup.plan.counts(),
            });
        }
        execute(work, dispatcher, (stop, stopped), show_progress).await
    })?;
    summary.run_errors = run_errors;
    Ok(summary)
}

enum JudgmentResult {
    Graded,
    Failed(FailedGrading),
    Cancelled,
}

async fn execute(
    work: Vec<JudgeWork>,
    dispatcher: Arc<Dispatcher>,
    (stop, stopped): (Arc<watch::Sender<bool>>, watch::Receiver<bool>),
    show_progress: bool,
) -> anyhow::Result<Summary> {
    let planned = work.iter().map(|judge| judge.judgments.len()).sum();
    let several = work.len() > 1;
    let mut summary = Summary {
        judges: work.iter().map(|judge| judge.judge.name().to_owned()).collect(),
        planned,
        ..Summary::default()
    };
    let progress = Progress::new(show_progress, planned as u64, "all gradings");
    // Each waiting judgment holds its request, the whole answer sheet included: only a few more
    // than can be in flight are started at a time.
    let window = dispatcher.policy().max_in_flight.max(1) * 2;
    // Writers by (judge, condition), one per file; bars by (judge, condition, model).
    let mut writers = BTreeMap::new();
    let mut joins = Vec::new();
    let mut bars: BTreeMap<(usize, Condition, String), indicatif::ProgressBar> = BTreeMap::new();
    let mut queues = Vec::new();
    let mut directories = Vec::new();
    for (index, judge) in work.into_iter().enumerate() {
        directories.push(judge.directory.clone());
        for (condition, document) in judge.documents {
            let (handle, join) = crate::writer::spawn(document, stop.clone());
            writers.insert((index, condition), handle);
            joins.push((judge_grades_path(judge.directory.as_ref(), condition), join));
        }
        for ((condition, model), count) in &judge.bar_counts {
            let label = if several {
                format!("{} {condition} {model}", judge.judge.name())
            } else {
                format!("{condition} {model}")
            };
            bars.insert((index, *condition, model.clone()), progress.add_bar(&label, *count as u64));
        }
        let handle = judge.judge.clone();
        queues.push(judge.judgments.into_iter().map(move |judgment| (index, handle.clone(), judgment)));
    }
    // The judges take turns, so that each keeps its own provider busy.
    let mut pending = interleave(queues);
    let mut calls = JoinSet::new();
    let usage_totals = Arc::new(std::sync::Mutex::new(BTreeMap::<String, left_behind_shared::TokenUsage>::new()));
    let mut stopped_watch = stopped.clone();
    loop {
        while calls.len() < window && !summary.interrupted {
            let Some((index, judge, judgment)) = pending.next() else { break };
            let writer =
                writers.get(&(index, judgment.condition())).expect("a writer for every condition to grade").clone();
            let bar =
                bars.get(&(index, judgment.condition(), judgment.row.model.clone())).expect("a bar for each").clone();
            let overall = progress.overall().clone();
            let file = judge_grades_path(directories[index].as_ref(), judgment.condition());
            let dispatcher = dispatcher.clone();
            let mut stopped = stopped.clone();
            let usage_totals = usage_totals.clone();
            calls.spawn(async move {
                let judged = tokio::select! {
                    // Stopping first: once stopped, no judgment waiting for a slot sends its request.
                    biased;
                    _ = stopped.wait_for(|stopped| *stopped) => return JudgmentResult::Cancelled,
                    judged = judgment.judge(&judge, &dispatcher) => judged,
                };
                if let Some(usage) = &judged.usage {
                    let mut totals = usage_totals.lock().expect("the usage totals");
                    crate::cost::add_usage(totals.entry(judge.name().to_owned()).or_default(), usage);
                }
                let Judged { row, .. } = &judged;
                let result = match row.outcome {
                    GradeOutcome::Scored(_) => JudgmentResult::Graded,
                    GradeOutcome::Failed => {
                        bar.set_message("(some failed)");
                        JudgmentResult::Failed(FailedGrading {
                            file,
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
    summary.usage = std::mem::take(&mut *usage_totals.lock().expect("the usage totals"));
    Ok(summary)
}

/// Takes one item from each queue in turn until all are empty.
fn interleave<T>(queues: Vec<impl Iterator<Item = T>>) -> impl Iterator<Item = T> {
    let mut queues = queues;
    let mut next = 0;
    std::iter::from_fn(move || {
        for _ in 0..queues.len() {
            let index = next % queues.len();
            next += 1;
            if let Some(item) = queues[index].next() {
                return Some(item);
            }
        }
        None
    })
}
