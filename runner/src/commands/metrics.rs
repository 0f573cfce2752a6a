//! `left-behind metrics`: the automated per-response metrics (the study's, plus the detected
//! language) as summary tables, CSV or JSON; with `--audit`, how the language detector agrees with the
//! judge and the responses where they disagree. All numbers come from `shared`.

use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use left_behind_shared::{
    Cell, Condition, LanguageAuditEntry, ModelRegistry, ResponseMetrics, Table, compute_metrics, detector_agreement,
    detector_agreement_table, language_audit, metrics_tables, metrics_to_csv, render_csv, render_text, truncate,
};
use serde_json::json;

use super::study::{ConfigArgs, DataArgs, StudyPlace, parse_condition, sorted_conditions};

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

/// What `metrics` prints, after the command line was read.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    /// With `--config`, the models it adds are named and ordered as configured.
    pub study: StudyPlace,
    pub format: MetricsFormat,
    /// Only these conditions; all when empty.
    pub conditions: Vec<Condition>,
    /// Compare the language detector with the judge instead of printing the metrics.
    pub audit: bool,
}

impl MetricsArgs {
    pub fn into_config(self) -> anyhow::Result<MetricsConfig> {
        Ok(MetricsConfig {
            study: StudyPlace::from_args(self.data, self.config)?,
            format: self.format,
            conditions: sorted_conditions(self.condition),
            audit: self.audit,
        })
    }
}

/// Notes longer than this are cut in the text listing (the CSV and JSON keep them whole).
const NOTES_WIDTH: usize = 100;

pub fn run(args: MetricsArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: MetricsConfig) -> anyhow::Result<ExitCode> {
    let loaded = config.study.open_usable(&config.study.configuration()?)?;
    let registry = loaded.registry;
    let dataset = loaded.dataset;
    let selected = |condition: Condition| config.conditions.is_empty() || config.conditions.contains(&condition);
    let results: Vec<_> = dataset.results.into_iter().filter(|results| selected(results.condition)).collect();
    if results.iter().all(|results| results.responses.is_empty()) {
        bail!(
            "no responses in {}{}; get the study's dataset with `left-behind fetch`, or answer questions with `left-behind run`",
            config.study.data_dir.join("results").display(),
            if config.conditions.is_empty() { String::new() } else { " for the selected conditions".to_owned() }
        );
    }
    // Failed calls are not answers and are not measured: say so, so that a partial run is never read
    // as a complete one.
    let mut notes = Vec::new();
    for results in results.iter().filter(|results| !results.errors.is_empty()) {
        notes.push(format!(
            "{}: {} not measured (failed calls hold no answer)",
            results.relative_path(),
            left_behind_shared::plural(results.errors.len(), "failed call")
        ));
    }
    // Likewise a batch answer has no per-call time: it is left out of the response times, not a 0.
    for results in &results {
        let untimed = results.responses.iter().filter(|response| response.response_time_seconds.is_none()).count();
        if untimed > 0 {
            notes.push(format!(
                "{}: {} no time (answered in a batch), left out of the response times",
                results.relative_path(),
                if untimed == 1 { "1 answer has".to_owned() } else { format!("{untimed} answers have") }
            ));
        }
    }
    let rows = compute_metrics(&results, &registry);
    let output = if config.audit {
        let grades: Vec<_> = dataset.grades.into_iter().filter(|grade| selected(grade.condition)).collect();
        if grades.is_empty() {
            bail!(
                "--audit compares the detector with the judge, but there are no grades in {}; grade with `left-behind grade`",
                config.study.data_dir.join("grades").display()
            );
        }
        render_audit(&rows, &grades, config.format)?
    } else {
        render_metrics(&rows, &registry, &notes, config.format)?
    };
    if config.format != MetricsFormat::Text {
        for note in &notes {
            eprintln!("note: {note}");
        }
    }
    print!("{output}");
    Ok(ExitCode::SUCCESS)
}

fn render_metrics(
    rows: &[ResponseMetrics],
    registry: &ModelRegistry,
    notes: &[String],
    format: MetricsFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        MetricsFormat::Text => {
            let mut headline = vec![format!("Total responses analyzed: {}", rows.len())];
            headline.extend(notes.iter().cloned());
            let mut text = headline.join("\n");
            text.push_str("\n\n");
            text.push_str(&render_text(&metrics_tables(rows, registry), &[]));
            text
        }
        MetricsFormat::Csv => metrics_to_csv(rows),
        MetricsFormat::Json => {
            let mut text = serde_json::to_string_pretty(rows).context("cannot encode the metrics")?;
            text.push('\n');
            text
        }
    })
}

fn render_audit(
    rows: &[ResponseMetrics],
    grades: &[left_behind_shared::GradeRow],
    format: MetricsFormat,
) -> anyhow::Result<String> {
    let agreement = detector_agreement(rows, grades);
    let audit = language_audit(rows, grades);
    Ok(match format {
        MetricsFormat::Text => {
            let tables = [detector_agreement_table(&agreement), audit_table(&audit, Some(NOTES_WIDTH))];
            render_text(&tables, &[format!("{} disagreements to review", audit.len())])
        }
        MetricsFormat::Csv => render_csv(&audit_table(&audit, None)),
        MetricsFormat::Json => {
            let confusion: Vec<_> = agreement
                .confusion
                .iter()
                .map(|(group, counts)| {
                    let (hits, total) = agreement.hits(*group);
                    json!({
                        "group": group,
                        "label": group.label(),
                        "expected": group.expected(),
                        "n": total,
                        "detected_as_expected": hits,
                        "detected": counts,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&json!({ "agreement": confusion, "disagreements": audit }))
                .context("cannot encode the audit")?;
            text.push('\n');
            text
        }
    })
}

/// The disagreements as a table; `notes_width` cuts long notes (in characters).
fn audit_table(audit: &[LanguageAuditEntry], notes_width: Option<usize>) -> Table {
    let cut = |notes: &str| match notes_width {
        Some(width) => truncate(notes, width),
        None => notes.to_owned(),
    };
    let rows = audit
        .iter()
        .map(|entry| {
            vec![
                Cell::Text(entry.condition.id().to_owned()),
                Cell::Text(entry.model.clone()),
                Cell::Count(entry.question_id as usize),
                Cell::Text(entry.disagreement.description().to_owned()),
                Cell::Text(entry.detected.language.key().to_owned()),
                Cell::Number { value: Some(entry.detected.confidence), decimals: 3, signed: false },
                Cell::Count(usize::from(entry.fluency)),
                Cell::Text(cut(&entry.notes)),
            ]
        })
        .collect();
    Table {
        id: "language_audit",
        label: None,
        title: "Responses where the detector and the judge disagree about the language".to_owned(),
        headers: [
            "condition",
            "model",
            "question_id",
            "disagreement",
            "detected_language",
            "language_confidence",
            "fluency",
            "notes",
        ]
        .map(str::to_owned)
        .to_vec(),
        groups: vec![rows],
    }
}
