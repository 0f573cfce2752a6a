//! Several judges side by side. The study's judge (or the configuration's default judge) keeps its
//! place, `grades/<condition_dir>.csv`; every other judge's grades are in
//! `grades/judges/<name>/<condition_dir>.csv` (the same columns) with its audit log in
//! `grades/judges/<name>/judgments/<condition_dir>.jsonl`. The panel is every judge at once: per
//! response and criterion, the median of the judges that graded it.
//!
//! [`GradedBy`] says whose grades a report is computed under; [`Dataset::graded_by`] gives the dataset
//! as that judge (or the panel) graded it, so every table, figure and filter works unchanged.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Condition, Dataset, GradeOutcome, GradeRow, ModelRegistry, Scores};

/// The directory of the other judges' grades, relative to the dataset root.
pub const JUDGES_DIRECTORY: &str = "grades/judges";

/// The name that stands for the panel of all judges (`report --judge panel`, `?judge=panel`); no
/// judge may take it.
pub const PANEL: &str = "panel";

/// The name of the study's judge, Claude Sonnet 4.5 on Anthropic's API ([`crate::study_judge`]).
/// Its grades are `grades/*.csv`.
pub const STUDY_JUDGE: &str = "claude_sonnet_4.5";

/// The name of a judge other than the study's: also the name of its directory under
/// [`JUDGES_DIRECTORY`], so it can hold no path separator and cannot be `.`, `..` or [`PANEL`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct JudgeName(String);

/// Why a judge name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JudgeNameError {
    #[error("a judge needs a name")]
    Empty,
    #[error(
        "judge name {0:?} holds a path separator; a judge's grades go to grades/judges/<name>/, so its name must be one directory name"
    )]
    PathSeparator(String),
    #[error("judge name {0:?} is not a directory name")]
    NotADirectoryName(String),
    #[error("judge name {0:?} holds a control character")]
    ControlCharacter(String),
    #[error("\"panel\" names the panel of all judges and cannot be a judge's name")]
    Reserved,
}

impl JudgeName {
    pub fn new(name: &str) -> Result<JudgeName, JudgeNameError> {
        if name.is_empty() {
            Err(JudgeNameError::Empty)
        } else if name.contains(['/', '\\']) {
            Err(JudgeNameError::PathSeparator(name.to_owned()))
        } else if name == "." || name == ".." || name.trim() != name {
            Err(JudgeNameError::NotADirectoryName(name.to_owned()))
        } else if name.chars().any(char::is_control) {
            Err(JudgeNameError::ControlCharacter(name.to_owned()))
        } else if name == PANEL {
            Err(JudgeNameError::Reserved)
        } else {
            Ok(JudgeName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JudgeName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a judge's files are: the study's place (`None`) or its own directory.
pub fn judge_grades_path(judge: Option<&JudgeName>, condition: Condition) -> String {
    match judge {
        None => crate::grades_path(condition),
        Some(judge) => format!("{JUDGES_DIRECTORY}/{judge}/{}.csv", condition.directory()),
    }
}

/// The audit log of a judge's gradings of `condition` (`None`: the study's judge).
pub fn judge_judgments_path(judge: Option<&JudgeName>, condition: Condition) -> String {
    match judge {
        None => crate::judgments_path(condition),
        Some(judge) => format!("{JUDGES_DIRECTORY}/{judge}/judgments/{}.jsonl", condition.directory()),
    }
}

/// Whose grades a report, a table or a page is computed under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GradedBy {
    /// `grades/*.csv`: the study's judge, or the configuration's default judge.
    StudyJudge,
    /// `grades/judges/<name>/*.csv`.
    Judge(JudgeName),
    /// Per response and criterion, the median of every judge that graded it.
    Panel,
}

impl GradedBy {
    /// Reads a name as given on the command line or in a URL: [`PANEL`], the study judge's name
    /// (`study_judge`), or another judge's.
    pub fn parse(text: &str, study_judge: &str) -> Result<GradedBy, JudgeNameError> {
        if text == PANEL {
            Ok(GradedBy::Panel)
        } else if text == study_judge {
            Ok(GradedBy::StudyJudge)
        } else {
            JudgeName::new(text).map(GradedBy::Judge)
        }
    }

    /// The value in a URL's `judge` parameter: none for the study's judge.
    pub fn to_query(&self) -> Option<String> {
        match self {
            GradedBy::StudyJudge => None,
            GradedBy::Judge(name) => Some(name.to_string()),
            GradedBy::Panel => Some(PANEL.to_owned()),
        }
    }

    /// The URL query that selects it (`judge=gpt_judge`), empty for the study's judge.
    pub fn to_query_string(&self) -> String {
        match self.to_query() {
            None => String::new(),
            Some(value) => form_urlencoded::Serializer::new(String::new()).append_pair("judge", &value).finish(),
        }
    }

    /// How to name it (`study_judge` is the name of the study's judge).
    pub fn label(&self, study_judge: &str) -> String {
        match self {
            GradedBy::StudyJudge => study_judge.to_owned(),
            GradedBy::Judge(name) => name.to_string(),
            GradedBy::Panel => PANEL.to_owned(),
        }
    }
}

/// One other judge's grades, as loaded from `grades/judges/<name>/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct JudgeGrades {
    pub name: String,
    /// Conditions in order, each file's rows in file order.
    pub rows: Vec<GradeRow>,
    /// The conditions whose grades file loaded.
    pub graded_conditions: Vec<Condition>,
}

impl JudgeGrades {
    /// The path of this judge's grades file of `condition`, for messages.
    pub fn grades_path(&self, condition: Condition) -> String {
        format!("{JUDGES_DIRECTORY}/{}/{}.csv", self.name, condition.directory())
    }
}

/// The panel's grades and who sat on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    /// The judges whose grades the panel combines: the study's judge first, then the others by name.
    pub members: Vec<String>,
    pub rows: Vec<GradeRow>,
}

impl Dataset {
    /// The other judges' names, sorted.
    pub fn judge_names(&self) -> Vec<&str> {
        self.judges.iter().map(|judge| judge.name.as_str()).collect()
    }

    /// The grades of another judge.
    pub fn judge_grades(&self, name: &str) -> Option<&JudgeGrades> {
        self.judges.iter().find(|judge| judge.name == name)
    }

    /// Every judge's grades by name: the study's judge (named `study_judge`, if it has grades), then
    /// the others by name.
    pub fn judges_rows<'a>(&'a self, study_judge: &'a str) -> Vec<(&'a str, &'a [GradeRow])> {
        let mut judges = Vec::new();
        if !self.grades.is_empty() {
            judges.push((study_judge, &self.grades[..]));
        }
        judges.extend(self.judges.iter().map(|judge| (judge.name.as_str(), &judge.rows[..])));
        judges
    }

    /// Every way this dataset was graded: the study's judge (if it has grades), each other judge,
    /// and the panel when there are at least two judges.
    pub fn graders(&self) -> Vec<GradedBy> {
        let mut graders = Vec::new();
        if !self.grades.is_empty() {
            graders.push(GradedBy::StudyJudge);
        }
        for judge in &self.judges {
            if let Ok(name) = JudgeName::new(&judge.name) {
                graders.push(GradedBy::Judge(name));
            }
        }
        if graders.len() >= 2 {
            graders.push(GradedBy::Panel);
        }
        graders
    }

    /// The grade rows under `by`; `None` for a judge the dataset has no grades of.
    pub fn grades_by(&self, by: &GradedBy, study_judge: &str, registry: &ModelRegistry) -> Option<Cow<'_, [GradeRow]>> {
        match by {
            GradedBy::StudyJudge => Some(Cow::Borrowed(&self.grades)),
            GradedBy::Judge(name) => self.judge_grades(name.as_str()).map(|judge| Cow::Borrowed(&judge.rows[..])),
            GradedBy::Panel => Some(Cow::Owned(panel(self, study_judge, registry).rows)),
        }
    }

    /// The dataset as `by` graded it: its grades (and graded conditions) are that judge's, or the
    /// panel's; everything else is unchanged. `None` for a judge the dataset has no grades of.
    pub fn graded_by(&self, by: &GradedBy, study_judge: &str, registry: &ModelRegistry) -> Option<Dataset> {
        let rows = self.grades_by(by, study_judge, registry)?.into_owned();
        let mut graded_conditions: Vec<Condition> = rows.iter().map(|row| row.condition).collect();
        graded_conditions.dedup();
        Some(Dataset { grades: rows, graded_conditions, judges: Vec::new(), ..self.clone() })
    }
}

/// The panel of every judge in `dataset`: the study's judge (named `study_judge`) and each other
/// judge. Per response and criterion, the panel's score is the median of the scores of the judges
/// that graded it; with an even number of scores, the lower of the two middle ones, so that a
/// panel score is a score of the rubric (0, 1 or 2) and a tie between two judges leans to the
/// stricter. A response every judge failed to grade is a failed panel grade; one no judge graded
/// has no panel grade. Rows are ordered as a grades file: by condition, question id, then the
/// registry's model order.
pub fn panel(dataset: &Dataset, study_judge: &str, registry: &ModelRegistry) -> Panel {
    let mut members = Vec::new();
    let mut graders: Vec<&[GradeRow]> = Vec::new();
    if !dataset.grades.is_empty() {
        members.push(study_judge.to_owned());
        graders.push(&dataset.grades);
    }
    for judge in &dataset.judges {
        if !judge.rows.is_empty() {
            members.push(judge.name.clone());
            graders.push(&judge.rows);
        }
    }
    // (condition, question, the model's place in the registry) -> every judge's row of the response.
    type ResponseOrder<'a> = (Condition, u32, (usize, &'a str));
    let mut by_response: BTreeMap<ResponseOrder<'_>, Vec<&GradeRow>> = BTreeMap::new();
    for rows in &graders {
        for row in rows.iter() {
            by_response.entry((row.condition, row.question_id, registry.order_of(&row.model))).or_default().push(row);
        }
    }
    let rows = by_response.into_values().map(|rows| panel_grade(&rows)).collect();
    Panel { members, rows }
}

/// The panel's grade of one response from the rows of the judges that graded it (not empty): per
/// criterion the median of the scored rows (see [`panel`]), or a failed grade when none is scored.
pub fn panel_grade(rows: &[&GradeRow]) -> GradeRow {
    let first = rows[0];
    let scored: Vec<Scores> = rows.iter().filter_map(|row| row.scores()).collect();
    let (outcome, notes) = if scored.is_empty() {
        (GradeOutcome::Failed, format!("no verdict from {}", crate::plural(rows.len(), "judge")))
    } else {
        let median = |criterion: fn(&Scores) -> u8| lower_median(scored.iter().map(criterion).collect());
        let scores = Scores {
            accuracy: median(|scores| scores.accuracy),
            fluency: median(|scores| scores.fluency),
            completeness: median(|scores| scores.completeness),
        };
        (GradeOutcome::Scored(scores), format!("median of {}", crate::plural(scored.len(), "judge")))
    };
    GradeRow { outcome, notes, line: 0, ..first.clone() }
}

/// One judge's grade of one response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The judge's name.
    pub judge: String,
    /// Its grade (scored or failed); `None` when it did not grade the response.
    pub grade: Option<GradeRow>,
}

/// Every judge's grade of the response of `model` to `question_id` in `condition`: the study's
/// judge first (named `study_judge`), then the others by name, then the panel's when at least two
/// judges graded it.
pub fn verdicts(
    dataset: &Dataset,
    condition: Condition,
    model: &str,
    question_id: u32,
    study_judge: &str,
) -> Vec<Verdict> {
    let find = |rows: &[GradeRow]| {
        rows.iter()
            .find(|row| row.condition == condition && row.model == model && row.question_id == question_id)
            .cloned()
    };
    let mut verdicts: Vec<Verdict> = dataset
        .judges_rows(study_judge)
        .into_iter()
        .map(|(judge, rows)| Verdict { judge: judge.to_owned(), grade: find(rows) })
        .collect();
    let graded: Vec<&GradeRow> = verdicts.iter().filter_map(|verdict| verdict.grade.as_ref()).collect();
    if graded.len() >= 2 {
        let grade = panel_grade(&graded);
        verdicts.push(Verdict { judge: PANEL.to_owned(), grade: Some(grade) });
    }
    verdicts
}

/// The median of `values` (not empty); of an even number, the lower middle one.
fn lower_median(mut values: Vec<u8>) -> u8 {
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}
