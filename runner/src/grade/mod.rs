//! `left-behind grade`: the LLM judge grades the responses in `results/` and the grades go to
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
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use left_behind_shared::{
    Condition, Dataset, GradeOutcome, GradingPlan, GradingSelection, grades_path, judge_system_prompt, plan_grading,
    plural,
};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::batch::{self, answers::BatchOptions, record::BatchWork};
use crate::config::{self, ModelEntry, RunnerConfig};
use crate::data_dir::read_usable_dataset;
use crate::data_lock::{self, Work};
use crate::dispatch::Dispatcher;
use crate::interrupt::block_on_interruptible;
use crate::model_client::{ModelClient, resolve_keys};
use crate::progress::Progress;
use crate::providers;
use crate::secrets::{KeySource, Secret};
pub use judgment::{Judge, Judgment, MAX_JUDGE_ATTEMPTS, prompt_hash};
use writer::{GradesDocument, Judged};

/// What `grade` should do, after the command line was checked.
#[derive(Debug, Clone)]
pub struct GradeConfig {
    pub data_dir: PathBuf,
    /// `--config`; `None` looks for `left-behind.toml` in the data directory.
    pub config_path: Option<PathBuf>,
    /// `--judge`: a model of the configuration; `None` is the built-in judge.
    pub judge: Option<String>,
    pub selection: GradingSelection,
    /// Count what needs grading; call nothing.
    pub dry_run: bool,
    pub show_progress: bool,
    /// `--batch`: the judge's calls go out as batches when its provider has a batch API.
    pub batch: Option<BatchOptions>,
    /// `--batch --status` or `--batch --cancel`: about the open grading batches only.
    pub batch_query: Option<BatchQuery>,
}

/// What `--batch --status` and `--batch --cancel` ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchQuery {
    Status,
    Cancel,
}

/// Exit code of a grading stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

pub fn grade(config: GradeConfig) -> anyhow::Result<ExitCode> {
    let settings = config::load(config.config_path.as_deref(), &config.data_dir)?;
    tracing::info!("configuration: {}", settings.source);
    if let Some(query) = config.batch_query {
        let cancel = query == BatchQuery::Cancel;
        return batch::answers::status_or_cancel(&config.data_dir, &settings, BatchWork::Grade, cancel);
    }
    let judge = settings.judge(config.judge.as_deref())?.clone();
    let registry = settings.registry();
    // Held until the grades are saved, from before the dataset (with its grades) is read.
    let _lock = if config.dry_run { None } else { data_lock::acquire_if_present(&config.data_dir, Work::Grade)? };
    let loaded = read_usable_dataset(&config.data_dir, &registry)?;
    let dataset = &loaded.dataset;
    check_selected_models(dataset, &config.selection)?;
    let mut plan = plan_grading(dataset, &registry, &config.selection);
    // Judgments carried by open batches are paid for: never asked again while their batch is open.
    let open = batch::record::list_open(&config.data_dir, BatchWork::Grade)?;
    let before = plan.tasks.len();
    plan.tasks.retain(|task| {
        !open.iter().any(|batch| {
            batch.record.requests.iter().any(|request| {
                request.condition == task.condition
                    && request.model == task.model
                    && request.question_id == task.response.question_id
            })
        })
    });
    let in_open = before - plan.tasks.len();
    if in_open > 0 && config.batch.is_none() {
        println!(
            "note: {in_open} of the selected responses are being graded in open batches and are not graded again; \
             `grade --batch` collects them (`grade --batch --status` lists them)"
        );
    }
    let keys = KeySource::from_environment(&crate::run::dotenv_candidates(&config.data_dir))?;
    let resolved_keys =
        resolve_keys(&[&judge], &keys).map_err(|missing| missing.describe("choose another judge with --judge"));
    // The judge is asked at temperature 0 unless its entry says otherwise, where the model takes one.
    let asked =
        ModelEntry { temperature: judge.temperature.or(Some(config::DEFAULT_JUDGE_TEMPERATURE)), ..judge.clone() };
    if !plan.tasks.is_empty() {
        for note in crate::run::parameter_notes([&asked]) {
            println!("{note}");
        }
    }
    if config.dry_run {
        print!("{}", describe_plan(&plan, &judge, &settings));
        if let Some(sheet) = &dataset.answer_sheet
            && !plan.tasks.is_empty()
        {
            let system = judge_system_prompt(sheet, &dataset.questions);
            let messages: Vec<String> =
                plan.tasks.iter().map(|task| Judgment::new(task, dataset).user_message).collect();
            let calls: Vec<crate::cost::PlannedCall<'_>> = messages
                .iter()
                .map(|message| crate::cost::PlannedCall { system: Some(&system), user: message })
                .collect();
            let batchable = batch::BatchApi::for_provider(judge.provider).is_some();
            let observed = observed_judge_output(&config.data_dir);
            let estimate = crate::cost::estimate(&asked, &calls, true, observed, batchable);
            print!("{}", crate::cost::describe_estimates(&[estimate]));
        }
        if !plan.tasks.is_empty() {
            if dataset.answer_sheet.is_none() {
                println!("note: a real run would stop here: {}", no_answer_sheet(&config));
            }
            if let Err(missing) = resolved_keys {
                println!("note: a real run would stop here: {missing}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let collect_open = config.batch.is_some() && !open.is_empty();
    if plan.tasks.is_empty() && !collect_open {
        println!("{}", nothing_to_do(&plan));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(sheet) = &dataset.answer_sheet else { bail!("{}", no_answer_sheet(&config)) };
    let mut resolved_keys = resolved_keys.map_err(anyhow::Error::msg)?;
    let key = resolved_keys.remove(&judge.name).flatten();
    let system_prompt = judge_system_prompt(sheet, &dataset.questions);
    if let Some(options) = config.batch {
        if batch::BatchApi::for_provider(judge.provider).is_some() {
            let judgments: Vec<Judgment> = plan.tasks.iter().map(|task| Judgment::new(task, dataset)).collect();
            let setup = batch::judgments::BatchJudge { entry: &judge, key, system_prompt };
            return batch::judgments::grade_batched(
                judgments,
                open,
                dataset,
                &registry,
                setup,
                &config.data_dir,
                options,
                settings.dispatch.max_in_flight,
            );
        }
        println!(
            "note: --batch: the judge {} ({}) has no batch API (OpenAI, Anthropic and Google have one); it is called live",
            judge.name, judge.provider
        );
    }
    let judge = JudgeSetup { entry: &judge, key, system_prompt };
    let summary = make_judgments(&plan, dataset, &settings, judge, &config)?;
    println!("{}", summary.describe());
    if summary.interrupted {
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(if summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// The mean length in tokens of the judge's earlier answers in the audit logs, if there are any.
fn observed_judge_output(data_dir: &std::path::Path) -> Option<u64> {
    let mut outputs = Vec::new();
    for condition in Condition::ALL {
        let path = data_dir.join(left_behind_shared::judgments_path(condition));
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let (records, _) = left_behind_shared::parse_judgments(&text, &path.display().to_string());
        outputs.extend(records.into_iter().filter_map(|record| record.raw_output));
    }
    crate::cost::observed_output(outputs.iter().map(|output| (output.as_str(), None)))
}

fn no_answer_sheet(config: &GradeConfig) -> String {
    format!(
        "the judge's system prompt holds the answer sheet, and {} has none (benchmark/*answer_sheet.txt); \
         get it with `left-behind fetch`",
        config.data_dir.display()
    )
}

/// `--model` names a model whose responses are in results/.
fn check_selected_models(dataset: &Dataset, selection: &GradingSelection) -> anyhow::Result<()> {
    let unknown: Vec<&str> = selection
        .models
        .iter()
        .map(String::as_str)
        .filter(|name| !dataset.results.iter().any(|results| results.model == *name))
        .collect();
    if !unknown.is_empty() {
        let mut known: Vec<&str> = dataset.results.iter().map(|results| results.model.as_str()).collect();
        known.sort_unstable();
        known.dedup();
        bail!("no responses of model {} in results/ (models with responses: {})", unknown.join(", "), known.join(", "));
    }
    Ok(())
}

/// What a grading did.
#[derive(Debug, Default)]
pub struct Summary {
    pub judge: String,
    pub planned: usize,
    pub graded: usize,
    /// (grades file, model, question id, notes) of the gradings that ended without a verdict.
    pub failed: Vec<(String, String, u32, String)>,
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
            for (file, model, question, notes) in &self.failed {
                text.push_str(&format!("\n  {file} {model} question {question}: {notes}"));
            }
        }
        if self.run_errors > 0 {
            text.push_str(&format!("\n{}", run_errors_note(self.run_errors)));
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

fn run_errors_note(run_errors: usize) -> String {
    let (holds, is) = if run_errors == 1 { ("holds", "is") } else { ("hold", "are") };
    format!("{} {holds} no answer and {is} not graded", plural(run_errors, "failed call"))
}

fn nothing_to_do(plan: &GradingPlan<'_>) -> String {
    let mut text = format!(
        "nothing to grade: all {} selected are graded; --force grades them again",
        plural(plan.already_graded, "response")
    );
    if plan.run_errors > 0 {
        text.push_str(&format!("\n{}", run_errors_note(plan.run_errors)));
    }
    text
}

/// The `--dry-run` report: the judge, one line per (grades file, model) with something to grade,
/// then the totals.
pub fn describe_plan(plan: &GradingPlan<'_>, judge: &ModelEntry, settings: &RunnerConfig) -> String {
    let key = match &judge.api_key_env {
        Some(variable) => format!("key {variable}"),
        None => "no key".to_owned(),
    };
    let mut text = format!(
        "judge: {} ({} {}, {} ({}), {key}; configuration: {})\n",
        judge.name,
        judge.provider,
        judge.model_id,
        judge.base_url_for_display(),
        judge.base_url_origin,
        settings.source
    );
    let counts = plan.counts();
    let files: Vec<String> = counts.iter().map(|((condition, _), _)| grades_path(*condition)).collect();
    let file_width = files.iter().map(|file| file.chars().count()).max().unwrap_or(0);
    let model_width = counts.iter().map(|((_, model), _)| model.chars().count()).max().unwrap_or(0);
    for (file, ((_, model), count)) in files.iter().zip(&counts) {
        text.push_str(&format!("  {file:<file_width$}  {model:<model_width$}  {count:>3} to grade\n"));
    }
    text.push_str(&format!("total: {} to grade", plural(plan.tasks.len(), "response")));
    let mut again = Vec::new();
    if plan.retried_failures > 0 {
        again.push(format!("{} of them failed before", plan.retried_failures));
    }
    if plan.replaced_answers > 0 {
        again.push(format!("{} of them were answered again since they were graded", plan.replaced_answers));
    }
    if !again.is_empty() {
        text.push_str(&format!(" ({})", again.join("; ")));
    }
    text.push_str(&format!(", {} already graded", plan.already_graded));
    if plan.run_errors > 0 {
        text.push_str(&format!("; {}", run_errors_note(plan.run_errors)));
    }
    text.push('\n');
    text
}

/// The judge before the runtime starts: its entry, its key, and the system prompt it gets.
struct JudgeSetup<'a> {
    entry: &'a ModelEntry,
    key: Option<Secret>,
    system_prompt: String,
}

/// Makes the plan's judgments on a runtime of their own; Ctrl-C, or a file that cannot be saved,
/// stops them cleanly.
fn make_judgments(
    plan: &GradingPlan<'_>,
    dataset: &Dataset,
    settings: &RunnerConfig,
    judge: JudgeSetup<'_>,
    config: &GradeConfig,
) -> anyhow::Result<Summary> {
    let judgments: Vec<Judgment> = plan.tasks.iter().map(|task| Judgment::new(task, dataset)).collect();
    // Every condition's files are opened (and repaired) before any call.
    let registry = settings.registry();
    let mut documents = Vec::new();
    for condition in Condition::ALL {
        if judgments.iter().any(|judgment| judgment.condition() == condition) {
            let rows = dataset.grades.iter().filter(|row| row.condition == condition).cloned().collect();
            documents.push((condition, GradesDocument::open(&config.data_dir, condition, rows, registry.clone())?));
        }
    }
    let bars = plan.counts();
    let mut summary = block_on_interruptible(|stop, stopped| async move {
        let dispatcher = Arc::new(Dispatcher::new(settings.dispatch.clone()));
        let http = providers::http_client(settings.dispatch.max_in_flight).context("cannot build the HTTP client")?;
        let client = ModelClient::new(judge.entry, judge.key.clone(), settings, &dispatcher, http)?;
        let judge = Arc::new(Judge::new(client, judge.system_prompt, judge.key));
        execute(judgments, documents, &bars, judge, dispatcher, (stop, stopped), config.show_progress).await
    })?;
    summary.run_errors = plan.run_errors;
    Ok(summary)
}

enum JudgmentResult {
    Graded,
    /// (grades file, model, question id, notes)
    Failed(String, String, u32, String),
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
                        JudgmentResult::Failed(
                            grades_path(row.condition),
                            row.model.clone(),
                            row.question_id,
                            row.notes.clone(),
                        )
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
            JudgmentResult::Failed(file, model, question, notes) => summary.failed.push((file, model, question, notes)),
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
