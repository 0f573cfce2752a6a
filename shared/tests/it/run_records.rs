//! What `left-behind run` relies on in the data model: the study's system prompts, the fields it adds
//! to responses, and recording answers and failures in question-id order.

use left_behind_shared::{
    Condition, QuestionCategory, ResponseRecord, ResultsFile, RunError, TokenUsage, parse_results,
};

#[test]
fn the_c1_prompt_is_absent_and_the_transfer_prompts_have_three_numbered_steps() {
    assert_eq!(Condition::C1.system_prompt(), None);
    for condition in [Condition::C3, Condition::C5] {
        let prompt = condition.system_prompt().unwrap();
        let lines: Vec<&str> = prompt.lines().collect();
        assert_eq!(lines.len(), 5, "{prompt:?}");
        assert!(lines[1].starts_with("1. ") && lines[2].starts_with("2. ") && lines[3].starts_with("3. "));
    }
}

fn file() -> ResultsFile {
    let text = r#"{
  "model": "m",
  "model_id": "m-1",
  "condition": "C2",
  "condition_description": "Kazakh -> Kazakh (direct low-resource performance)",
  "language": "kazakh",
  "system_prompt_used": "x",
  "started_at": "2026-01-01T00:00:00+00:00",
  "responses": [],
  "last_updated": "2026-01-01T00:00:00+00:00"
}"#;
    parse_results(text, "results/C2_kazakh/m.json").unwrap()
}

fn answer(question_id: u32, text: &str) -> ResponseRecord {
    ResponseRecord {
        question_id,
        category: QuestionCategory::NeutralFactual,
        question_text: format!("сұрақ {question_id}"),
        response: text.to_owned(),
        reference_answer: None,
        response_time_seconds: Some(1.25),
        finish_reason: Some("stop".to_owned()),
        usage: Some(TokenUsage { input_tokens: Some(12), output_tokens: Some(34), ..TokenUsage::default() }),
        attempts: Some(2),
        api_model_id: Some("m-1".to_owned()),
        served_model: None,
        answered_at: Some("2026-01-01T00:00:01.000000+00:00".to_owned()),
        extra: Default::default(),
    }
}

fn failure(question_id: u32, message: &str) -> RunError {
    RunError {
        question_id,
        category: QuestionCategory::NeutralFactual,
        question_text: format!("сұрақ {question_id}"),
        status: Some(500),
        message: message.to_owned(),
        attempts: 3,
        failed_at: "2026-01-01T00:00:02+00:00".to_owned(),
        extra: Default::default(),
    }
}

#[test]
fn recording_keeps_question_order_replaces_and_clears_failures() {
    let mut results = file();
    results.record_response(answer(3, "c"));
    results.record_response(answer(1, "a"));
    results.record_error(failure(2, "first"));
    results.record_error(failure(2, "second"));
    results.record_error(failure(1, "after an answer"));
    let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
    assert_eq!(ids, [1, 3]);
    // A failure never erases an answer, and the same question fails once in the list.
    assert_eq!(results.response(1).unwrap().response, "a");
    let failed: Vec<(u32, &str)> =
        results.errors.iter().map(|error| (error.question_id, error.message.as_str())).collect();
    assert_eq!(failed, [(1, "after an answer"), (2, "second")]);
    // An answer clears the failure and replaces an earlier answer.
    results.record_response(answer(2, "b"));
    results.record_response(answer(1, "a again"));
    let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(results.response(1).unwrap().response, "a again");
    assert!(results.errors.is_empty());
}

#[test]
fn added_fields_round_trip_after_the_study_fields_and_are_absent_when_unknown() {
    let mut results = file();
    let mut record = answer(1, "жауап");
    record.extra.insert("future_field".to_owned(), serde_json::json!({"kept": true}));
    results.record_response(record);
    let mut bare = answer(2, "b");
    bare.finish_reason = None;
    bare.usage = None;
    bare.attempts = None;
    bare.api_model_id = None;
    bare.answered_at = None;
    results.record_response(bare);
    let text = results.to_json();
    let reread = parse_results(&text, "results/C2_kazakh/m.json").unwrap();
    assert_eq!(reread, results);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&str> = value["responses"][0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "question_id",
            "category",
            "question_text",
            "response",
            "reference_answer",
            "response_time_seconds",
            "finish_reason",
            "usage",
            "attempts",
            "api_model_id",
            "answered_at",
            "future_field"
        ]
    );
    assert_eq!(value["responses"][0]["usage"], serde_json::json!({"input_tokens": 12, "output_tokens": 34}));
    let bare_keys: Vec<&str> = value["responses"][1].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        bare_keys,
        ["question_id", "category", "question_text", "response", "reference_answer", "response_time_seconds"]
    );
    // Non-ASCII text is written as is, as in the study's files.
    assert!(text.contains("жауап"));
}
