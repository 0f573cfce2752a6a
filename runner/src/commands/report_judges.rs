//! `left-behind report --judges`: the study's measures under every judge side by side (the
//! robustness table), a line per conclusion saying whether it holds under every judge, and each
//! judge's self-preference. All numbers come from `shared` ([`robustness`], [`self_preference`]).

use std::process::ExitCode;

use anyhow::{Context, bail};
use left_behind_shared::{
    Dataset, JudgeRows, Robustness, SelfPreference, Table, render_csv, render_latex, render_markdown, render_text,
    robustness, robustness_table, self_preference, self_preference_table,
};
use serde_json::json;

use super::report::{ReportConfig, ReportFormat};
use crate::config::RunnerConfig;
use crate::fs_util::write_atomic;

pub fn run(config: &ReportConfig, dataset: &Dataset, settings: &RunnerConfig) -> anyhow::Result<ExitCode> {
    let study_judge = settings.judge.name.as_str();
    let registry = settings.registry();
    let judges = dataset.judges_rows(study_judge);
    if judges.is_empty() {
        bail!(
            "no grades in {}; grade with `left-behind grade` (and other judges with --judge NAME)",
            config.study.data_dir.join("grades").display()
        );
    }
    let robustness = robustness(dataset, study_judge, &registry);
    let with_families: Vec<JudgeRows<'_>> =
        judges.iter().map(|&(judge, rows)| JudgeRows { judge, family: judge_family(settings, judge), rows }).collect();
    let preferences = self_preference(&with_families, &registry);
    let tables = [robustness_table(&robustness), self_preference_table(&preferences)];
    let lines = notes(&robustness, &preferences, judges.len());
    let text = render(&robustness, &preferences, &tables, &lines, config.format)?;
    match &config.out {
        None => print!("{text}"),
        Some(out) => {
            let extension = match config.format {
                ReportFormat::Text => "txt",
                ReportFormat::Markdown => "md",
                ReportFormat::Json => "json",
                ReportFormat::Latex => "tex",
                ReportFormat::Csv => "csv",
            };
            let path = out.join(format!("judges.{extension}"));
            write_atomic(&path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A judge's family: its configured entry's, else the registry's.
fn judge_family<'a>(settings: &'a RunnerConfig, judge: &str) -> Option<&'a str> {
    match settings.judge(Some(judge)) {
        Ok(entry) => entry.family.as_deref(),
        Err(_) => None,
    }
}

/// The conclusion lines, then what the self-preference table leaves out.
fn notes(robustness: &Robustness, preferences: &[SelfPreference], judges: usize) -> Vec<String> {
    let mut lines: Vec<String> = robustness.conclusions.iter().map(|check| check.line()).collect();
    if judges < 2 {
        lines
            .push("only one judge has grades: grade with another (`left-behind grade --judge NAME`) to compare".into());
    }
    if let Some(panel) = robustness.columns.iter().find(|column| !column.members.is_empty()) {
        lines.push(format!(
            "panel: per response and criterion, the median of {} (the lower middle score of an even number)",
            panel.members.join(", ")
        ));
    }
    for preference in preferences {
        if let Some(reason) = preference.not_measured {
            lines.push(format!("self-preference of {}: not measured: {}", preference.judge, reason.describe()));
        }
    }
    lines
}

fn render(
    robustness: &Robustness,
    preferences: &[SelfPreference],
    tables: &[Table],
    lines: &[String],
    format: ReportFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Text => render_text(tables, lines),
        ReportFormat::Markdown => render_markdown(tables, lines),
        ReportFormat::Latex => render_latex(tables),
        ReportFormat::Csv => tables
            .iter()
            .map(|table| format!("# {}\n{}", table.heading(), render_csv(table)))
            .collect::<Vec<_>>()
            .join("\n"),
        ReportFormat::Json => {
            let value = json!({ "robustness": robustness, "self_preference": preferences });
            let mut text = serde_json::to_string_pretty(&value).context("cannot encode the report")?;
            text.push('\n');
            text
        }
    })
}
