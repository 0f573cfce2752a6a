use left_behind_shared::{DataError, Language, QuestionCategory, parse_questions};

use crate::fixtures::QUESTIONS;

#[test]
fn questions_parse_in_three_languages_sorted_by_id() {
    let reversed = r#"[
      {"id": 2, "category": "kazakh_cultural", "english": "B", "kazakh": "Ә", "mongolian": "Ө", "reference_answer": "b"},
      {"id": 1, "category": "neutral_technical", "english": "A", "kazakh": "Қ", "mongolian": "Ү", "reference_answer": null}
    ]"#;
    let questions = parse_questions(reversed, "benchmark/questions.json").unwrap();
    assert_eq!(questions.iter().map(|q| q.id).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(questions[0].category, QuestionCategory::NeutralTechnical);
    assert_eq!(questions[0].text(Language::Kazakh), "Қ");
    assert_eq!(questions[1].text(Language::Mongolian), "Ө");
    assert_eq!(questions[0].reference_answer, None);
    assert_eq!(parse_questions(QUESTIONS, "q.json").unwrap().len(), 4);
}

#[test]
fn a_byte_order_mark_is_ignored() {
    let text = format!("\u{feff}{QUESTIONS}");
    assert_eq!(parse_questions(&text, "q.json").unwrap().len(), 4);
}

#[test]
fn truncated_json_names_the_file_and_the_place() {
    let truncated = &QUESTIONS[..QUESTIONS.len() / 2];
    let error = parse_questions(truncated, "benchmark/questions.json").unwrap_err();
    let DataError::Json { file, line, column, .. } = &error else { panic!("unexpected {error:?}") };
    assert_eq!(file, "benchmark/questions.json");
    assert!(*line >= 3 && *column > 0, "{error}");
    assert!(error.to_string().starts_with("benchmark/questions.json:"), "{error}");
    assert!(error.to_string().contains("EOF"), "{error}");
}

#[test]
fn a_wrong_type_names_the_field() {
    let wrong = QUESTIONS.replacen(r#""id": 3"#, r#""id": "three""#, 1);
    let error = parse_questions(&wrong, "benchmark/questions.json").unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("benchmark/questions.json:4:"), "{message}");
    assert!(message.contains("field `[2].id`"), "{message}");
    assert!(message.contains("invalid type: string \"three\""), "{message}");
}

#[test]
fn an_unknown_category_is_an_error_naming_it() {
    let wrong = QUESTIONS.replacen("neutral_reasoning", "astrology", 1);
    let message = parse_questions(&wrong, "q.json").unwrap_err().to_string();
    assert!(message.contains("field `[2].category`"), "{message}");
    assert!(message.contains("astrology"), "{message}");
}
