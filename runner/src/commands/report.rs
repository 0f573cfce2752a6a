//! `left-behind report`: the study's analysis (Tables 1 and 2, the model and question-category
//! matrices, Figure 1) in text, Markdown, CSV, JSON or LaTeX. All numbers come from `shared`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use left_behind_shared::{
    StudyReport, Table, compute_report, figure1_svg, headline_lines, render_csv, render_latex, render_markdown,
    render_text, report_tables,
};
use serde_json::json;

use super::study::{ConfigArgs, DataArgs, StudyPlace};
use crate::fs_util::write_atomic;

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

/// What `report` prints or writes, after the command line was read.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    /// With `--config`, the models it adds are named and grouped by their configured category.
    pub study: StudyPlace,
    pub format: ReportFormat,
    /// Write files here instead of printing.
    pub out: Option<PathBuf>,
}

impl ReportArgs {
    pub fn into_config(self) -> anyhow::Result<ReportConfig> {
        Ok(ReportConfig { study: StudyPlace::from_args(self.data, self.config)?, format: self.format, out: self.out })
    }
}

/// A results file's failed calls: not answers, so never graded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FailedCalls {
    file: String,
    count: usize,
}

/// Figure 1's size in pixels.
const FIGURE_SIZE: (u32, u32) = (860, 560);

pub fn run(args: ReportArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: ReportConfig) -> anyhow::Result<ExitCode> {
    let registry = config.study.configuration()?.registry();
    let loaded = config.study.open_usable(&registry)?;
    let dataset = &loaded.dataset;
    if dataset.grades.is_empty() {
        bail!(
            "no grades in {}; get the study's dataset with `left-behind fetch`, or grade responses with `left-behind grade`",
            config.study.data_dir.join("grades").display()
        );
    }
    let report = compute_report(&dataset.grades, &registry);
    let tables = report_tables(&report, &registry);
    let mut headline = headline_lines(&report);
    // Failed calls are not answers and have no grade; say how many each file holds so a partial run
    // is never mistaken for a complete one.
    let run_errors: Vec<FailedCalls> = dataset
        .results
        .iter()
        .filter(|results| !results.errors.is_empty())
        .map(|results| FailedCalls { file: results.relative_path(), count: results.errors.len() })
        .collect();
    for FailedCalls { file, count } in &run_errors {
        headline.push(format!("{file}: {}", left_behind_shared::failed_calls_not_graded(*count)));
    }

    match &config.out {
        None => print!("{}", render(&report, &tables, &headline, &run_errors, config.format)?),
        Some(out) => {
            let mut written = Vec::new();
            if config.format == ReportFormat::Csv {
                for table in &tables {
                    let path = out.join(format!("{}.csv", table.id));
                    write_atomic(&path, render_csv(table).as_bytes())?;
                    written.push(path);
                }
            } else {
                let extension = match config.format {
                    ReportFormat::Text => "txt",
                    ReportFormat::Markdown => "md",
                    ReportFormat::Json => "json",
                    ReportFormat::Latex => "tex",
                    ReportFormat::Csv => unreachable!("handled above"),
                };
                let path = out.join(format!("report.{extension}"));
                write_atomic(&path, render(&report, &tables, &headline, &run_errors, config.format)?.as_bytes())?;
                written.push(path);
            }
            let figure = figure1_svg(&report, FIGURE_SIZE.0, FIGURE_SIZE.1)?;
            let path = out.join("figure1.svg");
            write_atomic(&path, figure.as_bytes())?;
            written.push(path);
            for path in written {
                eprintln!("wrote {}", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn render(
    report: &StudyReport,
    tables: &[Table],
    headline: &[String],
    run_errors: &[FailedCalls],
    format: ReportFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Text => render_text(tables, headline),
        ReportFormat::Markdown => render_markdown(tables, headline),
        ReportFormat::Latex => render_latex(tables),
        ReportFormat::Csv => tables
            .iter()
            .map(|table| format!("# {}\n{}", table.heading(), render_csv(table)))
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json => {
            let mut value = serde_json::to_value(report).context("cannot encode the report")?;
            value["run_errors"] =
                run_errors.iter().map(|failed| json!({ "file": failed.file, "errors": failed.count })).collect();
            let mut text = serde_json::to_string_pretty(&value).context("cannot encode the report")?;
            text.push('\n');
            text
        }
    })
}
