//! The command line's top level: the program's name, its global flags and one subcommand per
//! module of [`crate::commands`], which holds each command's own arguments.

use clap::{Parser, Subcommand};

use crate::commands::{agreement, fetch, grade, metrics, models, report, run, validate};

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
    Fetch(fetch::FetchArgs),
    /// Check a dataset: report every problem with file, line and field.
    Validate(validate::ValidateArgs),
    /// Compute the study's tables and Figure 1 from the grades.
    Report(report::ReportArgs),
    /// How far the judge and the reviewers (reviews/<reviewer>.csv) agree: kappa, alpha, disagreements.
    Agreement(agreement::AgreementArgs),
    /// Compute automated metrics of every response (length, script, code switching, detected language).
    Metrics(metrics::MetricsArgs),
    /// Ask the models the questions and store their answers in results/ (resumable).
    Run(run::RunArgs),
    /// Grade the responses with an LLM judge into grades/ (resumable; every judge call kept for audit).
    Grade(grade::GradeArgs),
    /// Local GGUF models (provider = "local"): list them, verify their files, download them.
    #[command(subcommand)]
    Models(models::ModelsCommand),
}

impl Command {
    /// Runs the command; its exit code.
    pub fn run(self) -> anyhow::Result<std::process::ExitCode> {
        match self {
            Command::Fetch(args) => fetch::run(args),
            Command::Validate(args) => validate::run(args),
            Command::Report(args) => report::run(args),
            Command::Agreement(args) => agreement::run(args),
            Command::Metrics(args) => metrics::run(args),
            Command::Run(args) => run::run(args),
            Command::Grade(args) => grade::run(args),
            Command::Models(command) => models::run(command),
        }
    }
}
