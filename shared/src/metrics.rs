//! Automated per-response metrics (the study's `compute_metrics.py`, plus language identification):
//! length, script ratios, language consistency, script issues, code switching, transfer-step
//! compliance and English leakage; their summaries as [`Table`]s; the metrics CSV; and the checks of
//! the language detector against the judge's verdicts (the audit list and the agreement table).
//!
//! Length and the detected language are of the *measured text* (the final answer in C3 and C5, see
//! [`extract_final_answer`]); every other metric reads the whole response, as the study's did.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::{
    Cell, Condition, DetectedLanguage, FinalAnswerSource, GradeRow, Language, LanguageGuess, ModelRegistry,
    QuestionCategory, ResultsFile, Table, extract_final_answer, identify_language, python_float,
};

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
    pub response_time_seconds: f64,
    #[serde(flatten)]
    pub metrics: TextMetrics,
}

/// Characters per token for mostly Cyrillic and for other text.
const CYRILLIC_CHARS_PER_TOKEN: f64 = 2.5;
const OTHER_CHARS_PER_TOKEN: f64 = 4.0;

/// English words the study counts as leakage into Kazakh or Mongolian answers.
const ENGLISH_LEAKAGE_WORDS: [&str; 29] = [
    "the",
    "is",
    "are",
    "was",
    "were",
    "and",
    "or",
    "but",
    "this",
    "that",
    "with",
    "for",
    "from",
    "have",
    "has",
    "which",
    "would",
    "could",
    "should",
    "about",
    "because",
    "however",
    "therefore",
    "although",
    "answer",
    "question",
    "translation",
    "translate",
    "step",
];

/// Letters that Kazakh has and Russian does not.
const KAZAKH_SPECIFIC_CHARS: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі";

/// Measures one response of `condition`.
pub fn measure_response(response: &str, condition: Condition) -> TextMetrics {
    let final_answer = extract_final_answer(response, condition);
    let measured = final_answer.text;
    let char_count = measured.chars().count();
    let chars_per_token = if cyrillic_ratio(measured) > 0.5 { CYRILLIC_CHARS_PER_TOKEN } else { OTHER_CHARS_PER_TOKEN };
    let ratio = cyrillic_ratio(response);
    let language_consistent = match condition {
        Condition::C1 => ratio < 0.1,
        Condition::C2 | Condition::C4 => ratio > 0.7,
        Condition::C3 | Condition::C5 => 0.15 < ratio && ratio < 0.85,
    };
    let detected = identify_language(measured);
    TextMetrics {
        measured: final_answer.range.clone(),
        measured_source: final_answer.source.clone(),
        char_count,
        word_count: measured.split_whitespace().count(),
        estimated_tokens: (char_count as f64 / chars_per_token).round_ties_even() as u64,
        cyrillic_ratio: ratio,
        language_consistent,
        script_issues: script_issues(response, condition),
        code_switching: if condition == Condition::C1 {
            CodeSwitching { count: 0, ratio: 0.0, pieces: 0 }
        } else {
            code_switching(response)
        },
        transfer: condition.is_transfer().then(|| transfer_compliance(response)),
        english_word_count: matches!(condition, Condition::C2 | Condition::C4).then(|| english_word_count(response)),
        detected,
        wrong_language: !detected.language.is(condition.language()),
    }
}

/// (Cyrillic letters, ASCII Latin letters). "Cyrillic" is the block U+0400..U+04FF.
fn script_counts(text: &str) -> (usize, usize) {
    text.chars().fold((0, 0), |(cyrillic, latin), c| {
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            (cyrillic + 1, latin)
        } else if c.is_ascii_alphabetic() {
            (cyrillic, latin + 1)
        } else {
            (cyrillic, latin)
        }
    })
}

/// Cyrillic / (Cyrillic + ASCII Latin) letters; 0 when there are none.
pub fn cyrillic_ratio(text: &str) -> f64 {
    let (cyrillic, latin) = script_counts(text);
    if cyrillic + latin == 0 { 0.0 } else { cyrillic as f64 / (cyrillic + latin) as f64 }
}

fn script_issues(response: &str, condition: Condition) -> Vec<ScriptIssue> {
    let mut issues = Vec::new();
    match condition {
        Condition::C1 => {}
        Condition::C2 | Condition::C4 => {
            let ratio = cyrillic_ratio(response);
            if ratio < 0.5 {
                issues.push(ScriptIssue::ResponseMostlyLatin);
            }
            if condition.language() == Language::Kazakh
                && ratio > 0.3
                && !response.chars().any(|c| KAZAKH_SPECIFIC_CHARS.contains(c))
            {
                issues.push(ScriptIssue::MissingKazakhSpecificChars);
            }
        }
        Condition::C3 | Condition::C5 => {
            let lines: Vec<&str> = response.trim().split('\n').collect();
            let last = lines.len().min(3.max(lines.len() / 3));
            if cyrillic_ratio(&lines[lines.len() - last..].join("\n")) < 0.3 {
                issues.push(ScriptIssue::FinalAnswerNotInTargetLanguage);
            }
        }
    }
    issues
}

/// Splits on runs of sentence ends and line breaks, keeps the trimmed pieces longer than 10
/// characters, and counts changes between mostly Cyrillic pieces and the others.
pub fn code_switching(response: &str) -> CodeSwitching {
    let pieces: Vec<&str> = response
        .split(['.', '!', '?', '।', '。', '\n'])
        .map(str::trim)
        .filter(|piece| piece.chars().count() > 10)
        .collect();
    if pieces.len() < 2 {
        return CodeSwitching { count: 0, ratio: 0.0, pieces: pieces.len() };
    }
    let cyrillic: Vec<bool> = pieces.iter().map(|piece| cyrillic_ratio(piece) > 0.5).collect();
    let count = cyrillic.windows(2).filter(|pair| pair[0] != pair[1]).count();
    CodeSwitching { count, ratio: round3(count as f64 / (pieces.len() - 1) as f64), pieces: pieces.len() }
}

fn transfer_compliance(response: &str) -> TransferCompliance {
    let lower = response.to_lowercase();
    let has_step_markers = ["step", "қадам", "алхам"].iter().any(|word| {
        lower
            .match_indices(word)
            .any(|(index, _)| lower[index + word.len()..].trim_start().starts_with(['1', '2', '3']))
    }) || ["1.", "2.", "3."].iter().any(|marker| lower.contains(marker));
    let (cyrillic, latin) = script_counts(response);
    let has_english_section = latin > 50;
    let has_target_section = cyrillic > 50;
    TransferCompliance {
        has_step_markers,
        has_english_section,
        has_target_section,
        all_steps_present: has_step_markers && has_english_section && has_target_section,
    }
}

/// Whole words (runs of letters, digits and `_`), compared case-insensitively.
fn english_word_count(response: &str) -> usize {
    response
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|word| ENGLISH_LEAKAGE_WORDS.iter().any(|marker| word.eq_ignore_ascii_case(marker)))
        .count()
}

/// Rounds to 3 decimals the way Python's `round(x, 3)` does (on the exact binary value).
fn round3(value: f64) -> f64 {
    format!("{value:.3}").parse().expect("a formatted float parses")
}

/// The metrics of every response of `results`, ordered by condition, model (registry order) and
/// question id. Failed calls are not responses and are not measured.
pub fn compute_metrics(results: &[ResultsFile], registry: &ModelRegistry) -> Vec<ResponseMetrics> {
    let mut rows: Vec<ResponseMetrics> = results
        .iter()
        .flat_map(|file| {
            file.responses.iter().map(move |response| ResponseMetrics {
                question_id: response.question_id,
                category: response.category,
                model: file.model.clone(),
                condition: file.condition,
                language: file.language,
                response_time_seconds: response.response_time_seconds,
                metrics: measure_response(&response.response, file.condition),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.condition, registry.order_of(&a.model), a.question_id).cmp(&(
            b.condition,
            registry.order_of(&b.model),
            b.question_id,
        ))
    });
    rows
}

/// The columns of the metrics CSV: the study's, then the language detector's.
pub const METRICS_COLUMNS: [&str; 20] = [
    "question_id",
    "category",
    "model",
    "condition",
    "language",
    "response_time_seconds",
    "char_count",
    "word_count",
    "estimated_tokens",
    "cyrillic_ratio",
    "language_consistent",
    "script_correct",
    "script_issues",
    "code_switch_count",
    "code_switch_ratio",
    "all_steps_present",
    "english_word_count",
    "detected_language",
    "language_confidence",
    "wrong_language",
];

/// The metrics as CSV, written as the study's script wrote them (Python's `True`/`False` and float
/// formatting, ratios to 3 decimals, an empty cell where a metric does not apply).
pub fn metrics_to_csv(rows: &[ResponseMetrics]) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(METRICS_COLUMNS).expect("writing to memory cannot fail");
    let boolean = |value: bool| if value { "True" } else { "False" }.to_owned();
    for row in rows {
        let metrics = &row.metrics;
        writer
            .write_record([
                row.question_id.to_string(),
                row.category.key().to_owned(),
                row.model.clone(),
                row.condition.id().to_owned(),
                row.language.key().to_owned(),
                python_float(row.response_time_seconds),
                metrics.char_count.to_string(),
                metrics.word_count.to_string(),
                metrics.estimated_tokens.to_string(),
                python_float(round3(metrics.cyrillic_ratio)),
                boolean(metrics.language_consistent),
                boolean(metrics.script_correct()),
                metrics.script_issues.iter().map(|issue| issue.key()).collect::<Vec<_>>().join("; "),
                metrics.code_switching.count.to_string(),
                python_float(metrics.code_switching.ratio),
                metrics.transfer.map(|transfer| boolean(transfer.all_steps_present)).unwrap_or_default(),
                metrics.english_word_count.map(|count| count.to_string()).unwrap_or_default(),
                metrics.detected.language.key().to_owned(),
                format!("{:.3}", metrics.detected.confidence),
                boolean(metrics.wrong_language),
            ])
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
}

fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.into_iter().fold((0.0, 0usize), |(sum, count), value| (sum + value, count + 1));
    (count > 0).then(|| sum / count as f64)
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64 * 100.0)
}

fn number(value: Option<f64>, decimals: usize) -> Cell {
    Cell::Number { value, decimals, signed: false }
}

fn text(value: impl Into<String>) -> Cell {
    Cell::Text(value.into())
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// The models present in `rows`, in registry order.
fn models_of(rows: &[ResponseMetrics], registry: &ModelRegistry) -> Vec<String> {
    registry.sorted_names(rows.iter().map(|row| row.model.as_str()))
}

fn conditions_of(rows: &[ResponseMetrics]) -> Vec<Condition> {
    Condition::ALL.into_iter().filter(|condition| rows.iter().any(|row| row.condition == *condition)).collect()
}

/// The summaries the study's script printed, plus the detected languages, as tables.
pub fn metrics_tables(rows: &[ResponseMetrics], registry: &ModelRegistry) -> Vec<Table> {
    let conditions = conditions_of(rows);
    let models = models_of(rows, registry);
    let in_condition = |condition: Condition| rows.iter().filter(move |row| row.condition == condition);
    let of_model = |model: &str, conditions: &[Condition]| -> Vec<&ResponseMetrics> {
        rows.iter().filter(|row| row.model == model && conditions.contains(&row.condition)).collect()
    };
    let direct = [Condition::C2, Condition::C4];
    let transfer = [Condition::C3, Condition::C5];
    let mut tables = Vec::new();

    let length_row = |label: String, subset: &[&ResponseMetrics]| {
        vec![
            text(label),
            Cell::Count(subset.len()),
            number(mean(subset.iter().map(|row| row.metrics.char_count as f64)), 0),
            number(mean(subset.iter().map(|row| row.metrics.word_count as f64)), 0),
            number(mean(subset.iter().map(|row| row.metrics.estimated_tokens as f64)), 0),
        ]
    };
    tables.push(Table {
        id: "length_by_condition",
        label: None,
        title: "Response length by condition (final answer only in C3/C5)".to_owned(),
        headers: headers(&["Condition", "n", "Chars", "Words", "Tokens (est.)"]),
        groups: vec![
            conditions
                .iter()
                .map(|&condition| length_row(condition.id().to_owned(), &in_condition(condition).collect::<Vec<_>>()))
                .collect(),
        ],
    });
    tables.push(Table {
        id: "length_by_model",
        label: None,
        title: "Response length by model".to_owned(),
        headers: headers(&["Model", "n", "Chars", "Words", "Tokens (est.)"]),
        groups: vec![models.iter().map(|model| length_row(model.clone(), &of_model(model, &Condition::ALL))).collect()],
    });

    tables.push(Table {
        id: "consistency_by_condition",
        label: None,
        title: "Language consistency by condition (% of responses in the expected script)".to_owned(),
        headers: headers(&["Condition", "n", "Consistent", "%", "Mean Cyrillic ratio"]),
        groups: vec![
            conditions
                .iter()
                .map(|&condition| {
                    let subset: Vec<_> = in_condition(condition).collect();
                    let consistent = subset.iter().filter(|row| row.metrics.language_consistent).count();
                    vec![
                        text(condition.id()),
                        Cell::Count(subset.len()),
                        Cell::Count(consistent),
                        number(percent(consistent, subset.len()), 0),
                        number(mean(subset.iter().map(|row| row.metrics.cyrillic_ratio)), 2),
                    ]
                })
                .collect(),
        ],
    });
    let direct_models: Vec<&String> = models.iter().filter(|model| !of_model(model, &direct).is_empty()).collect();
    tables.push(Table {
        id: "consistency_by_model",
        label: None,
        title: "Language consistency by model (C2+C4, direct low-resource)".to_owned(),
        headers: headers(&["Model", "n", "Consistent", "%", "Wrong language (detector)"]),
        groups: vec![
            direct_models
                .iter()
                .map(|model| {
                    let subset = of_model(model, &direct);
                    let consistent = subset.iter().filter(|row| row.metrics.language_consistent).count();
                    vec![
                        text(model.as_str()),
                        Cell::Count(subset.len()),
                        Cell::Count(consistent),
                        number(percent(consistent, subset.len()), 0),
                        Cell::Count(subset.iter().filter(|row| row.metrics.wrong_language).count()),
                    ]
                })
                .collect(),
        ],
    });

    tables.push(Table {
        id: "script_by_condition",
        label: None,
        title: "Script correctness by condition".to_owned(),
        headers: headers(&["Condition", "n", "Correct", "%", "Issues"]),
        groups: vec![
            conditions
                .iter()
                .filter(|condition| **condition != Condition::C1)
                .map(|&condition| {
                    let subset: Vec<_> = in_condition(condition).collect();
                    let correct = subset.iter().filter(|row| row.metrics.script_correct()).count();
                    let issues: Vec<String> = ScriptIssue::ALL
                        .iter()
                        .filter_map(|issue| {
                            let count = subset.iter().filter(|row| row.metrics.script_issues.contains(issue)).count();
                            (count > 0).then(|| format!("{}: {count}", issue.key()))
                        })
                        .collect();
                    vec![
                        text(condition.id()),
                        Cell::Count(subset.len()),
                        Cell::Count(correct),
                        number(percent(correct, subset.len()), 0),
                        text(if issues.is_empty() { "none".to_owned() } else { issues.join(", ") }),
                    ]
                })
                .collect(),
        ],
    });

    tables.push(Table {
        id: "code_switching_by_model",
        label: None,
        title: "Code switching by model (C2+C4, should be monolingual)".to_owned(),
        headers: headers(&["Model", "n", "Switches per response", "Monolingual"]),
        groups: vec![
            direct_models
                .iter()
                .map(|model| {
                    let subset = of_model(model, &direct);
                    vec![
                        text(model.as_str()),
                        Cell::Count(subset.len()),
                        number(mean(subset.iter().map(|row| row.metrics.code_switching.count as f64)), 1),
                        Cell::Count(subset.iter().filter(|row| row.metrics.code_switching.count == 0).count()),
                    ]
                })
                .collect(),
        ],
    });
    tables.push(Table {
        id: "english_leakage_by_model",
        label: None,
        title: "English word leakage by model (C2+C4)".to_owned(),
        headers: headers(&["Model", "n", "English words per response", "Leak-free"]),
        groups: vec![
            direct_models
                .iter()
                .map(|model| {
                    let subset = of_model(model, &direct);
                    let counts: Vec<usize> = subset.iter().filter_map(|row| row.metrics.english_word_count).collect();
                    vec![
                        text(model.as_str()),
                        Cell::Count(counts.len()),
                        number(mean(counts.iter().map(|&count| count as f64)), 1),
                        Cell::Count(counts.iter().filter(|&&count| count == 0).count()),
                    ]
                })
                .collect(),
        ],
    });
    tables.push(Table {
        id: "transfer_compliance_by_model",
        label: None,
        title: "Transfer step compliance by model (C3+C5, did the model show all 3 steps?)".to_owned(),
        headers: headers(&["Model", "n", "All steps", "%"]),
        groups: vec![
            models
                .iter()
                .filter(|model| !of_model(model, &transfer).is_empty())
                .map(|model| {
                    let subset = of_model(model, &transfer);
                    let compliant = subset
                        .iter()
                        .filter(|row| row.metrics.transfer.is_some_and(|transfer| transfer.all_steps_present))
                        .count();
                    vec![
                        text(model.as_str()),
                        Cell::Count(subset.len()),
                        Cell::Count(compliant),
                        number(percent(compliant, subset.len()), 0),
                    ]
                })
                .collect(),
        ],
    });

    let time_row = |label: String, subset: &[&ResponseMetrics]| {
        let times: Vec<f64> = subset.iter().map(|row| row.response_time_seconds).collect();
        vec![
            text(label),
            Cell::Count(times.len()),
            number(mean(times.iter().copied()), 1),
            number(times.iter().copied().reduce(f64::min), 1),
            number(times.iter().copied().reduce(f64::max), 1),
        ]
    };
    tables.push(Table {
        id: "time_by_model",
        label: None,
        title: "Response time by model (seconds)".to_owned(),
        headers: headers(&["Model", "n", "Mean", "Min", "Max"]),
        groups: vec![models.iter().map(|model| time_row(model.clone(), &of_model(model, &Condition::ALL))).collect()],
    });
    tables.push(Table {
        id: "time_by_condition",
        label: None,
        title: "Response time by condition (seconds)".to_owned(),
        headers: headers(&["Condition", "n", "Mean", "Min", "Max"]),
        groups: vec![
            conditions
                .iter()
                .map(|&condition| time_row(condition.id().to_owned(), &in_condition(condition).collect::<Vec<_>>()))
                .collect(),
        ],
    });

    let mut language_headers = vec!["Condition".to_owned(), "n".to_owned()];
    language_headers.extend(DetectedLanguage::ALL.iter().map(|language| language.display_name().to_owned()));
    language_headers.push("Wrong language".to_owned());
    tables.push(Table {
        id: "detected_language_by_condition",
        label: None,
        title: "Detected language of the measured text by condition".to_owned(),
        headers: language_headers,
        groups: vec![
            conditions
                .iter()
                .map(|&condition| {
                    let subset: Vec<_> = in_condition(condition).collect();
                    let mut row = vec![text(condition.id()), Cell::Count(subset.len())];
                    row.extend(DetectedLanguage::ALL.iter().map(|language| {
                        Cell::Count(subset.iter().filter(|row| row.metrics.detected.language == *language).count())
                    }));
                    row.push(Cell::Count(subset.iter().filter(|row| row.metrics.wrong_language).count()));
                    row
                })
                .collect(),
        ],
    });
    tables
}

/// Why the detector and the judge disagree about a response's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageDisagreement {
    /// The detector says the text is not in the target language, but the judge gave Fluency > 0.
    DetectorSaysWrongLanguage,
    /// The judge gave Fluency 0, but the detector says the text is in the target language.
    JudgeGaveFluencyZero,
}

impl LanguageDisagreement {
    pub fn description(self) -> &'static str {
        match self {
            LanguageDisagreement::DetectorSaysWrongLanguage => "detector: wrong language; judge: fluency > 0",
            LanguageDisagreement::JudgeGaveFluencyZero => "judge: fluency 0; detector: target language",
        }
    }
}

/// A response a reviewer should look at: the detector and the judge disagree about its language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageAuditEntry {
    pub condition: Condition,
    pub model: String,
    pub question_id: u32,
    pub disagreement: LanguageDisagreement,
    pub detected: LanguageGuess,
    pub fluency: u8,
    pub notes: String,
}

/// Looks up the grade row of each measured response (failed gradings have no fluency and are skipped).
fn graded_pairs<'a>(
    rows: &'a [ResponseMetrics],
    grades: &'a [GradeRow],
) -> impl Iterator<Item = (&'a ResponseMetrics, &'a GradeRow, u8)> + 'a {
    let by_key: BTreeMap<(Condition, &str, u32), &GradeRow> =
        grades.iter().map(|grade| ((grade.condition, grade.model.as_str(), grade.question_id), grade)).collect();
    rows.iter().filter_map(move |row| {
        let grade = *by_key.get(&(row.condition, row.model.as_str(), row.question_id))?;
        Some((row, grade, grade.scores()?.fluency))
    })
}

/// The responses where the detector and the judge disagree about the language, in the order of `rows`.
pub fn language_audit(rows: &[ResponseMetrics], grades: &[GradeRow]) -> Vec<LanguageAuditEntry> {
    graded_pairs(rows, grades)
        .filter_map(|(row, grade, fluency)| {
            let disagreement = match (row.metrics.wrong_language, fluency) {
                (true, 1..) => LanguageDisagreement::DetectorSaysWrongLanguage,
                (false, 0) => LanguageDisagreement::JudgeGaveFluencyZero,
                _ => return None,
            };
            Some(LanguageAuditEntry {
                condition: row.condition,
                model: row.model.clone(),
                question_id: row.question_id,
                disagreement,
                detected: row.metrics.detected,
                fluency,
                notes: grade.notes.clone(),
            })
        })
        .collect()
}

/// Phrases by which the judge's notes state that a response is written in Kyrgyz ("in Kyrgyz",
/// "is Kyrgyz", "Kyrgyz, not Kazakh", "(Kyrgyz"), compared in lowercase. Notes that only mention
/// Kyrgyz influence or markers ("Kyrgyz-like", "no Kyrgyz markers") do not count.
const KYRGYZ_VERDICT_PHRASES: [&str; 5] = ["in kyrgyz", "is kyrgyz", "kyrgyz not", "kyrgyz, not", "(kyrgyz"];

/// Whether the judge's notes say the response is in Kyrgyz.
pub fn judge_says_kyrgyz(notes: &str) -> bool {
    let notes = notes.to_lowercase();
    KYRGYZ_VERDICT_PHRASES.iter().any(|phrase| notes.contains(phrase))
}

/// A group of responses for which the judge's verdict says what the detector should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeVerdictGroup {
    /// Fluency 0 and notes saying the response is in Kyrgyz: should be detected as Kyrgyz.
    KyrgyzFluencyZero,
    /// Fluency 2 in C2 or C4 (natural target-language text): should be detected as the target.
    FluentDirect(Condition),
}

impl JudgeVerdictGroup {
    pub fn label(self) -> String {
        match self {
            JudgeVerdictGroup::KyrgyzFluencyZero => "notes say Kyrgyz, fluency 0".to_owned(),
            JudgeVerdictGroup::FluentDirect(condition) => {
                format!("fluency 2, {} ({})", condition.id(), condition.language())
            }
        }
    }

    /// What the detector should say for a response of this group.
    pub fn expected(self) -> DetectedLanguage {
        match self {
            JudgeVerdictGroup::KyrgyzFluencyZero => DetectedLanguage::Kyrgyz,
            JudgeVerdictGroup::FluentDirect(condition) => condition.language().into(),
        }
    }
}

/// How the detector's labels compare with the judge's verdicts, group by group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DetectorAgreement {
    /// For each group, how many responses got each detected language.
    pub confusion: BTreeMap<JudgeVerdictGroup, BTreeMap<DetectedLanguage, usize>>,
}

impl DetectorAgreement {
    /// (responses detected as expected, responses) of `group`.
    pub fn hits(&self, group: JudgeVerdictGroup) -> (usize, usize) {
        let Some(counts) = self.confusion.get(&group) else { return (0, 0) };
        (counts.get(&group.expected()).copied().unwrap_or(0), counts.values().sum())
    }

    /// (hits, total) over the C2 and C4 fluent groups together.
    pub fn fluent_direct_hits(&self) -> (usize, usize) {
        [Condition::C2, Condition::C4]
            .into_iter()
            .map(|condition| self.hits(JudgeVerdictGroup::FluentDirect(condition)))
            .fold((0, 0), |(hits, total), (h, t)| (hits + h, total + t))
    }
}

/// Compares the detector with the judge on the responses whose verdict says what the language is.
pub fn detector_agreement(rows: &[ResponseMetrics], grades: &[GradeRow]) -> DetectorAgreement {
    let mut agreement = DetectorAgreement::default();
    for (row, grade, fluency) in graded_pairs(rows, grades) {
        let mut groups = Vec::new();
        if fluency == 0 && judge_says_kyrgyz(&grade.notes) {
            groups.push(JudgeVerdictGroup::KyrgyzFluencyZero);
        }
        if fluency == 2 && matches!(row.condition, Condition::C2 | Condition::C4) {
            groups.push(JudgeVerdictGroup::FluentDirect(row.condition));
        }
        for group in groups {
            *agreement.confusion.entry(group).or_default().entry(row.metrics.detected.language).or_default() += 1;
        }
    }
    agreement
}

/// The agreement as a confusion table: one row per judge group, one column per detected language.
pub fn detector_agreement_table(agreement: &DetectorAgreement) -> Table {
    let mut header = vec!["Judge verdict".to_owned(), "n".to_owned()];
    header.extend(DetectedLanguage::ALL.iter().map(|language| language.display_name().to_owned()));
    header.push("Detected as expected (%)".to_owned());
    let rows = agreement
        .confusion
        .iter()
        .map(|(group, counts)| {
            let (hits, total) = agreement.hits(*group);
            let mut row = vec![text(group.label()), Cell::Count(total)];
            row.extend(
                DetectedLanguage::ALL.iter().map(|language| Cell::Count(counts.get(language).copied().unwrap_or(0))),
            );
            row.push(number(percent(hits, total), 1));
            row
        })
        .collect();
    Table {
        id: "detector_agreement",
        label: None,
        title: "Language detector against the judge's verdicts".to_owned(),
        headers: header,
        groups: vec![rows],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_half_to_even() {
        // 5 Latin characters / 4 = 1.25 -> 1; 10 / 4 = 2.5 -> 2; 14 / 4 = 3.5 -> 4.
        assert_eq!(measure_response("abcde", Condition::C1).estimated_tokens, 1);
        assert_eq!(measure_response("abcdefghij", Condition::C1).estimated_tokens, 2);
        assert_eq!(measure_response("abcdefghijklmn", Condition::C1).estimated_tokens, 4);
        // Mostly Cyrillic: 5 characters / 2.5 = 2; "қазақ" is 5 scalar values but 10 bytes.
        let kazakh = measure_response("қазақ", Condition::C2);
        assert_eq!((kazakh.char_count, kazakh.estimated_tokens), (5, 2));
    }

    #[test]
    fn cyrillic_ratio_counts_the_block_against_ascii_letters_only() {
        assert_eq!(cyrillic_ratio("123 !?"), 0.0);
        assert_eq!(cyrillic_ratio("абв def"), 0.5);
        // é is not ASCII, so it counts for neither script.
        assert_eq!(cyrillic_ratio("абвé"), 1.0);
    }

    #[test]
    fn consistency_thresholds_follow_the_condition() {
        assert!(measure_response("English only", Condition::C1).language_consistent);
        assert!(!measure_response("Қазақ тілі text", Condition::C2).language_consistent);
        assert!(measure_response("Қазақ тілі бар", Condition::C2).language_consistent);
        assert!(measure_response("Question: what? Сұрақ: не?", Condition::C3).language_consistent);
        assert!(!measure_response("Сұрақ: не?", Condition::C3).language_consistent);
    }

    #[test]
    fn script_issues_follow_the_study() {
        assert_eq!(
            measure_response("mostly latin text here ок", Condition::C2).script_issues,
            [ScriptIssue::ResponseMostlyLatin]
        );
        // Cyrillic but no Kazakh letter: Russian or Kyrgyz-looking text in C2.
        assert_eq!(
            measure_response("Это русский текст", Condition::C2).script_issues,
            [ScriptIssue::MissingKazakhSpecificChars]
        );
        // Mongolian has no such check.
        assert!(measure_response("Энэ монгол текст", Condition::C4).script_correct());
        let transfer = "Сұрақ\nQuestion\nAnswer\nЖауап\nline five\nline six\nline seven\nThe end";
        assert_eq!(
            measure_response(transfer, Condition::C3).script_issues,
            [ScriptIssue::FinalAnswerNotInTargetLanguage]
        );
    }

    #[test]
    fn code_switching_counts_changes_between_pieces() {
        let text = "Бұл қазақша сөйлем. This is an English sentence! Тағы қазақша сөйлем\nshort\nAnother English line";
        let switching = code_switching(text);
        assert_eq!(switching, CodeSwitching { count: 3, ratio: 1.0, pieces: 4 });
        let text = "Бірінші ұзын сөйлем. Екінші ұзын сөйлем. Third long sentence";
        assert_eq!(code_switching(text), CodeSwitching { count: 1, ratio: 0.5, pieces: 3 });
        assert_eq!(code_switching("Бір ғана сөйлем"), CodeSwitching { count: 0, ratio: 0.0, pieces: 1 });
        let three_pieces = "Бірінші ұзын сөйлем. Second long sentence. Үшінші ұзын сөйлем. Fourth long sentence";
        assert_eq!(code_switching(three_pieces).ratio, 1.0);
        assert_eq!(measure_response(three_pieces, Condition::C1).code_switching.count, 0);
    }

    #[test]
    fn code_switch_ratio_has_three_decimals() {
        let text = "Бірінші ұзын сөйлем. Second long sentence. Үшінші ұзын сөйлем. Төртінші ұзын сөйлем";
        assert_eq!(code_switching(text), CodeSwitching { count: 2, ratio: 0.667, pieces: 4 });
    }

    #[test]
    fn transfer_compliance_needs_markers_and_both_scripts() {
        let latin = "a".repeat(51);
        let cyrillic = "б".repeat(51);
        let compliance = |text: &str| measure_response(text, Condition::C3).transfer.expect("C3 has compliance");
        assert!(compliance(&format!("Step 1 {latin} {cyrillic}")).all_steps_present);
        assert!(compliance(&format!("ҚАДАМ  2 {latin} {cyrillic}")).all_steps_present);
        assert!(compliance(&format!("version 2.5 {latin} {cyrillic}")).has_step_markers);
        assert!(!compliance(&format!("steps {latin} {cyrillic}")).has_step_markers);
        assert!(!compliance(&format!("Step 1 {cyrillic}")).all_steps_present);
        assert!(!compliance(&format!("Step 1 {latin} {}", "б".repeat(50))).has_target_section);
        assert_eq!(measure_response("Step 1", Condition::C2).transfer, None);
    }

    #[test]
    fn english_leakage_counts_whole_words_case_insensitively_in_direct_conditions() {
        let text = "The answer: Theory and thesis — THE step, steps; this_is that жауап";
        assert_eq!(measure_response(text, Condition::C2).english_word_count, Some(6));
        assert_eq!(measure_response(text, Condition::C3).english_word_count, None);
    }

    #[test]
    fn transfer_conditions_measure_the_final_answer_and_detect_its_language() {
        let response = "1. Translate\nWhat is the capital of Kazakhstan and why did it move there?\n2. Answer\n\
            The capital is Astana.\n3-қадам: Қазақстанның астанасы — Астана қаласы, ол 1997 жылы көшірілді.";
        let metrics = measure_response(response, Condition::C3);
        assert_eq!(
            &response[metrics.measured.clone()],
            ": Қазақстанның астанасы — Астана қаласы, ол 1997 жылы көшірілді."
        );
        assert_eq!(metrics.word_count, 10);
        assert_eq!(metrics.detected.language, DetectedLanguage::Kazakh);
        assert!(!metrics.wrong_language);
        assert!(measure_response(response, Condition::C5).wrong_language);
    }

    #[test]
    fn judge_verdicts_about_kyrgyz_are_read_from_the_notes() {
        assert!(judge_says_kyrgyz("Response is in KYRGYZ, not Kazakh."));
        assert!(judge_says_kyrgyz("Wrong language (Kyrgyz, not Kazakh)"));
        assert!(judge_says_kyrgyz("Language is Kyrgyz not Kazakh"));
        assert!(!judge_says_kyrgyz("Fluent Kazakh, no Kyrgyz markers."));
        assert!(!judge_says_kyrgyz("Some Kyrgyz-like forms"));
    }
}
