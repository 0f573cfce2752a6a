//! `left-behind fetch`: its arguments, resolved into a [`FetchConfig`] for [`crate::fetch`].

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use crate::data_dir;
use crate::fetch::{DEFAULT_SOURCE, FetchConfig, SOURCE_ENV, Source};

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
            None => match std::env::var(SOURCE_ENV) {
                Ok(source) if !source.trim().is_empty() => source,
                _ => DEFAULT_SOURCE.to_owned(),
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

pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    crate::fetch::run(args.into_config()?)
}
