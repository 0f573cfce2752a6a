//! Model responses: `results/<condition_dir>/<model>.json`, one file per condition and model.
//!
//! Reading then writing a file keeps every field, including ones this version does not know: they are
//! collected into `extra` and written back after the known fields.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json::unknown_members;
use crate::{Condition, DataError, Language, QuestionCategory};

/// One results file: one model's answers to the questions of one condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    pub model: String,
    pub model_id: String,
    pub condition: Condition,
    pub condition_description: String,
    pub language: Language,
    /// The system prompt sent with every question (C1 has none).
    #[serde(default)]
    pub system_prompt_used: Option<String>,
    pub started_at: String,
    /// Successful answers, in question-id order.
    pub responses: Vec<ResponseRecord>,
    /// Calls that failed after every retry. Kept apart from `responses` so that a failure can never be
    /// read, graded or measured as an answer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RunError>,
    pub last_updated: String,
    /// Fields this version does not know, kept so that rewriting the file loses nothing.
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

/// One model answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub question_id: u32,
    pub category: QuestionCategory,
    /// The question as it was sent (in the condition's language).
    pub question_text: String,
    pub response: String,
    /// The short English reference answer as recorded at run time (null where the study had none).
    pub reference_answer: Option<String>,
    pub response_time_seconds: f64,
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

/// A call that failed after its last attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunError {
    pub question_id: u32,
    pub category: QuestionCategory,
    pub question_text: String,
    /// The HTTP status of the last attempt, if the server answered at all.
    #[serde(default)]
    pub status: Option<u16>,
    pub message: String,
    pub attempts: u32,
    pub failed_at: String,
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

const RESULTS_FILE_FIELDS: &[&str] = &[
    "model",
    "model_id",
    "condition",
    "condition_description",
    "language",
    "system_prompt_used",
    "started_at",
    "responses",
    "errors",
    "last_updated",
];
const RESPONSE_FIELDS: &[&str] =
    &["question_id", "category", "question_text", "response", "reference_answer", "response_time_seconds"];
const RUN_ERROR_FIELDS: &[&str] =
    &["question_id", "category", "question_text", "status", "message", "attempts", "failed_at"];

/// Parses a results file. `file` is the path shown in error messages.
pub fn parse_results(text: &str, file: &str) -> Result<ResultsFile, DataError> {
    let mut results: ResultsFile = crate::json::from_str(text, file)?;
    // The typed pass succeeded, so the document is valid JSON of the right shape: a second, untyped
    // pass picks up the members the typed one ignored.
    let raw: Map<String, Value> = crate::json::from_str(text, file)?;
    results.extra = unknown_members(&raw, RESULTS_FILE_FIELDS);
    if let Some(Value::Array(responses)) = raw.get("responses") {
        for (record, raw) in results.responses.iter_mut().zip(responses) {
            if let Value::Object(raw) = raw {
                record.extra = unknown_members(raw, RESPONSE_FIELDS);
            }
        }
    }
    if let Some(Value::Array(errors)) = raw.get("errors") {
        for (record, raw) in results.errors.iter_mut().zip(errors) {
            if let Value::Object(raw) = raw {
                record.extra = unknown_members(raw, RUN_ERROR_FIELDS);
            }
        }
    }
    Ok(results)
}

impl ResultsFile {
    /// The file's content in the study's layout: two-space indentation, non-ASCII text unescaped,
    /// no trailing newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a results file always serializes")
    }

    /// The file's path relative to the dataset root (`results/C2_kazakh/qwen3.json`).
    pub fn relative_path(&self) -> String {
        results_path(self.condition, &self.model)
    }

    pub fn response(&self, question_id: u32) -> Option<&ResponseRecord> {
        self.responses.iter().find(|response| response.question_id == question_id)
    }
}

/// `results/<condition_dir>/<model>.json`.
pub fn results_path(condition: Condition, model: &str) -> String {
    format!("results/{}/{model}.json", condition.directory())
}
