//! The summaries the study's script printed (length, language consistency, script correctness, code
//! switching, English leakage, transfer-step compliance, response time), plus the detected languages,
//! as [`Table`]s. Each table is a row of [`SUMMARIES`]: what its rows are (conditions or models, over
//! which conditions), its columns, and how one row's cells are computed from its responses.

use crate::{Cell, Condition, DetectedLanguage, ModelRegistry, ScriptIssue, Table};

use super::ResponseMetrics;

/// What one row of a summary stands for.
#[derive(Debug, Clone, Copy)]
enum RowsBy {
    /// One row per condition present (`except_english`: C1 left out).
    Condition { except_english: bool },
    /// One row per model (registry order) with responses in `conditions`, over those responses.
    Model { conditions: &'static [Condition] },
}

/// The columns after the first (the condition or the model).
#[derive(Debug, Clone, Copy)]
enum Columns {
    Named(&'static [&'static str]),
    /// `n`, one column per detected language, then `Wrong language`.
    DetectedLanguages,
}

/// One summary table.
struct Summary {
    id: &'static str,
    title: &'static str,
    rows: RowsBy,
    columns: Columns,
    /// The cells after the first, from the row's responses.
    cells: fn(&[&ResponseMetrics]) -> Vec<Cell>,
}

const ALL: &[Condition] = &Condition::ALL;
const DIRECT: &[Condition] = &[Condition::C2, Condition::C4];
const TRANSFER: &[Condition] = &[Condition::C3, Condition::C5];
const BY_CONDITION: RowsBy = RowsBy::Condition { except_english: false };
const LENGTH: Columns = Columns::Named(&["n", "Chars", "Words", "Tokens (est.)"]);
const TIME: Columns = Columns::Named(&["n", "Mean", "Min", "Max"]);

/// The summaries, in the order `left-behind metrics` prints them.
const SUMMARIES: [Summary; 11] = [
    Summary {
        id: "length_by_condition",
        title: "Response length by condition (final answer only in C3/C5)",
        rows: BY_CONDITION,
        columns: LENGTH,
        cells: length_cells,
    },
    Summary {
        id: "length_by_model",
        title: "Response length by model",
        rows: RowsBy::Model { conditions: ALL },
        columns: LENGTH,
        cells: length_cells,
    },
    Summary {
        id: "consistency_by_condition",
        title: "Language consistency by condition (% of responses in the expected script)",
        rows: BY_CONDITION,
        columns: Columns::Named(&["n", "Consistent", "%", "Mean Cyrillic ratio"]),
        cells: |subset| {
            let consistent = count(subset, |row| row.metrics.language_consistent);
            vec![
                Cell::Count(subset.len()),
                Cell::Count(consistent),
                number(percent(consistent, subset.len()), 0),
                number(mean(subset.iter().map(|row| row.metrics.cyrillic_ratio)), 2),
            ]
        },
    },
    Summary {
        id: "consistency_by_model",
        title: "Language consistency by model (C2+C4, direct low-resource)",
        rows: RowsBy::Model { conditions: DIRECT },
        columns: Columns::Named(&["n", "Consistent", "%", "Wrong language (detector)"]),
        cells: |subset| {
            let consistent = count(subset, |row| row.metrics.language_consistent);
            vec![
                Cell::Count(subset.len()),
                Cell::Count(consistent),
                number(percent(consistent, subset.len()), 0),
                Cell::Count(count(subset, |row| row.metrics.wrong_language)),
            ]
        },
    },
    Summary {
        id: "script_by_condition",
        title: "Script correctness by condition",
        rows: RowsBy::Condition { except_english: true },
        columns: Columns::Named(&["n", "Correct", "%", "Issues"]),
        cells: |subset| {
            let correct = count(subset, |row| row.metrics.script_correct());
            let issues: Vec<String> = ScriptIssue::ALL
                .iter()
                .filter_map(|issue| {
                    let count = count(subset, |row| row.metrics.script_issues.contains(issue));
                    (count > 0).then(|| format!("{}: {count}", issue.key()))
                })
                .collect();
            vec![
                Cell::Count(subset.len()),
                Cell::Count(correct),
                number(percent(correct, subset.len()), 0),
                text(if issues.is_empty() { "none".to_owned() } else { issues.join(", ") }),
            ]
        },
    },
    Summary {
        id: "code_switching_by_model",
        title: "Code switching by model (C2+C4, should be monolingual)",
        rows: RowsBy::Model { conditions: DIRECT },
        columns: Columns::Named(&["n", "Switches per response", "Monolingual"]),
        cells: |subset| {
            vec![
                Cell::Count(subset.len()),
                number(mean(subset.iter().map(|row| row.metrics.code_switching.count as f64)), 1),
                Cell::Count(count(subset, |row| row.metrics.code_switching.count == 0)),
            ]
        },
    },
    Summary {
        id: "english_leakage_by_model",
        title: "English word leakage by model (C2+C4)",
        rows: RowsBy::Model { conditions: DIRECT },
        columns: Columns::Named(&["n", "English words per response", "Leak-free"]),
        cells: |subset| {
            let counts: Vec<usize> = subset.iter().filter_map(|row| row.metrics.english_word_count).collect();
            vec![
                Cell::Count(counts.len()),
                number(mean(counts.iter().map(|&count| count as f64)), 1),
                Cell::Count(counts.iter().filter(|&&count| count == 0).count()),
            ]
        },
    },
    Summary {
        id: "transfer_compliance_by_model",
        title: "Transfer step compliance by model (C3+C5, did the model show all 3 steps?)",
        rows: RowsBy::Model { conditions: TRANSFER },
        columns: Columns::Named(&["n", "All steps", "%"]),
        cells: |subset| {
            let compliant =
                count(subset, |row| row.metrics.transfer.is_some_and(|transfer| transfer.all_steps_present));
            vec![Cell::Count(subset.len()), Cell::Count(compliant), number(percent(compliant, subset.len()), 0)]
        },
    },
    Summary {
        id: "time_by_model",
        title: "Response time by model (seconds)",
        rows: RowsBy::Model { conditions: ALL },
        columns: TIME,
        cells: time_cells,
    },
    Summary {
        id: "time_by_condition",
        title: "Response time by condition (seconds)",
        rows: BY_CONDITION,
        columns: TIME,
        cells: time_cells,
    },
    Summary {
        id: "detected_language_by_condition",
        title: "Detected language of the measured text by condition",
        rows: BY_CONDITION,
        columns: Columns::DetectedLanguages,
        cells: |subset| {
            let mut cells = vec![Cell::Count(subset.len())];
            cells.extend(
                DetectedLanguage::ALL
                    .iter()
                    .map(|language| Cell::Count(count(subset, |row| row.metrics.detected.language == *language))),
            );
            cells.push(Cell::Count(count(subset, |row| row.metrics.wrong_language)));
            cells
        },
    },
];

fn length_cells(subset: &[&ResponseMetrics]) -> Vec<Cell> {
    vec![
        Cell::Count(subset.len()),
        number(mean(subset.iter().map(|row| row.metrics.char_count as f64)), 0),
        number(mean(subset.iter().map(|row| row.metrics.word_count as f64)), 0),
        number(mean(subset.iter().map(|row| row.metrics.estimated_tokens as f64)), 0),
    ]
}

/// Over the responses with a known time (`n` counts them): a batch answer has none.
fn time_cells(subset: &[&ResponseMetrics]) -> Vec<Cell> {
    let times: Vec<f64> = subset.iter().filter_map(|row| row.response_time_seconds).collect();
    vec![
        Cell::Count(times.len()),
        number(mean(times.iter().copied()), 1),
        number(times.iter().copied().reduce(f64::min), 1),
        number(times.iter().copied().reduce(f64::max), 1),
    ]
}

/// The summaries the study's script printed, plus the detected languages, as tables.
pub fn metrics_tables(rows: &[ResponseMetrics], registry: &ModelRegistry) -> Vec<Table> {
    let conditions: Vec<Condition> =
        Condition::ALL.into_iter().filter(|condition| rows.iter().any(|row| row.condition == *condition)).collect();
    let models = registry.sorted_names(rows.iter().map(|row| row.model.as_str()));
    SUMMARIES
        .iter()
        .map(|summary| {
            // (the first cell, the row's responses)
            let groups: Vec<(String, Vec<&ResponseMetrics>)> = match summary.rows {
                RowsBy::Condition { except_english } => conditions
                    .iter()
                    .filter(|condition| !(except_english && **condition == Condition::C1))
                    .map(|&condition| {
                        (condition.id().to_owned(), rows.iter().filter(|row| row.condition == condition).collect())
                    })
                    .collect(),
                RowsBy::Model { conditions } => models
                    .iter()
                    .map(|model| {
                        let subset: Vec<&ResponseMetrics> = rows
                            .iter()
                            .filter(|row| &row.model == model && conditions.contains(&row.condition))
                            .collect();
                        (model.clone(), subset)
                    })
                    .filter(|(_, subset)| !subset.is_empty())
                    .collect(),
            };
            let first = match summary.rows {
                RowsBy::Condition { .. } => "Condition",
                RowsBy::Model { .. } => "Model",
            };
            let mut headers = vec![first.to_owned()];
            match summary.columns {
                Columns::Named(names) => headers.extend(names.iter().map(|name| (*name).to_owned())),
                Columns::DetectedLanguages => {
                    headers.push("n".to_owned());
                    headers.extend(DetectedLanguage::ALL.iter().map(|language| language.display_name().to_owned()));
                    headers.push("Wrong language".to_owned());
                }
            }
            let table_rows = groups
                .into_iter()
                .map(|(label, subset)| {
                    let mut row = vec![text(label)];
                    row.extend((summary.cells)(&subset));
                    row
                })
                .collect();
            Table { id: summary.id, label: None, title: summary.title.to_owned(), headers, groups: vec![table_rows] }
        })
        .collect()
}

fn count(subset: &[&ResponseMetrics], test: impl Fn(&ResponseMetrics) -> bool) -> usize {
    subset.iter().filter(|row| test(row)).count()
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.into_iter().fold((0.0, 0usize), |(sum, count), value| (sum + value, count + 1));
    (count > 0).then(|| sum / count as f64)
}

pub(super) fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64 * 100.0)
}

pub(super) fn number(value: Option<f64>, decimals: usize) -> Cell {
    Cell::Number { value, decimals, signed: false }
}

pub(super) fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}
