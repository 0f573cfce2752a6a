//! Automated per-response metrics (the study's `compute_metrics.py`, plus language identification):
//! length, script ratios, language consistency, script issues, code switching, transfer-step
//! compliance and English leakage. One job per module: [`measure`] measures a response's text,
//! [`csv`] writes the metrics CSV, [`summary`] turns the rows into the summary tables, [`audit`]
//! checks the language detector against the judge's verdicts (the audit list and the agreement table).
//!
//! Length and the detected language are of the *measured text* (the final answer in C3 and C5, see
//! [`extract_final_answer`](crate::extract_final_answer)); every other metric reads the whole
//! response, as the study's did.

mod audit;
mod csv;
mod measure;
mod summary;

use std::ops::Range;

use serde::Serialize;

use crate::{Condition, FinalAnswerSource, Language, LanguageGuess, QuestionCategory};

pub use audit::{
    DetectorAgreement, JudgeVerdictGroup, LanguageAuditEntry, LanguageDisagreement, detector_agreement,
    detector_agreement_table, judge_says_kyrgyz, language_audit,
};
pub use csv::{METRICS_COLUMNS, metrics_to_csv};
pub use measure::{code_switching, compute_metrics, cyrillic_ratio, measure_response};
pub use summary::metrics_tables;

/// A problem with the script a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptIssue {
    /// C2/C4: fewer than half of the letters are Cyrillic.
    ResponseMostlyLatin,
    /// C2: a mostly Cyrillic response without any letter specific to Kazakh.
    MissingKazakhSpecificChars,
    /// C3/C5: the last lines are mostly not Cyrillic.
    FinalAnswerNotInTargetLanguage,
}

impl ScriptIssue {
    pub const ALL: [ScriptIssue; 3] = [
        ScriptIssue::ResponseMostlyLatin,
        ScriptIssue::MissingKazakhSpecificChars,
        ScriptIssue::FinalAnswerNotInTargetLanguage,
    ];

    /// The study's name for the issue (`"response_mostly_latin"`).
    pub fn key(self) -> &'static str {
        match self {
            ScriptIssue::ResponseMostlyLatin => "response_mostly_latin",
            ScriptIssue::MissingKazakhSpecificChars => "missing_kazakh_specific_chars",
            ScriptIssue::FinalAnswerNotInTargetLanguage => "final_answer_not_in_target_language",
        }
    }
}

/// Sentence-level switching between Cyrillic and non-Cyrillic text.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CodeSwitching {
    /// Changes between a mostly Cyrillic piece and a piece that is not.
    pub count: usize,
    /// `count / (pieces - 1)`, rounded to 3 decimals (0 with fewer than two pieces).
    pub ratio: f64,
    /// Pieces longer than 10 characters between sentence ends and line breaks.
    pub pieces: usize,
}

/// Whether a transfer-condition response shows the three steps (C3, C5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransferCompliance {
    /// step/қадам/алхам followed by 1-3, or "1." "2." "3." anywhere.
    pub has_step_markers: bool,
    /// More than 50 Latin letters.
    pub has_english_section: bool,
    /// More than 50 Cyrillic letters.
    pub has_target_section: bool,
    pub all_steps_present: bool,
}

/// The metrics of one response's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextMetrics {
    /// The measured text's byte range in the response (the final answer in C3/C5).
    pub measured: Range<usize>,
    pub measured_source: FinalAnswerSource,
    /// Unicode scalar values of the measured text.
    pub char_count: usize,
    /// Whitespace-separated words of the measured text.
    pub word_count: usize,
    /// `chars / 2.5` when the measured text is mostly Cyrillic, else `chars / 4`, rounded half to even.
    pub estimated_tokens: u64,
    /// Cyrillic / (Cyrillic + ASCII Latin) letters of the whole response (0 without either).
    pub cyrillic_ratio: f64,
    pub language_consistent: bool,
    pub script_issues: Vec<ScriptIssue>,
    /// All zero in C1, as in the study (it measures switching in C2-C5).
    pub code_switching: CodeSwitching,
    /// C3 and C5 only.
    pub transfer: Option<TransferCompliance>,
    /// C2 and C4 only: English function words found.
    pub english_word_count: Option<usize>,
    /// The language of the measured text.
    pub detected: LanguageGuess,
    /// The detected language is not the condition's.
    pub wrong_language: bool,
}

impl TextMetrics {
    pub fn script_correct(&self) -> bool {
        self.script_issues.is_empty()
    }
}

/// The metrics of one response, with what identifies it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseMetrics {
    pub question_id: u32,
    pub category: QuestionCategory,
    pub model: String,
    pub condition: Condition,
    pub language: Language,
    /// `None` for an answer without a per-call time (answered in a batch).
    pub response_time_seconds: Option<f64>,
    #[serde(flatten)]
    pub metrics: TextMetrics,
}
