//! The metrics CSV, written as the study's script wrote it.

use crate::python_float;

use super::ResponseMetrics;
use super::measure::round3;

/// The columns of the metrics CSV: the study's, then the language detector's.
pub const METRICS_COLUMNS: [&str; 20] = [
    "question_id",
    "category",
    "model",
    "condition",
    "language",
    "response_time_seconds",
    "char_count",
    "word_count",
    "estimated_tokens",
    "cyrillic_ratio",
    "language_consistent",
    "script_correct",
    "script_issues",
    "code_switch_count",
    "code_switch_ratio",
    "all_steps_present",
    "english_word_count",
    "detected_language",
    "language_confidence",
    "wrong_language",
];

/// The metrics as CSV, written as the study's script wrote them (Python's `True`/`False` and float
/// formatting, ratios to 3 decimals, an empty cell where a metric does not apply or the time is
/// unknown).
pub fn metrics_to_csv(rows: &[ResponseMetrics]) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(METRICS_COLUMNS).expect("writing to memory cannot fail");
    let boolean = |value: bool| if value { "True" } else { "False" }.to_owned();
    for row in rows {
        let metrics = &row.metrics;
        writer
            .write_record([
                row.question_id.to_string(),
                row.category.key().to_owned(),
                row.model.clone(),
                row.condition.id().to_owned(),
                row.language.key().to_owned(),
                row.response_time_seconds.map(python_float).unwrap_or_default(),
                metrics.char_count.to_string(),
                metrics.word_count.to_string(),
                metrics.estimated_tokens.to_string(),
                python_float(round3(metrics.cyrillic_ratio)),
                boolean(metrics.language_consistent),
                boolean(metrics.script_correct()),
                metrics.script_issues.iter().map(|issue| issue.key()).collect::<Vec<_>>().join("; "),
                metrics.code_switching.count.to_string(),
                python_float(metrics.code_switching.ratio),
                metrics.transfer.map(|transfer| boolean(transfer.all_steps_present)).unwrap_or_default(),
                metrics.english_word_count.map(|count| count.to_string()).unwrap_or_default(),
                metrics.detected.language.key().to_owned(),
                format!("{:.3}", metrics.detected.confidence),
                boolean(metrics.wrong_language),
            ])
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
}
