//! The report's uncertainty: a 95% interval beside every score of the report, and the paired
//! contrasts (the language gap C2 - C1, C4 - C1 and the cross-lingual-transfer effect C3 - C2,
//! C5 - C4) with their interval, permutation p-value, Holm-adjusted p-value and what the design can
//! detect. The statistics are [`crate::uncertainty`]'s; the clusters are the questions, since the
//! same questions are asked of every model in every condition.
//!
//! [`add_uncertainty`] fills in a [`StudyReport`] made by [`crate::compute_report`]; it is a separate
//! step so that a caller can show the point estimates first (the explorer paints the overview, then
//! computes the intervals) or skip it (`left-behind report --no-intervals`).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::uncertainty::{
    Clusters, DEFAULT_RESAMPLES, DEFAULT_SEED, Interval, MeanEstimate, StatsRng, clusters_needed, holm_adjust,
    minimum_detectable_effect, paired_differences,
};
use crate::{Condition, GradeRow, ModelCategory, ModelRegistry, Scores, StudyReport};

/// What the clusters of this report are called in messages (`undefined (1 question)`).
pub const CLUSTER_NOUN: &str = "question";

/// The effect, in points, whose required number of questions the report gives unless told otherwise.
pub const DEFAULT_DETECTABLE_EFFECT_PP: f64 = 2.0;

/// How the intervals and tests are computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UncertaintySettings {
    /// Bootstrap resamples, and permutation draws, per statistic (at least 1).
    pub resamples: u32,
    pub seed: u64,
    /// The effect (points) for `questions_needed`.
    pub detectable_effect_pp: f64,
}

impl Default for UncertaintySettings {
    fn default() -> Self {
        UncertaintySettings {
            resamples: DEFAULT_RESAMPLES,
            seed: DEFAULT_SEED,
            detectable_effect_pp: DEFAULT_DETECTABLE_EFFECT_PP,
        }
    }
}

/// The method's settings as the report states them (`uncertainty` in the JSON).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncertaintyMethod {
    pub method: &'static str,
    pub resamples: u32,
    pub seed: u64,
    /// What a cluster is: `question_id`.
    pub clusters: &'static str,
    pub confidence: f64,
    pub prng: &'static str,
    pub p_value: &'static str,
    /// The number of contrasts with a p-value: the `m` of the Holm adjustment.
    pub contrasts_tested: usize,
    pub p_adjustment: &'static str,
    pub detectable_effect_pp: f64,
}

/// A paired contrast `first - second` of two conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContrastName {
    pub first: Condition,
    pub second: Condition,
}

impl ContrastName {
    /// The report's contrasts: the language gap, then the cross-lingual-transfer effect.
    pub const ALL: [ContrastName; 4] = [
        ContrastName { first: Condition::C2, second: Condition::C1 },
        ContrastName { first: Condition::C4, second: Condition::C1 },
        ContrastName { first: Condition::C3, second: Condition::C2 },
        ContrastName { first: Condition::C5, second: Condition::C4 },
    ];

    /// `C3-C2`.
    pub fn id(self) -> String {
        format!("{}-{}", self.first.id(), self.second.id())
    }

    /// `C3 - C2`, for sentences and tables.
    pub fn label(self) -> String {
        format!("{} - {}", self.first.id(), self.second.id())
    }

    /// What the contrast measures.
    pub fn meaning(self) -> &'static str {
        if self.first.is_transfer() { "transfer effect" } else { "gap to English" }
    }
}

impl fmt::Display for ContrastName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

impl Serialize for ContrastName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id())
    }
}

/// Which models a contrast is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContrastScope {
    All,
    Category(ModelCategory),
    Model(String),
}

impl ContrastScope {
    /// `all`, a category's JSON name (`english_first`), or the model's name.
    pub fn id(&self) -> String {
        match self {
            ContrastScope::All => "all".to_owned(),
            ContrastScope::Category(category) => category_id(*category),
            ContrastScope::Model(model) => model.clone(),
        }
    }

    fn includes(&self, row: &GradeRow, registry: &ModelRegistry) -> bool {
        match self {
            ContrastScope::All => true,
            ContrastScope::Category(category) => registry.category_of(&row.model) == *category,
            ContrastScope::Model(model) => &row.model == model,
        }
    }
}

impl Serialize for ContrastScope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.id())
    }
}

fn category_id(category: ModelCategory) -> String {
    category.key().to_owned()
}

/// One paired contrast over one scope.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedContrast {
    pub name: ContrastName,
    pub scope: ContrastScope,
    /// (model, question) pairs scored in both conditions.
    pub n_pairs: usize,
    /// Rows scored in only one of the two conditions (the other failed or is missing): left out.
    pub unpaired: usize,
    /// Questions with at least one pair (the clusters).
    pub questions: usize,
    /// Mean of `s(first, model, q) - s(second, model, q)` over the pairs, in points.
    pub mean_diff_pp: Option<f64>,
    pub se_pp: Option<f64>,
    pub ci95_pp: Option<Interval>,
    /// Two-sided sign-flip permutation p-value.
    pub p_value: Option<f64>,
    /// Holm-adjusted over every contrast of the report (`uncertainty.contrasts_tested`).
    pub p_holm: Option<f64>,
    /// Minimum detectable effect at 5% significance and 80% power, `2.80 x SE`, in points.
    pub mde80_pp: Option<f64>,
    /// Questions needed to detect `uncertainty.detectable_effect_pp`: `K x (2.80 x SE / effect)^2`.
    pub questions_needed: Option<u64>,
    /// Why the statistics are missing, when they are (`undefined (1 question)`).
    pub undefined: Option<String>,
}

impl PairedContrast {
    /// Whether the interval excludes zero and p < 0.05: the difference is larger than the noise.
    pub fn is_detected(&self) -> bool {
        matches!((self.ci95_pp, self.p_value), (Some(ci), Some(p)) if !ci.contains(0.0) && p < 0.05)
    }
}

/// A score as a value of the statistics: `total / 6 x 100`.
fn score_points(row: &GradeRow) -> Option<f64> {
    row.scores().map(|scores| f64::from(scores.total()) / f64::from(Scores::MAX_TOTAL) * 100.0)
}

/// The scores of the scored rows, clustered by question.
fn score_clusters<'a>(rows: impl IntoIterator<Item = &'a GradeRow>) -> Clusters {
    Clusters::from_values(rows.into_iter().filter_map(|row| Some((row.question_id, score_points(row)?))))
}

/// The interval of the mean score of `rows`: its clustered SE, bootstrap CI, and why they are
/// undefined if they are.
pub fn score_interval<'a>(
    rows: impl IntoIterator<Item = &'a GradeRow>,
    settings: &UncertaintySettings,
    stream: &str,
) -> MeanEstimate {
    MeanEstimate::of(&score_clusters(rows), settings.resamples, settings.seed, stream)
}

/// The interval of the mean score of a selection of the explorer's list (the entries at `selection`
/// that have a grade): the responses page's summary. One stream (`selection`), so the same selection
/// always shows the same interval.
pub fn entries_interval(
    entries: &[crate::ResponseEntry],
    selection: &[usize],
    dataset: &crate::Dataset,
    settings: &UncertaintySettings,
) -> MeanEstimate {
    score_interval(selection.iter().filter_map(|&index| entries.get(index)?.grade(dataset)), settings, "selection")
}

/// Fills in every interval of `report` and its contrasts. `rows` and `registry` must be the ones the
/// report was computed from.
pub fn add_uncertainty(
    report: &mut StudyReport,
    rows: &[GradeRow],
    registry: &ModelRegistry,
    settings: &UncertaintySettings,
) {
    let interval = |keep: &dyn Fn(&GradeRow) -> bool, stream: String| {
        score_interval(rows.iter().filter(|row| keep(row)), settings, &stream)
    };
    for summary in &mut report.conditions {
        let condition = summary.condition;
        let estimate = interval(&|row| row.condition == condition, format!("conditions/{condition}"));
        summary.total_se_pp = estimate.se.ok();
        summary.total_ci95_pp = estimate.ci95.ok();
        summary.total_interval_undefined = estimate.undefined_reason(CLUSTER_NOUN);
    }
    for summary in &mut report.model_categories {
        let (category, condition) = (summary.category, summary.condition);
        let estimate = interval(
            &|row| row.condition == condition && registry.category_of(&row.model) == category,
            format!("model_categories/{}/{condition}", category_id(category)),
        );
        summary.score_se_pp = estimate.se.ok();
        summary.score_ci95_pp = estimate.ci95.ok();
        summary.score_interval_undefined = estimate.undefined_reason(CLUSTER_NOUN);
    }
    for summary in &mut report.models {
        let condition = summary.condition;
        let model = summary.model.clone();
        let estimate =
            interval(&|row| row.condition == condition && row.model == model, format!("models/{model}/{condition}"));
        summary.score_se_pp = estimate.se.ok();
        summary.score_ci95_pp = estimate.ci95.ok();
        summary.score_interval_undefined = estimate.undefined_reason(CLUSTER_NOUN);
    }
    for summary in &mut report.question_categories {
        let (category, condition) = (summary.question_category, summary.condition);
        let estimate = interval(
            &|row| row.condition == condition && row.category == category,
            format!("question_categories/{}/{condition}", category.display_name()),
        );
        summary.score_se_pp = estimate.se.ok();
        summary.score_ci95_pp = estimate.ci95.ok();
        summary.score_interval_undefined = estimate.undefined_reason(CLUSTER_NOUN);
    }

    report.contrasts = compute_contrasts(rows, registry, settings);
    report.uncertainty = Some(UncertaintyMethod {
        method: "question-clustered standard error; 95% percentile cluster bootstrap (questions resampled with \
                 replacement); two-sided sign-flip permutation test of paired differences at the question level",
        resamples: settings.resamples,
        seed: settings.seed,
        clusters: "question_id",
        confidence: 0.95,
        prng: "xoshiro256++ (rand_xoshiro); each statistic's stream seeded by SplitMix64 from seed XOR FNV-1a-64(stream name)",
        p_value: "(hits + 1) / (draws + 1)",
        contrasts_tested: report.contrasts.iter().filter(|contrast| contrast.p_value.is_some()).count(),
        p_adjustment: "holm",
        detectable_effect_pp: settings.detectable_effect_pp,
    });
}

/// The report's scopes: all models, each model category present, each model (registry order).
fn scopes(rows: &[GradeRow], registry: &ModelRegistry) -> Vec<ContrastScope> {
    let mut scopes = vec![ContrastScope::All];
    scopes.extend(
        ModelCategory::ALL
            .into_iter()
            .filter(|category| rows.iter().any(|row| registry.category_of(&row.model) == *category))
            .map(ContrastScope::Category),
    );
    scopes
        .extend(registry.sorted_names(rows.iter().map(|row| row.model.as_str())).into_iter().map(ContrastScope::Model));
    scopes
}

/// Every contrast of [`ContrastName::ALL`] over every scope with both conditions present, with
/// Holm-adjusted p-values over all of them.
pub fn compute_contrasts(
    rows: &[GradeRow],
    registry: &ModelRegistry,
    settings: &UncertaintySettings,
) -> Vec<PairedContrast> {
    let mut contrasts = Vec::new();
    for name in ContrastName::ALL {
        for scope in scopes(rows, registry) {
            let side = |condition: Condition| {
                rows.iter()
                    .filter(|row| row.condition == condition && scope.includes(row, registry))
                    .filter_map(|row| Some((row.question_id, row.model.as_str(), score_points(row)?)))
                    .collect::<Vec<_>>()
            };
            // A contrast needs both conditions in the data (graded or failed) for this scope.
            let present = |condition: Condition| {
                rows.iter().any(|row| row.condition == condition && scope.includes(row, registry))
            };
            if !present(name.first) || !present(name.second) {
                continue;
            }
            let (first, second) = (side(name.first), side(name.second));
            contrasts.push(contrast(name, scope, first, second, settings));
        }
    }
    let adjusted = holm_adjust(&contrasts.iter().map(|contrast| contrast.p_value).collect::<Vec<_>>());
    for (contrast, p_holm) in contrasts.iter_mut().zip(adjusted) {
        contrast.p_holm = p_holm;
    }
    contrasts
}

fn contrast(
    name: ContrastName,
    scope: ContrastScope,
    first: Vec<(u32, &str, f64)>,
    second: Vec<(u32, &str, f64)>,
    settings: &UncertaintySettings,
) -> PairedContrast {
    let paired = paired_differences(first, second);
    let stream = format!("contrasts/{}/{}", name.id(), scope.id());
    let estimate =
        MeanEstimate::of(&paired.differences, settings.resamples, settings.seed, &format!("{stream}/bootstrap"));
    let p_value = paired
        .differences
        .sign_flip_p_value(settings.resamples, &mut StatsRng::stream(settings.seed, &format!("{stream}/permutation")))
        .ok();
    let se = estimate.se.ok();
    PairedContrast {
        name,
        scope,
        n_pairs: paired.pairs,
        unpaired: paired.unpaired,
        questions: estimate.clusters,
        mean_diff_pp: estimate.mean.ok(),
        se_pp: se,
        ci95_pp: estimate.ci95.ok(),
        p_value,
        p_holm: None,
        mde80_pp: se.map(minimum_detectable_effect),
        questions_needed: se.and_then(|se| clusters_needed(estimate.clusters, se, settings.detectable_effect_pp)),
        undefined: if paired.pairs == 0 {
            Some("undefined (no pairs scored in both conditions)".to_owned())
        } else {
            estimate.undefined_reason(CLUSTER_NOUN)
        },
    }
}

/// A p-value as printed: two decimals from 0.1, three below, `< 0.001` below that.
pub fn format_p_value(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_owned()
    } else if p < 0.1 {
        format!("{p:.3}")
    } else {
        format!("{p:.2}")
    }
}

/// `p = 0.76` or `p < 0.001`.
pub fn p_phrase(p: f64) -> String {
    let text = format_p_value(p);
    if text.starts_with('<') { format!("p {text}") } else { format!("p = {text}") }
}

impl StudyReport {
    /// The contrast `name` over `scope`, if computed.
    pub fn contrast(&self, name: ContrastName, scope: &ContrastScope) -> Option<&PairedContrast> {
        self.contrasts.iter().find(|contrast| contrast.name == name && &contrast.scope == scope)
    }
}
