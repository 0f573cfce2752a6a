//! `left-behind grade`: its arguments, the judges and the responses they select, and what it prints
//! (`--dry-run`, the summary). The judgments themselves are [`crate::grade`]'s. The default judge
//! writes `grades/*.csv`; any other judge (`--judge NAME`, several at once) `grades/judges/NAME/`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use left_behind_shared::{
    Condition, Dataset, GradingPlan, GradingSelection, JudgeName, judge_system_prompt, plan_grading_against, plural,
};

use super::batch::{BatchArgs, BatchQuery};
use super::study::{ConfigArgs, DataArgs, StudyPlace, parse_condition, sorted_conditions};
use crate::batch::{self, answers::BatchOptions, record::BatchWork};
use crate::config::{DEFAULT_JUDGE_TEMPERATURE, ModelEntry, RunnerConfig};
use crate::data_lock::{self, Work};
use crate::grade::{ChosenJudge, JudgeSetup, Judgment, make_judgments};
use crate::model_client::resolve_keys;
use crate::run::parameter_notes;

#[derive(Debug, Args)]
pub struct GradeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The judge: any model of the configuration. Default: the built-in judge, claude_sonnet_4.5
    /// (Anthropic claude-sonnet-4-5-20250929, the study's), whose grades are grades/*.csv. Any other
    /// judge's go to grades/judges/NAME/. Give it several times (or a comma-separated list) to grade
    /// with several judges at once.
    #[arg(long = "judge", value_name = "NAME", value_delimiter = ',')]
    pub judges: Vec<String>,
    /// Only the responses of these models (names as in results/). Several may follow the flag, separated by spaces or commas.
    #[arg(long = "model", value_name = "NAME", value_delimiter = ',', num_args = 1..)]
    pub models: Vec<String>,
    /// Only these conditions (C1..C5 or directory names). Several may follow the flag, separated by spaces or commas.
    #[arg(long = "condition", value_name = "C1..C5", value_delimiter = ',', num_args = 1.., value_parser = parse_condition)]
    pub conditions: Vec<Condition>,
    /// Grade again responses that have a grade (the new grade replaces the old one).
    #[arg(long)]
    pub force: bool,
    /// Count what needs grading, without calling the judge.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress bars.
    #[arg(long)]
    pub no_progress: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

impl GradeArgs {
    pub fn into_config(self) -> anyhow::Result<GradeConfig> {
        let mut models = self.models;
        models.sort();
        models.dedup();
        Ok(GradeConfig {
            study: StudyPlace::from_args(self.data, self.config)?,
            judges: self.judges,
            selection: GradingSelection { conditions: sorted_conditions(self.conditions), models, force: self.force },
            dry_run: self.dry_run,
            show_progress: !self.no_progress,
            batch: self.batch.options(),
            batch_query: self.batch.query(),
        })
    }
}

/// What `grade` should do, after the command line was read.
#[derive(Debug, Clone)]
pub struct GradeConfig {
    pub study: StudyPlace,
    /// `--judge`: models of the configuration, each grading every selected response; empty is the
    /// built-in judge (the study's, or the configuration's change of it).
    pub judges: Vec<String>,
    pub selection: GradingSelection,
    /// Count what needs grading; call nothing.
    pub dry_run: bool,
    pub show_progress: bool,
    /// `--batch`: the judges' calls go out as batches where their provider has a batch API.
    pub batch: Option<BatchOptions>,
    /// `--batch --status` or `--batch --cancel`: about the open grading batches only.
    pub batch_query: Option<BatchQuery>,
}

/// Exit code of a grading stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: u8 = 130;

pub fn run(args: GradeArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: GradeConfig) -> anyhow::Result<ExitCode> {
    let settings = config.study.configuration()?;
    tracing::info!("configuration: {}", settings.source);
    let data_dir = &config.study.data_dir;
    if let Some(query) = config.batch_query {
        return batch::answers::status_or_cancel(data_dir, &settings, BatchWork::Grade, query == BatchQuery::Cancel);
    }
    let judges = choose_judges(&settings, &config.judges)?;
    let registry = settings.registry();
    // Held until the grades are saved, from before the dataset (with its grades) is read.
    let _lock = if config.dry_run { None } else { data_lock::acquire_if_present(&config.study.data_dir, Work::Grade)? };
    let loaded = config.study.open_usable(&registry)?;
    let dataset = &loaded.dataset;
    check_selected_models(dataset, &config.selection)?;
    // Each judge resumes from its own grades.
    let mut plans: Vec<GradingPlan<'_>> = judges
        .iter()
        .map(|judge| plan_grading_against(dataset, judge.existing_grades(dataset), &registry, &config.selection))
        .collect();
    // Judgments carried by open batches are paid for: never asked again while their batch is open. A
    // record that cannot be read stops everything here, before anything is submitted.
    let open = batch::record::list_open(data_dir, BatchWork::Grade)?;
    let mut in_open = 0;
    for (judge, plan) in judges.iter().zip(&mut plans) {
        in_open += batch::judgments::set_aside_open(plan, &open, &judge.entry.name);
    }
    if in_open > 0 && config.batch.is_none() {
        println!(
            "note: {} being graded in open batches {} not graded again; `grade --batch` collects them \
             (`grade --batch --status` lists them)",
            plural(in_open, "grading"),
            if in_open == 1 { "is" } else { "are" }
        );
    }
    let keys = config.study.keys()?;
    let entries: Vec<&ModelEntry> = judges.iter().map(|judge| judge.entry).collect();
    let resolved_keys =
        resolve_keys(&entries, &keys).map_err(|missing| missing.describe("choose another judge with --judge"));
    let nothing = plans.iter().all(|plan| plan.tasks.is_empty());
    // A judge is asked at temperature 0 unless its entry says otherwise, where the model takes one.
    let asked: Vec<ModelEntry> = judges
        .iter()
        .map(|judge| ModelEntry {
            temperature: judge.entry.temperature.or(Some(DEFAULT_JUDGE_TEMPERATURE)),
            ..judge.entry.clone()
        })
        .collect();
    if !nothing {
        for note in parameter_notes(&asked) {
            println!("{note}");
        }
    }
    if config.dry_run {
        for (judge, plan) in judges.iter().zip(&plans) {
            print!("{}", describe_plan(plan, judge, &settings));
        }
        if let Some(sheet) = &dataset.answer_sheet
            && !nothing
        {
            let system = judge_system_prompt(sheet, &dataset.questions);
            let observed = observed_judge_output(data_dir);
            let mut estimates = Vec::new();
            for (entry, plan) in asked.iter().zip(&plans).filter(|(_, plan)| !plan.tasks.is_empty()) {
                let messages: Vec<String> =
                    plan.tasks.iter().map(|task| Judgment::new(task, dataset).user_message).collect();
                let calls: Vec<crate::cost::PlannedCall<'_>> = messages
                    .iter()
                    .map(|message| crate::cost::PlannedCall { system: Some(&system), user: message })
                    .collect();
                let batchable = batch::BatchApi::for_provider(entry.provider()).is_some();
                estimates.push(crate::cost::estimate(entry, &calls, true, observed, batchable));
            }
            print!("{}", crate::cost::describe_estimates(&estimates));
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
    let collect_open = config.batch.is_some()
        && open.iter().any(|batch| judges.iter().any(|judge| judge.entry.name == batch.record.caller));
    if nothing && !collect_open {
        for (judge, plan) in judges.iter().zip(&plans) {
            let by = if judges.len() > 1 { format!("{}: ", judge.entry.name) } else { String::new() };
            println!("{by}{}", nothing_to_do(plan));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(sheet) = &dataset.answer_sheet else { bail!("{}", no_answer_sheet(&config)) };
    let mut resolved_keys = resolved_keys.map_err(anyhow::Error::msg)?;
    // The study's prompt for every judge, so that their grades differ only by the judge.
    let system_prompt = judge_system_prompt(sheet, &dataset.questions);
    // With --batch, the judges whose provider has a batch API grade in batches, after the others.
    let batched = |judge: &ChosenJudge<'_>| {
        config.batch.is_some() && batch::BatchApi::for_provider(judge.entry.provider()).is_some()
    };
    if config.batch.is_some() {
        for judge in judges.iter().filter(|judge| !batched(judge)) {
            println!(
                "note: --batch: the judge {} ({}) has no batch API (OpenAI, Anthropic and Google have one); it is called live",
                judge.entry.name,
                judge.entry.provider()
            );
        }
    }
    let setups: Vec<JudgeSetup<'_>> = judges
        .iter()
        .zip(&plans)
        .filter(|(judge, plan)| !batched(judge) && !plan.tasks.is_empty())
        .map(|(judge, plan)| JudgeSetup {
            judge,
            key: resolved_keys.remove(&judge.entry.name).flatten(),
            system_prompt: system_prompt.clone(),
            plan,
        })
        .collect();
    let mut code = ExitCode::SUCCESS;
    if !setups.is_empty() {
        let summary = make_judgments(setups, dataset, &settings, &config.study.data_dir, config.show_progress)?;
        println!("{}", summary.describe());
        let usage: std::collections::BTreeMap<_, _> =
            summary.usage.iter().map(|(judge, usage)| (judge.clone(), (usage.clone(), false))).collect();
        print!("{}", crate::cost::describe_actual(&entries, &usage));
        if summary.interrupted {
            return Ok(ExitCode::from(INTERRUPTED));
        }
        if !summary.failed.is_empty() {
            code = ExitCode::FAILURE;
        }
    }
    if let Some(options) = config.batch {
        for (judge, plan) in judges.iter().zip(&plans).filter(|(judge, _)| batched(judge)) {
            let open: Vec<batch::record::OpenBatch> =
                open.iter().filter(|batch| batch.record.caller == judge.entry.name).cloned().collect();
            if plan.tasks.is_empty() && open.is_empty() {
                continue;
            }
            let judgments: Vec<Judgment> = plan.tasks.iter().map(|task| Judgment::new(task, dataset)).collect();
            let setup = batch::judgments::BatchJudge {
                judge,
                key: resolved_keys.remove(&judge.entry.name).flatten(),
                system_prompt: system_prompt.clone(),
            };
            let batch_code = batch::judgments::grade_batched(
                judgments,
                open,
                dataset,
                &registry,
                setup,
                data_dir,
                options,
                settings.dispatch.max_in_flight,
            )?;
            if batch_code == ExitCode::from(INTERRUPTED) {
                return Ok(batch_code);
            }
            if batch_code != ExitCode::SUCCESS {
                code = batch_code;
            }
        }
    }
    Ok(code)
}

/// The judges `--judge` names (each once, in the order given), or the default judge. A name that
/// is not one directory name (a path separator, `..`, `panel`) or not a model of the configuration
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

/// The mean length in tokens of the judges' earlier answers in the default judge's audit logs, if
/// there are any.
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
        config.study.data_dir.display()
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

fn nothing_to_do(plan: &GradingPlan<'_>) -> String {
    let mut text = format!(
        "nothing to grade: all {} selected are graded; --force grades them again",
        plural(plan.already_graded, "response")
    );
    if plan.run_errors > 0 {
        text.push_str(&format!("\n{}", left_behind_shared::failed_calls_not_graded(plan.run_errors)));
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
        judge.provider(),
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
        text.push_str(&format!("; {}", left_behind_shared::failed_calls_not_graded(plan.run_errors)));
    }
    text.push('\n');
    text
}
