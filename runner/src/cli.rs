//! The command line, as clap derive types. These only parse and validate; each becomes an explicit
//! config struct (`into_config`) that the command modules take.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::data_dir;
use crate::fetch::{FetchConfig, Source};
use crate::report::ReportConfig;
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
}

impl ValidateArgs {
    pub fn into_config(self) -> anyhow::Result<ValidateConfig> {
        Ok(ValidateConfig { data_dir: self.data.resolve()? })
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
}

impl ReportArgs {
    pub fn into_config(self) -> anyhow::Result<ReportConfig> {
        Ok(ReportConfig { data_dir: self.data.resolve()?, format: self.format, out: self.out })
    }
}
