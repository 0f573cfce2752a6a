//! Judge grades: `grades/<condition_dir>.csv`, one row per (model, question).
//!
//! A row whose scores are -1 records a grading that failed (the judge never gave a usable answer). It is
//! counted, and left out of every mean: it is never a zero. Likewise an empty `response_time` is a
//! time that is unknown (the answer came from a batch), left out of the mean time.

use serde::{Deserialize, Serialize};

use crate::csv_lines::open_csv;
use crate::{Condition, DataError, Problem, QuestionCategory};

/// The columns of a grades file, in the study's order.
pub const GRADE_COLUMNS: [&str; 10] = [
    "question_id",
    "category",
    "model",
    "accuracy",
    "fluency",
    "completeness",
    "total",
    "response_time",
    "response_length",
    "notes",
];

/// The three rubric scores, each 0..=2 (deserializing does not check the range: use [`Scores::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Scores {
    pub accuracy: u8,
    pub fluency: u8,
    pub completeness: u8,
}

impl Scores {
    /// The highest score of each criterion.
    pub const MAX_EACH: u8 = 2;
    /// The highest total.
    pub const MAX_TOTAL: u8 = 6;

    /// The scores, if each is within 0..=2.
    pub fn new(accuracy: u8, fluency: u8, completeness: u8) -> Option<Scores> {
        [accuracy, fluency, completeness].iter().all(|&score| score <= Scores::MAX_EACH).then_some(Scores {
            accuracy,
            fluency,
            completeness,
        })
    }

    pub fn total(self) -> u8 {
        self.accuracy + self.fluency + self.completeness
    }
}

/// What the judge's verdict on one response came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum GradeOutcome {
    Scored(Scores),
    /// The grading failed (written as -1 scores); the reason is in the notes.
    Failed,
}

impl GradeOutcome {
    pub fn scores(self) -> Option<Scores> {
        match self {
            GradeOutcome::Scored(scores) => Some(scores),
            GradeOutcome::Failed => None,
        }
    }
}

/// One row of a grades file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeRow {
    /// Not a column: the condition is the file's.
    pub condition: Condition,
    pub question_id: u32,
    pub category: QuestionCategory,
    pub model: String,
    pub outcome: GradeOutcome,
    /// Seconds the model took to answer; `None` (an empty field) where its answer has no per-call
    /// time (answered in a batch). The study's files always have a number.
    pub response_time: Option<f64>,
    /// Whitespace-separated words of the graded text.
    pub response_length: u32,
    pub notes: String,
    /// The row's line in its file (1-based; the header is line 1), for messages.
    pub line: u64,
}

impl GradeRow {
    pub fn scores(&self) -> Option<Scores> {
        self.outcome.scores()
    }

    pub fn is_failed(&self) -> bool {
        self.outcome == GradeOutcome::Failed
    }
}

/// The rows of one grades file that could be read, and what was wrong with the others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ParsedGrades {
    pub rows: Vec<GradeRow>,
    /// One problem per row that was left out, naming the line and column.
    pub problems: Vec<Problem>,
}

/// Parses a grades file of `condition`. A file without the required columns, or that is not CSV, is an
/// error; a row with a bad value is left out and reported in [`ParsedGrades::problems`].
pub fn parse_grades(text: &str, condition: Condition, file: &str) -> Result<ParsedGrades, DataError> {
    let (mut reader, mut lines) = open_csv(text);
    let header = reader.headers().map_err(|error| lines.data_error(file, error))?.clone();
    let mut indices = [0usize; GRADE_COLUMNS.len()];
    for (slot, column) in indices.iter_mut().zip(GRADE_COLUMNS) {
        *slot = header.iter().position(|name| name.trim() == column).ok_or_else(|| DataError::MissingColumn {
            file: file.to_owned(),
            column: column.to_owned(),
            header: header.iter().collect::<Vec<_>>().join(", "),
        })?;
    }

    let mut parsed = ParsedGrades::default();
    for record in reader.records() {
        let record = record.map_err(|error| lines.data_error(file, error))?;
        let line = lines.line_of(record.position());
        let field = |column: usize| record.get(indices[column]).unwrap_or("").trim();
        match parse_row(&field, condition, line) {
            Ok(row) => parsed.rows.push(row),
            Err((column, message)) => {
                parsed.problems.push(Problem::error(file, message).at_line(line).in_field(GRADE_COLUMNS[column]))
            }
        }
    }
    Ok(parsed)
}

/// The failed-grading marker.
const FAILED_SCORE: i64 = -1;

fn parse_row<'a>(
    field: &impl Fn(usize) -> &'a str,
    condition: Condition,
    line: u64,
) -> Result<GradeRow, (usize, String)> {
    let integer = |column: usize| -> Result<i64, (usize, String)> {
        let text = field(column);
        parse_integer(text).ok_or_else(|| (column, format!("expected an integer, found {text:?}")))
    };
    let question_id = integer(0)?;
    let question_id = u32::try_from(question_id).map_err(|_| (0, format!("{question_id} is not a question id")))?;
    let category =
        QuestionCategory::from_key(field(1)).ok_or_else(|| (1, format!("unknown question category {:?}", field(1))))?;
    let model = field(2);
    if model.is_empty() {
        return Err((2, "the model name is empty".to_owned()));
    }
    let [accuracy, fluency, completeness, total] = [integer(3)?, integer(4)?, integer(5)?, integer(6)?];
    let outcome = if [accuracy, fluency, completeness].contains(&FAILED_SCORE) {
        if [accuracy, fluency, completeness].iter().any(|&score| score != FAILED_SCORE) {
            let column = if accuracy != FAILED_SCORE {
                3
            } else if fluency != FAILED_SCORE {
                4
            } else {
                5
            };
            return Err((column, "-1 marks a failed grading and must then be in every score column".to_owned()));
        }
        GradeOutcome::Failed
    } else {
        let score = |column: usize, value: i64| {
            u8::try_from(value)
                .ok()
                .filter(|&value| value <= Scores::MAX_EACH)
                .ok_or_else(|| (column, format!("{value} is outside 0..=2 (-1 marks a failed grading)")))
        };
        let scores = Scores {
            accuracy: score(3, accuracy)?,
            fluency: score(4, fluency)?,
            completeness: score(5, completeness)?,
        };
        if total != i64::from(scores.total()) {
            return Err((
                6,
                format!(
                    "total {total} is not accuracy + fluency + completeness = {} + {} + {} = {}",
                    scores.accuracy,
                    scores.fluency,
                    scores.completeness,
                    scores.total()
                ),
            ));
        }
        GradeOutcome::Scored(scores)
    };
    let response_time = match field(7) {
        "" => None,
        text => Some(
            text.parse()
                .ok()
                .filter(|time: &f64| time.is_finite() && *time >= 0.0)
                .ok_or_else(|| (7, format!("expected a number of seconds, found {text:?}")))?,
        ),
    };
    let response_length = integer(8)?;
    let response_length =
        u32::try_from(response_length).map_err(|_| (8, format!("expected a word count, found {response_length}")))?;
    Ok(GradeRow {
        condition,
        question_id,
        category,
        model: model.to_owned(),
        outcome,
        response_time,
        response_length,
        notes: field(9).to_owned(),
        line,
    })
}

/// Accepts `2` and also `2.0` (spreadsheets like to write that).
fn parse_integer(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().or_else(|| {
        let value: f64 = text.parse().ok()?;
        (value.fract() == 0.0 && value.abs() < 1e15).then_some(value as i64)
    })
}

/// Writes rows as a grades file in the study's format: its columns and order, CRLF line ends,
/// -1 scores for failed gradings, an empty `response_time` where the time is unknown.
pub fn grades_to_csv(rows: &[GradeRow]) -> String {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(GRADE_COLUMNS).expect("writing to memory cannot fail");
    for row in rows {
        let (accuracy, fluency, completeness, total) = match row.outcome {
            GradeOutcome::Scored(scores) => (
                scores.accuracy.to_string(),
                scores.fluency.to_string(),
                scores.completeness.to_string(),
                scores.total().to_string(),
            ),
            GradeOutcome::Failed => ("-1".into(), "-1".into(), "-1".into(), "-1".into()),
        };
        writer
            .write_record([
                row.question_id.to_string(),
                row.category.key().to_owned(),
                row.model.clone(),
                accuracy,
                fluency,
                completeness,
                total,
                row.response_time.map(python_float).unwrap_or_default(),
                row.response_length.to_string(),
                row.notes.clone(),
            ])
            .expect("writing to memory cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
}

/// Formats a float as Python's `repr` does for ordinary values (`7.0`, `16.72`), so rewritten files
/// match the study's byte for byte.
pub fn python_float(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e16 { format!("{value:.1}") } else { format!("{value}") }
}

/// `grades/<condition_dir>.csv`.
pub fn grades_path(condition: Condition) -> String {
    format!("grades/{}.csv", condition.directory())
}
