//! Grading without the network: the resume plan, grade rows and their order in the CSV (snapshot),
//! and the judgments audit log.

use left_behind_shared::{
    Condition, GradeOutcome, GradingSelection, JudgeAttempt, JudgmentRecord, ModelRegistry, QuestionCategory, Scores,
    Severity, assemble, grade_row, grades_to_csv, judgments_path, merge_grade_rows, parse_judgments, plan_grading,
};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file};

fn results(condition: Condition, model: &str, answers: &[(u32, &str)], failed: &[u32]) -> String {
    let responses: Vec<serde_json::Value> = answers
        .iter()
        .map(|(id, text)| {
            serde_json::json!({
                "question_id": id, "category": if *id <= 2 { "neutral_factual" } else { "neutral_reasoning" },
                "question_text": "q", "response": text, "reference_answer": null, "response_time_seconds": f64::from(*id) + 0.5,
            })
        })
        .collect();
    let errors: Vec<serde_json::Value> = failed
        .iter()
        .map(|id| {
            serde_json::json!({
                "question_id": id, "category": "neutral_factual", "question_text": "q", "status": 500,
                "message": "down", "attempts": 5, "failed_at": "t",
            })
        })
        .collect();
    serde_json::json!({
        "model": model, "model_id": "x", "condition": condition.id(), "condition_description": "d",
        "language": condition.language().key(), "system_prompt_used": null, "started_at": "t0",
        "responses": responses, "errors": errors, "last_updated": "t1",
    })
    .to_string()
}

/// C3: qwen3 answered 1-3 (1 graded, 2 failed grading, 3 new), aya_expanse answered 3 and failed 1;
/// gpt_5.2 answered 1 (graded). C2: qwen3 answered 1 (new).
fn dataset() -> left_behind_shared::Dataset {
    let transfer = "1. Translate\nWhat?\n2. Answer\nThis.\n3-қадам: Мынау үш сөз.";
    let loaded = assemble(&[
        file("benchmark/questions.json", QUESTIONS),
        file(
            "results/C3_kazakh_transfer/qwen3.json",
            &results(Condition::C3, "qwen3", &[(3, transfer), (1, "a b"), (2, "c")], &[]),
        ),
        file(
            "results/C3_kazakh_transfer/aya_expanse.json",
            &results(Condition::C3, "aya_expanse", &[(3, transfer)], &[1]),
        ),
        file("results/C3_kazakh_transfer/gpt_5.2.json", &results(Condition::C3, "gpt_5.2", &[(1, "x")], &[])),
        file("results/C2_kazakh/qwen3.json", &results(Condition::C2, "qwen3", &[(1, "Жауап бар")], &[])),
        file(
            "grades/C3_kazakh_transfer.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,qwen3,2,2,2,6,1.5,2,good\n2,neutral_factual,qwen3,-1,-1,-1,-1,2.5,1,GRADE_PARSE_ERROR\n\
                 1,neutral_factual,gpt_5.2,1,1,1,3,1.5,1,\n"
            ),
        ),
    ]);
    let errors: Vec<_> = loaded.problems.iter().filter(|problem| problem.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    loaded.dataset
}

fn keys(plan: &left_behind_shared::GradingPlan<'_>) -> Vec<(Condition, String, u32)> {
    plan.tasks.iter().map(|task| (task.condition, task.model.to_owned(), task.response.question_id)).collect()
}

#[test]
fn the_plan_skips_graded_responses_retries_failures_and_never_grades_failed_calls() {
    let dataset = dataset();
    let registry = ModelRegistry::study();
    let plan = plan_grading(&dataset, &registry, &GradingSelection::default());
    assert_eq!(
        keys(&plan),
        [
            (Condition::C2, "qwen3".to_owned(), 1),
            (Condition::C3, "qwen3".to_owned(), 2),
            (Condition::C3, "qwen3".to_owned(), 3),
            (Condition::C3, "aya_expanse".to_owned(), 3),
        ]
    );
    assert_eq!((plan.already_graded, plan.retried_failures, plan.run_errors), (2, 1, 1));
    assert_eq!(
        plan.counts(),
        [
            ((Condition::C2, "qwen3".to_owned()), 1),
            ((Condition::C3, "qwen3".to_owned()), 2),
            ((Condition::C3, "aya_expanse".to_owned()), 1),
        ]
    );
}

#[test]
fn force_and_filters_change_the_plan() {
    let dataset = dataset();
    let registry = ModelRegistry::study();
    let selection = GradingSelection { conditions: vec![Condition::C3], models: vec!["qwen3".to_owned()], force: true };
    let plan = plan_grading(&dataset, &registry, &selection);
    assert_eq!(
        keys(&plan),
        [
            (Condition::C3, "qwen3".to_owned(), 1),
            (Condition::C3, "qwen3".to_owned(), 2),
            (Condition::C3, "qwen3".to_owned(), 3),
        ]
    );
    assert_eq!((plan.already_graded, plan.retried_failures, plan.run_errors), (0, 1, 0));
}

#[test]
fn new_rows_replace_old_ones_and_the_file_is_ordered_by_question_then_registry_model() {
    let dataset = dataset();
    let registry = ModelRegistry::study();
    let plan =
        plan_grading(&dataset, &registry, &GradingSelection { conditions: vec![Condition::C3], ..Default::default() });
    let mut rows: Vec<_> = dataset.grades.iter().filter(|row| row.condition == Condition::C3).cloned().collect();
    let new = plan.tasks.iter().map(|task| match task.response.question_id {
        2 => grade_row(task, GradeOutcome::Failed, "GRADE_API_ERROR: server error (HTTP 500)".to_owned()),
        _ => grade_row(
            task,
            GradeOutcome::Scored(Scores { accuracy: 2, fluency: 1, completeness: 0 }),
            "ok, \"quoted\"".to_owned(),
        ),
    });
    merge_grade_rows(&mut rows, new, &registry);
    // The C3 response length counts the final answer's words (": Мынау үш сөз." is 4).
    insta::assert_snapshot!(grades_to_csv(&rows).replace("\r\n", "\n"));
}

fn record(question_id: u32) -> JudgmentRecord {
    JudgmentRecord {
        condition: Condition::C2,
        model: "qwen3".to_owned(),
        question_id,
        category: QuestionCategory::NeutralFactual,
        judge: "judge".to_owned(),
        judge_model_id: "claude-sonnet-4-5-20250929".to_owned(),
        prompt_hash: "ab".repeat(32),
        user_message: "QUESTION:\nЖауап бар?\n".to_owned(),
        raw_output: Some("{\"accuracy\": 2}".to_owned()),
        scores: None,
        notes: "GRADE_PARSE_ERROR: no fluency".to_owned(),
        attempts: vec![
            JudgeAttempt { raw_output: None, error: Some("server error (HTTP 500)".to_owned()) },
            JudgeAttempt { raw_output: Some("{\"accuracy\": 2}".to_owned()), error: Some("no fluency".to_owned()) },
        ],
        timestamp: "2026-01-01T00:00:00Z".to_owned(),
        parameters: Some(serde_json::json!({"max_tokens": 250, "temperature_not_sent": 0.0})),
        batch_id: Some("msgbatch_1".to_owned()),
    }
}

#[test]
fn judgment_records_are_one_line_each_and_read_back() {
    assert_eq!(judgments_path(Condition::C5), "grades/judgments/C5_mongolian_transfer.jsonl");
    let scored = JudgmentRecord { scores: Some(Scores { accuracy: 2, fluency: 2, completeness: 1 }), ..record(2) };
    let text = record(1).to_line() + &scored.to_line();
    assert_eq!(text.matches('\n').count(), 2);
    let (records, problems) = parse_judgments(&text, "grades/judgments/C2_kazakh.jsonl");
    assert_eq!(records, [record(1), scored]);
    assert!(problems.is_empty());
}

#[test]
fn a_torn_last_line_is_a_warning_and_a_bad_line_inside_is_an_error() {
    let torn = record(1).to_line() + &record(2).to_line()[..40];
    let (records, problems) = parse_judgments(&torn, "log.jsonl");
    assert_eq!(records.len(), 1);
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].severity, problems[0].line), (Severity::Warning, Some(2)));

    let bad = format!(
        "{}not json\n{}",
        record(1).to_line(),
        record(2).to_line().replace("\"scores\":null", "\"scores\":{\"accuracy\":3,\"fluency\":0,\"completeness\":0}")
    );
    let (records, problems) = parse_judgments(&bad, "log.jsonl");
    assert_eq!(records.len(), 1);
    let places: Vec<_> = problems.iter().map(|problem| (problem.severity, problem.line)).collect();
    assert_eq!(places, [(Severity::Error, Some(2)), (Severity::Error, Some(3))]);
}
