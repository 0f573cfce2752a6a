//! `left-behind grade`: the LLM judge grades the responses in `results/` and the grades go to
//! `grades/<condition_dir>.csv` in the study's format, every judge call to the audit log
//! `grades/judgments/<condition_dir>.jsonl`. Any other judge (`--judge NAME`, several at once)
//! writes the same files under `grades/judges/<NAME>/`, so judges never overwrite each other.
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
    Condition, Dataset, GradeOutcome, GradeRow, GradingPlan, GradingSelection, JudgeName, judge_grades_path,
    judge_system_prompt, plan_grading_against, plural,
};
use tokio::sync::watch;
use tokio::task::JoinSet;

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
    /// `--judge`: models of the configuration, each grading every selected response; empty is the
    /// built-in judge (the study's, or the configuration's change of it).
    pub judges: Vec<String>,
    pub selection: GradingSelection,
    /// Count what needs grading; call nothing.
    pub dry_run: bool,
    pub show_progress: bool,
}

/// Exit code of a grading stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

pub fn grade(config: GradeConfig) -> anyhow::Result<ExitCode> {
    let settings = config::load(config.config_path.as_deref(), &config.data_dir)?;
    tracing::info!("configuration: {}", settings.source);
    let judges = choose_judges(&settings, &config.judges)?;
    let registry = settings.registry();
    // Held until the grades are saved, from before the dataset (with its grades) is read.
    let _lock = if config.dry_run { None } else { data_lock::acquire_if_present(&config.data_dir, Work::Grade)? };
    let loaded = read_usable_dataset(&config.data_dir, &registry)?;
    let dataset = &loaded.dataset;
    check_selected_models(dataset, &config.selection)?;
    // Each judge resumes from its own grades.
    let plans: Vec<GradingPlan<'_>> = judges
        .iter()
        .map(|judge| plan_grading_against(dataset, judge.existing_grades(dataset), &registry, &config.selection))
        .collect();
    let keys = KeySource::from_environment(&crate::run::dotenv_candidates(&config.data_dir))?;
    let entries: Vec<&ModelEntry> = judges.iter().map(|judge| judge.entry).collect();
    let resolved_keys =
        resolve_keys(&entries, &keys).map_err(|missing| missing.describe("choose another judge with --judge"));
    let nothing = plans.iter().all(|plan| plan.tasks.is_empty());
    if config.dry_run {
        for (judge, plan) in judges.iter().zip(&plans) {
            print!("{}", describe_plan(plan, judge, &settings));
        }
        if !nothing {
            if dataset.answer_sheet.is_none() {
                println!("note: a real run would stop here: {}", no_answer_sheet(&config));
            }
            if let Err(missing) = resolved_keys {
                println!("note: a real run would stop here: {missing}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if nothing {
        for plan in &plans {
            println!("{}", nothing_to_do(plan));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(sheet) = &dataset.answer_sheet else { bail!("{}", no_answer_sheet(&config)) };
    let mut resolved_keys = resolved_keys.map_err(anyhow::Error::msg)?;
    // The study's prompt for every judge, so that their grades differ only by the judge.
    let system_prompt = judge_system_prompt(sheet, &dataset.questions);
    let setups: Vec<JudgeSetup<'_>> = judges
        .iter()
        .zip(&plans)
        .map(|(judge, plan)| JudgeSetup {
            judge,
            key: resolved_keys.remove(&judge.entry.name).flatten(),
            system_prompt: system_prompt.clone(),
            plan,
        })
        .collect();
    let summary = make_judgments(setups, dataset, &settings, &config)?;
    println!("{}", summary.describe());
    if summary.interrupted {
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(if summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// A judge of this grading: its configured model, and where its grades go.
#[derive(Debug, Clone)]
pub struct ChosenJudge<'a> {
    pub entry: &'a ModelEntry,
    /// `None`: the default judge, whose grades are the study's `grades/*.csv`; otherwise the
    /// judge's own directory `grades/judges/<name>/`.
    pub directory: Option<JudgeName>,
}

impl ChosenJudge<'_> {
    /// The grades this judge already gave, which its grading resumes from.
    fn existing_grades<'d>(&self, dataset: &'d Dataset) -> &'d [GradeRow] {
        match &self.directory {
            None => &dataset.grades,
            Some(name) => dataset.judge_grades(name.as_str()).map_or(&[][..], |judge| &judge.rows[..]),
        }
    }

    pub fn grades_path(&self, condition: Condition) -> String {
        judge_grades_path(self.directory.as_ref(), condition)
    }
}

/// The judges `--judge` names (each once, in the order given), or the default judge. A name that
/// is not a directory name (a path separator, `..`, `panel`) or not a model of the configuration
/// is refused before anything is read.
pub fn choose_judges<'a>(settings: &'a RunnerConfig, names: &[String]) -> anyhow::Result<Vec<ChosenJudge<'a>>> {
    if names.is_empty() {
        return Ok(vec![ChosenJudge { entry: &settings.judge, directory: None }]);
    }
    let mut chosen: Vec<ChosenJudge<'a>> = Vec::new();
    for name in names {
        if chosen.iter().any(|judge| judge.entry.name == *name) {
            continue;
        }
        let directory = if *name == settings.judge.name {
            None
        } else {
            Some(JudgeName::new(name).with_context(|| format!("cannot grade with --judge {name:?}"))?)
        };
        chosen.push(ChosenJudge { entry: settings.judge(Some(name))?, directory });
    }
    Ok(chosen)
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
    /// The judges, in the order they were given.
    pub judges: Vec<String>,
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
pub fn describe_plan(plan: &GradingPlan<'_>, chosen: &ChosenJudge<'_>, settings: &RunnerConfig) -> String {
    let judge = chosen.entry;
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
    let files: Vec<String> = counts.iter().map(|((condition, _), _)| chosen.grades_path(*condition)).collect();
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

/// A judge before the runtime starts: who it is, its key, the system prompt it gets, its plan.
struct JudgeSetup<'a> {
    judge: &'a ChosenJudge<'a>,
    key: Option<Secret>,
    system_prompt: String,
    plan: &'a GradingPlan<'a>,
}

/// A judge's work on the runtime: its judgments, and its files per condition.
struct JudgeWork {
    judge: Arc<Judge>,
    /// Where its grades go (for messages): `None` is the study's place.
    directory: Option<JudgeName>,
    judgments: Vec<Judgment>,
    documents: Vec<(Condition, GradesDocument)>,
    bar_counts: Vec<((Condition, String), usize)>,
}

/// Makes the plans' judgments on a runtime of their own, every judge behind one call layer (its
/// limits are shared); Ctrl-C, or a file that cannot be saved, stops them cleanly.
fn make_judgments(
    setups: Vec<JudgeSetup<'_>>,
    dataset: &Dataset,
    settings: &RunnerConfig,
    config: &GradeConfig,
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
                let document = GradesDocument::open(
                    &config.data_dir,
                    setup.judge.directory.as_ref(),
                    condition,
                    rows,
                    registry.clone(),
                )?;
                documents.push((condition, document));
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
        execute(work, dispatcher, (stop, stopped), config.show_progress).await
    })?;
    summary.run_errors = run_errors;
    Ok(summary)
}

enum JudgmentResult {
    Graded,
    /// (grades file, model, question id, notes)
    Failed(String, String, u32, String),
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
    // Writers and bars by (judge, condition [, model]): one writer per file.
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
        let judge_handle = judge.judge.clone();
        queues.push(judge.judgments.into_iter().map(move |judgment| (index, judge_handle.clone(), judgment)));
    }
    // The judges take turns, so that each keeps its own provider busy.
    let mut pending = interleave(queues);
    let mut calls = JoinSet::new();
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
                            file,
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

/// Takes one item from each queue in turn until all are empty.
fn interleave<T>(queues: Vec<impl Iterator<Item = T>>) -> impl Iterator<Item = T> {
    let mut queues: Vec<_> = queues.into_iter().map(Iterator::peekable).collect();
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
