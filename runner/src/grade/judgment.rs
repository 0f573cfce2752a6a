//! One response before the judge: the user message, the judge's attempts (an answer that is not a
//! verdict is asked for again, up to [`MAX_JUDGE_ATTEMPTS`]), and what is recorded: the grade row and
//! the audit record. A judgment that ends without a verdict is a failed row (-1 scores, the reason in
//! the notes), never a zero.

use left_behind_shared::{
    Condition, Dataset, GradeOutcome, GradeRow, GradingTask, JudgeAttempt, JudgeRequest, JudgmentRecord, grade_row,
    judge_user_message, parse_judge_output,
};
use sha2::{Digest, Sha256};

use super::writer::Judged;
use crate::config::DEFAULT_JUDGE_TEMPERATURE;
use crate::dispatch::Dispatcher;
use crate::model_client::ModelClient;
use crate::providers::SystemPrompt;
use crate::secrets::Secret;

/// Judge answers per response, the first included (the study's script also tried three times). A
/// provider failure is not asked again here: the dispatch layer has already retried what can be.
pub const MAX_JUDGE_ATTEMPTS: usize = 3;

/// The study's markers of a failed grading, at the start of the notes of a -1 row.
pub const PARSE_ERROR: &str = "GRADE_PARSE_ERROR";
pub const API_ERROR: &str = "GRADE_API_ERROR";

/// The judge as `grade` calls it: the configured model, the system prompt (rubric and answer
/// sheet) every call carries, marked for caching, and the prompt's hash for the audit log.
pub struct Judge {
    pub client: ModelClient,
    pub system_prompt: String,
    pub prompt_hash: String,
    /// The judge's key, to scrub from what the judge answers before it is kept: a server that
    /// echoes its request headers must not put the key into the audit log.
    pub key: Option<Secret>,
}

impl Judge {
    pub fn new(client: ModelClient, system_prompt: String, key: Option<Secret>) -> Judge {
        let prompt_hash = prompt_hash(&system_prompt);
        Judge { client, system_prompt, prompt_hash, key }
    }

    /// The configuration's name of the judge.
    pub fn name(&self) -> &str {
        &self.client.entry.name
    }
}

/// SHA-256 of the system prompt, in lowercase hex.
pub fn prompt_hash(system_prompt: &str) -> String {
    Sha256::digest(system_prompt.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One response to grade, with everything the judge is told about it.
#[derive(Debug, Clone)]
pub struct Judgment {
    pub user_message: String,
    /// The row to record: its outcome and notes are set when the judgment ends.
    pub row: GradeRow,
}

impl Judgment {
    /// The judgment of `task`: the question as it was asked, the English reference answer the
    /// response recorded (else the one in questions.json), and the graded text.
    pub fn new(task: &GradingTask<'_>, dataset: &Dataset) -> Judgment {
        let response = task.response;
        let reference_answer = response.reference_answer.as_deref().or_else(|| {
            dataset.question(response.question_id).and_then(|question| question.reference_answer.as_deref())
        });
        let user_message = judge_user_message(&JudgeRequest {
            condition: task.condition,
            category: response.category,
            question_id: response.question_id,
            question_text: &response.question_text,
            reference_answer,
            response: &response.response,
        });
        Judgment { user_message, row: grade_row(task, GradeOutcome::Failed, String::new()) }
    }

    pub fn condition(&self) -> Condition {
        self.row.condition
    }

    /// Asks the judge until it gives a verdict, the attempts run out, or the call fails.
    pub async fn judge(self, judge: &Judge, dispatcher: &Dispatcher) -> Judged {
        let mut request =
            judge.client.request(Some(SystemPrompt::cached(judge.system_prompt.clone())), &self.user_message);
        // Temperature 0 unless the judge's entry sets one; providers leave it out where the API
        // takes none.
        request.temperature = request.temperature.or(Some(DEFAULT_JUDGE_TEMPERATURE));
        // Claude's newest models take no temperature: left out, and recorded as not sent.
        let (request, sent) = judge.client.fit(&request);
        let mut attempts = Vec::new();
        let mut raw_output = None;
        let mut usage: Option<left_behind_shared::TokenUsage> = None;
        let (outcome, notes) = loop {
            let call = judge.client.complete(dispatcher, &request).await;
            match call.result {
                Err(error) => {
                    let message = error.to_string();
                    attempts.push(JudgeAttempt { raw_output: None, error: Some(message.clone()) });
                    break (GradeOutcome::Failed, format!("{API_ERROR}: {message}"));
                }
                Ok(completion) => {
                    if let Some(used) = &completion.usage {
                        crate::cost::add_usage(usage.get_or_insert_default(), used);
                    }
                    let raw = match &judge.key {
                        Some(key) => key.redact(&completion.text),
                        None => completion.text,
                    };
                    let parsed = parse_judge_output(&raw);
                    attempts.push(JudgeAttempt {
                        raw_output: Some(raw.clone()),
                        error: parsed.as_ref().err().map(ToString::to_string),
                    });
                    raw_output = Some(raw);
                    match parsed {
                        Ok(verdict) => break (GradeOutcome::Scored(verdict.scores), verdict.notes),
                        Err(error) if attempts.len() >= MAX_JUDGE_ATTEMPTS => {
                            break (
                                GradeOutcome::Failed,
                                format!(
                                    "{PARSE_ERROR}: no usable verdict in {} answers of the judge; the last: {error}",
                                    attempts.len()
                                ),
                            );
                        }
                        Err(error) => {
                            tracing::debug!(
                                "{} {} question {}: the judge's answer is not a verdict ({error}); asking again",
                                self.row.condition,
                                self.row.model,
                                self.row.question_id
                            );
                        }
                    }
                }
            }
        };
        let identity = JudgeIdentity {
            name: judge.name().to_owned(),
            model_id: judge.client.provider().wire_model_id().to_owned(),
            prompt_hash: judge.prompt_hash.clone(),
        };
        let ended = Ended { outcome, notes, raw_output, attempts, parameters: sent.to_json(), batch_id: None, usage };
        self.finish(&identity, ended)
    }

    /// The judgment from the judge's one answer in a batch (`grade --batch`): an answer that is not a
    /// verdict is not asked again within the batch; it is a failed grading, which the next `grade`
    /// grades again.
    pub fn from_batch(
        self,
        identity: &JudgeIdentity,
        answer: Result<String, String>,
        batch_id: &str,
        parameters: serde_json::Value,
    ) -> Judged {
        let (outcome, notes, raw_output, attempts) = match answer {
            Err(message) => (
                GradeOutcome::Failed,
                format!("{API_ERROR}: {message}"),
                None,
                vec![JudgeAttempt { raw_output: None, error: Some(message) }],
            ),
            Ok(raw) => match parse_judge_output(&raw) {
                Ok(verdict) => (
                    GradeOutcome::Scored(verdict.scores),
                    verdict.notes,
                    Some(raw.clone()),
                    vec![JudgeAttempt { raw_output: Some(raw), error: None }],
                ),
                Err(error) => (
                    GradeOutcome::Failed,
                    format!("{PARSE_ERROR}: the judge's answer in batch {batch_id} is not a verdict: {error}"),
                    Some(raw.clone()),
                    vec![JudgeAttempt { raw_output: Some(raw), error: Some(error.to_string()) }],
                ),
            },
        };
        let ended = Ended {
            outcome,
            notes,
            raw_output,
            attempts,
            parameters,
            batch_id: Some(batch_id.to_owned()),
            usage: None,
        };
        self.finish(identity, ended)
    }

    fn finish(self, identity: &JudgeIdentity, ended: Ended) -> Judged {
        let Ended { outcome, notes, raw_output, attempts, parameters, batch_id, usage } = ended;
        let mut row = self.row;
        row.outcome = outcome;
        row.notes = notes.clone();
        match outcome {
            GradeOutcome::Scored(scores) => tracing::info!(
                "{} {} question {}: graded {}/{}/{} ({} judge answer{})",
                row.condition,
                row.model,
                row.question_id,
                scores.accuracy,
                scores.fluency,
                scores.completeness,
                attempts.len(),
                if attempts.len() == 1 { "" } else { "s" }
            ),
            GradeOutcome::Failed => {
                tracing::warn!("{} {} question {}: grading failed: {notes}", row.condition, row.model, row.question_id)
            }
        }
        let record = JudgmentRecord {
            condition: row.condition,
            model: row.model.clone(),
            question_id: row.question_id,
            category: row.category,
            judge: identity.name.clone(),
            judge_model_id: identity.model_id.clone(),
            prompt_hash: identity.prompt_hash.clone(),
            user_message: self.user_message,
            raw_output,
            scores: outcome.scores(),
            notes,
            attempts,
            timestamp: crate::clock::now_utc(),
            parameters: Some(parameters),
            batch_id,
        };
        Judged { record, row, usage }
    }
}

/// Who judged, as the audit log records it.
#[derive(Debug, Clone)]
pub struct JudgeIdentity {
    /// The configuration's name of the judge.
    pub name: String,
    /// The model id sent.
    pub model_id: String,
    pub prompt_hash: String,
}

/// How a judgment ended, before it is recorded.
struct Ended {
    outcome: GradeOutcome,
    notes: String,
    raw_output: Option<String>,
    attempts: Vec<JudgeAttempt>,
    parameters: serde_json::Value,
    batch_id: Option<String>,
    usage: Option<left_behind_shared::TokenUsage>,
}
