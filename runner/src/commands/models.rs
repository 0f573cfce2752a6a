//! `left-behind models list|verify|pull`: the local model files of the configuration.
//!
//! - `list` shows each `provider = "local"` entry, its file and whether it is there (with the
//!   GGUF header's architecture and quantization).
//! - `verify NAME` reads the file's GGUF header and checks its SHA-256 against the entry's.
//! - `pull NAME` downloads the entry's `url` into `model_path` (resumable, verified).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};

use super::study::{ConfigArgs, DataArgs, StudyPlace};
use crate::config::{ModelEntry, RunnerConfig};
use crate::local::pull::{self, PullOutcome, PullRequest};
use crate::local::{LocalModelSettings, check_model_file};

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

/// What `models` does, after the command line was read.
#[derive(Debug, Clone)]
pub struct ModelsConfig {
    pub study: StudyPlace,
    pub action: ModelsAction,
    pub show_progress: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelsAction {
    List,
    Verify { name: String },
    Pull { name: String },
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
        Ok(ModelsConfig { study: StudyPlace::from_args(data, config)?, action, show_progress })
    }
}

pub fn run(command: ModelsCommand) -> anyhow::Result<ExitCode> {
    execute(command.into_config()?)
}

pub fn execute(config: ModelsConfig) -> anyhow::Result<ExitCode> {
    let settings = config.study.configuration()?;
    match &config.action {
        ModelsAction::List => {
            print!("{}", list(&settings));
            Ok(ExitCode::SUCCESS)
        }
        ModelsAction::Verify { name } => {
            let (entry, local) = local_entry(&settings, name)?;
            let report = verify(entry, local)?;
            println!("{}", report.message);
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        ModelsAction::Pull { name } => {
            let (entry, local) = local_entry(&settings, name)?;
            let keys = config.study.keys()?;
            println!("{}", pull_model(entry, local, &keys, config.show_progress)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The local entry `name`, or an error listing the local entries there are.
fn local_entry<'a>(settings: &'a RunnerConfig, name: &str) -> anyhow::Result<(&'a ModelEntry, &'a LocalModelSettings)> {
    let locals: Vec<&str> =
        settings.models.iter().filter(|model| model.local().is_some()).map(|model| model.name.as_str()).collect();
    let known = if locals.is_empty() {
        format!("{} has no provider = \"local\" entries", settings.source)
    } else {
        format!("the local models of {} are {}", settings.source, locals.join(", "))
    };
    let entry = settings.model(name).with_context(|| format!("unknown model {name:?}: {known}"))?;
    let local = entry
        .local()
        .with_context(|| format!("model {name:?} is served by {}, not a local file: {known}", entry.provider()))?;
    Ok((entry, local))
}

/// The `models list` table.
pub fn list(settings: &RunnerConfig) -> String {
    let locals: Vec<(&ModelEntry, &LocalModelSettings)> =
        settings.models.iter().filter_map(|model| model.local().map(|local| (model, local))).collect();
    if locals.is_empty() {
        return format!(
            "no local models in {}; add one with provider = \"local\" and model_path (see docs/local-models.md)\n",
            settings.source
        );
    }
    let mut text = format!("local models ({}) in {}:\n", locals.len(), settings.source);
    for (entry, local) in locals {
        let status = match std::fs::metadata(&local.model_path) {
            Err(_) => match &local.url {
                Some(_) => format!("missing (`left-behind models pull {}` downloads it)", entry.name),
                None => "missing (no url to pull it from)".to_owned(),
            },
            Ok(metadata) => {
                let header = match check_model_file(&entry.name, local) {
                    Ok(summary) => {
                        let mut parts = Vec::new();
                        parts.extend(summary.architecture.clone());
                        parts.extend(summary.file_type_name().map(str::to_owned));
                        if summary.chat_template.is_none() {
                            parts.push("no chat template".to_owned());
                        }
                        parts.join(", ")
                    }
                    Err(error) => format!("NOT USABLE: {}", error.root_cause()),
                };
                format!("present, {}, {header}", human_bytes(metadata.len()))
            }
        };
        text.push_str(&format!(
            "  {}\n    file:    {}\n    status:  {status}\n",
            entry.name,
            local.model_path.display()
        ));
        text.push_str(&format!(
            "    sha256:  {}\n",
            local.sha256.as_deref().unwrap_or("not given (`models verify` prints the file's)")
        ));
        if let Some(url) = &local.url {
            text.push_str(&format!("    url:     {url}\n"));
        }
        text.push_str(&format!(
            "    engine:  {} sequences x {} tokens, {} threads, {}\n",
            local.parallel_sequences,
            local.context_size,
            local.thread_count(),
            match entry.temperature {
                Some(temperature) if temperature > 0.0 => format!("sampling at temperature {temperature}"),
                _ => "greedy decoding".to_owned(),
            }
        ));
    }
    text
}

pub struct VerifyReport {
    pub ok: bool,
    pub message: String,
}

/// Checks the file's header and, when the entry gives one, its SHA-256.
pub fn verify(entry: &ModelEntry, local: &LocalModelSettings) -> anyhow::Result<VerifyReport> {
    let summary = check_model_file(&entry.name, local)?;
    let actual = pull::file_sha256(&local.model_path)?;
    let header = format!(
        "GGUF v{}, {} tensors{}",
        summary.version,
        summary.tensor_count,
        summary.architecture.as_deref().map(|architecture| format!(", {architecture}")).unwrap_or_default()
    );
    let path = local.model_path.display();
    Ok(match &local.sha256 {
        Some(expected) if *expected == actual => {
            VerifyReport { ok: true, message: format!("{}: {path} is intact ({header}; SHA-256 {actual})", entry.name) }
        }
        Some(expected) => VerifyReport {
            ok: false,
            message: format!(
                "{}: {path} is NOT the expected file: its SHA-256 is {actual}, the entry says {expected} (delete it and run `left-behind models pull {}`)",
                entry.name, entry.name
            ),
        },
        None => VerifyReport {
            ok: true,
            message: format!(
                "{}: {path} is a readable GGUF file ({header}); the entry gives no sha256 to check against. Its SHA-256 is {actual}: add `sha256 = \"{actual}\"` to pin it",
                entry.name
            ),
        },
    })
}

fn pull_model(
    entry: &ModelEntry,
    local: &LocalModelSettings,
    keys: &crate::secrets::KeySource,
    show_progress: bool,
) -> anyhow::Result<String> {
    let url = local.url.clone().with_context(|| {
        format!("model {} has no url to pull from: add `url = \"https://...\"` to its entry", entry.name)
    })?;
    if local.sha256.is_none() {
        eprintln!("warning: model {} gives no sha256: the download cannot be verified", entry.name);
    }
    let request = PullRequest {
        url,
        destination: local.model_path.clone(),
        sha256: local.sha256.clone(),
        token_variable: local.download_token_env.clone(),
        token: local.download_token_env.as_deref().and_then(|variable| keys.get(variable)),
        show_progress,
        retry_delay: Duration::from_secs(2),
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start tokio")?;
    let client = crate::providers::http_client(1).context("cannot build the HTTP client")?;
    let outcome = runtime.block_on(pull::pull(&client, &request))?;
    let path = local.model_path.display();
    Ok(match outcome {
        PullOutcome::AlreadyPresent => format!("{}: {path} is already there", entry.name),
        PullOutcome::Downloaded { bytes, resumed_from, sha256 } => {
            let resumed =
                if resumed_from > 0 { format!(", resumed at {}", human_bytes(resumed_from)) } else { String::new() };
            let verified = if local.sha256.is_some() { "verified" } else { "not verified" };
            format!(
                "{}: downloaded {} to {path}{resumed} (SHA-256 {sha256}, {verified})",
                entry.name,
                human_bytes(bytes)
            )
        }
    })
}

/// `241.4 MiB`
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}
