//! A whole dataset (questions, answer sheet, results, grades) assembled from file contents.
//!
//! Assembly is pure: the runner reads a directory and the explorer fetches a manifest, and both hand
//! the bytes here. A file that cannot be read becomes a [`Problem`] and the rest still loads.

use std::collections::BTreeMap;

use crate::{
    AnswerSheet, Condition, GradeRow, JudgeGrades, JudgeName, Problem, Question, ReferenceAnswers, ResponseRecord,
    ResultsFile, Review, load_reviews, parse_answer_sheet, parse_grades, parse_questions, parse_results,
    reviewer_from_path,
};

/// The path of the questions file, relative to the dataset root.
pub const QUESTIONS_PATH: &str = "benchmark/questions.json";

/// What a file of the dataset is, judged by its path relative to the dataset root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataFileKind {
    /// `benchmark/questions.json`
    Questions,
    /// `benchmark/*answer_sheet.txt`
    AnswerSheet,
    /// `results/<condition_dir>/<model>.json`
    Results { condition: Condition, model: String },
    /// `grades/<condition_dir>.csv`: the study's judge's.
    Grades { condition: Condition },
    /// `grades/judges/<judge>/<condition_dir>.csv`: another judge's.
    JudgeGrades { judge: String, condition: Condition },
    /// `reviews/<reviewer>.csv`: a reviewer's grades ([`crate::Review`]).
    Reviews { reviewer: String },
    /// A file under `results/` or `grades/` whose name does not match the layout.
    Misplaced { reason: String },
    /// Anything else (READMEs, the question list as text, audit logs): not part of the analysis.
    Other,
}

/// Classifies a path relative to the dataset root (forward slashes).
pub fn classify_path(path: &str) -> DataFileKind {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["benchmark", "questions.json"] => DataFileKind::Questions,
        ["benchmark", name] if name.ends_with("answer_sheet.txt") => DataFileKind::AnswerSheet,
        ["results", directory, name] if name.ends_with(".json") => match Condition::from_directory(directory) {
            Some(condition) => DataFileKind::Results { condition, model: name.trim_end_matches(".json").to_owned() },
            None => DataFileKind::Misplaced { reason: unknown_condition(directory) },
        },
        ["grades", name] if name.ends_with(".csv") => match Condition::from_directory(name.trim_end_matches(".csv")) {
            Some(condition) => DataFileKind::Grades { condition },
            None => DataFileKind::Misplaced { reason: unknown_condition(name.trim_end_matches(".csv")) },
        },
        ["grades", "judges", judge, name] if name.ends_with(".csv") => match JudgeName::new(judge) {
            Err(error) => DataFileKind::Misplaced { reason: error.to_string() },
            Ok(_) => match Condition::from_directory(name.trim_end_matches(".csv")) {
                Some(condition) => DataFileKind::JudgeGrades { judge: (*judge).to_owned(), condition },
                None => DataFileKind::Misplaced { reason: unknown_condition(name.trim_end_matches(".csv")) },
            },
        },
        ["reviews", name] if name.ends_with(".csv") => match reviewer_from_path(name) {
            Ok(reviewer) => DataFileKind::Reviews { reviewer },
            Err(reason) => DataFileKind::Misplaced { reason },
        },
        _ => DataFileKind::Other,
    }
}

fn unknown_condition(name: &str) -> String {
    let known: Vec<&str> = Condition::ALL.iter().map(|condition| condition.directory()).collect();
    format!("{name:?} is not a condition (expected one of {})", known.join(", "))
}

/// One file handed to [`assemble`]: its path relative to the dataset root and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Everything that could be loaded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dataset {
    /// Sorted by id.
    pub questions: Vec<Question>,
    pub answer_sheet: Option<AnswerSheet>,
    /// Sorted by condition, then by path.
    pub results: Vec<ResultsFile>,
    /// All grade rows: conditions in order, each file's rows in file order.
    pub grades: Vec<GradeRow>,
    /// The conditions whose grades file loaded.
    pub graded_conditions: Vec<Condition>,
    /// The other judges' grades (`grades/judges/<name>/`), by name.
    pub judges: Vec<JudgeGrades>,
    /// The reviews of the files under `reviews/` (by file, each in file order): only those of
    /// responses the dataset knows. Stale ones are kept (see [`crate::review_status`]).
    pub reviews: Vec<Review>,
}

/// A dataset and everything found wrong while loading it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadedDataset {
    pub dataset: Dataset,
    pub problems: Vec<Problem>,
}

/// Parses every file and puts the dataset together. Never fails: what cannot be parsed is reported.
pub fn assemble(files: &[DataFile]) -> LoadedDataset {
    let mut loaded = LoadedDataset::default();
    let mut files: Vec<&DataFile> = files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let mut grades_by_condition: BTreeMap<Condition, Vec<GradeRow>> = BTreeMap::new();
    let mut judges: BTreeMap<String, BTreeMap<Condition, Vec<GradeRow>>> = BTreeMap::new();
    // Reviews are checked against the rest of the dataset, so they are read last.
    let mut review_files: Vec<(&str, &str)> = Vec::new();
    for file in files {
        let kind = classify_path(&file.path);
        if kind == DataFileKind::Other {
            continue;
        }
        let text = match std::str::from_utf8(&file.bytes) {
            Ok(text) => text,
            Err(error) => {
                loaded.problems.push(Problem::error(
                    &file.path,
                    format!("not UTF-8 text (invalid byte at offset {})", error.valid_up_to()),
                ));
                continue;
            }
        };
        let path = file.path.as_str();
        match kind {
            DataFileKind::Questions => match parse_questions(text, path) {
                Ok(questions) => loaded.dataset.questions = questions,
                Err(error) => loaded.problems.push(error.into()),
            },
            DataFileKind::AnswerSheet => match parse_answer_sheet(text, path) {
                Ok(sheet) if loaded.dataset.answer_sheet.is_none() => loaded.dataset.answer_sheet = Some(sheet),
                Ok(_) => loaded.problems.push(Problem::warning(path, "a second answer sheet; only the first is used")),
                Err(error) => loaded.problems.push(error.into()),
            },
            DataFileKind::Results { condition, model } => match parse_results(text, path) {
                Ok(results) if results.condition != condition => loaded.problems.push(
                    Problem::error(
                        path,
                        format!(
                            "the file says condition {} but lies in the directory of {condition}; move it or fix the field",
                            results.condition
                        ),
                    )
                    .in_field("condition"),
                ),
                Ok(results) if results.model != model => loaded.problems.push(
                    Problem::error(
                        path,
                        format!("the file says model {:?} but is named after {model:?}; rename it or fix the field", results.model),
                    )
                    .in_field("model"),
                ),
                Ok(results) => loaded.dataset.results.push(results),
                Err(error) => loaded.problems.push(error.into()),
            },
            DataFileKind::Grades { condition } => match parse_grades(text, condition, path) {
                Ok(parsed) => {
                    loaded.problems.extend(parsed.problems);
                    grades_by_condition.entry(condition).or_default().extend(parsed.rows);
                }
                Err(error) => loaded.problems.push(error.into()),
            },
            DataFileKind::JudgeGrades { judge, condition } => match parse_grades(text, condition, path) {
                Ok(parsed) => {
                    loaded.problems.extend(parsed.problems);
                    judges.entry(judge).or_default().entry(condition).or_default().extend(parsed.rows);
                }
                Err(error) => loaded.problems.push(error.into()),
            },
            DataFileKind::Reviews { .. } => review_files.push((path, text)),
            DataFileKind::Misplaced { reason } => loaded.problems.push(Problem::warning(path, format!("ignored: {reason}"))),
            DataFileKind::Other => unreachable!("skipped above"),
        }
    }
    loaded.dataset.results.sort_by(|a, b| (a.condition, &a.model).cmp(&(b.condition, &b.model)));
    loaded.dataset.graded_conditions = grades_by_condition.keys().copied().collect();
    loaded.dataset.grades = grades_by_condition.into_values().flatten().collect();
    loaded.dataset.judges = judges
        .into_iter()
        .map(|(name, by_condition)| JudgeGrades {
            name,
            graded_conditions: by_condition.keys().copied().collect(),
            rows: by_condition.into_values().flatten().collect(),
        })
        .collect();
    for (path, text) in review_files {
        let parsed = load_reviews(text, path, &loaded.dataset);
        loaded.problems.extend(parsed.problems);
        loaded.dataset.reviews.extend(parsed.reviews);
    }
    loaded
}

impl Dataset {
    /// True when nothing at all was loaded.
    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
            && self.results.is_empty()
            && self.grades.is_empty()
            && self.judges.is_empty()
            && self.reviews.is_empty()
    }

    pub fn question(&self, id: u32) -> Option<&Question> {
        self.questions.iter().find(|question| question.id == id)
    }

    pub fn results_file(&self, condition: Condition, model: &str) -> Option<&ResultsFile> {
        self.results.iter().find(|results| results.condition == condition && results.model == model)
    }

    pub fn response(&self, condition: Condition, model: &str, question_id: u32) -> Option<&ResponseRecord> {
        self.results_file(condition, model)?.response(question_id)
    }

    pub fn grade(&self, condition: Condition, model: &str, question_id: u32) -> Option<&GradeRow> {
        self.grades
            .iter()
            .find(|grade| grade.condition == condition && grade.model == model && grade.question_id == question_id)
    }

    /// The reference answers of every question, by question id (empty without an answer sheet).
    pub fn reference_answers(&self) -> BTreeMap<u32, ReferenceAnswers> {
        self.answer_sheet.as_ref().map(|sheet| sheet.answers_for(&self.questions)).unwrap_or_default()
    }
}
