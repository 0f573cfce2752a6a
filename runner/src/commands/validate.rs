//! `left-behind validate`: load a dataset and print every problem with file, line and field.
//! Exits 0 when the data is usable (warnings allowed), 1 when it has errors.

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::Args;
use left_behind_shared::{ReviewStatus, plural, review_status, validate};

use super::study::{ConfigArgs, DataArgs, ProblemCounts, StudyPlace};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// What `validate` checks, after the command line was read.
#[derive(Debug, Clone)]
pub struct ValidateConfig {
    /// `--config`: the models it adds are known to the checks (not reported as unassigned).
    pub study: StudyPlace,
}

impl ValidateArgs {
    pub fn into_config(self) -> anyhow::Result<ValidateConfig> {
        Ok(ValidateConfig { study: StudyPlace::from_args(self.data, self.config)? })
    }
}

pub fn run(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    execute(args.into_config()?)
}

pub fn execute(config: ValidateConfig) -> anyhow::Result<ExitCode> {
    let loaded = config.study.read_dataset()?;
    let registry = config.study.configuration()?.registry();
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
    let stale = dataset.reviews.iter().filter(|review| review_status(review, dataset) == ReviewStatus::Stale).count();
    let reviewers: BTreeSet<&str> = dataset.reviews.iter().map(|review| review.reviewer.as_str()).collect();
    let ProblemCounts { errors, warnings } = ProblemCounts::of(&problems);
    println!(
        "checked {}: {} questions, {answers} reference answers, {} results files ({responses} responses, {run_errors} failed calls), \
         {} grades files ({} rows, {failed} failed gradings), {} ({}, {stale} stale): {}, {}",
        config.study.data_dir.display(),
        dataset.questions.len(),
        dataset.results.len(),
        dataset.graded_conditions.len(),
        dataset.grades.len(),
        plural(reviewers.len(), "review file"),
        plural(dataset.reviews.len(), "review"),
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
