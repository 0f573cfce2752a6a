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
    /// Seconds the call took; `None` (written `null`) where no per-call time exists: an answer
    /// collected from a provider's batch. The study's files always have a number.
    #[serde(default)]
    pub response_time_seconds: Option<f64>,
    // The fields below were added by `left-behind run`; the study's files do not have them, and they
    // are written only when known.
    /// Why the model stopped, in the provider's own words (`end_turn`, `stop`, `length`, `STOP`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Token counts, when the API returned them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// How many HTTP calls it took to get this answer (1 when the first one succeeded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The model id sent to the API for this answer (the file's `model_id` may be changed later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_model_id: Option<String>,
    /// The model version the API says answered (`claude-opus-4-5-20251101`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served_model: Option<String>,
    /// When the answer arrived (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    #[serde(flatten, skip_deserializing)]
    pub extra: Map<String, Value>,
}

/// Token counts of one call, as far as the API reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Prompt tokens (system prompt and question), including cached ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Generated tokens, including reasoning ("thinking") tokens where the API counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Prompt tokens read from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_tokens: Option<u64>,
    /// Prompt tokens written to the provider's prompt cache (Anthropic bills these separately).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Reasoning tokens, where the API reports them apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

impl TokenUsage {
    /// True when no count is known.
    pub fn is_empty(&self) -> bool {
        *self == TokenUsage::default()
    }
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
const RESPONSE_FIELDS: &[&str] = &[
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
    "served_model",
    "answered_at",
];
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

    /// The recorded failure of `question_id`, if its last call failed.
    pub fn error(&self, question_id: u32) -> Option<&RunError> {
        self.errors.iter().find(|error| error.question_id == question_id)
    }

    /// Records an answer: it replaces an earlier answer to the same question, clears the question's
    /// recorded failure, and keeps `responses` in question-id order.
    pub fn record_response(&mut self, record: ResponseRecord) {
        let question_id = record.question_id;
        self.errors.retain(|error| error.question_id != question_id);
        match self.responses.iter().position(|response| response.question_id == question_id) {
            Some(index) => self.responses[index] = record,
            None => {
                let index = self.responses.partition_point(|response| response.question_id < question_id);
                self.responses.insert(index, record);
            }
        }
    }

    /// Records a failed call: it replaces an earlier failure of the same question and keeps `errors`
    /// in question-id order. An earlier answer to the question is kept (a failure never erases an
    /// answer); the failure stays listed so that the next run tries again.
    pub fn record_error(&mut self, error: RunError) {
        match self.errors.iter().position(|existing| existing.question_id == error.question_id) {
            Some(index) => self.errors[index] = error,
            None => {
                let index = self.errors.partition_point(|existing| existing.question_id < error.question_id);
                self.errors.insert(index, error);
            }
        }
    }

    /// Puts `responses` and `errors` in question-id order (files written by other tools may not be).
    /// The sort is stable, so duplicates keep their relative order for `validate` to report.
    pub fn sort_by_question(&mut self) {
        self.responses.sort_by_key(|response| response.question_id);
        self.errors.sort_by_key(|error| error.question_id);
    }
}

/// `results/<condition_dir>/<model>.json`.
pub fn results_path(condition: Condition, model: &str) -> String {
    format!("results/{}/{model}.json", condition.directory())
}
