//! What can be wrong with a data file, said so a person can find and fix it: the file, the place
//! (line and column, or the row) and the field.

use serde::Serialize;

/// A file that could not be parsed at all. The message names the file and the place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// Malformed JSON, or a value of the wrong type or shape.
    #[error("{file}:{line}:{column}: {}{message}", field_prefix(field))]
    Json { file: String, line: usize, column: usize, field: Option<String>, message: String },
    /// The CSV header lacks a column the format requires.
    #[error("{file}:1: missing column `{column}` (the header has: {header})")]
    MissingColumn { file: String, column: String, header: String },
    /// The CSV itself is malformed (unbalanced quotes, bad UTF-8, ...).
    #[error("{file}:{line}: {message}")]
    Csv { file: String, line: u64, message: String },
    /// The plain-text answer sheet does not have the expected structure.
    #[error("{file}:{line}: {message}")]
    AnswerSheet { file: String, line: usize, message: String },
    /// The file's place in the dataset does not say what it is (for example an unknown condition directory).
    #[error("{file}: {message}")]
    Layout { file: String, message: String },
}

fn field_prefix(field: &Option<String>) -> String {
    match field {
        Some(field) if !field.is_empty() && field != "." => format!("field `{field}`: "),
        _ => String::new(),
    }
}

impl DataError {
    pub fn file(&self) -> &str {
        match self {
            DataError::Json { file, .. }
            | DataError::MissingColumn { file, .. }
            | DataError::Csv { file, .. }
            | DataError::AnswerSheet { file, .. }
            | DataError::Layout { file, .. } => file,
        }
    }

    /// Builds the error for a JSON document that failed to deserialize into `T`, keeping the path of
    /// the field that failed (`responses[3].response_time_seconds`).
    pub(crate) fn from_json(file: &str, error: serde_path_to_error::Error<serde_json::Error>) -> DataError {
        let path = error.path().to_string();
        let inner = error.into_inner();
        let message = strip_json_position(&inner.to_string());
        DataError::Json {
            file: file.to_owned(),
            line: inner.line(),
            column: inner.column(),
            field: (path != ".").then_some(path),
            message,
        }
    }
}

/// serde_json appends " at line L column C" to its messages; we print the position in front instead.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// How bad a problem is: an error makes the data unusable for analysis, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One finding of validation: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub severity: Severity,
    /// The file's path relative to the dataset root (`grades/C2_kazakh.csv`).
    pub file: String,
    /// 1-based line in the file, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// The field or column (`accuracy`, `responses[3].response`).
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem { severity: Severity::Warning, ..Problem::error(file, message) }
    }

    pub fn at_line(mut self, line: u64) -> Problem {
        self.line = Some(line);
        self
    }

    pub fn in_field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl From<DataError> for Problem {
    fn from(error: DataError) -> Problem {
        let file = error.file().to_owned();
        match error {
            DataError::Json { line, column, field, message, .. } => Problem {
                severity: Severity::Error,
                file,
                line: Some(line as u64),
                column: Some(column as u64),
                field,
                message,
            },
            DataError::MissingColumn { column, header, .. } => {
                Problem::error(file, format!("missing column `{column}` (the header has: {header})")).at_line(1)
            }
            DataError::Csv { line, message, .. } => Problem::error(file, message).at_line(line),
            DataError::AnswerSheet { line, message, .. } => Problem::error(file, message).at_line(line as u64),
            DataError::Layout { message, .. } => Problem::error(file, message),
        }
    }
}

impl std::fmt::Display for Problem {
    /// `error: grades/C2_kazakh.csv:14: field `accuracy`: 3 is outside 0..=2`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}: {}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}
