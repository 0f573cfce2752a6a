//! `left-behind agreement`: how far the judge, the other judges (`grades/judges/<name>/`) and the
//! reviewers (`reviews/<reviewer>.csv`) agree, in text, Markdown, CSV or JSON. All numbers come from `shared::agreement_report`, which the explorer's
//! agreement page calls too.
//!
//! A bad review row is printed (file, line, field) and left out; the rest of its file still counts.
//! Problems elsewhere in the dataset stop the command, as they stop `report`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use left_behind_shared::{
    REVIEWS_DIRECTORY, agreement_headline, agreement_report, agreement_tables, render_csv_tables, render_markdown,
    render_text,
};

use super::study::{ConfigArgs, DataArgs, StudyPlace};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgreementFormat {
    Text,
    Markdown,
    Csv,
    Json,
}

#[derive(Debug, Args)]
pub struct AgreementArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Output format. JSON carries the unrounded numbers and every disagreement; text and Markdown list
    /// the largest disagreements only.
    #[arg(long, value_enum, default_value_t = AgreementFormat::Text)]
    pub format: AgreementFormat,
}

/// What `agreement` prints, after the command line was read.
#[derive(Debug, Clone)]
pub struct AgreementConfig {
    /// With `--config`, the judge is named as configured (the configured default judge graded
    /// `grades/`) and the models it adds are known.
    pub study: StudyPlace,
    pub format: AgreementFormat,
}

impl AgreementArgs {
    pub fn into_config(self) -> anyhow::Result<AgreementConfig> {
        Ok(AgreementConfig { study: StudyPlace::from_args(self.data, self.config)?, format: self.format })
    }
}

/// How many disagreements the text and Markdown reports list (CSV and JSON list all).
const DISAGREEMENTS_SHOWN: usize = 20;

pub fn run(args: AgreementArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: AgreementConfig) -> anyhow::Result<ExitCode> {
    let configuration = config.study.configuration()?;
    let loaded = config.study.open_usable(&configuration)?;
    let registry = &loaded.registry;
    // Review files' problems: each bad row is named and left out, the rest is used.
    for problem in loaded.problems.iter().filter(|problem| problem.file.starts_with(REVIEWS_DIRECTORY)) {
        eprintln!("{problem}");
    }
    let dataset = &loaded.dataset;
    let data_dir = &config.study.data_dir;
    if dataset.reviews.is_empty() && dataset.judges.is_empty() {
        bail!(
            "no reviews in {} and no other judge's grades: review responses in the explorer (the review panel \
             of a response, or /review), export your file and put it there as <reviewer>.csv; or grade with \
             another judge (`left-behind grade --judge NAME`)",
            data_dir.join(REVIEWS_DIRECTORY).display()
        );
    }
    if dataset.grades.is_empty() {
        bail!(
            "no grades in {}: agreement compares the reviews with the judge's grades (`left-behind grade`)",
            data_dir.join("grades").display()
        );
    }
    let judge = &configuration.judge.name;
    let report = agreement_report(dataset, registry, judge, &dataset.reviews);
    let headline = vec![format!("Judge: {judge}. {}.", agreement_headline(&report))];
    let output = match config.format {
        AgreementFormat::Text => render_text(&agreement_tables(&report, Some(DISAGREEMENTS_SHOWN)), &headline),
        AgreementFormat::Markdown => render_markdown(&agreement_tables(&report, Some(DISAGREEMENTS_SHOWN)), &headline)
            .replacen("# Left Behind: study report", "# Left Behind: agreement of the judge and the reviewers", 1),
        AgreementFormat::Csv => render_csv_tables(&agreement_tables(&report, None)),
        AgreementFormat::Json => {
            let mut text = serde_json::to_string_pretty(&report).context("cannot encode the agreement report")?;
            text.push('\n');
            text
        }
    };
    print!("{output}");
    Ok(ExitCode::SUCCESS)
}
