//! The report's tables as data ([`Table`]) and their renderings: aligned text, Markdown, CSV and LaTeX
//! (booktabs). The explorer shows the same [`Table`]s, so a number reads the same everywhere.

use crate::{Alignment, Condition, ModelCategory, ModelRegistry, QuestionCategory, StudyReport, pad};

/// One cell: text, or a number shown at a fixed precision (`None` is a cell without data).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number { value: Option<f64>, decimals: usize, signed: bool },
    Count(usize),
}

impl Cell {
    fn number(value: Option<f64>, decimals: usize) -> Cell {
        Cell::Number { value, decimals, signed: false }
    }

    fn delta(value: Option<f64>) -> Cell {
        Cell::Number { value, decimals: 1, signed: true }
    }

    /// The cell as printed; `missing` stands for a number without data.
    pub fn display(&self, missing: &str) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(count) => count.to_string(),
            Cell::Number { value: None, .. } => missing.to_owned(),
            Cell::Number { value: Some(value), decimals, signed } => format_number(*value, *decimals, *signed),
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
}

/// The report's four tables: by condition (Table 1), by model category (Table 2), by model and by
/// question category.
pub fn report_tables(report: &StudyReport, registry: &ModelRegistry) -> Vec<Table> {
    ReportTables::new(report, registry).into_vec()
}

/// The report's four tables by what they show (the explorer places each one by name).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportTables {
    /// Table 1.
    pub conditions: Table,
    /// Table 2.
    pub model_categories: Table,
    pub models: Table,
    pub question_categories: Table,
}

impl ReportTables {
    pub fn new(report: &StudyReport, registry: &ModelRegistry) -> ReportTables {
        ReportTables {
            conditions: condition_table(report),
            model_categories: category_table(report),
            models: model_table(report, registry),
            question_categories: question_category_table(report),
        }
    }

    /// The four in the report's order (Tables 1 and 2, models, question categories).
    pub fn into_vec(self) -> Vec<Table> {
        vec![self.conditions, self.model_categories, self.models, self.question_categories]
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
                Cell::number(summary.total_pct, 1),
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
                    Cell::number(summary.score_pct, 1),
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
            row.extend(conditions.iter().map(|&condition| {
                Cell::number(report.model(model, condition).and_then(|summary| summary.score_pct), 1)
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
            row.extend(conditions.iter().map(|&condition| {
                Cell::number(report.question_category(category, condition).and_then(|summary| summary.score_pct), 1)
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
    lines
}

const MISSING: &str = "–";

/// Aligned plain text, for a terminal.
pub fn render_text(tables: &[Table], headline: &[String]) -> String {
    let mut out = String::new();
    for table in tables {
        let cells: Vec<Vec<String>> =
            table.rows().map(|row| row.iter().map(|cell| cell.display(MISSING)).collect()).collect();
        let mut widths: Vec<usize> = table.headers.iter().map(|header| header.chars().count()).collect();
        for row in &cells {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
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
    }
    out
}

/// One table as CSV, numbers at the printed precision, empty cells where there is no data.
pub fn render_csv(table: &Table) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&table.headers).expect("writing to memory cannot fail");
    for row in table.rows() {
        writer.write_record(row.iter().map(|cell| cell.display(""))).expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
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
                let cells: Vec<String> = row.iter().map(|cell| latex_escape(&cell.display("--"))).collect();
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
