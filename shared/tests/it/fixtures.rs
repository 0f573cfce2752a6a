//! Small hand-made datasets. Every number a test expects is worked out by hand from these.

use left_behind_shared::{Condition, DataFile};

pub fn file(path: &str, content: &str) -> DataFile {
    DataFile { path: path.to_owned(), bytes: content.as_bytes().to_vec() }
}

/// Four questions: two neutral factual, one reasoning, one Kazakh cultural.
pub const QUESTIONS: &str = r#"[
  {"id": 1, "category": "neutral_factual", "english": "What is 2+2?", "kazakh": "2+2 неше?", "mongolian": "2+2 хэд вэ?", "reference_answer": "4"},
  {"id": 2, "category": "neutral_factual", "english": "Capital of France?", "kazakh": "Францияның астанасы?", "mongolian": "Францын нийслэл?", "reference_answer": "Paris"},
  {"id": 3, "category": "neutral_reasoning", "english": "Is 7 prime?", "kazakh": "7 жай сан ба?", "mongolian": "7 анхны тоо юу?", "reference_answer": null},
  {"id": 4, "category": "kazakh_cultural", "english": "What is a dombra?", "kazakh": "Домбыра деген не?", "mongolian": "Домбыр гэж юу вэ?", "reference_answer": "A two-stringed lute"}
]"#;

/// A results file of `model` in `condition` answering `question_ids`.
pub fn results_json(condition: Condition, model: &str, question_ids: &[u32]) -> String {
    let responses: Vec<String> = question_ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"question_id": {id}, "category": "{}", "question_text": "q{id}", "response": "answer {id}", "reference_answer": "ref", "response_time_seconds": 1.5}}"#,
                if *id <= 2 {
                    "neutral_factual"
                } else if *id == 3 {
                    "neutral_reasoning"
                } else {
                    "kazakh_cultural"
                }
            )
        })
        .collect();
    format!(
        r#"{{"model": "{model}", "model_id": "{model}-id", "condition": "{}", "condition_description": "{}", "language": "{}", "system_prompt_used": null, "started_at": "2026-01-01T00:00:00+00:00", "responses": [{}], "last_updated": "2026-01-01T00:01:00+00:00"}}"#,
        condition.id(),
        condition.description(),
        condition.language().key(),
        responses.join(", ")
    )
}

pub const GRADES_HEADER: &str =
    "question_id,category,model,accuracy,fluency,completeness,total,response_time,response_length,notes\n";
