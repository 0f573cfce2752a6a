use left_behind_shared::{Condition, Language, parse_results, results_path};

use crate::fixtures::results_json;

#[test]
fn a_results_file_parses_with_its_responses() {
    let text = results_json(Condition::C2, "tiny_model", &[1, 2]);
    let results = parse_results(&text, "results/C2_kazakh/tiny_model.json").unwrap();
    assert_eq!(results.model, "tiny_model");
    assert_eq!(results.condition, Condition::C2);
    assert_eq!(results.language, Language::Kazakh);
    assert_eq!(results.system_prompt_used, None);
    assert_eq!(results.responses.len(), 2);
    assert_eq!(results.response(2).unwrap().response, "answer 2");
    assert!(results.errors.is_empty());
    assert_eq!(results.relative_path(), "results/C2_kazakh/tiny_model.json");
    assert_eq!(results_path(Condition::C5, "m"), "results/C5_mongolian_transfer/m.json");
}

#[test]
fn reading_then_writing_keeps_unknown_fields_in_place() {
    let text = r#"{
  "model": "m",
  "model_id": "m-1",
  "condition": "C1",
  "condition_description": "English -> English (upper bound baseline)",
  "language": "english",
  "system_prompt_used": null,
  "started_at": "2026-01-01T00:00:00+00:00",
  "responses": [
    {
      "question_id": 1,
      "category": "neutral_factual",
      "question_text": "What is 2+2?",
      "response": "Төрт (four) — 4",
      "reference_answer": "4",
      "response_time_seconds": 2.0,
      "finish_reason": "stop",
      "usage": {
        "input_tokens": 12,
        "output_tokens": 3
      },
      "reviewer_note": "checked"
    }
  ],
  "last_updated": "2026-01-01T00:01:00+00:00",
  "runner_version": "9.9"
}"#;
    let results = parse_results(text, "r.json").unwrap();
    assert_eq!(results.extra["runner_version"], "9.9");
    // finish_reason and usage are fields `left-behind run` writes; reviewer_note is unknown.
    assert_eq!(results.responses[0].finish_reason.as_deref(), Some("stop"));
    assert_eq!(results.responses[0].usage.as_ref().and_then(|usage| usage.output_tokens), Some(3));
    assert_eq!(results.responses[0].extra["reviewer_note"], "checked");
    // Byte for byte: field order, indentation, unescaped Cyrillic, `2.0` stays a float.
    assert_eq!(results.to_json(), text);
}

#[test]
fn failed_calls_live_apart_from_responses() {
    let text = results_json(Condition::C3, "m", &[1]).replacen(
        r#""last_updated""#,
        r#""errors": [{"question_id": 2, "category": "neutral_factual", "question_text": "q2", "status": 503, "message": "Service Unavailable", "attempts": 5, "failed_at": "2026-01-01T00:00:30+00:00"}], "last_updated""#,
        1,
    );
    let results = parse_results(&text, "r.json").unwrap();
    assert_eq!(results.responses.len(), 1);
    assert_eq!(results.errors.len(), 1);
    assert_eq!(results.errors[0].status, Some(503));
    assert_eq!(results.errors[0].attempts, 5);
    assert!(results.to_json().contains(r#""errors": ["#));
    // An empty error list is not written, so files without failures keep the study's exact shape.
    let clean = parse_results(&results_json(Condition::C3, "m", &[1]), "r.json").unwrap();
    assert!(!clean.to_json().contains("errors"));
}

#[test]
fn a_wrong_type_deep_inside_names_the_response_and_field() {
    let text = results_json(Condition::C1, "m", &[1, 2, 3]).replacen("1.5", "\"slow\"", 3);
    let message = parse_results(&text, "results/C1_english/m.json").unwrap_err().to_string();
    assert!(message.starts_with("results/C1_english/m.json:1:"), "{message}");
    assert!(message.contains("field `responses[0].response_time_seconds`"), "{message}");
}

#[test]
fn a_missing_field_is_named() {
    let text = results_json(Condition::C1, "m", &[1]).replacen(r#""response": "answer 1", "#, "", 1);
    let message = parse_results(&text, "r.json").unwrap_err().to_string();
    assert!(message.contains("responses[0]"), "{message}");
    assert!(message.contains("missing field `response`"), "{message}");
}

#[test]
fn a_batch_answer_has_no_time_written_null_and_read_back() {
    let known = results_json(Condition::C2, "m", &[1]);
    assert_eq!(parse_results(&known, "r.json").unwrap().responses[0].response_time_seconds, Some(1.5));
    // `null` (a batch answer) reads as unknown and is written back as `null`, never as 0.
    let unknown = known.replacen(r#""response_time_seconds": 1.5"#, r#""response_time_seconds": null"#, 1);
    let results = parse_results(&unknown, "r.json").unwrap();
    assert_eq!(results.responses[0].response_time_seconds, None);
    let written = results.to_json();
    assert!(written.contains(r#""response_time_seconds": null"#), "{written}");
    assert_eq!(parse_results(&written, "r.json").unwrap(), results);
    // Absent (files of other tools) reads as unknown too.
    let absent = known.replacen(r#", "response_time_seconds": 1.5"#, "", 1);
    assert_ne!(absent, known);
    assert_eq!(parse_results(&absent, "r.json").unwrap().responses[0].response_time_seconds, None);
}
