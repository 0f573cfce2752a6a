//! The LLM judge's side of grading, as pure functions: the system prompt (rubric and the complete
//! answer sheet), the user message for one response, and the parser of the judge's answer.
//!
//! The runner sends these and records the result; the explorer can show a reviewer exactly what the
//! judge saw.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::{
    AnswerSheet, Condition, FinalAnswerSource, Language, Question, QuestionCategory, Scores, extract_final_answer,
};

/// The rubric and rules, in the order the judge reads them. The answer sheet follows.
const RUBRIC: &str = "\
You grade answers given by language models in a research study of English, Kazakh and Mongolian. \
Each answer gets three scores from 0 to 2.

ACCURACY (is the content right?)
  0 = wrong, made up, or off the topic of the question
  1 = partly right: some correct content, but key points missing or some facts wrong
  2 = right, and it covers the main points of the reference answer

FLUENCY (is it good text in the TARGET LANGUAGE named in the request?)
  0 = broken, garbled, or not in the target language
  1 = understandable, but awkward or unnatural
  2 = natural, as a fluent native speaker would write it

COMPLETENESS (does it answer all of the question?)
  0 = minimal: a sentence or less, nothing useful
  1 = partial: answers, but thinly, or leaves parts of the question out
  2 = thorough: every part of the question answered in enough detail

RULES
1. Judge every answer by itself; earlier answers you have seen must not move your scores.
2. An answer that refuses, or says it cannot help, scores 0, 0 and 0.
3. An answer in the wrong language gets Fluency 0, but its Accuracy and Completeness are still scored \
on what it says.
4. Kazakh and Kyrgyz are different languages. Kyrgyz has none of the letters ә, ғ, қ, ұ, һ, і and uses \
words such as жооп, жана, бирок where Kazakh has жауап, және, бірақ. An answer that should be Kazakh \
but is written in Kyrgyz is in the wrong language.
5. Reasoning questions: Accuracy 2 needs both sound logic and the correct result; the right result \
reached by wrong logic gets at most 1.
6. Cultural questions: Accuracy 2 needs the culturally significant detail, not only the bare facts.
7. Some questions accept more than one answer; the answer sheet below marks them. For question Q10 \
(the NYSE's third best day), the answer of the English sheet and the answer of the Mongolian sheet \
both count as correct, in every language.
8. For the translate-answer-translate conditions (C3, C5) you are given the final translated answer; \
grade that text.
9. Keep the notes short: say what decided the scores (errors, made-up facts, wrong language, Kyrgyz \
instead of Kazakh, a notable cultural insight).

REPLY with exactly one JSON object and nothing else:
{\"accuracy\": <0, 1 or 2>, \"fluency\": <0, 1 or 2>, \"completeness\": <0, 1 or 2>, \"notes\": \"<short note>\"}
";

/// One criterion of the rubric as the judge reads it: its name, what it asks, and what each score
/// means. The explorer's review panel shows reviewers these words (a test checks they are the
/// judge's prompt's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RubricCriterion {
    /// `ACCURACY`.
    pub name: &'static str,
    /// `is the content right?`
    pub asks: &'static str,
    /// What 0, 1 and 2 mean.
    pub levels: [&'static str; 3],
}

/// Accuracy, fluency and completeness, in the rubric's words.
pub const RUBRIC_CRITERIA: [RubricCriterion; 3] = [
    RubricCriterion {
        name: "ACCURACY",
        asks: "is the content right?",
        levels: [
            "wrong, made up, or off the topic of the question",
            "partly right: some correct content, but key points missing or some facts wrong",
            "right, and it covers the main points of the reference answer",
        ],
    },
    RubricCriterion {
        name: "FLUENCY",
        asks: "is it good text in the TARGET LANGUAGE named in the request?",
        levels: [
            "broken, garbled, or not in the target language",
            "understandable, but awkward or unnatural",
            "natural, as a fluent native speaker would write it",
        ],
    },
    RubricCriterion {
        name: "COMPLETENESS",
        asks: "does it answer all of the question?",
        levels: [
            "minimal: a sentence or less, nothing useful",
            "partial: answers, but thinly, or leaves parts of the question out",
            "thorough: every part of the question answered in enough detail",
        ],
    },
];

/// The judge's system prompt: the rubric and rules, then the complete answer sheet (every question in
/// English, Kazakh and Mongolian with its reference answer), the questions numbered by their ids.
pub fn judge_system_prompt(sheet: &AnswerSheet, questions: &[Question]) -> String {
    let mut prompt = String::from(RUBRIC);
    prompt.push_str("\nANSWER SHEET (the reference answers in English, Kazakh and Mongolian)\n");
    let ids = question_ids_by_position(questions);
    for (language, entries) in &sheet.sections {
        prompt.push_str(&format!("\n=== {} ===\n", language.display_name()));
        let mut category = None;
        for entry in entries {
            if category != Some(entry.category) {
                category = Some(entry.category);
                prompt.push_str(&format!("\n--- {} ---\n", entry.category.display_name()));
            }
            let id = ids
                .get(&(entry.category, entry.number))
                .map_or_else(|| format!("{} #{}", entry.category.display_name(), entry.number), |id| format!("Q{id}"));
            prompt.push_str(&format!("{id}. {}\n", entry.question_text));
            match &entry.answer {
                Some(answer) => {
                    prompt.push_str(&indent(&format!("Answer: {}", answer.text)));
                    if answer.several_accepted {
                        prompt.push_str("   (several answers are accepted)\n");
                    }
                }
                None => prompt.push_str("   Answer: (not given in this language)\n"),
            }
        }
    }
    prompt
}

/// The n-th question of a category in id order is entry n of that category on the sheet.
fn question_ids_by_position(questions: &[Question]) -> BTreeMap<(QuestionCategory, u32), u32> {
    let mut ids = BTreeMap::new();
    for category in QuestionCategory::ALL {
        let mut in_category: Vec<u32> = questions.iter().filter(|q| q.category == category).map(|q| q.id).collect();
        in_category.sort_unstable();
        for (index, id) in in_category.into_iter().enumerate() {
            ids.insert((category, index as u32 + 1), id);
        }
    }
    ids
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("   {line}\n")).collect()
}

/// What the judge is told about one response.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeRequest<'a> {
    pub condition: Condition,
    pub category: QuestionCategory,
    pub question_id: u32,
    /// The question as it was asked (in the condition's language).
    pub question_text: &'a str,
    /// The short English reference answer, if the study has one.
    pub reference_answer: Option<&'a str>,
    /// The model's whole response; the message carries the graded part of it.
    pub response: &'a str,
}

/// The text that is graded: the final answer in C3/C5, the whole response otherwise.
pub fn graded_text(response: &str, condition: Condition) -> &str {
    extract_final_answer(response, condition).text
}

/// The user message for one response: condition, target language, category, question id, question,
/// English reference answer, and the text to grade (with a note on what it is in C3/C5).
pub fn judge_user_message(request: &JudgeRequest<'_>) -> String {
    let final_answer = extract_final_answer(request.response, request.condition);
    let note = match final_answer.source {
        FinalAnswerSource::WholeResponse => "",
        FinalAnswerSource::Marker { .. } | FinalAnswerSource::LastLines { .. } => {
            "\n\n(Note: this is the final translated answer, taken from the end of a translate-answer-translate \
             response. Grade this text only.)"
        }
        FinalAnswerSource::ShortResponse => {
            "\n\n(Note: this response comes from a translate-answer-translate condition and no final-answer \
             section could be told apart, so it is given whole. Grade its final answer in the target language.)"
        }
    };
    let language: Language = request.condition.language();
    format!(
        "CONDITION: {} ({})\nTARGET LANGUAGE: {}\nCATEGORY: {}\nQUESTION ID: Q{}\n\nQUESTION:\n{}\n\n\
         ENGLISH REFERENCE ANSWER:\n{}\n\nRESPONSE TO GRADE:\n{}{note}\n\nGrade this response. Reply with the JSON object only.",
        request.condition.id(),
        request.condition.description(),
        language.display_name(),
        request.category.display_name(),
        request.question_id,
        request.question_text,
        request.reference_answer.unwrap_or("(none recorded; use the answer sheet)"),
        final_answer.text,
    )
}

/// The judge's verdict on one response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JudgeVerdict {
    pub scores: Scores,
    pub notes: String,
}

/// Why a judge's answer could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JudgeOutputError {
    #[error("no JSON object in the judge's answer")]
    NoJsonObject,
    #[error("the judge's JSON has no `{0}` score")]
    MissingScore(&'static str),
    #[error("`{field}` is {value}, not an integer from 0 to 2")]
    InvalidScore { field: &'static str, value: String },
}

const SCORE_FIELDS: [&str; 3] = ["accuracy", "fluency", "completeness"];

/// Reads the judge's answer: a JSON object with integer `accuracy`, `fluency` and `completeness`
/// from 0 to 2 and optional `notes`, possibly inside a code fence or among other text. Keys are
/// compared case-insensitively. The first object that has all three scores wins; if none has, the
/// error describes the first object found.
pub fn parse_judge_output(raw: &str) -> Result<JudgeVerdict, JudgeOutputError> {
    let mut first_error = None;
    for (start, _) in raw.match_indices('{') {
        let mut values = serde_json::Deserializer::from_str(&raw[start..]).into_iter::<Value>();
        let Some(Ok(Value::Object(object))) = values.next() else { continue };
        let fields: BTreeMap<String, &Value> = object.iter().map(|(key, value)| (key.to_lowercase(), value)).collect();
        match verdict_from(&fields) {
            Ok(verdict) => return Ok(verdict),
            Err(error) => {
                first_error.get_or_insert(error);
            }
        }
    }
    Err(first_error.unwrap_or(JudgeOutputError::NoJsonObject))
}

fn verdict_from(fields: &BTreeMap<String, &Value>) -> Result<JudgeVerdict, JudgeOutputError> {
    let mut scores = [0u8; 3];
    for (slot, field) in scores.iter_mut().zip(SCORE_FIELDS) {
        let value = fields.get(field).ok_or(JudgeOutputError::MissingScore(field))?;
        *slot = value
            .as_u64()
            .filter(|&score| score <= u64::from(Scores::MAX_EACH))
            .and_then(|score| u8::try_from(score).ok())
            .ok_or_else(|| JudgeOutputError::InvalidScore { field, value: value.to_string() })?;
    }
    let notes = match fields.get("notes") {
        Some(Value::String(notes)) => notes.trim().to_owned(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let [accuracy, fluency, completeness] = scores;
    Ok(JudgeVerdict { scores: Scores { accuracy, fluency, completeness }, notes })
}

/// Whitespace-separated words of the graded text: the grades' `response_length`.
pub fn response_length(response: &str, condition: Condition) -> u32 {
    u32::try_from(graded_text(response, condition).split_whitespace().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(accuracy: u8, fluency: u8, completeness: u8) -> Scores {
        Scores { accuracy, fluency, completeness }
    }

    #[test]
    fn a_plain_object_parses() {
        let verdict = parse_judge_output(r#"{"accuracy": 2, "fluency": 1, "completeness": 0, "notes": " ok "}"#);
        assert_eq!(verdict, Ok(JudgeVerdict { scores: scores(2, 1, 0), notes: "ok".to_owned() }));
    }

    #[test]
    fn code_fences_and_surrounding_text_are_tolerated() {
        let raw = "Here is my grade:\n```json\n{\"Accuracy\": 1, \"Fluency\": 2, \"Completeness\": 2, \"notes\": \"fine {really}\"}\n```\nThanks";
        assert_eq!(
            parse_judge_output(raw),
            Ok(JudgeVerdict { scores: scores(1, 2, 2), notes: "fine {really}".to_owned() })
        );
    }

    #[test]
    fn a_later_complete_object_wins_over_an_earlier_partial_one() {
        let raw = r#"Scale: {"min": 0} then {"accuracy": 0, "fluency": 0, "completeness": 1}"#;
        assert_eq!(parse_judge_output(raw), Ok(JudgeVerdict { scores: scores(0, 0, 1), notes: String::new() }));
    }

    #[test]
    fn scores_must_be_integers_from_0_to_2() {
        for (raw, field, value) in [
            (r#"{"accuracy": 3, "fluency": 1, "completeness": 1}"#, "accuracy", "3"),
            (r#"{"accuracy": 1, "fluency": -1, "completeness": 1}"#, "fluency", "-1"),
            (r#"{"accuracy": 1, "fluency": 1, "completeness": 1.5}"#, "completeness", "1.5"),
            (r#"{"accuracy": "2", "fluency": 1, "completeness": 1}"#, "accuracy", "\"2\""),
        ] {
            assert_eq!(
                parse_judge_output(raw),
                Err(JudgeOutputError::InvalidScore { field, value: value.to_owned() }),
                "{raw}"
            );
        }
        assert_eq!(
            parse_judge_output(r#"{"accuracy": 1, "completeness": 1}"#),
            Err(JudgeOutputError::MissingScore("fluency"))
        );
        assert_eq!(parse_judge_output("I cannot grade this."), Err(JudgeOutputError::NoJsonObject));
        assert_eq!(parse_judge_output("{not json"), Err(JudgeOutputError::NoJsonObject));
    }

    #[test]
    fn the_user_message_gives_the_final_answer_in_transfer_conditions() {
        let response = "1. Translate\nWhat?\n2. Answer\nThis.\n3-қадам: Мынау.";
        let request = JudgeRequest {
            condition: Condition::C3,
            category: QuestionCategory::NeutralReasoning,
            question_id: 12,
            question_text: "Не?",
            reference_answer: Some("This."),
            response,
        };
        let message = judge_user_message(&request);
        assert!(
            message.starts_with("CONDITION: C3 (Kazakh -> English -> English -> Kazakh (cross-lingual transfer))\n")
        );
        assert!(message.contains("TARGET LANGUAGE: Kazakh\nCATEGORY: Neutral Reasoning/Logic\nQUESTION ID: Q12\n"));
        assert!(message.contains("RESPONSE TO GRADE:\n: Мынау.\n\n(Note: this is the final translated answer"));
        assert!(!message.contains("What?"));
        let direct = judge_user_message(&JudgeRequest { condition: Condition::C2, reference_answer: None, ..request });
        assert!(direct.contains("RESPONSE TO GRADE:\n1. Translate\nWhat?"));
        assert!(direct.contains("ENGLISH REFERENCE ANSWER:\n(none recorded"));
        assert!(!direct.contains("(Note:"));
    }

    #[test]
    fn response_length_counts_words_of_the_graded_text() {
        let response = "1. Translate\nWhat?\n2. Answer\nThis.\n3-қадам: Мынау екі сөз.";
        assert_eq!(response_length(response, Condition::C3), 4);
        assert_eq!(response_length(response, Condition::C2), 10);
    }
}
