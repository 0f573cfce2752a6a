//! `left-behind report --judges`: the study's measures under every judge side by side (the
//! robustness table), a line per conclusion saying whether it holds under every judge, each judge's
//! self-preference, and how far the judges agree (weighted kappa per pair, Krippendorff's alpha
//! across all: the statistics `left-behind agreement` gives for judges and reviewers alike). All
//! numbers come from `shared` ([`robustness`], [`self_preference`], [`compute_agreement`]).

use std::process::ExitCode;

use anyhow::{Context, bail};
use left_behind_shared::{
    AgreementReport, Dataset, JudgeRows, Rater, Robustness, SelfPreference, Table, UncertaintySettings,
    agreement_tables, compute_agreement, render_csv_tables, render_latex, render_markdown, render_text, robustness,
    robustness_table, self_preference, self_preference_table,
};
use serde_json::json;

use super::report_format::ReportFormat;
use crate::config::RunnerConfig;
use crate::fs_util::write_atomic;

/// Where `report --judges` goes: printed in `format`, or written into `out`.
#[derive(Debug, Clone, Copy)]
pub struct JudgesOutput<'a> {
    pub format: ReportFormat,
    pub out: Option<&'a std::path::Path>,
    /// For the message when there is nothing to compare.
    pub grades_dir: &'a std::path::Path,
}

pub fn run(config: JudgesOutput<'_>, dataset: &Dataset, settings: &RunnerConfig) -> anyhow::Result<ExitCode> {
    let study_judge = settings.judge.name.as_str();
    let registry = settings.registry();
    let judges = dataset.judges_rows(study_judge);
    if judges.is_empty() {
        bail!(
            "no grades in {}; grade with `left-behind grade` (and other judges with --judge NAME)",
            config.grades_dir.display()
        );
    }
    let uncertainty = UncertaintySettings::default();
    let robustness = robustness(dataset, study_judge, &registry, &uncertainty);
    let with_families: Vec<JudgeRows<'_>> =
        judges.iter().map(|&(judge, rows)| JudgeRows { judge, family: judge_family(settings, judge), rows }).collect();
    let preferences = self_preference(&with_families, &registry, &uncertainty);
    let raters: Vec<Rater> = judges.iter().map(|&(judge, rows)| Rater::judge(judge, rows)).collect();
    let agreement = compute_agreement(&raters, &registry);
    let mut tables = vec![robustness_table(&robustness), self_preference_table(&preferences)];
    if judges.len() >= 2 {
        // Of `agreement`'s tables, the pairs and alpha (the others are about reviewers).
        tables.extend(
            agreement_tables(&agreement, Some(0))
                .into_iter()
                .filter(|table| matches!(table.id, "agreement_pairs" | "agreement_alpha")),
        );
    }
    let lines = notes(&robustness, &preferences, judges.len());
    let text = render(&robustness, &preferences, &agreement, &tables, &lines, config.format)?;
    match config.out {
        None => print!("{text}"),
        Some(out) => {
            let path = out.join(format!("judges.{}", config.format.extension()));
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
    let method = UncertaintySettings::default();
    lines.push(format!(
        "Intervals: 95%, percentile bootstrap over questions ({} resamples, seed {}); a conclusion holds under a \
         judge when its paired estimate points the conclusion's way",
        method.resamples, method.seed
    ));
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
    agreement: &AgreementReport,
    tables: &[Table],
    lines: &[String],
    format: ReportFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Text => render_text(tables, lines),
        ReportFormat::Markdown => render_markdown(tables, lines),
        ReportFormat::Latex => render_latex(tables),
        ReportFormat::Csv => render_csv_tables(tables),
        ReportFormat::Json => {
            let value = json!({
                "robustness": robustness,
                "self_preference": preferences,
                "agreement": { "pairs": agreement.pairs, "alpha": agreement.alpha },
            });
            let mut text = serde_json::to_string_pretty(&value).context("cannot encode the report")?;
            text.push('\n');
            text
        }
    })
}
