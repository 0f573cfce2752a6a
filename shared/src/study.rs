//! An opened study: the dataset, the model registry, the judge and every problem found, as one value.
//!
//! The runner and the explorer open a study the same way: they gather the files (the runner from disk,
//! the explorer over HTTP from the site's manifest) and the analysis-relevant part of the
//! configuration ([`StudySettings`]: the runner from `left-behind.toml`, the explorer from the
//! manifest, where `cargo xtask site` wrote the same settings), then call [`open_study`]. Because the
//! registry travels with the data, a configured model is named and grouped the same way on the site as
//! in `left-behind report`.

use serde::{Deserialize, Serialize};

use crate::{DataFile, Dataset, ModelCategory, ModelInfo, ModelRegistry, Problem, ProviderKind, assemble, validate};

/// What the analysis needs from the configuration: which models there are (names, display names,
/// categories, their order in tables) and which judge graded them. Everything else in
/// `left-behind.toml` (URLs, limits, prompts) is about calling models, not about reading the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudySettings {
    pub registry: ModelRegistry,
    /// The model that grades (`grade`'s default judge).
    pub judge: ModelInfo,
}

impl StudySettings {
    /// The study's own setup: its eight models and its judge, Claude Sonnet 4.5.
    pub fn study() -> StudySettings {
        StudySettings { registry: ModelRegistry::study(), judge: study_judge() }
    }
}

impl Default for StudySettings {
    fn default() -> StudySettings {
        StudySettings::study()
    }
}

/// The study's judge as the registry describes models (the runner's built-in judge entry).
pub fn study_judge() -> ModelInfo {
    ModelInfo {
        name: crate::STUDY_JUDGE.to_owned(),
        display_name: "Claude Sonnet 4.5 (judge)".to_owned(),
        api_model_id: "claude-sonnet-4-5-20250929".to_owned(),
        provider: ProviderKind::Anthropic,
        provider_route: None,
        category: ModelCategory::Unassigned,
        family: Some("anthropic".to_owned()),
    }
}

/// The files of a dataset as gathered by whoever read them: the ones that could be read, and a
/// problem for each one that could not (an unreadable file on disk, a failed fetch), so that one lost
/// file never hides the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StudyFiles {
    pub files: Vec<DataFile>,
    pub unreadable: Vec<Problem>,
}

/// A dataset opened for analysis: what loaded, how to name and group its models, and everything wrong
/// with it (the files that could not be read or parsed first, then the cross-file checks).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedStudy {
    pub dataset: Dataset,
    pub registry: ModelRegistry,
    pub judge: ModelInfo,
    pub problems: Vec<Problem>,
}

/// Parses, assembles and checks a dataset under `settings`. Pure and infallible: whatever is wrong is
/// in [`OpenedStudy::problems`], and the caller decides whether errors stop it ([`OpenedStudy::is_usable`]).
pub fn open_study(files: &StudyFiles, settings: &StudySettings) -> OpenedStudy {
    open_partial_study(files, settings).checked()
}

/// Parses and assembles part of a study's files, without the cross-file checks (they would report
/// every file that has simply not arrived yet). The explorer opens the files the overview needs this
/// way, then adds the results files with [`OpenedStudy::complete_with_results`].
pub fn open_partial_study(files: &StudyFiles, settings: &StudySettings) -> OpenedStudy {
    let loaded = assemble(&files.files);
    let mut problems = files.unreadable.clone();
    problems.extend(loaded.problems);
    OpenedStudy {
        dataset: loaded.dataset,
        registry: settings.registry.clone(),
        judge: settings.judge.clone(),
        problems,
    }
}

impl OpenedStudy {
    /// A partly opened study ([`open_partial_study`]) with the rest of its results files, checked
    /// across files: the study [`open_study`] gives for all the files at once. `rest` holds results
    /// files only (other files in it are parsed, and their problems kept, but not added).
    pub fn complete_with_results(mut self, rest: &StudyFiles) -> OpenedStudy {
        let loaded = assemble(&rest.files);
        self.dataset.results.extend(loaded.dataset.results);
        // `assemble`'s order: by condition, then by path (the model's file name).
        self.dataset.results.sort_by(|a, b| (a.condition, &a.model).cmp(&(b.condition, &b.model)));
        self.problems.extend(rest.unreadable.iter().cloned());
        self.problems.extend(loaded.problems);
        self.checked()
    }

    fn checked(mut self) -> OpenedStudy {
        let problems = validate(&self.dataset, &self.registry);
        self.problems.extend(problems);
        self
    }

    /// The problems that make the data unusable for analysis (a review file's are not among them:
    /// see [`crate::blocks_analysis`]).
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|problem| crate::blocks_analysis(problem))
    }

    pub fn error_count(&self) -> usize {
        self.errors().count()
    }

    pub fn warning_count(&self) -> usize {
        self.problems.iter().filter(|problem| !problem.is_error()).count()
    }

    /// True when no problem is an error (warnings allowed): `report`, `metrics` and `grade` may go on.
    pub fn is_usable(&self) -> bool {
        self.error_count() == 0
    }

    /// True when nothing at all was loaded.
    pub fn is_empty(&self) -> bool {
        self.dataset.is_empty()
    }
}
