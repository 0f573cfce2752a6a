//! What the commands that work on a dataset share: the `--data` and `--config` arguments, and the
//! place they resolve to, which opens the configuration, the keys and the dataset once for the
//! command (as ripgrep's low-level arguments become its high-level ones).

use std::path::{Path, PathBuf};

use clap::Args;
use left_behind_shared::{Condition, LoadedDataset, ModelRegistry, Problem, blocks_analysis, plural};

use crate::config::{self, RunnerConfig};
use crate::data_dir;
use crate::secrets::KeySource;

/// The dataset directory shared by the commands that read data.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Dataset directory (holding benchmark/, results/, grades/). Default: the repository root, found
    /// upwards from the current directory; else the current directory.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// The configuration file shared by the commands that need to know the models.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Configuration file (models, conditions, limits). Default: left-behind.toml in the dataset
    /// directory if it exists, else the built-in defaults, which reproduce the study.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where a command's study is: the dataset directory and the configuration file, resolved from the
/// command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudyPlace {
    pub data_dir: PathBuf,
    /// `--config`; `None` looks for `left-behind.toml` in the data directory.
    pub config_path: Option<PathBuf>,
}

impl StudyPlace {
    /// `--data` (else the repository root) and `--config`.
    pub fn from_args(data: DataArgs, config: ConfigArgs) -> anyhow::Result<StudyPlace> {
        let data_dir = match data.data {
            Some(dir) => dir,
            None => data_dir::default_data_dir()?,
        };
        Ok(StudyPlace { data_dir, config_path: config.config })
    }

    /// A place in `data_dir` with its default configuration (for tests and embedding).
    pub fn new(data_dir: impl Into<PathBuf>) -> StudyPlace {
        StudyPlace { data_dir: data_dir.into(), config_path: None }
    }

    /// The configuration: `--config`, else `left-behind.toml` in the dataset directory, else the
    /// built-in defaults.
    pub fn configuration(&self) -> anyhow::Result<RunnerConfig> {
        config::load(self.config_path.as_deref(), &self.data_dir)
    }

    /// The keys the models of this study are called with.
    pub fn keys(&self) -> anyhow::Result<KeySource> {
        KeySource::for_data_dir(&self.data_dir)
    }

    /// The dataset as it is, with every problem found while reading it (a file that cannot be read is
    /// a problem, not a failure).
    pub fn read_dataset(&self) -> anyhow::Result<LoadedDataset> {
        data_dir::read_dataset(&self.data_dir)
    }

    /// The dataset for a command that analyses it: checked against `registry`; every problem that
    /// makes it unusable is printed to stderr and the command stops; the rest (warnings, and errors of
    /// review files, which only `agreement` reads) are counted in a note.
    pub fn open_usable(&self, registry: &ModelRegistry) -> anyhow::Result<LoadedDataset> {
        let mut loaded = self.read_dataset()?;
        let problems = std::mem::take(&mut loaded.problems);
        loaded.problems = stop_on_errors(&self.data_dir, problems, &loaded, registry)?;
        let ProblemCounts { errors, warnings } = ProblemCounts::of(&loaded.problems);
        if errors > 0 {
            eprintln!("note: the review files have {} (`left-behind validate` lists them)", plural(errors, "error"));
        }
        if warnings > 0 {
            eprintln!("note: the data has {} (`left-behind validate` lists them)", plural(warnings, "warning"));
        }
        Ok(loaded)
    }
}

/// The problems of `loaded` (those found reading it and `shared`'s checks); an error naming how many
/// errors there are, after printing them, if any makes the data unusable.
pub fn stop_on_errors(
    data_dir: &Path,
    mut problems: Vec<Problem>,
    loaded: &LoadedDataset,
    registry: &ModelRegistry,
) -> anyhow::Result<Vec<Problem>> {
    problems.extend(left_behind_shared::validate(&loaded.dataset, registry));
    let errors = problems.iter().filter(|problem| blocks_analysis(problem)).count();
    if errors > 0 {
        for problem in problems.iter().filter(|problem| blocks_analysis(problem)) {
            eprintln!("{problem}");
        }
        anyhow::bail!(
            "the data in {} has {}; fix them first (`left-behind validate` lists every problem)",
            data_dir.display(),
            plural(errors, "error")
        );
    }
    Ok(problems)
}

/// How many problems make the data unusable, and how many are warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemCounts {
    pub errors: usize,
    pub warnings: usize,
}

impl ProblemCounts {
    pub fn of(problems: &[Problem]) -> ProblemCounts {
        let errors = problems.iter().filter(|problem| problem.is_error()).count();
        ProblemCounts { errors, warnings: problems.len() - errors }
    }
}

/// Parses `C3` or `C3_kazakh_transfer` (case-insensitive id).
pub fn parse_condition(text: &str) -> Result<Condition, String> {
    Condition::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Condition::ALL.iter().map(|condition| condition.id()).collect();
        format!("unknown condition {text:?} (expected one of {})", known.join(", "))
    })
}

/// The selected conditions, sorted, each once.
pub fn sorted_conditions(mut conditions: Vec<Condition>) -> Vec<Condition> {
    conditions.sort();
    conditions.dedup();
    conditions
}
