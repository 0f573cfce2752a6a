//! Grading as data, without the network: what needs grading (resume), how a judgment becomes a grade
//! row, how a grades file is ordered, and the audit log of judge calls
//! (`grades/judgments/<condition_dir>.jsonl`, one JSON object per line).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{
    Condition, Dataset, GradeOutcome, GradeRow, ModelRegistry, Problem, QuestionCategory, ResponseRecord, Scores,
    response_length,
};

/// Which responses to grade.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GradingSelection {
    /// Only these conditions; all when empty.
    pub conditions: Vec<Condition>,
    /// Only these models; all when empty.
    pub models: Vec<String>,
    /// Grade again what already has a grade.
    pub force: bool,
}

impl GradingSelection {
    fn selects(&self, condition: Condition, model: &str) -> bool {
        (self.conditions.is_empty() || self.conditions.contains(&condition))
            && (self.models.is_empty() || self.models.iter().any(|selected| selected == model))
    }
}

/// One response to send to the judge.
#[derive(Debug, Clone, PartialEq)]
pub struct GradingTask<'a> {
    pub condition: Condition,
    pub model: &'a str,
    pub response: &'a ResponseRecord,
}

/// The plan of a `grade` run, per (condition, model) in registry order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GradingPlan<'a> {
    pub tasks: Vec<GradingTask<'a>>,
    /// Selected responses that already have a grade (skipped unless forced).
    pub already_graded: usize,
    /// Selected responses whose earlier grading failed (-1 row): graded again.
    pub retried_failures: usize,
    /// Selected responses whose grade is of an earlier answer (asked again since, `run --force`):
    /// graded again.
    pub replaced_answers: usize,
    /// Failed calls of the selected files: not answers, never graded.
    pub run_errors: usize,
}

impl GradingPlan<'_> {
    /// (condition, model) -> tasks, in plan order, for progress bars.
    pub fn counts(&self) -> Vec<((Condition, String), usize)> {
        let mut counts: Vec<((Condition, String), usize)> = Vec::new();
        for task in &self.tasks {
            match counts.last_mut() {
                Some(((condition, model), count)) if *condition == task.condition && model == task.model => *count += 1,
                _ => counts.push(((task.condition, task.model.to_owned()), 1)),
            }
        }
        counts
    }
}

/// What needs grading: every selected response without a grade, or whose grading failed (a failure is
/// not a grade, so it is tried again), or every selected response with `force`. Failed calls
/// (`errors` of a results file) are not responses and are never graded.
pub fn plan_grading<'a>(
    dataset: &'a Dataset,
    registry: &ModelRegistry,
    selection: &GradingSelection,
) -> GradingPlan<'a> {
    plan_grading_against(dataset, &dataset.grades, registry, selection)
}

/// [`plan_grading`] against the grades `grades` already holds: another judge's
/// (`grades/judges/<name>/`), whose grading is resumed from its own files.
pub fn plan_grading_against<'a>(
    dataset: &'a Dataset,
    grades: &[GradeRow],
    registry: &ModelRegistry,
    selection: &GradingSelection,
) -> GradingPlan<'a> {
    let existing: BTreeMap<(Condition, &str, u32), &GradeRow> =
        grades.iter().map(|row| ((row.condition, row.model.as_str(), row.question_id), row)).collect();
    let mut files: Vec<_> =
        dataset.results.iter().filter(|results| selection.selects(results.condition, &results.model)).collect();
    files.sort_by(|a, b| (a.condition, registry.order_of(&a.model)).cmp(&(b.condition, registry.order_of(&b.model))));
    let mut plan = GradingPlan::default();
    for results in files {
        plan.run_errors += results.errors.len();
        let mut responses: Vec<&ResponseRecord> = results.responses.iter().collect();
        responses.sort_by_key(|response| response.question_id);
        for response in responses {
            match existing.get(&(results.condition, results.model.as_str(), response.question_id)) {
                Some(row) if row.is_failed() => plan.retried_failures += 1,
                Some(row) if !grades_this_answer(row, response) => plan.replaced_answers += 1,
                Some(_) if !selection.force => {
                    plan.already_graded += 1;
                    continue;
                }
                _ => {}
            }
            plan.tasks.push(GradingTask { condition: results.condition, model: &results.model, response });
        }
    }
    plan
}

/// Whether `row` grades this answer, not an earlier one the question was asked before (`run
/// --force` replaces answers; their grades stay until graded again). A grade row carries its
/// answer's `response_time`, as the study's files do (rounded there to hundredths; all 2,000 of
/// its rows match their answers), and a new answer comes with a new time. A batch answer has no
/// time: an unknown time matches only an unknown one (a batch answer replaced by another batch
/// answer cannot be told apart this way).
pub fn grades_this_answer(row: &GradeRow, response: &ResponseRecord) -> bool {
    match (row.response_time, response.response_time_seconds) {
        // Up to half a tenth of a second apart, so that files rounded to tenths match too: a call
        // made again takes another time, seconds apart as a rule.
        (Some(graded), Some(answered)) => (graded - answered).abs() <= 0.051,
        (None, None) => true,
        _ => false,
    }
}

/// The grade row of a judged response. `outcome` is the verdict, or `Failed` with the reason in
/// `notes`; `response_length` is counted on the graded text.
pub fn grade_row(task: &GradingTask<'_>, outcome: GradeOutcome, notes: String) -> GradeRow {
    GradeRow {
        condition: task.condition,
        question_id: task.response.question_id,
        category: task.response.category,
        model: task.model.to_owned(),
        outcome,
        response_time: task.response.response_time_seconds,
        response_length: response_length(&task.response.response, task.condition),
        notes,
        line: 0,
    }
}

/// Puts `new` rows into `rows` (replacing a row of the same model and question) and sorts them as the
/// study's files are: by question id, then by the registry's model order.
pub fn merge_grade_rows(rows: &mut Vec<GradeRow>, new: impl IntoIterator<Item = GradeRow>, registry: &ModelRegistry) {
    for row in new {
        match rows.iter_mut().find(|existing| existing.model == row.model && existing.question_id == row.question_id) {
            Some(existing) => *existing = row,
            None => rows.push(row),
        }
    }
    rows.sort_by(|a, b| {
        (a.question_id, registry.order_of(&a.model)).cmp(&(b.question_id, registry.order_of(&b.model)))
    });
}

/// `grades/judgments/<condition_dir>.jsonl`.
pub fn judgments_path(condition: Condition) -> String {
    format!("grades/judgments/{}.jsonl", condition.directory())
}

/// One attempt of a judge call: the judge's raw answer, or why there was none, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeAttempt {
    /// The judge's answer as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_output: Option<String>,
    /// Why the attempt gave no usable verdict (a provider error, or what the parser found wrong).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One judged response, as kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgmentRecord {
    pub condition: Condition,
    /// The graded model.
    pub model: String,
    pub question_id: u32,
    pub category: QuestionCategory,
    /// The judge: its configuration name and its API model id.
    pub judge: String,
    pub judge_model_id: String,
    /// SHA-256 of the system prompt (hex), so that gradings under different prompts can be told apart.
    pub prompt_hash: String,
    pub user_message: String,
    /// The last raw answer of the judge, if any came.
    pub raw_output: Option<String>,
    /// The verdict, or `None` when grading failed.
    pub scores: Option<Scores>,
    /// The judge's notes, or the reason grading failed.
    pub notes: String,
    /// Every attempt in order (parse failures are retried; provider failures are retried by the
    /// dispatch layer and recorded as one attempt here).
    pub attempts: Vec<JudgeAttempt>,
    /// When the judgment was recorded (RFC 3339, UTC).
    pub timestamp: String,
    /// What was sent besides the prompts (`max_tokens`, `temperature`), and a configured
    /// temperature the judge takes none of (`temperature_not_sent`). Absent in older logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// The provider's batch that carried the call (`grade --batch`); absent for a live call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
}

impl JudgmentRecord {
    /// The record as one line of the log (JSON without newlines, then `\n`).
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).expect("a judgment record always serializes");
        line.push('\n');
        line
    }
}

/// Reads an audit log. A line that is not a record becomes a problem naming the line, except a torn
/// last line without a newline (what a process killed while appending leaves), which is skipped
/// with a warning.
pub fn parse_judgments(text: &str, file: &str) -> (Vec<JudgmentRecord>, Vec<Problem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    for (index, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<JudgmentRecord>(line) {
            Ok(record)
                if record.scores.is_some_and(|scores| {
                    Scores::new(scores.accuracy, scores.fluency, scores.completeness).is_none()
                }) =>
            {
                problems.push(
                    Problem::error(file, "a score is outside 0..=2").at_line(index as u64 + 1).in_field("scores"),
                );
            }
            Ok(record) => records.push(record),
            Err(_) if index + 1 == lines.len() && !complete => problems.push(
                Problem::warning(file, "the last line is incomplete (a grading run was interrupted); it is ignored")
                    .at_line(index as u64 + 1),
            ),
            Err(error) => problems.push(Problem::error(file, error.to_string()).at_line(index as u64 + 1)),
        }
    }
    (records, problems)
}
