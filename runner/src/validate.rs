//! `left-behind validate`: load a dataset and print every problem with file, line and field.
//! Exits 0 when the data is usable (warnings allowed), 1 when it has errors.

use std::path::PathBuf;
use std::process::ExitCode;

use left_behind_shared::{Problem, plural, validate};

use crate::data_dir::read_dataset;

#[derive(Debug, Clone)]
pub struct ValidateConfig {
    pub data_dir: PathBuf,
    /// `--config`: the models it adds are known to the checks (not reported as unassigned).
    pub config_path: Option<PathBuf>,
}

pub fn run(config: ValidateConfig) -> anyhow::Result<ExitCode> {
    let loaded = read_dataset(&config.data_dir)?;
    let registry = crate::config::load(config.config_path.as_deref(), &config.data_dir)?.registry();
    let mut problems = loaded.problems;
    problems.extend(validate(&loaded.dataset, &registry));
    for problem in &problems {
        println!("{problem}");
    }
    let dataset = &loaded.dataset;
    let answers = dataset.answer_sheet.as_ref().map_or(0, |sheet| sheet.answer_count());
    let responses: usize = dataset.results.iter().map(|results| results.responses.len()).sum();
    let run_errors: usize = dataset.results.iter().map(|results| results.errors.len()).sum();
    let failed = dataset.grades.iter().filter(|row| row.is_failed()).count();
    let (errors, warnings) = count(&problems);
    println!(
        "checked {}: {} questions, {answers} reference answers, {} results files ({responses} responses, {run_errors} failed calls), \
         {} grades files ({} rows, {failed} failed gradings): {}, {}",
        config.data_dir.display(),
        dataset.questions.len(),
        dataset.results.len(),
        dataset.graded_conditions.len(),
        dataset.grades.len(),
        plural(errors, "error"),
        plural(warnings, "warning"),
    );
    for judge in &dataset.judges {
        let failed = judge.rows.iter().filter(|row| row.is_failed()).count();
        println!(
            "judge {}: {} in grades/judges/{}/ ({}, {})",
            judge.name,
            plural(judge.graded_conditions.len(), "grades file"),
            judge.name,
            plural(judge.rows.len(), "row"),
            plural(failed, "failed grading")
        );
    }
    if dataset.is_empty() {
        println!("the directory holds no dataset; get the study's with `left-behind fetch`");
    }
    Ok(if errors > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// (errors, warnings)
pub fn count(problems: &[Problem]) -> (usize, usize) {
    let errors = problems.iter().filter(|problem| problem.is_error()).count();
    (errors, problems.len() - errors)
}
