//! The command line, as clap derive types. These only parse and validate; each becomes an explicit
//! config struct (`into_config`) that the command modules take.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use left_behind_shared::{Condition, GradingSelection};

use crate::data_dir;
use crate::fetch::{FetchConfig, Source};
use crate::grade::GradeConfig;
use crate::local::models::{ModelsAction, ModelsConfig};
use crate::metrics::MetricsConfig;
use crate::report::ReportConfig;
use crate::run::{RunAction, RunConfig, RunMode, Selection};
use crate::validate::ValidateConfig;

/// Left Behind: a cross-lingual benchmark of LLMs in English, Kazakh and Mongolian.
#[derive(Debug, Parser)]
#[command(name = "left-behind", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log more (-v info, -vv debug, -vvv trace). Logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download the study's published dataset (benchmark/, results/, grades/).
    Fetch(FetchArgs),
    /// Check a dataset: report every problem with file, line and field.
    Validate(ValidateArgs),
    /// Compute the study's tables and Figure 1 from the grades.
    Report(ReportArgs),
    /// Compute automated metrics of every response (length, script, code switching, detected language).
    Metrics(MetricsArgs),
    /// Ask the models the questions and store their answers in results/ (resumable).
    Run(RunArgs),
    /// Grade the responses with an LLM judge into grades/ (resumable; every judge call kept for audit).
    Grade(GradeArgs),
    /// Local GGUF models (provider = "local"): list them, verify their files, download them.
    #[command(subcommand)]
    Models(ModelsCommand),
}

/// The dataset directory shared by the commands that read data.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Dataset directory (holding benchmark/, results/, grades/). Default: the repository root, found
    /// upwards from the current directory; else the current directory.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

impl DataArgs {
    fn resolve(self) -> anyhow::Result<PathBuf> {
        match self.data {
            Some(dir) => Ok(dir),
            None => data_dir::default_data_dir(),
        }
    }
}

/// The configuration file shared by the commands that need to know the models.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file (models, conditions, limits). Default: left-behind.toml in the dataset
    /// directory if it exists, else the built-in defaults, which reproduce the study.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Where to get the dataset: an http(s) URL of a .tar.gz, a local .tar.gz, or a directory.
    /// Default: $LEFT_BEHIND_SOURCE, else the study's GitHub archive.
    #[arg(long, value_name = "URL|TARBALL|DIR")]
    pub source: Option<String>,
    /// Directory to put benchmark/, results/ and grades/ in. Default: the repository root.
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
    /// Overwrite files that differ from the source.
    #[arg(long)]
    pub force: bool,
}

impl FetchArgs {
    pub fn into_config(self) -> anyhow::Result<FetchConfig> {
        let source_text = match self.source {
            Some(source) => source,
            None => match std::env::var(crate::fetch::SOURCE_ENV) {
                Ok(source) if !source.trim().is_empty() => source,
                _ => crate::fetch::DEFAULT_SOURCE.to_owned(),
            },
        };
        let source = Source::parse(&source_text).with_context(|| format!("invalid source {source_text:?}"))?;
        let into = match self.into {
            Some(dir) => dir,
            None => data_dir::default_data_dir()?,
        };
        Ok(FetchConfig { source, into, force: self.force })
    }
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl ValidateArgs {
    pub fn into_config(self) -> anyhow::Result<ValidateConfig> {
        Ok(ValidateConfig { data_dir: self.data.resolve()?, config_path: self.config.config })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Markdown,
    Csv,
    Json,
    Latex,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format. JSON carries the unrounded numbers; the others print at the paper's precision.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report and figure1.svg into this directory instead of printing the report.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl ReportArgs {
    pub fn into_config(self) -> anyhow::Result<ReportConfig> {
        Ok(ReportConfig {
            data_dir: self.data.resolve()?,
            format: self.format,
            out: self.out,
            config_path: self.config.config,
        })
    }
}

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
    #[arg(long = "question", value_name = "IDS", value_delimiter = ',', num_args = 1.., value_parser = parse_id_range)]
    pub questions: Vec<(u32, u32)>,
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

/// Batch mode, shared by `run` and `grade`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Send the calls of models whose provider has a batch API (OpenAI, Anthropic, Google) as batches, at about half
    /// the price and within 24 hours; the others are called live. Open batches of earlier commands are collected.
    #[arg(long)]
    pub batch: bool,
    /// With --batch: list the open batches with their state and counts, and exit.
    #[arg(long, requires = "batch", conflicts_with = "cancel")]
    pub status: bool,
    /// With --batch: cancel the open batches (what finished is collected by the next --batch command; the rest is
    /// asked again).
    #[arg(long, requires = "batch")]
    pub cancel: bool,
    /// With --batch: wait at most this long for batches (90s, 30m, 2h); a later command collects the rest. Default:
    /// until they end.
    #[arg(long, value_name = "DURATION", requires = "batch", value_parser = parse_wait)]
    pub batch_wait: Option<std::time::Duration>,
    /// With --batch: seconds between the first polls of a batch; later polls back off to 20 times that (every 10
    /// minutes by default).
    #[arg(long, value_name = "SECONDS", requires = "batch", value_parser = parse_seconds, default_value = "30")]
    pub batch_poll: std::time::Duration,
}

impl BatchArgs {
    /// The batch options, if `--batch` was given.
    pub fn options(&self) -> Option<crate::batch::answers::BatchOptions> {
        use crate::batch::collect::PollPolicy;
        self.batch.then(|| crate::batch::answers::BatchOptions {
            poll: PollPolicy {
                first_interval: self.batch_poll,
                max_interval: self.batch_poll * 20,
                wait: self.batch_wait,
            },
        })
    }
}

/// `90`, `90s`, `30m`, `2h`.
fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((index, _)) => (&text[..index], &text[index..]),
        None => (text, "s"),
    };
    let multiplier = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{text:?}: use seconds, minutes or hours, such as 90s, 30m or 2h")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a duration such as 90s, 30m or 2h"))?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(format!("{text:?} is not a duration"));
    }
    Ok(std::time::Duration::from_secs_f64(value * multiplier))
}

/// A positive number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("{text:?}: the interval must be above 0 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(value))
}

/// `7` or `10-12`.
fn parse_id_range(text: &str) -> Result<(u32, u32), String> {
    let number = |part: &str| {
        part.trim().parse::<u32>().map_err(|_| format!("{text:?} is not a question id or a range like 3-7"))
    };
    match text.split_once('-') {
        Some((start, end)) => {
            let (start, end) = (number(start)?, number(end)?);
            if start > end {
                return Err(format!("the range {text:?} is backwards"));
            }
            Ok((start, end))
        }
        None => number(text).map(|id| (id, id)),
    }
}

impl RunArgs {
    pub fn into_config(self) -> anyhow::Result<RunConfig> {
        if self.limit == Some(0) {
            anyhow::bail!("--limit must be at least 1");
        }
        let mut question_ids: Vec<u32> = self.questions.iter().flat_map(|&(start, end)| start..=end).collect();
        question_ids.sort_unstable();
        question_ids.dedup();
        let mode = match (self.force, self.retry_errors) {
            (true, _) => RunMode::Force,
            (false, true) => RunMode::RetryErrors,
            (false, false) => RunMode::Missing,
        };
        let action = match (self.list, self.dry_run, self.batch.status, self.batch.cancel) {
            (_, _, true, _) => RunAction::BatchStatus,
            (_, _, _, true) => RunAction::BatchCancel,
            (true, _, _, _) => RunAction::List,
            (false, true, _, _) => RunAction::DryRun,
            (false, false, _, _) => RunAction::Call,
        };
        Ok(RunConfig {
            data_dir: self.data.resolve()?,
            config_path: self.config.config,
            selection: Selection { models: self.models, conditions: self.conditions, question_ids, limit: self.limit },
            mode,
            action,
            show_progress: !self.no_progress,
            batch: self.batch.options(),
        })
    }
}

/// Parses `C3` or `C3_kazakh_transfer` (case-insensitive id).
fn parse_condition(text: &str) -> Result<Condition, String> {
    Condition::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Condition::ALL.iter().map(|condition| condition.id()).collect();
        format!("unknown condition {text:?} (expected one of {})", known.join(", "))
    })
}

#[derive(Debug, Args)]
pub struct GradeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The judge: any model of the configuration. Default: the built-in judge, claude_sonnet_4.5
    /// (Anthropic claude-sonnet-4-5-20250929, the study's).
    #[arg(long, value_name = "NAME")]
    pub judge: Option<String>,
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
        let mut conditions = self.conditions;
        conditions.sort();
        conditions.dedup();
        Ok(GradeConfig {
            data_dir: self.data.resolve()?,
            config_path: self.config.config,
            judge: self.judge,
            selection: GradingSelection { conditions, models, force: self.force },
            dry_run: self.dry_run,
            show_progress: !self.no_progress,
            batch: self.batch.options(),
            batch_query: match (self.batch.status, self.batch.cancel) {
                (true, _) => Some(crate::grade::BatchQuery::Status),
                (_, true) => Some(crate::grade::BatchQuery::Cancel),
                _ => None,
            },
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsFormat {
    Text,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Output format: summary tables (text), one row per response (csv, json; unrounded in json).
    #[arg(long, value_enum, default_value_t = MetricsFormat::Text)]
    pub format: MetricsFormat,
    /// Only these conditions (C1..C5); several may follow the flag, separated by spaces or commas.
    #[arg(long, value_name = "CONDITION", value_delimiter = ',', num_args = 1.., value_parser = parse_condition)]
    pub condition: Vec<Condition>,
    /// Compare the language detector with the judge's grades: its agreement, and every response where
    /// the detector says wrong language but the judge gave fluency > 0, or the judge gave fluency 0
    /// but the detector says the target language.
    #[arg(long)]
    pub audit: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
}

impl MetricsArgs {
    pub fn into_config(self) -> anyhow::Result<MetricsConfig> {
        let mut conditions = self.condition;
        conditions.sort();
        conditions.dedup();
        Ok(MetricsConfig {
            data_dir: self.data.resolve()?,
            config_path: self.config.config,
            format: self.format,
            conditions,
            audit: self.audit,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Show the local model entries, their files and whether the files are there.
    List(ModelsListArgs),
    /// Check a local model's file: a readable GGUF file with the entry's SHA-256.
    Verify(ModelsNameArgs),
    /// Download a local model's file from the entry's url (resumable, checked against its sha256).
    Pull(ModelsPullArgs),
}

#[derive(Debug, Args)]
pub struct ModelsListArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ModelsNameArgs {
    /// The model's name in the configuration.
    pub name: String,
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Debug, Args)]
pub struct ModelsPullArgs {
    #[command(flatten)]
    pub model: ModelsNameArgs,
    /// No progress bar.
    #[arg(long)]
    pub no_progress: bool,
}

impl ModelsCommand {
    pub fn into_config(self) -> anyhow::Result<ModelsConfig> {
        let (data, config, action, show_progress) = match self {
            ModelsCommand::List(args) => (args.data, args.config, ModelsAction::List, false),
            ModelsCommand::Verify(args) => (args.data, args.config, ModelsAction::Verify { name: args.name }, false),
            ModelsCommand::Pull(args) => {
                (args.model.data, args.model.config, ModelsAction::Pull { name: args.model.name }, !args.no_progress)
            }
        };
        Ok(ModelsConfig { data_dir: data.resolve()?, config_path: config.config, action, show_progress })
    }
}
