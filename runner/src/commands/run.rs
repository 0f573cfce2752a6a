//! `left-behind run`: its arguments, what they select, and what it prints (`--list`, `--dry-run`,
//! the summary). The calls themselves are [`crate::run`]'s.

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Args;
use left_behind_shared::{Condition, left_aligned_columns, plural};

use super::batch::{BatchArgs, BatchQuery};
use super::study::{ConfigArgs, DataArgs, StudyPlace, parse_condition};
use crate::batch::{self, answers::BatchOptions, record::BatchWork};
use crate::config::RunnerConfig;
use crate::data_lock::{self, Work};
use crate::model_client::resolve_keys;
use crate::providers::ProviderKind;
use crate::run::{Plan, RunMode, Selection, Summary, make_calls, parameter_notes, plan};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Only these models (names as in results/, such as gpt_5.2). Several may follow the flag, separated by spaces or commas.
    #[arg(long = "model", value_name = "NAME", value_delimiter = ',', num_args = 1..)]
    pub models: Vec<String>,
    /// Only these conditions (C1..C5 or directory names). Several may follow the flag, separated by spaces or commas.
    #[arg(long = "condition", value_name = "C1..C5", value_delimiter = ',', num_args = 1.., value_parser = parse_condition)]
    pub conditions: Vec<Condition>,
    /// Only these question ids: numbers and ranges such as 1,4,10-12. Several may follow the flag, separated by spaces or commas.
    #[arg(long = "question", value_name = "IDS", value_delimiter = ',', num_args = 1.., value_parser = QuestionIds::parse)]
    pub questions: Vec<QuestionIds>,
    /// Only the first N selected questions (by id), for a quick trial.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Ask again even questions that are answered (the new answer replaces the old one).
    #[arg(long, conflicts_with = "retry_errors")]
    pub force: bool,
    /// Ask only the questions whose last call failed.
    #[arg(long)]
    pub retry_errors: bool,
    /// Print what would be called, and the counts, without calling anything.
    #[arg(long, conflicts_with = "list")]
    pub dry_run: bool,
    /// Print the models, providers, conditions and the number of calls, and exit.
    #[arg(long)]
    pub list: bool,
    /// No progress bars.
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// One `--question` value: a question id (`7`) or a range of them (`10-12`), both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuestionIds {
    pub first: u32,
    pub last: u32,
}

impl QuestionIds {
    /// `7` or `10-12`.
    pub fn parse(text: &str) -> Result<QuestionIds, String> {
        let number = |part: &str| {
            part.trim().parse::<u32>().map_err(|_| format!("{text:?} is not a question id or a range like 3-7"))
        };
        match text.split_once('-') {
            Some((first, last)) => {
                let (first, last) = (number(first)?, number(last)?);
                if first > last {
                    return Err(format!("the range {text:?} is backwards"));
                }
                Ok(QuestionIds { first, last })
            }
            None => number(text).map(|id| QuestionIds { first: id, last: id }),
        }
    }
}

impl RunArgs {
    pub fn into_config(self) -> anyhow::Result<RunConfig> {
        if self.limit == Some(0) {
            anyhow::bail!("--limit must be at least 1");
        }
        let mut question_ids: Vec<u32> = self.questions.iter().flat_map(|range| range.first..=range.last).collect();
        question_ids.sort_unstable();
        question_ids.dedup();
        let mode = match (self.force, self.retry_errors) {
            (true, _) => RunMode::Force,
            (false, true) => RunMode::RetryErrors,
            (false, false) => RunMode::Missing,
        };
        let action = match (self.batch.query(), self.list, self.dry_run) {
            (Some(query), _, _) => RunAction::Batches(query),
            (None, true, _) => RunAction::List,
            (None, false, true) => RunAction::DryRun,
            (None, false, false) => RunAction::Call,
        };
        Ok(RunConfig {
            study: StudyPlace::from_args(self.data, self.config)?,
            selection: Selection { models: self.models, conditions: self.conditions, question_ids, limit: self.limit },
            mode,
            action,
            show_progress: !self.no_progress,
            batch: self.batch.options(),
        })
    }
}

/// What `run` should do, after the command line was read.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub study: StudyPlace,
    pub selection: Selection,
    pub mode: RunMode,
    pub action: RunAction,
    pub show_progress: bool,
    /// `--batch`: the calls of models whose provider has a batch API go out as batches.
    pub batch: Option<BatchOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunAction {
    /// Make the calls.
    Call,
    /// Print the plan and counts; call nothing (`--dry-run`).
    DryRun,
    /// Print models, providers, conditions and the call count (`--list`).
    List,
    /// `--batch --status` or `--batch --cancel`: about the open batches only.
    Batches(BatchQuery),
}

/// Exit code of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: RunConfig) -> anyhow::Result<ExitCode> {
    let settings = config.study.configuration()?;
    tracing::info!("configuration: {}", settings.source);
    let data_dir = &config.study.data_dir;
    match config.action {
        RunAction::List => return list(&settings, &config),
        RunAction::Batches(query) => {
            return batch::answers::status_or_cancel(data_dir, &settings, BatchWork::Run, query == BatchQuery::Cancel);
        }
        RunAction::Call | RunAction::DryRun => {}
    }
    // Held until the calls are made and saved, from before the plan (what is still to do).
    let _lock = match config.action {
        RunAction::Call => data_lock::acquire_if_present(data_dir, Work::Run)?,
        _ => None,
    };
    let questions = plan::read_questions(data_dir)?;
    let mut plan = plan::build(&settings, data_dir, questions.clone(), &config.selection, config.mode)?;
    // Calls carried by open batches are paid for: never asked again while their batch is open. A
    // record that cannot be read stops everything here, before anything is submitted.
    let open = batch::record::list_open(data_dir, BatchWork::Run)?;
    let in_open = batch::answers::set_aside_open(&mut plan, &open);
    if in_open > 0 && config.batch.is_none() {
        println!(
            "note: {in_open} of the selected calls are in open batches and are not asked again; `run --batch` \
             collects them (`run --batch --status` lists them)"
        );
    }
    let keys = config.study.keys()?;
    let resolved_keys = resolve_keys(&plan.models_to_call(), &keys);
    for note in parameter_notes(plan.models_to_call()) {
        println!("{note}");
    }
    if config.action == RunAction::DryRun {
        print!("{}", describe_plan(&plan, &settings));
        print!("{}", crate::cost::describe_estimates(&estimate(&plan, &settings)));
        if let Err(missing) = resolved_keys {
            println!("note: a real run would stop here: {missing}");
        }
        for model in plan.models_to_call() {
            if let Some(local) = model.local()
                && let Err(error) = crate::local::check_model_file(&model.name, local)
                    .and_then(|_| crate::local::check_engine(&model.name))
            {
                println!("note: a real run would stop here: {error:#}");
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(options) = config.batch
        && (plan.pending_calls() > 0 || !open.is_empty())
    {
        return batch::answers::run_batched(plan, open, &settings, data_dir, config.show_progress, options, &questions);
    }
    if plan.pending_calls() == 0 {
        println!("{}", nothing_to_do(&plan));
        return Ok(ExitCode::SUCCESS);
    }
    let summary = make_calls(&plan, &settings, resolved_keys.map_err(anyhow::Error::new)?, config.show_progress)?;
    println!("{}", summary.describe());
    let usage: BTreeMap<_, _> =
        summary.usage.iter().map(|(model, usage)| (model.clone(), (usage.clone(), false))).collect();
    print!("{}", crate::cost::describe_actual(&plan.models.iter().collect::<Vec<_>>(), &usage));
    if summary.interrupted {
        return Ok(ExitCode::from(INTERRUPTED));
    }
    Ok(if summary.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Loads the configuration, plans, and makes the pending calls of `config`, printing nothing (the
/// action is ignored: this always calls). For embedding and the benchmark.
pub fn run_quietly(config: &RunConfig) -> anyhow::Result<Summary> {
    let settings = config.study.configuration()?;
    let _lock = data_lock::acquire_if_present(&config.study.data_dir, Work::Run)?;
    let questions = plan::read_questions(&config.study.data_dir)?;
    let mut plan = plan::build(&settings, &config.study.data_dir, questions, &config.selection, config.mode)?;
    batch::answers::set_aside_open(&mut plan, &batch::record::list_open(&config.study.data_dir, BatchWork::Run)?);
    let keys = config.study.keys()?;
    let resolved_keys = resolve_keys(&plan.models_to_call(), &keys).map_err(anyhow::Error::new)?;
    make_calls(&plan, &settings, resolved_keys, config.show_progress)
}

fn nothing_to_do(plan: &Plan) -> String {
    let answered: usize = plan.files.iter().map(|file| file.answered).sum();
    format!(
        "nothing to do: all {answered} selected calls are answered ({}); --force asks again",
        grid(plan.models.len(), plan.conditions.len(), plan.questions.len())
    )
}

/// `8 models x 5 conditions x 50 questions`
fn grid(models: usize, conditions: usize, questions: usize) -> String {
    format!("{} x {} x {}", plural(models, "model"), plural(conditions, "condition"), plural(questions, "question"))
}

/// The `--dry-run` report: one line per results file, then the totals.
pub fn describe_plan(plan: &Plan, settings: &RunnerConfig) -> String {
    let mut text = format!(
        "plan ({}): {} = {} selected calls\n",
        settings.source,
        grid(plan.models.len(), plan.conditions.len(), plan.questions.len()),
        plan.models.len() * plan.conditions.len() * plan.questions.len()
    );
    let width = plan.files.iter().map(|file| file.relative_path.chars().count()).max().unwrap_or(0);
    for file in &plan.files {
        text.push_str(&format!(
            "  {:<width$}  {:>3} to call  ({} answered, {} failed before){}\n",
            file.relative_path,
            file.pending.len(),
            file.answered,
            file.failed_before,
            if file.existing.is_none() { ", new file" } else { "" },
        ));
    }
    let answered: usize = plan.files.iter().map(|file| file.answered).sum();
    text.push_str(&format!("total: {} calls to make, {answered} already answered\n", plan.pending_calls()));
    text
}

/// The `--list` report: models, providers, conditions and the call count.
fn list(settings: &RunnerConfig, config: &RunConfig) -> anyhow::Result<ExitCode> {
    let keys = config.study.keys()?;
    let questions = plan::read_questions(&config.study.data_dir).ok();
    let question_count = questions.as_ref().map(Vec::len);
    let (models, conditions, selected_questions) = match questions {
        Some(questions) => {
            let (models, conditions, questions) = plan::select(settings, questions, &config.selection)?;
            (models, conditions, Some(questions.len()))
        }
        None => {
            let (models, conditions, _) = plan::select(
                settings,
                Vec::new(),
                &Selection { question_ids: Vec::new(), ..config.selection.clone() },
            )?;
            (models, conditions, None)
        }
    };
    let mut text = format!("configuration: {}\n\nmodels ({}):\n", settings.source, models.len());
    let rows: Vec<[String; 6]> = models
        .iter()
        .map(|model| {
            let key = match &model.api_key_env {
                None => "no key".to_owned(),
                Some(variable) => {
                    format!("{variable} ({})", if keys.get(variable).is_some() { "set" } else { "missing" })
                }
            };
            let model_id = match &model.provider_route {
                Some(route) => format!("{} (via {route})", model.model_id),
                None => model.model_id.clone(),
            };
            [
                model.name.clone(),
                model.provider().key().to_owned(),
                model_id,
                model.category.display_name().to_owned(),
                format!("{} ({})", model.base_url_for_display(), model.base_url_origin),
                key,
            ]
        })
        .collect();
    let header = ["name", "provider", "model id", "category", "base URL", "key"].map(str::to_owned);
    text.push_str(&left_aligned_columns(&header, &rows));
    text.push_str(&format!("\nconditions ({}):\n", conditions.len()));
    for condition in &conditions {
        let prompt = match &settings.condition(*condition).system_prompt {
            None => "no system prompt".to_owned(),
            Some(prompt) => format!("system prompt: {:?}", prompt.lines().next().unwrap_or_default()),
        };
        text.push_str(&format!(
            "  {:<3} {:<10} results/{:<22} {prompt}\n",
            condition.id(),
            condition.language().display_name(),
            condition.directory()
        ));
    }
    let policy = &settings.dispatch;
    text.push_str(&format!(
        "\nlimits: {} requests in flight overall, per provider endpoint {}; {} attempts, {} s timeout per request\n",
        policy.max_in_flight,
        ProviderKind::ALL
            .iter()
            .filter(|kind| **kind != ProviderKind::Local)
            .map(|kind| format!("{kind} {}", settings.provider_concurrency(*kind)))
            .collect::<Vec<_>>()
            .join(", "),
        policy.max_attempts,
        policy.request_timeout.as_secs_f64()
    ));
    match (selected_questions, question_count) {
        (Some(selected), Some(_)) => text.push_str(&format!(
            "calls: {} = {}\n",
            grid(models.len(), conditions.len(), selected),
            models.len() * conditions.len() * selected
        )),
        _ => text.push_str(&format!(
            "calls: {} x {} x each question (no {} in {} yet)\n",
            plural(models.len(), "model"),
            plural(conditions.len(), "condition"),
            left_behind_shared::QUESTIONS_PATH,
            config.study.data_dir.display()
        )),
    }
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The cost estimate of the plan's pending calls, per model: prompts from the questions and system
/// prompts, output from the model's earlier answers (else all earlier answers of the selection,
/// else its `max_tokens`).
fn estimate(plan: &Plan, settings: &RunnerConfig) -> Vec<crate::cost::ModelEstimate> {
    use crate::cost::{PlannedCall, observed_output};
    let answers_of = |model: Option<&str>| {
        observed_output(
            plan.files
                .iter()
                .filter(|file| model.is_none_or(|model| file.model.name == model))
                .flat_map(|file| file.existing.iter().flat_map(|existing| existing.responses.iter()))
                .map(|response| {
                    (response.response.as_str(), response.usage.as_ref().and_then(|usage| usage.output_tokens))
                }),
        )
    };
    let everyone = answers_of(None);
    plan.models_to_call()
        .into_iter()
        .map(|model| {
            let mut calls = Vec::new();
            for file in plan.files.iter().filter(|file| file.model.name == model.name) {
                let system = settings.condition(file.condition).system_prompt.as_deref();
                for &question_id in &file.pending {
                    calls
                        .push(PlannedCall { system, user: plan.question(question_id).text(file.condition.language()) });
                }
            }
            let own = answers_of(Some(&model.name));
            let batchable = crate::batch::BatchApi::for_provider(model.provider()).is_some();
            let mut estimate = crate::cost::estimate(model, &calls, false, own.or(everyone), batchable);
            if own.is_none() && everyone.is_some() {
                estimate.output_basis = "observed, other models".to_owned();
            }
            estimate
        })
        .collect()
}
