//! The shared core of Left Behind: the study's data model, its parsers, and every computation the
//! runner and the explorer show. Nothing here does IO: parsers take `&str`, computations take slices,
//! so the same code runs natively and in the browser (WASM).

mod agreement;
mod answer_sheet;
mod condition;
mod csv_lines;
mod dataset;
mod figure;
mod filter;
mod final_answer;
mod grades;
mod grading;
mod json;
mod judge;
mod judges;
mod langid;
mod language;
mod manifest;
mod metrics;
mod problem;
mod question;
mod registry;
mod report;
mod report_uncertainty;
mod results;
mod review;
mod review_sample;
mod robustness;
mod self_preference;
mod study;
mod tables;
mod text;
pub mod uncertainty;
mod validate;

pub use agreement::{
    AgreementReport, AlphaAgreement, AlphaLevel, Dimension, Disagreement, KAPPA_BOOTSTRAP_REPLICATES,
    KAPPA_BOOTSTRAP_SEED, PairAgreement, Rater, RaterKind, RaterScores, ReviewedConditionRow, ReviewerCount,
    ScorePercentages, SplitAgreement, SplitBy, agreement_headline, agreement_report, agreement_tables, alpha_agreement,
    compute_agreement, disagreements, krippendorff_alpha, pair_agreement, quadratic_weighted_kappa,
};
pub use answer_sheet::{AnswerSheet, ReferenceAnswer, ReferenceAnswers, SheetEntry, parse_answer_sheet};
pub use condition::Condition;
pub use dataset::{DataFile, DataFileKind, Dataset, LoadedDataset, QUESTIONS_PATH, assemble, classify_path};
pub use figure::{FIGURE1_SIZE, FigureError, FigureSize, category_colour, figure1_svg};
pub use filter::{
    Criterion, GradingState, Neighbours, ResponseEntry, ResponseFilter, ResponseKey, filter_entries, index_responses,
    neighbours, search_terms, summarize_entries,
};
pub use final_answer::{FinalAnswer, FinalAnswerSource, extract_final_answer, find_step3_marker};
pub use grades::{
    GRADE_COLUMNS, GradeOutcome, GradeRow, ParsedGrades, Scores, grades_path, grades_to_csv, parse_grades, python_float,
};
pub use grading::{
    GradingPlan, GradingSelection, GradingTask, JudgeAttempt, JudgmentRecord, grade_row, grades_this_answer,
    judgments_path, merge_grade_rows, parse_judgments, plan_grading, plan_grading_against,
};
pub use judge::{
    JudgeOutputError, JudgeRequest, JudgeVerdict, RUBRIC_CRITERIA, RubricCriterion, graded_text, judge_system_prompt,
    judge_user_message, parse_judge_output, response_length,
};
pub use judges::{
    GradedBy, JUDGES_DIRECTORY, JudgeGrades, JudgeName, JudgeNameError, PANEL, Panel, STUDY_JUDGE, Verdict,
    judge_grades_path, judge_judgments_path, panel, panel_grade, verdicts,
};
pub use langid::{
    DetectedLanguage, KYRGYZ_FORMS_THRESHOLD, LanguageEvidence, LanguageGuess, identify_language, language_evidence,
};
pub use language::Language;
pub use manifest::{MANIFEST_PATH, ManifestFile, SiteManifest, parse_manifest};
pub use metrics::{
    CodeSwitching, DetectorAgreement, JudgeVerdictGroup, LanguageAuditEntry, LanguageDisagreement, METRICS_COLUMNS,
    ResponseMetrics, ScriptIssue, TextMetrics, TransferCompliance, code_switching, compute_metrics, cyrillic_ratio,
    detector_agreement, detector_agreement_table, judge_says_kyrgyz, language_audit, measure_response, metrics_tables,
    metrics_to_csv,
};
pub use problem::{DataError, Problem, Severity};
pub use question::{Question, QuestionCategory, parse_questions};
pub use registry::{ModelCategory, ModelInfo, ModelRegistry, ProviderKind, UnknownProvider};
pub use report::{
    CategorySummary, ConditionSummary, Headline, ModelSummary, QuestionCategorySummary, RowsSummary, StudyReport,
    compute_report, summarize_condition, summarize_rows,
};
pub use report_uncertainty::{
    CLUSTER_NOUN, ContrastName, ContrastScope, DEFAULT_DETECTABLE_EFFECT_PP, PairedContrast, UncertaintyMethod,
    UncertaintySettings, add_uncertainty, compute_contrasts, entries_interval, format_p_value, p_phrase,
    score_interval,
};
pub use results::{ResponseRecord, ResultsFile, RunError, TokenUsage, parse_results, results_path};
pub use review::{
    EXPORT_EXTRA_COLUMNS, ParsedReviews, REVIEW_COLUMNS, REVIEWS_DIRECTORY, Review, ReviewFlag, ReviewStatus,
    blocks_analysis, check_reviews, flags_by_question, graded_text_sha256, is_reviewer_name, is_rfc3339, load_reviews,
    parse_reviews, review_status, reviewer_from_path, reviews_path, reviews_to_csv, upsert_review,
};
pub use review_sample::{DEFAULT_SAMPLE_K, ReviewQueue, Strata, next_unreviewed, stratified_sample};
pub use robustness::{
    Conclusion, ConclusionCheck, ConditionTotal, ContrastEstimate, JudgeColumn, Robustness, judge_column, robustness,
    robustness_table,
};
pub use self_preference::{
    JudgeRows, NotMeasured, PairedDifference, PairedScore, SelfPreference, self_preference, self_preference_table,
};
pub use study::{OpenedStudy, StudyFiles, StudySettings, open_partial_study, open_study, study_judge};
pub use tables::{
    Cell, CellInterval, INTERVAL_NOTE, ReportTables, Table, category_table, condition_table, contrast_table,
    format_number, group_thousands, headline_lines, model_table, question_category_table, render_csv,
    render_csv_tables, render_latex, render_latex_with_headline, render_markdown, render_text, report_tables,
};
pub use text::{Alignment, column_widths, failed_calls_not_graded, left_aligned_columns, pad, plural, truncate};
pub use validate::validate;
