//! The study's analysis: the aggregates behind the paper's tables and figure, computed from grade rows.
//!
//! Every number is a mean over the graded rows of its cell; a failed grading (-1 scores) is counted in
//! `failed` and left out of every mean; a row whose answer has no time (answered in a batch) is counted
//! in `untimed` and left out of the mean time. Percentages are of the maximum score (6 for the total, 2 for
//! each criterion). Values are unrounded; rounding to the printed precision happens only when a table
//! is rendered ([`crate::format`]).

use serde::Serialize;

use crate::report_uncertainty::{PairedContrast, UncertaintyMethod};
use crate::uncertainty::Interval;
use crate::{Condition, GradeRow, ModelCategory, ModelRegistry, QuestionCategory, Scores};

/// Sums over the rows of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Accumulator {
    graded: usize,
    failed: usize,
    accuracy: u64,
    fluency: u64,
    completeness: u64,
    total: u64,
    /// Graded rows with a known time (a batch answer has none), and their sum.
    timed: usize,
    time_seconds: f64,
    length_words: u64,
}

impl Accumulator {
    fn of<'a>(rows: impl IntoIterator<Item = &'a GradeRow>) -> Accumulator {
        let mut sums = Accumulator::default();
        for row in rows {
            match row.scores() {
                Some(scores) => {
                    sums.graded += 1;
                    sums.accuracy += u64::from(scores.accuracy);
                    sums.fluency += u64::from(scores.fluency);
                    sums.completeness += u64::from(scores.completeness);
                    sums.total += u64::from(scores.total());
                    // Summed in file order, as the study's scripts did, so the means agree to the last bit.
                    if let Some(time) = row.response_time {
                        sums.timed += 1;
                        sums.time_seconds += time;
                    }
                    sums.length_words += u64::from(row.response_length);
                }
                None => sums.failed += 1,
            }
        }
        sums
    }

    /// `sum / n / max * 100`, in that order (the study's order: it decides how ties round).
    fn percent(&self, sum: u64, max: u8) -> Option<f64> {
        (self.graded > 0).then(|| sum as f64 / self.graded as f64 / f64::from(max) * 100.0)
    }

    fn total_pct(&self) -> Option<f64> {
        self.percent(self.total, Scores::MAX_TOTAL)
    }

    fn accuracy_pct(&self) -> Option<f64> {
        self.percent(self.accuracy, Scores::MAX_EACH)
    }

    fn fluency_pct(&self) -> Option<f64> {
        self.percent(self.fluency, Scores::MAX_EACH)
    }

    fn completeness_pct(&self) -> Option<f64> {
        self.percent(self.completeness, Scores::MAX_EACH)
    }

    /// Over the rows with a known time only: undefined when none has one.
    fn mean_time(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.time_seconds / self.timed as f64)
    }

    /// Graded rows whose time is unknown (left out of the mean time).
    fn untimed(&self) -> usize {
        self.graded - self.timed
    }

    fn mean_length(&self) -> Option<f64> {
        (self.graded > 0).then(|| self.length_words as f64 / self.graded as f64)
    }
}

/// Table 1: one condition over all models and questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionSummary {
    pub condition: Condition,
    /// Graded rows (failed gradings excluded).
    pub n: usize,
    /// Failed gradings, excluded from the means.
    pub failed: usize,
    pub total_pct: Option<f64>,
    /// The question-clustered standard error of `total_pct` (points); see [`crate::add_uncertainty`].
    pub total_se_pp: Option<f64>,
    /// Its 95% cluster-bootstrap interval, `[low, high]`.
    pub total_ci95_pp: Option<Interval>,
    /// Why the two are missing when the uncertainty was computed (`undefined (1 question)`).
    pub total_interval_undefined: Option<String>,
    pub accuracy_pct: Option<f64>,
    pub fluency_pct: Option<f64>,
    pub completeness_pct: Option<f64>,
    /// Mean seconds per answer, over the graded rows with a known time (`None` when none has one).
    pub mean_time_s: Option<f64>,
    /// Graded rows without a known time (answered in a batch), left out of `mean_time_s`.
    pub untimed: usize,
    pub mean_length_words: Option<f64>,
}

/// Table 2: one model category in one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategorySummary {
    pub category: ModelCategory,
    pub condition: Condition,
    pub n: usize,
    pub failed: usize,
    pub score_pct: Option<f64>,
    /// The question-clustered standard error of `score_pct` (points); see [`crate::add_uncertainty`].
    pub score_se_pp: Option<f64>,
    /// Its 95% cluster-bootstrap interval, `[low, high]`.
    pub score_ci95_pp: Option<Interval>,
    /// Why the two are missing when the uncertainty was computed (`undefined (1 question)`).
    pub score_interval_undefined: Option<String>,
    /// The cross-lingual-transfer effect in points: C3 - C2 on the Kazakh rows, C5 - C4 on the
    /// Mongolian rows, from unrounded scores; `None` for C1 or when either side is missing.
    pub clt_delta_pp: Option<f64>,
    /// Mean seconds per answer, over the graded rows with a known time (`None` when none has one).
    pub mean_time_s: Option<f64>,
    /// Graded rows without a known time (answered in a batch), left out of `mean_time_s`.
    pub untimed: usize,
    pub mean_length_words: Option<f64>,
}

/// One model in one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    pub model: String,
    pub category: ModelCategory,
    pub condition: Condition,
    pub n: usize,
    pub failed: usize,
    pub score_pct: Option<f64>,
    /// The question-clustered standard error of `score_pct` (points); see [`crate::add_uncertainty`].
    pub score_se_pp: Option<f64>,
    /// Its 95% cluster-bootstrap interval, `[low, high]`.
    pub score_ci95_pp: Option<Interval>,
    /// Why the two are missing when the uncertainty was computed (`undefined (1 question)`).
    pub score_interval_undefined: Option<String>,
    pub accuracy_pct: Option<f64>,
    pub fluency_pct: Option<f64>,
    pub completeness_pct: Option<f64>,
    /// Mean seconds per answer, over the graded rows with a known time (`None` when none has one).
    pub mean_time_s: Option<f64>,
    /// Graded rows without a known time (answered in a batch), left out of `mean_time_s`.
    pub untimed: usize,
    pub mean_length_words: Option<f64>,
}

/// One question category in one condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionCategorySummary {
    pub question_category: QuestionCategory,
    pub condition: Condition,
    pub n: usize,
    pub failed: usize,
    pub score_pct: Option<f64>,
    /// The question-clustered standard error of `score_pct` (points); see [`crate::add_uncertainty`].
    pub score_se_pp: Option<f64>,
    /// Its 95% cluster-bootstrap interval, `[low, high]`.
    pub score_ci95_pp: Option<Interval>,
    /// Why the two are missing when the uncertainty was computed (`undefined (1 question)`).
    pub score_interval_undefined: Option<String>,
    pub accuracy_pct: Option<f64>,
    pub fluency_pct: Option<f64>,
    pub completeness_pct: Option<f64>,
}

/// The paper's headline numbers, in points of the total score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    pub english_score_pct: Option<f64>,
    /// C1 - C2.
    pub kazakh_gap_pp: Option<f64>,
    /// C1 - C4.
    pub mongolian_gap_pp: Option<f64>,
    /// C3 - C2.
    pub kazakh_clt_delta_pp: Option<f64>,
    /// C5 - C4.
    pub mongolian_clt_delta_pp: Option<f64>,
}

/// The whole analysis. Serialized, this is `left-behind report --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StudyReport {
    pub conditions: Vec<ConditionSummary>,
    pub model_categories: Vec<CategorySummary>,
    pub models: Vec<ModelSummary>,
    pub question_categories: Vec<QuestionCategorySummary>,
    pub headline: Headline,
    /// Failed gradings over the whole dataset.
    pub grading_failures: usize,
    /// Graded rows without a known time over the whole dataset (answered in a batch).
    pub untimed_answers: usize,
    /// The paired contrasts (C2-C1, C4-C1, C3-C2, C5-C4) by scope; empty until
    /// [`crate::add_uncertainty`].
    pub contrasts: Vec<PairedContrast>,
    /// How the intervals and tests were computed; `None` until [`crate::add_uncertainty`].
    pub uncertainty: Option<UncertaintyMethod>,
}

/// Computes every aggregate of the report from grade rows. Rows of a model the registry does not know
/// count under [`ModelCategory::Unassigned`].
pub fn compute_report(rows: &[GradeRow], registry: &ModelRegistry) -> StudyReport {
    let conditions = present_conditions(rows);
    let condition_summaries: Vec<ConditionSummary> =
        conditions.iter().map(|&condition| summarize_condition(rows, condition)).collect();

    let mut model_categories = Vec::new();
    for category in ModelCategory::ALL {
        let in_category: Vec<&GradeRow> =
            rows.iter().filter(|row| registry.category_of(&row.model) == category).collect();
        if in_category.is_empty() {
            continue;
        }
        let score_of = |condition: Condition| {
            Accumulator::of(in_category.iter().copied().filter(|row| row.condition == condition)).total_pct()
        };
        for &condition in &conditions {
            let sums = Accumulator::of(in_category.iter().copied().filter(|row| row.condition == condition));
            if sums.graded + sums.failed == 0 {
                continue;
            }
            let clt_delta_pp =
                condition.transfer_pair().and_then(|(direct, transfer)| Some(score_of(transfer)? - score_of(direct)?));
            model_categories.push(CategorySummary {
                category,
                condition,
                n: sums.graded,
                failed: sums.failed,
                score_pct: sums.total_pct(),
                score_se_pp: None,
                score_ci95_pp: None,
                score_interval_undefined: None,
                clt_delta_pp,
                mean_time_s: sums.mean_time(),
                untimed: sums.untimed(),
                mean_length_words: sums.mean_length(),
            });
        }
    }

    let model_names = registry.sorted_names(rows.iter().map(|row| row.model.as_str()));
    let mut models = Vec::new();
    for model in &model_names {
        for &condition in &conditions {
            let sums = Accumulator::of(rows.iter().filter(|row| row.condition == condition && &row.model == model));
            if sums.graded + sums.failed == 0 {
                continue;
            }
            models.push(ModelSummary {
                model: model.clone(),
                category: registry.category_of(model),
                condition,
                n: sums.graded,
                failed: sums.failed,
                score_pct: sums.total_pct(),
                score_se_pp: None,
                score_ci95_pp: None,
                score_interval_undefined: None,
                accuracy_pct: sums.accuracy_pct(),
                fluency_pct: sums.fluency_pct(),
                completeness_pct: sums.completeness_pct(),
                mean_time_s: sums.mean_time(),
                untimed: sums.untimed(),
                mean_length_words: sums.mean_length(),
            });
        }
    }

    let mut question_categories = Vec::new();
    for question_category in QuestionCategory::ALL {
        for &condition in &conditions {
            let sums = Accumulator::of(
                rows.iter().filter(|row| row.condition == condition && row.category == question_category),
            );
            if sums.graded + sums.failed == 0 {
                continue;
            }
            question_categories.push(QuestionCategorySummary {
                question_category,
                condition,
                n: sums.graded,
                failed: sums.failed,
                score_pct: sums.total_pct(),
                score_se_pp: None,
                score_ci95_pp: None,
                score_interval_undefined: None,
                accuracy_pct: sums.accuracy_pct(),
                fluency_pct: sums.fluency_pct(),
                completeness_pct: sums.completeness_pct(),
            });
        }
    }

    let headline = headline(&condition_summaries);
    StudyReport {
        grading_failures: condition_summaries.iter().map(|summary| summary.failed).sum(),
        untimed_answers: condition_summaries.iter().map(|summary| summary.untimed).sum(),
        conditions: condition_summaries,
        model_categories,
        models,
        question_categories,
        headline,
        contrasts: Vec::new(),
        uncertainty: None,
    }
}

/// Table 1's row of `condition`.
pub fn summarize_condition(rows: &[GradeRow], condition: Condition) -> ConditionSummary {
    let sums = Accumulator::of(rows.iter().filter(|row| row.condition == condition));
    ConditionSummary {
        condition,
        n: sums.graded,
        failed: sums.failed,
        total_pct: sums.total_pct(),
        total_se_pp: None,
        total_ci95_pp: None,
        total_interval_undefined: None,
        accuracy_pct: sums.accuracy_pct(),
        fluency_pct: sums.fluency_pct(),
        completeness_pct: sums.completeness_pct(),
        mean_time_s: sums.mean_time(),
        untimed: sums.untimed(),
        mean_length_words: sums.mean_length(),
    }
}

/// Summary figures of any set of rows (for example a filtered selection in the explorer).
pub fn summarize_rows<'a>(rows: impl IntoIterator<Item = &'a GradeRow>) -> RowsSummary {
    let sums = Accumulator::of(rows);
    RowsSummary {
        n: sums.graded,
        failed: sums.failed,
        total_pct: sums.total_pct(),
        accuracy_pct: sums.accuracy_pct(),
        fluency_pct: sums.fluency_pct(),
        completeness_pct: sums.completeness_pct(),
        mean_time_s: sums.mean_time(),
        untimed: sums.untimed(),
        mean_length_words: sums.mean_length(),
    }
}

/// The means of an arbitrary set of rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowsSummary {
    pub n: usize,
    pub failed: usize,
    pub total_pct: Option<f64>,
    pub accuracy_pct: Option<f64>,
    pub fluency_pct: Option<f64>,
    pub completeness_pct: Option<f64>,
    /// Mean seconds per answer, over the graded rows with a known time (`None` when none has one).
    pub mean_time_s: Option<f64>,
    /// Graded rows without a known time (answered in a batch), left out of `mean_time_s`.
    pub untimed: usize,
    pub mean_length_words: Option<f64>,
}

fn present_conditions(rows: &[GradeRow]) -> Vec<Condition> {
    Condition::ALL.into_iter().filter(|condition| rows.iter().any(|row| row.condition == *condition)).collect()
}

fn headline(conditions: &[ConditionSummary]) -> Headline {
    let score = |condition: Condition| {
        conditions.iter().find(|summary| summary.condition == condition).and_then(|summary| summary.total_pct)
    };
    let difference = |a: Condition, b: Condition| Some(score(a)? - score(b)?);
    Headline {
        english_score_pct: score(Condition::C1),
        kazakh_gap_pp: difference(Condition::C1, Condition::C2),
        mongolian_gap_pp: difference(Condition::C1, Condition::C4),
        kazakh_clt_delta_pp: difference(Condition::C3, Condition::C2),
        mongolian_clt_delta_pp: difference(Condition::C5, Condition::C4),
    }
}

impl StudyReport {
    pub fn condition(&self, condition: Condition) -> Option<&ConditionSummary> {
        self.conditions.iter().find(|summary| summary.condition == condition)
    }

    pub fn category(&self, category: ModelCategory, condition: Condition) -> Option<&CategorySummary> {
        self.model_categories.iter().find(|summary| summary.category == category && summary.condition == condition)
    }

    pub fn model(&self, model: &str, condition: Condition) -> Option<&ModelSummary> {
        self.models.iter().find(|summary| summary.model == model && summary.condition == condition)
    }

    pub fn question_category(
        &self,
        category: QuestionCategory,
        condition: Condition,
    ) -> Option<&QuestionCategorySummary> {
        self.question_categories
            .iter()
            .find(|summary| summary.question_category == category && summary.condition == condition)
    }

    /// The conditions that have grades, in order.
    pub fn conditions_present(&self) -> Vec<Condition> {
        self.conditions.iter().map(|summary| summary.condition).collect()
    }
}
