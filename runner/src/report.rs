//! `left-behind report`: the study's analysis (Tables 1 and 2, the model and question-category
//! matrices, Figure 1) in text, Markdown, CSV, JSON or LaTeX, under the study's judge, another judge
//! (`--judge NAME`) or the panel (`--judge panel`); `--judges` compares them all
//! ([`crate::judges_report`]). All numbers come from `shared`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use left_behind_shared::{
    GradeRow, GradedBy, StudyReport, Table, compute_report, panel, figure1_svg, headline_lines, render_csv, render_latex, render_markdown,
    render_text, report_tables, validate,
};
use serde_json::json;

use crate::cli::ReportFormat;
use crate::data_dir::read_dataset;
use crate::fs_util::write_atomic;

#[derive(Debug, Clone)]
pub struct ReportConfig {
    pub data_dir: PathBuf,
    pub format: ReportFormat,
    /// Write files here instead of printing.
    pub out: Option<PathBuf>,
    /// `--config`: the models it adds are named and grouped by their configured category.
    pub config_path: Option<PathBuf>,
    /// `--judge`: another judge's name, or `panel`; `None` is the study's judge.
    pub judge: Option<String>,
    /// `--judges`: every judge side by side.
    pub judges: bool,
}

/// Figure 1's size in pixels.
const FIGURE_SIZE: (u32, u32) = (860, 560);

pub fn run(config: ReportConfig) -> anyhow::Result<ExitCode> {
    let loaded = read_dataset(&config.data_dir)?;
    let settings = crate::config::load(config.config_path.as_deref(), &config.data_dir)?;
    let registry = settings.registry();
    let mut problems = loaded.problems;
    problems.extend(validate(&loaded.dataset, &registry));
    let (errors, warnings) = crate::validate::count(&problems);
    if errors > 0 {
        for problem in problems.iter().filter(|problem| problem.is_error()) {
            eprintln!("{problem}");
        }
        bail!(
            "the data in {} has {}; fix them first (`left-behind validate` lists every problem)",
            config.data_dir.display(),
            left_behind_shared::plural(errors, "error")
        );
    }
    let dataset = &loaded.dataset;
    if warnings > 0 {
        eprintln!(
            "note: the data has {} (`left-behind validate` lists them)",
            left_behind_shared::plural(warnings, "warning")
        );
    }
    if config.judges {
        return crate::judges_report::run(&config, dataset, &settings);
    }
    let graded = GradedRows::choose(dataset, config.judge.as_deref(), &settings.judge.name, &registry)?;
    if graded.rows.is_empty() {
        bail!(
            "no grades in {}; get the study's dataset with `left-behind fetch`, or grade responses with `left-behind grade`",
            config.data_dir.join("grades").display()
        );
    }
    let report = compute_report(&graded.rows, &registry);
    let tables = report_tables(&report, &registry);
    let mut headline = headline_lines(&report);
    if let Some(line) = graded.describe() {
        headline.insert(0, line);
    }
    // Failed calls are not answers and have no grade; say how many each file holds so a partial run
    // is never mistaken for a complete one.
    let run_errors: Vec<(String, usize)> = dataset
        .results
        .iter()
        .filter(|results| !results.errors.is_empty())
        .map(|results| (results.relative_path(), results.errors.len()))
        .collect();
    for (file, count) in &run_errors {
        let (holds, is) = if *count == 1 { ("holds", "is") } else { ("hold", "are") };
        headline.push(format!(
            "{file}: {} {holds} no answer and {is} not graded",
            left_behind_shared::plural(*count, "failed call")
        ));
    }

    match &config.out {
        None => print!("{}", render(&report, &graded, &tables, &headline, &run_errors, config.format)?),
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
                write_atomic(
                    &path,
                    render(&report, &graded, &tables, &headline, &run_errors, config.format)?.as_bytes(),
                )?;
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
    graded: &GradedRows,
    tables: &[Table],
    headline: &[String],
    run_errors: &[(String, usize)],
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
            value["graded_by"] = json!({ "judge": graded.judge, "members": graded.members });
            value["run_errors"] =
                run_errors.iter().map(|(file, count)| json!({ "file": file, "errors": count })).collect();
            let mut text = serde_json::to_string_pretty(&value).context("cannot encode the report")?;
            text.push('\n');
            text
        }
    })
}

/// The grade rows a report is computed from: the study judge's, another judge's or the panel's.
pub struct GradedRows {
    /// The judge's name, or `panel`.
    pub judge: String,
    /// The panel's members (empty for one judge).
    pub members: Vec<String>,
    /// Whether these are the study judge's grades (grades/*.csv).
    pub study: bool,
    pub rows: Vec<GradeRow>,
}

impl GradedRows {
    /// The rows `--judge` names (`None`: the study's judge, named `study_judge`). A judge without
    /// grades in the dataset is an error listing those with grades.
    pub fn choose(
        dataset: &left_behind_shared::Dataset,
        name: Option<&str>,
        study_judge: &str,
        registry: &left_behind_shared::ModelRegistry,
    ) -> anyhow::Result<GradedRows> {
        let by = match name {
            None => GradedBy::StudyJudge,
            Some(name) => GradedBy::parse(name, study_judge).with_context(|| format!("--judge {name:?}"))?,
        };
        let judge = by.label(study_judge);
        match by {
            GradedBy::StudyJudge => {
                Ok(GradedRows { judge, members: Vec::new(), study: true, rows: dataset.grades.clone() })
            }
            GradedBy::Judge(name) => match dataset.judge_grades(name.as_str()) {
                Some(grades) => Ok(GradedRows { judge, members: Vec::new(), study: false, rows: grades.rows.clone() }),
                None => {
                    let known = dataset.judge_names();
                    bail!(
                        "no grades of judge {name} (grades/judges/{name}/); {}; grade with `left-behind grade --judge {name}`",
                        if known.is_empty() {
                            "no other judge has grades".to_owned()
                        } else {
                            format!("judges with grades: {}", known.join(", "))
                        }
                    )
                }
            },
            GradedBy::Panel => {
                let panel = panel(dataset, study_judge, registry);
                if panel.members.len() < 2 {
                    bail!(
                        "the panel needs two judges with grades and this dataset has {}; grade with another judge \
                         (`left-behind grade --judge NAME`)",
                        if panel.members.is_empty() { "none".to_owned() } else { panel.members.join(", ") }
                    );
                }
                Ok(GradedRows { judge, members: panel.members, study: false, rows: panel.rows })
            }
        }
    }

    /// The first line of a report not under the study's judge.
    pub fn describe(&self) -> Option<String> {
        if self.study {
            None
        } else if self.members.is_empty() {
            Some(format!("Graded by {} (grades/judges/{}/)", self.judge, self.judge))
        } else {
            Some(format!(
                "Graded by the panel: per response and criterion, the median of {} ({})",
                self.members.len(),
                self.members.join(", ")
            ))
        }
    }
}
