//! The report's tables as data ([`Table`]) and their renderings: aligned text, Markdown, CSV and LaTeX
//! (booktabs). The explorer shows the same [`Table`]s, so a number reads the same everywhere.

use crate::report_uncertainty::{ContrastName, ContrastScope, format_p_value, p_phrase};
use crate::uncertainty::Interval;
use crate::{Alignment, Condition, ModelCategory, ModelRegistry, QuestionCategory, StudyReport, column_widths, pad};

/// One cell: text, or a number shown at a fixed precision (`None` is a cell without data).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number {
        value: Option<f64>,
        decimals: usize,
        signed: bool,
    },
    Count(usize),
    /// A number with its 95% interval beside it (`76.9 [72.8, 80.9]`), at the number's precision.
    Estimate {
        value: Option<f64>,
        decimals: usize,
        signed: bool,
        interval: CellInterval,
    },
}

/// The interval beside an estimate, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum CellInterval {
    Bounds(Interval),
    /// `undefined (1 question)`.
    Undefined(String),
}

impl CellInterval {
    /// The interval as printed: `[72.8, 80.9]`, or `[undefined (1 question)]`.
    pub fn display(&self, decimals: usize, signed: bool) -> String {
        match self {
            CellInterval::Bounds(interval) => format!(
                "[{}, {}]",
                format_number(interval.low, decimals, signed),
                format_number(interval.high, decimals, signed)
            ),
            CellInterval::Undefined(reason) => format!("[{reason}]"),
        }
    }
}

impl Cell {
    fn number(value: Option<f64>, decimals: usize) -> Cell {
        Cell::Number { value, decimals, signed: false }
    }

    fn delta(value: Option<f64>) -> Cell {
        Cell::Number { value, decimals: 1, signed: true }
    }

    /// A score with its interval when the report has one (computed, or said to be undefined).
    fn estimate(value: Option<f64>, ci95: Option<Interval>, undefined: Option<&String>) -> Cell {
        let interval = match (ci95, undefined) {
            (Some(interval), _) => CellInterval::Bounds(interval),
            (None, Some(reason)) if value.is_some() => CellInterval::Undefined(reason.clone()),
            _ => return Cell::number(value, 1),
        };
        Cell::Estimate { value, decimals: 1, signed: false, interval }
    }

    /// The cell as printed; `missing` stands for a number without data.
    pub fn display(&self, missing: &str) -> String {
        match self {
            Cell::Estimate { value: Some(value), decimals, signed, interval } => {
                format!("{} {}", format_number(*value, *decimals, *signed), interval.display(*decimals, *signed))
            }
            _ => self.display_value(missing),
        }
    }

    /// The cell's value alone, without an interval.
    pub fn display_value(&self, missing: &str) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(count) => count.to_string(),
            Cell::Number { value: None, .. } | Cell::Estimate { value: None, .. } => missing.to_owned(),
            Cell::Number { value: Some(value), decimals, signed }
            | Cell::Estimate { value: Some(value), decimals, signed, .. } => format_number(*value, *decimals, *signed),
        }
    }

    /// The cell without its interval (an estimate becomes its number).
    pub fn without_interval(&self) -> Cell {
        match self {
            Cell::Estimate { value, decimals, signed, .. } => {
                Cell::Number { value: *value, decimals: *decimals, signed: *signed }
            }
            other => other.clone(),
        }
    }

    /// The interval of an estimate.
    pub fn interval(&self) -> Option<&CellInterval> {
        match self {
            Cell::Estimate { interval, .. } => Some(interval),
            _ => None,
        }
    }

    pub fn is_numeric(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// `value` at `decimals` places, as the paper prints it (`-1.1`, `+2.2` when `signed`). A value
/// that rounds to zero prints without a sign.
pub fn format_number(value: f64, decimals: usize, signed: bool) -> String {
    let text = format!("{value:.decimals$}");
    let is_zero = text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.');
    if is_zero {
        text.trim_start_matches('-').to_owned()
    } else if signed && value > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// A table of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// A stable name (`conditions`), used for file names and anchors.
    pub id: &'static str,
    /// The paper's name for the table (`Table 1`), if the paper has it.
    pub label: Option<&'static str>,
    pub title: String,
    pub headers: Vec<String>,
    /// Rows in groups (a model category's conditions, say); renderers may rule between groups.
    pub groups: Vec<Vec<Vec<Cell>>>,
}

impl Table {
    /// `Table 1. Scores by condition ...`, or the title alone.
    pub fn heading(&self) -> String {
        match self.label {
            Some(label) => format!("{label}. {}", self.title),
            None => self.title.clone(),
        }
    }

    pub fn rows(&self) -> impl Iterator<Item = &Vec<Cell>> {
        self.groups.iter().flatten()
    }

    /// Whether column `index` holds numbers (right-aligned).
    pub fn is_numeric_column(&self, index: usize) -> bool {
        self.rows().next().is_some_and(|row| row.get(index).is_some_and(Cell::is_numeric))
    }

    /// Whether any cell has an interval beside it.
    pub fn has_intervals(&self) -> bool {
        self.rows().flatten().any(|cell| cell.interval().is_some())
    }

    /// Whether column `index` holds an interval in some row.
    fn is_interval_column(&self, index: usize) -> bool {
        self.rows().any(|row| row.get(index).is_some_and(|cell| cell.interval().is_some()))
    }

    /// The same table with every interval dropped: the paper's table as printed.
    pub fn without_intervals(&self) -> Table {
        Table {
            groups: self
                .groups
                .iter()
                .map(|group| group.iter().map(|row| row.iter().map(Cell::without_interval).collect()).collect())
                .collect(),
            ..self.clone()
        }
    }
}

/// The note printed under tables with intervals.
pub const INTERVAL_NOTE: &str =
    "[low, high]: 95% interval (percentile bootstrap over questions; see the method in the headline).";

/// The report's four tables: by condition (Table 1), by model category (Table 2), by model and by
/// question category, with intervals beside the scores when the report has them
/// ([`crate::add_uncertainty`]); then, if it has contrasts, the two contrast tables.
pub fn report_tables(report: &StudyReport, registry: &ModelRegistry) -> Vec<Table> {
    ReportTables::new(report, registry).into_vec()
}

/// The report's tables by what they show (the explorer places each one by name).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTables {
    /// Table 1.
    pub conditions: Table,
    /// Table 2.
    pub model_categories: Table,
    pub models: Table,
    pub question_categories: Table,
    /// "Is the difference larger than the noise?" over all models and by category, and by model:
    /// present when the report has contrasts ([`crate::add_uncertainty`]).
    pub contrasts: Option<Table>,
    pub contrasts_by_model: Option<Table>,
}

impl ReportTables {
    pub fn new(report: &StudyReport, registry: &ModelRegistry) -> ReportTables {
        let has_contrasts = !report.contrasts.is_empty();
        ReportTables {
            conditions: condition_table(report),
            model_categories: category_table(report),
            models: model_table(report, registry),
            question_categories: question_category_table(report),
            contrasts: has_contrasts.then(|| contrast_table(report, registry, false)),
            contrasts_by_model: has_contrasts.then(|| contrast_table(report, registry, true)),
        }
    }

    /// The tables in the report's order (Tables 1 and 2, models, question categories, then the
    /// contrasts if any).
    pub fn into_vec(self) -> Vec<Table> {
        let mut tables = vec![self.conditions, self.model_categories, self.models, self.question_categories];
        tables.extend(self.contrasts);
        tables.extend(self.contrasts_by_model);
        tables
    }
}

/// "Is the difference larger than the noise?": the paired contrasts with their interval, p-values
/// and what the design can detect; over all models and each category, or (`by_model`) each model.
pub fn contrast_table(report: &StudyReport, registry: &ModelRegistry, by_model: bool) -> Table {
    let effect =
        report.uncertainty.as_ref().map_or(crate::DEFAULT_DETECTABLE_EFFECT_PP, |method| method.detectable_effect_pp);
    let tested = report.uncertainty.as_ref().map_or(0, |method| method.contrasts_tested);
    let mut groups = Vec::new();
    for name in ContrastName::ALL {
        let rows: Vec<Vec<Cell>> = report
            .contrasts
            .iter()
            .filter(|contrast| contrast.name == name && matches!(contrast.scope, ContrastScope::Model(_)) == by_model)
            .map(|contrast| {
                let scope = match &contrast.scope {
                    ContrastScope::All => "All models".to_owned(),
                    ContrastScope::Category(category) => category.display_name().to_owned(),
                    ContrastScope::Model(model) => registry.display_name(model).to_owned(),
                };
                // Where p is undefined the interval's cell says why.
                let p = |value: Option<f64>| Cell::Text(value.map_or_else(|| MISSING.to_owned(), format_p_value));
                vec![
                    Cell::Text(name.label()),
                    Cell::Text(scope),
                    Cell::Count(contrast.n_pairs),
                    Cell::Number { value: contrast.mean_diff_pp, decimals: 1, signed: true },
                    Cell::Text(match (&contrast.ci95_pp, &contrast.undefined) {
                        (Some(interval), _) => CellInterval::Bounds(*interval).display(1, true),
                        (None, Some(reason)) => reason.clone(),
                        (None, None) => MISSING.to_owned(),
                    }),
                    p(contrast.p_value),
                    p(contrast.p_holm),
                    Cell::number(contrast.mde80_pp, 1),
                    match contrast.questions_needed {
                        Some(questions) => Cell::Count(questions as usize),
                        None => Cell::Text(MISSING.to_owned()),
                    },
                ]
            })
            .collect();
        if !rows.is_empty() {
            groups.push(rows);
        }
    }
    let scope_header = if by_model { "Model" } else { "Models" };
    Table {
        id: if by_model { "contrasts_by_model" } else { "contrasts" },
        label: None,
        title: format!(
            "Is the difference larger than the noise? Paired contrasts {} (points; p: sign-flip permutation \
             test; Holm-adjusted over all {tested} contrasts; MDE: smallest effect detected with 80% power)",
            if by_model { "by model" } else { "over all models and by model category" }
        ),
        headers: vec![
            "Contrast".to_owned(),
            scope_header.to_owned(),
            "Pairs".to_owned(),
            "Difference".to_owned(),
            "95% CI".to_owned(),
            "p".to_owned(),
            "p (Holm)".to_owned(),
            "MDE".to_owned(),
            format!("Questions for {effect} pp"),
        ],
        groups,
    }
}

/// Table 1 of the paper.
pub fn condition_table(report: &StudyReport) -> Table {
    let rows = report
        .conditions
        .iter()
        .map(|summary| {
            vec![
                Cell::Text(summary.condition.id().to_owned()),
                Cell::Count(summary.n),
                Cell::estimate(summary.total_pct, summary.total_ci95_pp, summary.total_interval_undefined.as_ref()),
                Cell::number(summary.accuracy_pct, 1),
                Cell::number(summary.fluency_pct, 1),
                Cell::number(summary.completeness_pct, 1),
                Cell::number(summary.mean_time_s, 1),
                Cell::number(summary.mean_length_words, 0),
            ]
        })
        .collect();
    Table {
        id: "conditions",
        label: Some("Table 1"),
        title: "Scores by condition (% of maximum)".to_owned(),
        headers: ["Condition", "n", "Total", "Accuracy", "Fluency", "Completeness", "Time (s)", "Length (words)"]
            .map(str::to_owned)
            .to_vec(),
        groups: vec![rows],
    }
}

/// Table 2 of the paper.
pub fn category_table(report: &StudyReport) -> Table {
    let mut groups = Vec::new();
    for category in ModelCategory::ALL {
        let rows: Vec<Vec<Cell>> = report
            .model_categories
            .iter()
            .filter(|summary| summary.category == category)
            .map(|summary| {
                vec![
                    Cell::Text(category.display_name().to_owned()),
                    Cell::Text(summary.condition.id().to_owned()),
                    Cell::Count(summary.n),
                    Cell::estimate(summary.score_pct, summary.score_ci95_pp, summary.score_interval_undefined.as_ref()),
                    Cell::delta(summary.clt_delta_pp),
                    Cell::number(summary.mean_time_s, 1),
                    Cell::number(summary.mean_length_words, 0),
                ]
            })
            .collect();
        if !rows.is_empty() {
            groups.push(rows);
        }
    }
    Table {
        id: "model_categories",
        label: Some("Table 2"),
        title: "Scores by model category (% of maximum; ΔCLT = transfer minus direct, in points)".to_owned(),
        headers: ["Model category", "Condition", "n", "Score", "ΔCLT (pp)", "Time (s)", "Length (words)"]
            .map(str::to_owned)
            .to_vec(),
        groups,
    }
}

/// Total score of each model in each condition.
pub fn model_table(report: &StudyReport, registry: &ModelRegistry) -> Table {
    let conditions = report.conditions_present();
    let names = registry.sorted_names(report.models.iter().map(|summary| summary.model.as_str()));
    let rows = names
        .iter()
        .map(|model| {
            let mut row = vec![
                Cell::Text(registry.display_name(model).to_owned()),
                Cell::Text(registry.category_of(model).display_name().to_owned()),
            ];
            row.extend(conditions.iter().map(|&condition| match report.model(model, condition) {
                Some(summary) => {
                    Cell::estimate(summary.score_pct, summary.score_ci95_pp, summary.score_interval_undefined.as_ref())
                }
                None => Cell::number(None, 1),
            }));
            row
        })
        .collect();
    Table {
        id: "models",
        label: None,
        title: "Scores by model and condition (total, % of maximum)".to_owned(),
        headers: condition_headers(["Model", "Category"], &conditions),
        groups: vec![rows],
    }
}

/// Total score of each question category in each condition.
pub fn question_category_table(report: &StudyReport) -> Table {
    let conditions = report.conditions_present();
    let rows = QuestionCategory::ALL
        .into_iter()
        .filter(|category| report.question_categories.iter().any(|summary| summary.question_category == *category))
        .map(|category| {
            let mut row = vec![Cell::Text(category.display_name().to_owned())];
            row.extend(conditions.iter().map(|&condition| match report.question_category(category, condition) {
                Some(summary) => {
                    Cell::estimate(summary.score_pct, summary.score_ci95_pp, summary.score_interval_undefined.as_ref())
                }
                None => Cell::number(None, 1),
            }));
            row
        })
        .collect();
    Table {
        id: "question_categories",
        label: None,
        title: "Scores by question category and condition (total, % of maximum)".to_owned(),
        headers: condition_headers(["Question category"], &conditions),
        groups: vec![rows],
    }
}

fn condition_headers<const N: usize>(leading: [&str; N], conditions: &[Condition]) -> Vec<String> {
    leading.iter().map(|header| (*header).to_owned()).chain(conditions.iter().map(|c| c.id().to_owned())).collect()
}

/// The headline sentences, computed from the report (never typed in).
pub fn headline_lines(report: &StudyReport) -> Vec<String> {
    let headline = &report.headline;
    let mut lines = Vec::new();
    if let (Some(english), Some(kazakh), Some(mongolian)) =
        (headline.english_score_pct, headline.kazakh_gap_pp, headline.mongolian_gap_pp)
    {
        lines.push(format!(
            "English (C1) scores {}%; asked directly, Kazakh (C2) is {} points lower and Mongolian (C4) {} points lower.",
            format_number(english, 1, false),
            format_number(kazakh, 1, false),
            format_number(mongolian, 1, false)
        ));
    }
    if let (Some(kazakh), Some(mongolian)) = (headline.kazakh_clt_delta_pp, headline.mongolian_clt_delta_pp) {
        lines.push(format!(
            "Cross-lingual transfer changes the score by {} points in Kazakh (C3 - C2) and {} points in Mongolian (C5 - C4).",
            format_number(kazakh, 1, true),
            format_number(mongolian, 1, true)
        ));
    }
    lines.extend(contrast_lines(report));
    if report.grading_failures > 0 {
        let by_condition: Vec<String> = report
            .conditions
            .iter()
            .filter(|summary| summary.failed > 0)
            .map(|summary| format!("{} {}", summary.condition, summary.failed))
            .collect();
        lines.push(format!(
            "{} failed and {} left out of every mean ({}).",
            crate::plural(report.grading_failures, "grading"),
            if report.grading_failures == 1 { "is" } else { "are" },
            by_condition.join(", ")
        ));
    }
    if report.untimed_answers > 0 {
        let by_condition: Vec<String> = report
            .conditions
            .iter()
            .filter(|summary| summary.untimed > 0)
            .map(|summary| format!("{} {}", summary.condition, summary.untimed))
            .collect();
        lines.push(format!(
            "{} {} no time (answered in a batch) and {} left out of the mean times ({}).",
            crate::plural(report.untimed_answers, "graded answer"),
            if report.untimed_answers == 1 { "has" } else { "have" },
            if report.untimed_answers == 1 { "is" } else { "are" },
            by_condition.join(", ")
        ));
    }
    lines
}

/// The headline's plain-words verdict on each contrast over all models, and how they were computed;
/// nothing before [`crate::add_uncertainty`].
fn contrast_lines(report: &StudyReport) -> Vec<String> {
    let Some(method) = &report.uncertainty else { return Vec::new() };
    let mut lines = Vec::new();
    for name in ContrastName::ALL {
        let Some(contrast) = report.contrast(name, &ContrastScope::All) else { continue };
        let Some(mean) = contrast.mean_diff_pp else { continue };
        let questions = contrast.questions;
        let mut line = format!("{} ({}): {} points", name.label(), name.meaning(), format_number(mean, 1, true));
        match (contrast.ci95_pp, contrast.p_value) {
            (Some(ci), Some(p)) => {
                line.push_str(&format!(
                    ", 95% CI {} to {}, {}",
                    format_number(ci.low, 1, true),
                    format_number(ci.high, 1, true),
                    p_phrase(p)
                ));
                if let Some(holm) = contrast.p_holm {
                    line.push_str(&format!(" (Holm-adjusted {})", format_p_value(holm)));
                }
                if contrast.is_detected() {
                    line.push_str(&format!(": larger than the noise of {questions} questions."));
                } else {
                    line.push_str(&format!(": no detectable effect with {questions} questions"));
                    match contrast.mde80_pp {
                        Some(mde) => line.push_str(&format!(
                            " (the smallest effect they detect with 80% power is {} points).",
                            format_number(mde, 1, false)
                        )),
                        None => line.push('.'),
                    }
                }
            }
            _ => line
                .push_str(&format!("; interval and p-value {}.", contrast.undefined.as_deref().unwrap_or("undefined"))),
        }
        lines.push(line);
    }
    if !lines.is_empty() {
        lines.push(format!(
            "Intervals are 95% percentile cluster-bootstrap intervals over questions ({} resamples, seed {}); \
             p-values are two-sided sign-flip permutation tests of the paired differences ({} draws), \
             Holm-adjusted over the {} contrasts tested.",
            group_thousands(method.resamples),
            method.seed,
            group_thousands(method.resamples),
            method.contrasts_tested
        ));
    }
    lines
}

/// A whole number with thousands separated by commas (`10,000`).
pub fn group_thousands(value: u32) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

const MISSING: &str = "–";

/// Aligned plain text, for a terminal.
pub fn render_text(tables: &[Table], headline: &[String]) -> String {
    let mut out = String::new();
    for table in tables {
        let cells: Vec<Vec<String>> =
            table.rows().map(|row| row.iter().map(|cell| cell.display(MISSING)).collect()).collect();
        let widths = column_widths(std::iter::once(&table.headers).chain(&cells));
        let line = |values: &[String]| {
            let padded: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(index, value)| {
                    let alignment = if table.is_numeric_column(index) { Alignment::Right } else { Alignment::Left };
                    pad(value, widths[index], alignment)
                })
                .collect();
            padded.join("  ").trim_end().to_owned()
        };
        out.push_str(&table.heading());
        out.push('\n');
        out.push_str(&line(&table.headers));
        out.push('\n');
        out.push_str(&widths.iter().map(|width| "-".repeat(*width)).collect::<Vec<_>>().join("  "));
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row));
            out.push('\n');
        }
        if table.has_intervals() {
            out.push_str(INTERVAL_NOTE);
            out.push('\n');
        }
        out.push('\n');
    }
    for line in headline {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// GitHub-flavoured Markdown.
pub fn render_markdown(tables: &[Table], headline: &[String]) -> String {
    let mut out = String::from("# Left Behind: study report\n\n");
    for line in headline {
        out.push_str(&format!("- {line}\n"));
    }
    if !headline.is_empty() {
        out.push('\n');
    }
    for table in tables {
        out.push_str(&format!("## {}\n\n", table.heading()));
        let escape = |text: &str| text.replace('|', "\\|");
        out.push_str(&format!("| {} |\n", table.headers.iter().map(|h| escape(h)).collect::<Vec<_>>().join(" | ")));
        let rule: Vec<&str> =
            (0..table.headers.len()).map(|index| if table.is_numeric_column(index) { "---:" } else { "---" }).collect();
        out.push_str(&format!("| {} |\n", rule.join(" | ")));
        for row in table.rows() {
            let cells: Vec<String> = row.iter().map(|cell| escape(&cell.display(MISSING))).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out.push('\n');
        if table.has_intervals() {
            out.push_str(&format!("{INTERVAL_NOTE}\n\n"));
        }
    }
    out
}

/// Several tables as one CSV stream, as `--format csv` prints them to the terminal: each table's
/// [`render_csv`] after a `# <heading>` line, the tables apart by a blank line.
pub fn render_csv_tables(tables: &[Table]) -> String {
    tables.iter().map(|table| format!("# {}\n{}", table.heading(), render_csv(table))).collect::<Vec<_>>().join("\n")
}

/// One table as CSV, numbers at the printed precision, empty cells where there is no data. A column
/// with intervals becomes three: the value, `<header> CI low` and `<header> CI high`.
pub fn render_csv(table: &Table) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let interval_columns: Vec<bool> = (0..table.headers.len()).map(|index| table.is_interval_column(index)).collect();
    let mut headers = Vec::new();
    for (header, &has_interval) in table.headers.iter().zip(&interval_columns) {
        headers.push(header.clone());
        if has_interval {
            headers.push(format!("{header} CI low"));
            headers.push(format!("{header} CI high"));
        }
    }
    writer.write_record(&headers).expect("writing to memory cannot fail");
    for row in table.rows() {
        let mut record = Vec::new();
        for (cell, &has_interval) in row.iter().zip(&interval_columns) {
            record.push(cell.display_value(""));
            if has_interval {
                let (low, high) = match cell {
                    Cell::Estimate { interval: CellInterval::Bounds(interval), decimals, signed, .. } => (
                        format_number(interval.low, *decimals, *signed),
                        format_number(interval.high, *decimals, *signed),
                    ),
                    _ => (String::new(), String::new()),
                };
                record.push(low);
                record.push(high);
            }
        }
        writer.write_record(&record).expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
}

/// LaTeX tables in the paper's style (booktabs: `\toprule`, `\midrule`, `\bottomrule`). Intervals
/// are set in a smaller size after their number; the headline (findings and method) closes the file
/// as a comment block, for the text of the paper.
pub fn render_latex_with_headline(tables: &[Table], headline: &[String]) -> String {
    let mut out = render_latex(tables);
    if !headline.is_empty() {
        out.push('\n');
        for line in headline {
            out.push_str(&format!("% {line}\n"));
        }
    }
    out
}

/// LaTeX tables in the paper's style (booktabs: `\toprule`, `\midrule`, `\bottomrule`).
pub fn render_latex(tables: &[Table]) -> String {
    let mut out = String::from("% Generated by `left-behind report --format latex`. Needs \\usepackage{booktabs}.\n");
    for table in tables {
        let spec: String =
            (0..table.headers.len()).map(|index| if table.is_numeric_column(index) { 'r' } else { 'l' }).collect();
        out.push_str("\n\\begin{table}[t]\n\\centering\n");
        out.push_str(&format!("\\caption{{{}}}\n", latex_escape(&table.title)));
        out.push_str(&format!("\\label{{tab:{}}}\n", table.id.replace('_', "-")));
        out.push_str(&format!("\\begin{{tabular}}{{{spec}}}\n\\toprule\n"));
        let headers: Vec<String> = table.headers.iter().map(|header| latex_escape(header)).collect();
        out.push_str(&format!("{} \\\\\n\\midrule\n", headers.join(" & ")));
        for (index, group) in table.groups.iter().enumerate() {
            if index > 0 {
                out.push_str("\\midrule\n");
            }
            for row in group {
                let cells: Vec<String> = row
                    .iter()
                    .map(|cell| match cell {
                        Cell::Estimate { value: Some(value), decimals, signed, interval } => format!(
                            "{} {{\\scriptsize {}}}",
                            latex_escape(&format_number(*value, *decimals, *signed)),
                            latex_escape(&interval.display(*decimals, *signed))
                        ),
                        _ => latex_escape(&cell.display("--")),
                    })
                    .collect();
                out.push_str(&format!("{} \\\\\n", cells.join(" & ")));
            }
        }
        out.push_str("\\bottomrule\n\\end{tabular}\n\\end{table}\n");
    }
    out
}

fn latex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' | '&' | '_' | '#' | '$' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '\\' => out.push_str("\\textbackslash{}"),
            'Δ' => out.push_str("$\\Delta$"),
            '–' => out.push_str("--"),
            _ => out.push(c),
        }
    }
    out
}
