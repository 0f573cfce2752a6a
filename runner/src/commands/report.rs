//! `left-behind report`: the study's analysis (Tables 1 and 2, the model and question-category
//! matrices, Figure 1) in text, Markdown, CSV, JSON or LaTeX, under the study's judge, another judge
//! (`--judge NAME`) or the panel (`--judge panel`); `--judges` compares them all
//! ([`super::report_judges`]). Each score comes with its 95% interval and the paired contrasts with
//! their p-values (unless `--no-intervals`; see docs/uncertainty.md). All numbers come from `shared`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use left_behind_shared::{
    Dataset, GradeRow, GradedBy, ModelRegistry, StudyReport, Table, UncertaintySettings, add_uncertainty,
    compute_report, figure1_svg, headline_lines, panel, render_csv, render_csv_tables, render_latex_with_headline,
    render_markdown, render_text, report_tables,
};
use serde_json::json;

pub use super::report_format::ReportFormat;
use super::study::{ConfigArgs, DataArgs, StudyPlace};
use crate::fs_util::write_atomic;

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
    /// Every table under this judge's grades (grades/judges/NAME/), or under the panel of all judges
    /// with `panel` (per response and criterion, the median of the judges that graded it).
    /// Default: the study's judge (grades/*.csv).
    #[arg(long, value_name = "NAME", conflicts_with = "judges")]
    pub judge: Option<String>,
    /// The study's measures under every judge side by side, whether each conclusion holds under
    /// all of them, and each judge's self-preference.
    #[arg(long)]
    pub judges: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print the paper's tables alone: no intervals, contrasts or p-values (and nothing is resampled).
    #[arg(long)]
    pub no_intervals: bool,
    /// Bootstrap resamples and permutation draws per statistic.
    #[arg(long, value_name = "N", default_value_t = left_behind_shared::uncertainty::DEFAULT_RESAMPLES, value_parser = parse_resamples)]
    pub resamples: u32,
    /// Seed of the resampling (a whole number from 0 to 18446744073709551615): the same seed gives the
    /// same intervals.
    #[arg(long, value_name = "NUMBER", default_value_t = left_behind_shared::uncertainty::DEFAULT_SEED, value_parser = parse_seed)]
    pub seed: u64,
    /// The effect (points) for the contrasts' "questions needed to detect it".
    #[arg(long, value_name = "POINTS", default_value_t = left_behind_shared::DEFAULT_DETECTABLE_EFFECT_PP, value_parser = parse_effect)]
    pub effect: f64,
}

fn parse_resamples(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(0) => {
            Err("0 resamples give no interval; use at least 1 (the default is 10000), or --no-intervals".to_owned())
        }
        Ok(resamples) => Ok(resamples),
        Err(_) => Err(format!("{text:?} is not a whole number of resamples (such as 10000)")),
    }
}

fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("{text:?} is not a seed: a seed is a whole number from 0 to 18446744073709551615"))
}

fn parse_effect(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(effect) if effect.is_finite() && effect > 0.0 => Ok(effect),
        _ => Err(format!("{text:?} is not an effect: give a positive number of points (such as 2)")),
    }
}

/// What `report` prints or writes, after the command line was read.
#[derive(Debug, Clone)]
pub struct ReportConfig {
    /// With `--config`, the models it adds are named and grouped by their configured category.
    pub study: StudyPlace,
    pub format: ReportFormat,
    /// Write files here instead of printing.
    pub out: Option<PathBuf>,
    /// `--judge`: another judge's name, or `panel`; `None` is the study's judge.
    pub judge: Option<String>,
    /// `--judges`: every judge side by side.
    pub judges: bool,
    /// How to compute the intervals and contrasts; `None` (`--no-intervals`) prints the paper's tables alone.
    pub uncertainty: Option<UncertaintySettings>,
}

impl ReportArgs {
    pub fn into_config(self) -> anyhow::Result<ReportConfig> {
        Ok(ReportConfig {
            study: StudyPlace::from_args(self.data, self.config)?,
            format: self.format,
            out: self.out,
            judge: self.judge,
            judges: self.judges,
            uncertainty: (!self.no_intervals).then_some(UncertaintySettings {
                resamples: self.resamples,
                seed: self.seed,
                detectable_effect_pp: self.effect,
            }),
        })
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
    let settings = config.study.configuration()?;
    let loaded = config.study.open_usable(&settings)?;
    let registry = &loaded.registry;
    let dataset = &loaded.dataset;
    if config.judges {
        return super::report_judges::run(
            super::report_judges::JudgesOutput {
                format: config.format,
                out: config.out.as_deref(),
                grades_dir: &config.study.data_dir.join("grades"),
            },
            dataset,
            &settings,
        );
    }
    let graded = GradedRows::choose(dataset, config.judge.as_deref(), &settings.judge.name, registry)?;
    if graded.rows.is_empty() {
        bail!(
            "no grades in {}; get the study's dataset with `left-behind fetch`, or grade responses with `left-behind grade`",
            config.study.data_dir.join("grades").display()
        );
    }
    let mut report = compute_report(&graded.rows, registry);
    if let Some(uncertainty) = &config.uncertainty {
        add_uncertainty(&mut report, &graded.rows, registry, uncertainty);
    }
    let tables = report_tables(&report, registry);
    let mut headline = headline_lines(&report);
    if let Some(line) = graded.describe() {
        headline.insert(0, line);
    }
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
                let path = out.join(format!("report.{}", config.format.extension()));
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
    run_errors: &[FailedCalls],
    format: ReportFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        ReportFormat::Text => render_text(tables, headline),
        ReportFormat::Markdown => render_markdown(tables, headline),
        ReportFormat::Latex => render_latex_with_headline(tables, headline),
        ReportFormat::Csv => render_csv_tables(tables),
        ReportFormat::Json => {
            let mut value = serde_json::to_value(report).context("cannot encode the report")?;
            value["graded_by"] = json!({ "judge": graded.judge, "members": graded.members });
            value["run_errors"] =
                run_errors.iter().map(|failed| json!({ "file": failed.file, "errors": failed.count })).collect();
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
        dataset: &Dataset,
        name: Option<&str>,
        study_judge: &str,
        registry: &ModelRegistry,
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
