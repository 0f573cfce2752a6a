//! The shared core of Left Behind: the study's data model, its parsers, and every computation the
//! runner and the explorer show. Nothing here does IO: parsers take `&str`, computations take slices,
//! so the same code runs natively and in the browser (WASM).

mod answer_sheet;
mod condition;
mod dataset;
mod figure;
mod grades;
mod json;
mod language;
mod problem;
mod question;
mod registry;
mod report;
mod results;
mod tables;
mod validate;

pub use answer_sheet::{AnswerSheet, ReferenceAnswer, ReferenceAnswers, SheetEntry, parse_answer_sheet};
pub use condition::Condition;
pub use dataset::{DataFile, DataFileKind, Dataset, LoadedDataset, QUESTIONS_PATH, assemble, classify_path};
pub use figure::{FigureError, category_colour, figure1_svg};
pub use grades::{
    GRADE_COLUMNS, GradeOutcome, GradeRow, ParsedGrades, Scores, grades_path, grades_to_csv, parse_grades, python_float,
};
pub use language::Language;
pub use problem::{DataError, Problem, Severity, plural};
pub use question::{Question, QuestionCategory, parse_questions};
pub use registry::{ModelCategory, ModelInfo, ModelRegistry};
pub use report::{
    CategorySummary, ConditionSummary, Headline, ModelSummary, QuestionCategorySummary, RowsSummary, StudyReport,
    compute_report, summarize_condition, summarize_rows,
};
pub use results::{ResponseRecord, ResultsFile, RunError, parse_results, results_path};
pub use tables::{
    Cell, Table, category_table, condition_table, format_number, headline_lines, model_table, question_category_table,
    render_csv, render_latex, render_markdown, render_text, report_tables,
};
pub use validate::validate;
