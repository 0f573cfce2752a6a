//! Reviewers' grades: `reviews/<reviewer>.csv`, one row per reviewed response.
//!
//! A reviewer scores a response on the judge's rubric (accuracy, fluency, completeness, 0..2 each), may
//! flag a problem that is not the answer's (the question, the reference answer, the judge), and writes
//! a note. Each row carries the SHA-256 of the text that was graded, so a review of an answer that was
//! regenerated since is recognised as stale ([`review_status`]) and left out of every statistic.
//!
//! Parsing never gives up on a file for one bad row: each bad row becomes a [`Problem`] naming the
//! file, line and field, and the other rows load. The explorer stores a reviewer's reviews as this very
//! CSV text, so what it exports is what it keeps.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::csv_lines::open_csv;
use crate::{Condition, DataError, Dataset, GradeRow, Problem, ResponseKey, Scores, graded_text};

/// The directory of review files, relative to the dataset root.
pub const REVIEWS_DIRECTORY: &str = "reviews";

/// The columns of a review file, in the order [`reviews_to_csv`] writes them.
pub const REVIEW_COLUMNS: [&str; 10] = [
    "condition",
    "model",
    "question_id",
    "accuracy",
    "fluency",
    "completeness",
    "flag",
    "notes",
    "reviewed_at",
    "graded_text_sha256",
];

/// The columns export adds after [`REVIEW_COLUMNS`] for the reader's convenience (the judge's scores);
/// import ignores them, as it ignores every column it does not know.
pub const EXPORT_EXTRA_COLUMNS: [&str; 3] = ["judge_accuracy", "judge_fluency", "judge_completeness"];

/// A column a file may leave out (`flag`: a file without it reads as unflagged).
const OPTIONAL_COLUMNS: [&str; 1] = ["flag"];

/// A problem the reviewer saw that is not the answer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewFlag {
    /// The question (its translation) is ambiguous or wrong.
    Question,
    /// The reference answer is wrong or incomplete.
    Reference,
    /// The judge misread the answer.
    Judge,
}

impl ReviewFlag {
    pub const ALL: [ReviewFlag; 3] = [ReviewFlag::Question, ReviewFlag::Reference, ReviewFlag::Judge];

    /// The value in the file's `flag` column.
    pub fn key(self) -> &'static str {
        match self {
            ReviewFlag::Question => "question",
            ReviewFlag::Reference => "reference",
            ReviewFlag::Judge => "judge",
        }
    }

    pub fn from_key(key: &str) -> Option<ReviewFlag> {
        ReviewFlag::ALL.into_iter().find(|flag| flag.key() == key)
    }

    /// What the flag says, for people.
    pub fn description(self) -> &'static str {
        match self {
            ReviewFlag::Question => "the question's wording or translation is ambiguous",
            ReviewFlag::Reference => "the reference answer is wrong or incomplete",
            ReviewFlag::Judge => "the judge misread the answer",
        }
    }
}

/// One reviewer's grade of one response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The file stem of `reviews/<reviewer>.csv`.
    pub reviewer: String,
    pub key: ResponseKey,
    pub scores: Scores,
    pub flag: Option<ReviewFlag>,
    /// Free text; untrusted (the explorer renders it as text).
    pub notes: String,
    /// RFC 3339, as written.
    pub reviewed_at: String,
    /// Lowercase hex SHA-256 of the UTF-8 graded text ([`graded_text_sha256`]).
    pub graded_text_sha256: String,
    /// The row's line in its file (1-based; the header is line 1); 0 for a review not read from a file.
    pub line: u64,
}

/// The reviews of one file that could be read, and what was wrong with the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedReviews {
    pub reviews: Vec<Review>,
    /// One problem per row that was left out, naming the line and field.
    pub problems: Vec<Problem>,
}

/// The reviewer named by a review file's path (`reviews/alice.csv` -> `alice`), or why the path does
/// not name one.
pub fn reviewer_from_path(path: &str) -> Result<String, String> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(stem) = name.strip_suffix(".csv") else {
        return Err(format!("{name:?} is not a review file (reviews/<reviewer>.csv)"));
    };
    if is_reviewer_name(stem) {
        Ok(stem.to_owned())
    } else {
        Err(format!("{stem:?} is not a reviewer's name (letters, digits, `_` and `-` only)"))
    }
}

/// A reviewer's name: one or more ASCII letters, digits, `_` or `-` (it becomes a file name).
pub fn is_reviewer_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The path of a reviewer's file, relative to the dataset root.
pub fn reviews_path(reviewer: &str) -> String {
    format!("{REVIEWS_DIRECTORY}/{reviewer}.csv")
}

/// Lowercase hex SHA-256 of the text the judge grades for `response` in `condition`: the final answer
/// in C3/C5 (as `grade` extracts it), the whole response otherwise.
pub fn graded_text_sha256(response: &str, condition: Condition) -> String {
    hex_sha256(graded_text(response, condition).as_bytes())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Parses the review file `file` of `reviewer`. A file that is not CSV or lacks a required column is an
/// error; a row with a bad value, or a second row for the same response, is left out and reported.
/// Whether the condition, model and question exist in a dataset is [`check_reviews`]'s job.
pub fn parse_reviews(text: &str, reviewer: &str, file: &str) -> Result<ParsedReviews, DataError> {
    let (mut reader, mut lines) = open_csv(text);
    let header = reader.headers().map_err(|error| lines.data_error(file, error))?.clone();
    let mut indices: [Option<usize>; REVIEW_COLUMNS.len()] = [None; REVIEW_COLUMNS.len()];
    for (slot, column) in indices.iter_mut().zip(REVIEW_COLUMNS) {
        *slot = header.iter().position(|name| name.trim() == column);
        if slot.is_none() && !OPTIONAL_COLUMNS.contains(&column) {
            return Err(DataError::MissingColumn {
                file: file.to_owned(),
                column: column.to_owned(),
                header: header.iter().collect::<Vec<_>>().join(", "),
            });
        }
    }

    let mut parsed = ParsedReviews::default();
    let mut seen: BTreeMap<ResponseKey, u64> = BTreeMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            // A malformed row (bad UTF-8, say) is reported; the csv reader goes on with the next one.
            Err(error) => {
                let line = lines.line_of(error.position());
                parsed.problems.push(Problem::error(file, error.to_string()).at_line(line));
                continue;
            }
        };
        let line = lines.line_of(record.position());
        let field = |column: usize| indices[column].and_then(|index| record.get(index)).unwrap_or("");
        match parse_row(&field, reviewer, line) {
            Ok(review) => {
                if let Some(first) = seen.get(&review.key) {
                    parsed.problems.push(
                        Problem::error(
                            file,
                            format!(
                                "a second review of {} {} question {} (the first is on line {first}); only the first is kept",
                                review.key.condition, review.key.model, review.key.question_id
                            ),
                        )
                        .at_line(line)
                        .in_field("question_id"),
                    );
                    continue;
                }
                seen.insert(review.key.clone(), line);
                parsed.reviews.push(review);
            }
            Err((column, message)) => {
                parsed.problems.push(Problem::error(file, message).at_line(line).in_field(REVIEW_COLUMNS[column]))
            }
        }
    }
    Ok(parsed)
}

fn parse_row<'a>(field: &impl Fn(usize) -> &'a str, reviewer: &str, line: u64) -> Result<Review, (usize, String)> {
    let condition_text = field(0).trim();
    let condition = Condition::parse(condition_text).ok_or_else(|| {
        let known: Vec<&str> = Condition::ALL.iter().map(|condition| condition.id()).collect();
        (0, format!("{condition_text:?} is not a condition (expected one of {})", known.join(", ")))
    })?;
    let model = field(1).trim();
    if model.is_empty() {
        return Err((1, "the model is empty".to_owned()));
    }
    let question_text = field(2).trim();
    let question_id: u32 =
        question_text.parse().map_err(|_| (2, format!("{question_text:?} is not a question id (a whole number)")))?;
    let score = |column: usize| -> Result<u8, (usize, String)> {
        let text = field(column).trim();
        match text.parse::<u8>() {
            Ok(score) if score <= Scores::MAX_EACH => Ok(score),
            _ => Err((column, format!("{text:?} is not a score (0, 1 or 2)"))),
        }
    };
    let scores = Scores { accuracy: score(3)?, fluency: score(4)?, completeness: score(5)? };
    let flag_text = field(6).trim();
    let flag = if flag_text.is_empty() {
        None
    } else {
        Some(ReviewFlag::from_key(flag_text).ok_or_else(|| {
            (6, format!("{flag_text:?} is not a flag (expected empty, question, reference or judge)"))
        })?)
    };
    let reviewed_at = field(8).trim();
    if !is_rfc3339(reviewed_at) {
        return Err((8, format!("{reviewed_at:?} is not an RFC 3339 time (such as 2026-03-01T14:05:00Z)")));
    }
    let hash = field(9).trim();
    if hash.len() != 64 || !hash.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err((9, format!("{hash:?} is not a SHA-256 (64 hexadecimal digits)")));
    }
    Ok(Review {
        reviewer: reviewer.to_owned(),
        key: ResponseKey { condition, model: model.to_owned(), question_id },
        scores,
        flag,
        notes: field(7).to_owned(),
        reviewed_at: reviewed_at.to_owned(),
        graded_text_sha256: hash.to_ascii_lowercase(),
        line,
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with plausible field ranges (RFC 3339's `date-time`;
/// `t`, `z` and a space for `T` are allowed, as the RFC allows them).
pub fn is_rfc3339(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, &b| n * 10 + u32::from(b - b'0')))
    };
    let (Some(_year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (digits(0..4), digits(5..7), digits(8..10), digits(11..13), digits(14..16), digits(17..19))
    else {
        return false;
    };
    if bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') || bytes[13] != b':' {
        return false;
    }
    if bytes[16] != b':' || !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return false;
    }
    if second > 60 {
        return false;
    }
    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let count = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return false;
        }
        rest = &fraction[count..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit())
                && (h1 - b'0') * 10 + (h2 - b'0') <= 23
                && (m1 - b'0') * 10 + (m2 - b'0') <= 59
        }
        _ => false,
    }
}

/// Reviews of responses the dataset does not know (an unknown model or question) are left out and
/// reported, naming the file and line; the rest are returned. A model is known when it has a results
/// file or grade rows; a question when the questions file lists it (or, without one, when some
/// response or grade answers it).
pub fn check_reviews(reviews: Vec<Review>, dataset: &Dataset, file: &str) -> (Vec<Review>, Vec<Problem>) {
    let models: HashSet<&str> = dataset
        .results
        .iter()
        .map(|results| results.model.as_str())
        .chain(dataset.grades.iter().map(|row| row.model.as_str()))
        .collect();
    let questions: HashSet<u32> = if dataset.questions.is_empty() {
        dataset
            .results
            .iter()
            .flat_map(|results| results.responses.iter().map(|record| record.question_id))
            .chain(dataset.grades.iter().map(|row| row.question_id))
            .collect()
    } else {
        dataset.questions.iter().map(|question| question.id).collect()
    };
    let mut kept = Vec::with_capacity(reviews.len());
    let mut problems = Vec::new();
    for review in reviews {
        if !models.contains(review.key.model.as_str()) {
            problems.push(
                Problem::error(
                    file,
                    format!("the dataset has no model {:?} (no results or grades of it)", review.key.model),
                )
                .at_line(review.line)
                .in_field("model"),
            );
        } else if !questions.contains(&review.key.question_id) {
            problems.push(
                Problem::error(file, format!("the dataset has no question {}", review.key.question_id))
                    .at_line(review.line)
                    .in_field("question_id"),
            );
        } else {
            kept.push(review);
        }
    }
    (kept, problems)
}

/// Parses a review file and keeps what the dataset knows: [`parse_reviews`] then [`check_reviews`].
/// What the explorer does with an imported file, and `assemble` with a shipped one.
pub fn load_reviews(text: &str, path: &str, dataset: &Dataset) -> ParsedReviews {
    let reviewer = match reviewer_from_path(path) {
        Ok(reviewer) => reviewer,
        Err(message) => return ParsedReviews { reviews: Vec::new(), problems: vec![Problem::error(path, message)] },
    };
    match parse_reviews(text, &reviewer, path) {
        Ok(parsed) => {
            let (reviews, mut problems) = check_reviews(parsed.reviews, dataset, path);
            let mut all = parsed.problems;
            all.append(&mut problems);
            all.sort_by_key(|problem| problem.line);
            ParsedReviews { reviews, problems: all }
        }
        Err(error) => ParsedReviews { reviews: Vec::new(), problems: vec![error.into()] },
    }
}

/// Whether a problem makes the data unusable for analysis: an error, except in a review file (a bad
/// review row is left out and reported; it changes none of the judge's numbers, so `report` and
/// `metrics` go on, and `validate` still counts it).
pub fn blocks_analysis(problem: &Problem) -> bool {
    problem.is_error() && !problem.file.starts_with(&format!("{REVIEWS_DIRECTORY}/"))
}

/// Whether a review still grades the response the dataset holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// The graded text's hash matches the review's.
    Current,
    /// The answer changed since (or is gone): the review grades a text the dataset no longer holds.
    Stale,
}

/// Compares the review's hash with the graded text of the response the dataset holds now.
pub fn review_status(review: &Review, dataset: &Dataset) -> ReviewStatus {
    match dataset.response(review.key.condition, &review.key.model, review.key.question_id) {
        Some(record) if graded_text_sha256(&record.response, review.key.condition) == review.graded_text_sha256 => {
            ReviewStatus::Current
        }
        _ => ReviewStatus::Stale,
    }
}

/// Writes reviews as a review file (header, then one row per review in the given order). With
/// `judge_grades`, the judge's scores of each response follow in [`EXPORT_EXTRA_COLUMNS`] (empty when
/// the response has no usable grade).
pub fn reviews_to_csv(reviews: &[Review], judge_grades: Option<&[GradeRow]>) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let mut header: Vec<&str> = REVIEW_COLUMNS.to_vec();
    if judge_grades.is_some() {
        header.extend(EXPORT_EXTRA_COLUMNS);
    }
    writer.write_record(&header).expect("writing to a Vec cannot fail");
    let judge: BTreeMap<(Condition, &str, u32), Scores> = judge_grades
        .unwrap_or_default()
        .iter()
        .filter_map(|row| Some(((row.condition, row.model.as_str(), row.question_id), row.scores()?)))
        .collect();
    for review in reviews {
        let mut record = vec![
            review.key.condition.id().to_owned(),
            review.key.model.clone(),
            review.key.question_id.to_string(),
            review.scores.accuracy.to_string(),
            review.scores.fluency.to_string(),
            review.scores.completeness.to_string(),
            review.flag.map(ReviewFlag::key).unwrap_or_default().to_owned(),
            review.notes.clone(),
            review.reviewed_at.clone(),
            review.graded_text_sha256.clone(),
        ];
        if judge_grades.is_some() {
            let scores = judge.get(&(review.key.condition, review.key.model.as_str(), review.key.question_id));
            record.extend(match scores {
                Some(scores) => {
                    [scores.accuracy, scores.fluency, scores.completeness].map(|score| score.to_string()).to_vec()
                }
                None => vec![String::new(); 3],
            });
        }
        writer.write_record(&record).expect("writing to a Vec cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to a Vec cannot fail")).expect("the fields are UTF-8")
}

/// Sets (adds or replaces) `review` in a reviewer's list, keeping one review per response; the list
/// stays in the order reviews were first made.
pub fn upsert_review(reviews: &mut Vec<Review>, review: Review) {
    match reviews.iter_mut().find(|existing| existing.key == review.key) {
        Some(existing) => *existing = review,
        None => reviews.push(review),
    }
}

/// The flags raised on one question, with the review that raised each (stale ones included: a flag
/// about the question or its reference outlives the answer).
pub fn flags_by_question(reviews: &[Review]) -> BTreeMap<u32, Vec<&Review>> {
    let mut flags: BTreeMap<u32, Vec<&Review>> = BTreeMap::new();
    for review in reviews.iter().filter(|review| review.flag.is_some()) {
        flags.entry(review.key.question_id).or_default().push(review);
    }
    flags
}
