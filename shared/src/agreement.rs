//! How far raters agree: the LLM judge and human reviewers alike (and several judges: a rater is
//! anything that scored responses on the rubric).
//!
//! For each pair of raters and each dimension (accuracy, fluency, completeness on 0..2, the total on
//! 0..6), over the responses both rated: the count, exact and within-one agreement, Cohen's kappa with
//! quadratic weights and a 95% interval from a bootstrap that resamples questions (a question's
//! responses are not independent), and the confusion matrix. Across all raters: Krippendorff's alpha
//! at the ordinal level, which allows responses rated by some raters only. [`agreement_report`] puts
//! these together with the reviews of a dataset (stale reviews left out and counted), the
//! disagreements, the split by condition and by model, and Table 1 on the reviewed responses.
//!
//! A statistic that is undefined (no items, or no variation to measure agreement against) is `None`,
//! never NaN.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::uncertainty;
use crate::{
    Cell, Condition, Dataset, GradeRow, ModelRegistry, ResponseKey, Review, ReviewStatus, Scores, Table, plural,
    review_status,
};

/// What is compared: one rubric criterion or the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Accuracy,
    Fluency,
    Completeness,
    Total,
}

impl Dimension {
    pub const ALL: [Dimension; 4] =
        [Dimension::Accuracy, Dimension::Fluency, Dimension::Completeness, Dimension::Total];

    pub fn key(self) -> &'static str {
        match self {
            Dimension::Accuracy => "accuracy",
            Dimension::Fluency => "fluency",
            Dimension::Completeness => "completeness",
            Dimension::Total => "total",
        }
    }

    /// The highest score (2, or 6 for the total); scores run from 0.
    pub fn max(self) -> u8 {
        match self {
            Dimension::Total => Scores::MAX_TOTAL,
            _ => Scores::MAX_EACH,
        }
    }

    pub fn score(self, scores: Scores) -> u8 {
        match self {
            Dimension::Accuracy => scores.accuracy,
            Dimension::Fluency => scores.fluency,
            Dimension::Completeness => scores.completeness,
            Dimension::Total => scores.total(),
        }
    }
}

/// Who rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RaterKind {
    /// An LLM judge (its grades files).
    Judge,
    /// A person (a review file).
    Reviewer,
}

/// A rater and the scores it gave, by response.
#[derive(Debug, Clone, PartialEq)]
pub struct Rater {
    /// The judge's configured name (`claude_sonnet_4.5`) or the reviewer's file stem.
    pub name: String,
    pub kind: RaterKind,
    pub ratings: BTreeMap<ResponseKey, Scores>,
}

impl Rater {
    /// A judge from its grade rows; failed gradings are not ratings.
    pub fn judge(name: &str, grades: &[GradeRow]) -> Rater {
        let mut ratings = BTreeMap::new();
        for row in grades {
            if let Some(scores) = row.scores() {
                let key =
                    ResponseKey { condition: row.condition, model: row.model.clone(), question_id: row.question_id };
                // A duplicated row (which validation reports) keeps the first, as the report does.
                ratings.entry(key).or_insert(scores);
            }
        }
        Rater { name: name.to_owned(), kind: RaterKind::Judge, ratings }
    }

    /// A reviewer from their reviews (the caller leaves stale ones out).
    pub fn reviewer<'a>(name: &str, reviews: impl IntoIterator<Item = &'a Review>) -> Rater {
        let ratings = reviews.into_iter().map(|review| (review.key.clone(), review.scores)).collect();
        Rater { name: name.to_owned(), kind: RaterKind::Reviewer, ratings }
    }
}

/// Quadratic-weighted Cohen's kappa of a square confusion matrix (`confusion[a][b]`: items rater A
/// scored `a` and rater B scored `b`): `1 - Σ w·O / Σ w·E` with `w = (a - b)²` and `E` the product of
/// the margins over `n`. `None` when there are no items or no expected disagreement (both raters gave
/// one and the same score throughout).
pub fn quadratic_weighted_kappa(confusion: &[Vec<u64>]) -> Option<f64> {
    let size = confusion.len();
    let n: u64 = confusion.iter().flatten().sum();
    if n == 0 {
        return None;
    }
    let rows: Vec<u64> = confusion.iter().map(|row| row.iter().sum()).collect();
    let columns: Vec<u64> = (0..size).map(|b| confusion.iter().map(|row| row[b]).sum()).collect();
    let mut observed = 0.0;
    let mut expected = 0.0;
    for a in 0..size {
        for b in 0..size {
            let weight = ((a as f64) - (b as f64)).powi(2);
            observed += weight * confusion[a][b] as f64;
            expected += weight * (rows[a] as f64) * (columns[b] as f64) / n as f64;
        }
    }
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

/// The level of measurement of Krippendorff's alpha: its difference function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlphaLevel {
    Nominal,
    Ordinal,
    Interval,
}

/// Krippendorff's alpha over units, each the list of values (`0..categories`) its raters gave; a unit
/// with fewer than two values is not pairable and is skipped, so missing ratings are fine. Computed from
/// the coincidence matrix (Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011):
/// `α = 1 - (n - 1) Σ o·δ² / Σ n_c n_k δ²`. `None` when fewer than two values are pairable or the
/// pairable values show no variation (expected disagreement 0).
pub fn krippendorff_alpha(units: &[Vec<u8>], categories: usize, level: AlphaLevel) -> Option<f64> {
    let mut coincidence = vec![vec![0.0f64; categories]; categories];
    for values in units.iter().filter(|values| values.len() >= 2) {
        let weight = 1.0 / (values.len() - 1) as f64;
        for (i, &c) in values.iter().enumerate() {
            for (j, &k) in values.iter().enumerate() {
                if i != j {
                    coincidence[usize::from(c)][usize::from(k)] += weight;
                }
            }
        }
    }
    let marginals: Vec<f64> = coincidence.iter().map(|row| row.iter().sum()).collect();
    let n: f64 = marginals.iter().sum();
    if n < 2.0 {
        return None;
    }
    let delta = |c: usize, k: usize| -> f64 {
        match level {
            AlphaLevel::Nominal => f64::from(u8::from(c != k)),
            AlphaLevel::Ordinal => {
                let (low, high) = (c.min(k), c.max(k));
                let between: f64 = marginals[low..=high].iter().sum();
                (between - (marginals[c] + marginals[k]) / 2.0).powi(2)
            }
            AlphaLevel::Interval => ((c as f64) - (k as f64)).powi(2),
        }
    };
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..categories {
        for k in 0..categories {
            let d = delta(c, k);
            observed += coincidence[c][k] * d;
            expected += marginals[c] * marginals[k] * d;
        }
    }
    (expected > 0.0).then(|| 1.0 - (n - 1.0) * observed / expected)
}

/// Bootstrap replicates of each kappa interval: the report's number of resamples (fixed, as is the
/// seed, so the numbers are reproducible and the explorer shows the command's).
pub const KAPPA_BOOTSTRAP_REPLICATES: u32 = uncertainty::DEFAULT_RESAMPLES;
/// The seed of the kappa bootstrap (the report's); each (pair, dimension) draws from its own stream
/// of [`uncertainty::StatsRng`], named after the raters and the dimension.
pub const KAPPA_BOOTSTRAP_SEED: u64 = uncertainty::DEFAULT_SEED;

/// Two raters on one dimension, over the responses both rated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub rater_a: String,
    pub rater_b: String,
    pub dimension: Dimension,
    pub n: usize,
    /// Percent of items scored the same; `None` without items.
    pub exact_pct: Option<f64>,
    /// Percent of items scored at most one point apart.
    pub within_one_pct: Option<f64>,
    pub weighted_kappa: Option<f64>,
    /// 2.5th and 97.5th percentiles of the question-clustered bootstrap; `None` with fewer than two
    /// questions or when kappa is undefined in most replicates.
    pub kappa_ci95: Option<[f64; 2]>,
    /// `confusion[a][b]`: items rater A scored `a` and rater B scored `b` (0..=max).
    pub confusion: Vec<Vec<u64>>,
}

/// The scores two raters gave on one dimension: `(question_id, a, b)` per shared item.
fn paired_scores(
    a: &Rater,
    b: &Rater,
    dimension: Dimension,
    keep: &dyn Fn(&ResponseKey) -> bool,
) -> Vec<(u32, u8, u8)> {
    a.ratings
        .iter()
        .filter(|(key, _)| keep(key))
        .filter_map(|(key, scores_a)| {
            let scores_b = b.ratings.get(key)?;
            Some((key.question_id, dimension.score(*scores_a), dimension.score(*scores_b)))
        })
        .collect()
}

fn confusion_of(pairs: impl IntoIterator<Item = (u8, u8)>, dimension: Dimension) -> Vec<Vec<u64>> {
    let size = usize::from(dimension.max()) + 1;
    let mut confusion = vec![vec![0u64; size]; size];
    for (a, b) in pairs {
        confusion[usize::from(a)][usize::from(b)] += 1;
    }
    confusion
}

/// Agreement of two raters on one dimension over the items `keep` accepts; with `bootstrap`, the
/// kappa interval too.
pub fn pair_agreement(
    a: &Rater,
    b: &Rater,
    dimension: Dimension,
    keep: &dyn Fn(&ResponseKey) -> bool,
    bootstrap: bool,
) -> PairAgreement {
    let pairs = paired_scores(a, b, dimension, keep);
    let n = pairs.len();
    let percent = |count: usize| (n > 0).then(|| count as f64 / n as f64 * 100.0);
    let exact = pairs.iter().filter(|(_, x, y)| x == y).count();
    let within_one = pairs.iter().filter(|(_, x, y)| x.abs_diff(*y) <= 1).count();
    let confusion = confusion_of(pairs.iter().map(|&(_, x, y)| (x, y)), dimension);
    let weighted_kappa = quadratic_weighted_kappa(&confusion);
    let kappa_ci95 = if bootstrap && weighted_kappa.is_some() {
        let mut rng = uncertainty::StatsRng::stream(
            KAPPA_BOOTSTRAP_SEED,
            &format!("agreement/{}/{}/{}", a.name, b.name, dimension.key()),
        );
        clustered_kappa_interval(&pairs, dimension, &mut rng)
    } else {
        None
    };
    PairAgreement {
        rater_a: a.name.clone(),
        rater_b: b.name.clone(),
        dimension,
        n,
        exact_pct: percent(exact),
        within_one_pct: percent(within_one),
        weighted_kappa,
        kappa_ci95,
        confusion,
    }
}

/// The percentile interval of kappa over bootstrap replicates that draw questions with replacement
/// (each drawn question brings all its items).
fn clustered_kappa_interval(
    pairs: &[(u32, u8, u8)],
    dimension: Dimension,
    rng: &mut uncertainty::StatsRng,
) -> Option<[f64; 2]> {
    let mut clusters: BTreeMap<u32, Vec<(u8, u8)>> = BTreeMap::new();
    for &(question, a, b) in pairs {
        clusters.entry(question).or_default().push((a, b));
    }
    let clusters: Vec<Vec<(u8, u8)>> = clusters.into_values().collect();
    if clusters.len() < 2 {
        return None;
    }
    let mut kappas = Vec::with_capacity(KAPPA_BOOTSTRAP_REPLICATES as usize);
    let size = usize::from(dimension.max()) + 1;
    let mut confusion = vec![vec![0u64; size]; size];
    for _ in 0..KAPPA_BOOTSTRAP_REPLICATES {
        confusion.iter_mut().flatten().for_each(|count| *count = 0);
        for _ in 0..clusters.len() {
            for &(a, b) in &clusters[rng.below(clusters.len() as u32) as usize] {
                confusion[usize::from(a)][usize::from(b)] += 1;
            }
        }
        if let Some(kappa) = quadratic_weighted_kappa(&confusion) {
            kappas.push(kappa);
        }
    }
    // An interval from a minority of replicates would describe a different population.
    if kappas.len() * 2 < KAPPA_BOOTSTRAP_REPLICATES as usize {
        return None;
    }
    kappas.sort_by(f64::total_cmp);
    Some([uncertainty::percentile(&kappas, 0.025), uncertainty::percentile(&kappas, 0.975)])
}

/// Krippendorff's alpha (ordinal) across raters on one dimension.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlphaAgreement {
    pub dimension: Dimension,
    /// Every rater that took part.
    pub raters: Vec<String>,
    pub krippendorff_alpha: Option<f64>,
    /// Responses rated by at least two raters (the pairable units).
    pub units: usize,
}

/// Alpha at the ordinal level across all `raters` on `dimension`.
pub fn alpha_agreement(raters: &[Rater], dimension: Dimension) -> AlphaAgreement {
    let mut units: BTreeMap<&ResponseKey, Vec<u8>> = BTreeMap::new();
    for rater in raters {
        for (key, scores) in &rater.ratings {
            units.entry(key).or_default().push(dimension.score(*scores));
        }
    }
    let units: Vec<Vec<u8>> = units.into_values().filter(|values| values.len() >= 2).collect();
    AlphaAgreement {
        dimension,
        raters: raters.iter().map(|rater| rater.name.clone()).collect(),
        krippendorff_alpha: krippendorff_alpha(&units, usize::from(dimension.max()) + 1, AlphaLevel::Ordinal),
        units: units.len(),
    }
}

/// One rater's scores of a response, in a disagreement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaterScores {
    pub rater: String,
    pub scores: Scores,
    pub total: u8,
}

/// A response the raters scored differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub condition: Condition,
    pub model: String,
    pub question_id: u32,
    /// Highest minus lowest total.
    pub total_spread: u8,
    /// Highest minus lowest score, summed over the three criteria.
    pub criteria_spread: u8,
    pub ratings: Vec<RaterScores>,
}

/// Every response rated by two or more raters whose scores differ, the largest disagreement first
/// (total spread, then the criteria's, then condition, model, question).
pub fn disagreements(raters: &[Rater], registry: &ModelRegistry) -> Vec<Disagreement> {
    let mut by_key: BTreeMap<&ResponseKey, Vec<RaterScores>> = BTreeMap::new();
    for rater in raters {
        for (key, scores) in &rater.ratings {
            by_key.entry(key).or_default().push(RaterScores {
                rater: rater.name.clone(),
                scores: *scores,
                total: scores.total(),
            });
        }
    }
    let spread = |ratings: &[RaterScores], dimension: Dimension| {
        let values = ratings.iter().map(|rating| dimension.score(rating.scores));
        values.clone().max().unwrap_or(0) - values.min().unwrap_or(0)
    };
    let mut list: Vec<Disagreement> = by_key
        .into_iter()
        .filter(|(_, ratings)| ratings.len() >= 2)
        .filter_map(|(key, ratings)| {
            let criteria_spread = spread(&ratings, Dimension::Accuracy)
                + spread(&ratings, Dimension::Fluency)
                + spread(&ratings, Dimension::Completeness);
            (criteria_spread > 0).then(|| Disagreement {
                condition: key.condition,
                model: key.model.clone(),
                question_id: key.question_id,
                total_spread: spread(&ratings, Dimension::Total),
                criteria_spread,
                ratings,
            })
        })
        .collect();
    list.sort_by(|x, y| {
        (y.total_spread, y.criteria_spread).cmp(&(x.total_spread, x.criteria_spread)).then_with(|| {
            (x.condition, registry.order_of(&x.model), x.question_id).cmp(&(
                y.condition,
                registry.order_of(&y.model),
                y.question_id,
            ))
        })
    });
    list
}

/// How the split of agreement is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitBy {
    Condition,
    Model,
}

/// A pair's agreement on the total within one condition or one model (no bootstrap interval: the
/// groups are small, and the interval would mostly say so).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SplitAgreement {
    pub by: SplitBy,
    /// `C2` or the model's name.
    pub group: String,
    #[serde(flatten)]
    pub agreement: PairAgreement,
}

/// Mean scores as percentages of their maximum, as in the paper's Table 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScorePercentages {
    pub accuracy_pct: f64,
    pub fluency_pct: f64,
    pub completeness_pct: f64,
    pub total_pct: f64,
}

/// Table 1 on the reviewed responses: one condition (or all, `condition: None`) under the judge and
/// under the reviewers (each response's mean over its reviewers), on the same responses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewedConditionRow {
    pub condition: Option<Condition>,
    /// Responses with a judge's score and at least one current review.
    pub n: usize,
    pub judge: Option<ScorePercentages>,
    pub reviewers: Option<ScorePercentages>,
}

/// A reviewer's file in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewerCount {
    pub reviewer: String,
    /// Every review loaded, stale ones included.
    pub count: usize,
    pub stale: usize,
    pub flagged: usize,
}

/// Everything `left-behind agreement` prints and the explorer's agreement page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    /// Every pair of raters (the judge first, then reviewers by name) x dimension.
    pub pairs: Vec<PairAgreement>,
    pub alpha: Vec<AlphaAgreement>,
    /// The number of stale reviews (left out of every statistic).
    pub stale: usize,
    pub reviews: Vec<ReviewerCount>,
    pub disagreements: Vec<Disagreement>,
    /// Each pair's agreement on the total by condition, then by model.
    pub split: Vec<SplitAgreement>,
    /// Table 1 on the reviewed responses, the conditions and then all together.
    pub reviewed_table: Vec<ReviewedConditionRow>,
}

/// Agreement between raters: every pair on every dimension (with intervals), alpha across all, the
/// disagreements and the split. For judges and reviewers alike; `reviews_and_stale` adds the
/// reviewer-side counts when there are reviews.
pub fn compute_agreement(raters: &[Rater], registry: &ModelRegistry) -> AgreementReport {
    let mut pairs = Vec::new();
    let mut split = Vec::new();
    for (i, a) in raters.iter().enumerate() {
        for b in &raters[i + 1..] {
            for dimension in Dimension::ALL {
                pairs.push(pair_agreement(a, b, dimension, &|_| true, true));
            }
            let shared: Vec<&ResponseKey> = a.ratings.keys().filter(|key| b.ratings.contains_key(*key)).collect();
            let conditions: BTreeSet<Condition> = shared.iter().map(|key| key.condition).collect();
            for condition in conditions {
                split.push(SplitAgreement {
                    by: SplitBy::Condition,
                    group: condition.id().to_owned(),
                    agreement: pair_agreement(a, b, Dimension::Total, &|key| key.condition == condition, false),
                });
            }
            let models = registry.sorted_names(shared.iter().map(|key| key.model.as_str()));
            for model in models {
                split.push(SplitAgreement {
                    by: SplitBy::Model,
                    agreement: pair_agreement(a, b, Dimension::Total, &|key| key.model == model, false),
                    group: model,
                });
            }
        }
    }
    AgreementReport {
        pairs,
        alpha: Dimension::ALL.into_iter().map(|dimension| alpha_agreement(raters, dimension)).collect(),
        stale: 0,
        reviews: Vec::new(),
        disagreements: disagreements(raters, registry),
        split,
        reviewed_table: Vec::new(),
    }
}

/// The agreement of the judge (`judge_name`, over the dataset's grades) and every reviewer: stale
/// reviews (the answer changed since) are counted and left out; each reviewer's current reviews are a
/// rater. One implementation for `left-behind agreement` and the explorer.
pub fn agreement_report(
    dataset: &Dataset,
    registry: &ModelRegistry,
    judge_name: &str,
    reviews: &[Review],
) -> AgreementReport {
    let mut by_reviewer: BTreeMap<&str, Vec<&Review>> = BTreeMap::new();
    let mut counts: BTreeMap<&str, ReviewerCount> = BTreeMap::new();
    let mut stale = 0;
    for review in reviews {
        let count = counts.entry(&review.reviewer).or_insert_with(|| ReviewerCount {
            reviewer: review.reviewer.clone(),
            count: 0,
            stale: 0,
            flagged: 0,
        });
        count.count += 1;
        count.flagged += usize::from(review.flag.is_some());
        match review_status(review, dataset) {
            ReviewStatus::Current => by_reviewer.entry(&review.reviewer).or_default().push(review),
            ReviewStatus::Stale => {
                count.stale += 1;
                stale += 1;
            }
        }
    }
    let judge = Rater::judge(judge_name, &dataset.grades);
    let reviewers: Vec<Rater> =
        by_reviewer.iter().map(|(name, reviews)| Rater::reviewer(name, reviews.iter().copied())).collect();
    let reviewed_table = reviewed_table(&judge, &reviewers);
    let mut raters = vec![judge];
    raters.extend(reviewers);
    let mut report = compute_agreement(&raters, registry);
    report.stale = stale;
    report.reviews = counts.into_values().collect();
    report.reviewed_table = reviewed_table;
    report
}

/// One reviewed response for Table 1: the judge's scores and the reviewers' mean scores.
struct ReviewedItem {
    condition: Condition,
    judge: [f64; 3],
    reviewers: [f64; 3],
}

/// Table 1 on the responses that have a judge's score and at least one reviewer's.
fn reviewed_table(judge: &Rater, reviewers: &[Rater]) -> Vec<ReviewedConditionRow> {
    let criteria = [Dimension::Accuracy, Dimension::Fluency, Dimension::Completeness];
    let mut items: Vec<ReviewedItem> = Vec::new();
    for (key, judge_scores) in &judge.ratings {
        let theirs: Vec<Scores> = reviewers.iter().filter_map(|reviewer| reviewer.ratings.get(key).copied()).collect();
        if theirs.is_empty() {
            continue;
        }
        let mean = |dimension: Dimension| {
            theirs.iter().map(|scores| f64::from(dimension.score(*scores))).sum::<f64>() / theirs.len() as f64
        };
        items.push(ReviewedItem {
            condition: key.condition,
            judge: criteria.map(|dimension| f64::from(dimension.score(*judge_scores))),
            reviewers: criteria.map(mean),
        });
    }
    let percentages = |selected: &[&ReviewedItem], values: fn(&ReviewedItem) -> [f64; 3]| {
        let n = selected.len();
        (n > 0).then(|| {
            let mut sums = [0.0; 3];
            for item in selected {
                for (sum, value) in sums.iter_mut().zip(values(item)) {
                    *sum += value;
                }
            }
            let max_each = f64::from(Scores::MAX_EACH);
            ScorePercentages {
                accuracy_pct: sums[0] / n as f64 / max_each * 100.0,
                fluency_pct: sums[1] / n as f64 / max_each * 100.0,
                completeness_pct: sums[2] / n as f64 / max_each * 100.0,
                total_pct: sums.iter().sum::<f64>() / n as f64 / f64::from(Scores::MAX_TOTAL) * 100.0,
            }
        })
    };
    let row = |condition: Option<Condition>| {
        let selected: Vec<&ReviewedItem> =
            items.iter().filter(|item| condition.is_none_or(|condition| item.condition == condition)).collect();
        ReviewedConditionRow {
            condition,
            n: selected.len(),
            judge: percentages(&selected, |item| item.judge),
            reviewers: percentages(&selected, |item| item.reviewers),
        }
    };
    let conditions: BTreeSet<Condition> = items.iter().map(|item| item.condition).collect();
    let mut rows: Vec<ReviewedConditionRow> = conditions.into_iter().map(|condition| row(Some(condition))).collect();
    if !items.is_empty() {
        rows.push(row(None));
    }
    rows
}

/// A statistic as printed: `0.812` or `–` when undefined.
fn number(value: Option<f64>, decimals: usize) -> Cell {
    Cell::Number { value, decimals, signed: false }
}

/// The report as tables (for text, Markdown and CSV): pairs, alpha, the split, Table 1 on the reviewed
/// responses, the disagreements (the first `disagreement_limit`, all with `None`), and the reviewers.
pub fn agreement_tables(report: &AgreementReport, disagreement_limit: Option<usize>) -> Vec<Table> {
    let interval = |ci: Option<[f64; 2]>| {
        Cell::Text(ci.map_or("–".to_owned(), |[low, high]| {
            format!("{}..{}", crate::format_number(low, 3, false), crate::format_number(high, 3, false))
        }))
    };
    let pair_row = |pair: &PairAgreement, group: Option<&str>| {
        let mut row = Vec::new();
        if let Some(group) = group {
            row.push(Cell::Text(group.to_owned()));
        }
        row.extend([
            Cell::Text(pair.rater_a.clone()),
            Cell::Text(pair.rater_b.clone()),
            Cell::Text(pair.dimension.key().to_owned()),
            Cell::Count(pair.n),
            number(pair.exact_pct, 1),
            number(pair.within_one_pct, 1),
            number(pair.weighted_kappa, 3),
        ]);
        row
    };
    let mut pairs_table = Table {
        id: "agreement_pairs",
        label: None,
        title: "Agreement of each pair of raters (quadratic-weighted kappa, 95% interval from a question-clustered bootstrap)"
            .to_owned(),
        headers: ["rater_a", "rater_b", "dimension", "n", "exact_pct", "within_one_pct", "weighted_kappa", "kappa_ci95"]
            .map(str::to_owned)
            .to_vec(),
        groups: Vec::new(),
    };
    for chunk in report.pairs.chunks(Dimension::ALL.len()) {
        pairs_table.groups.push(
            chunk
                .iter()
                .map(|pair| {
                    let mut row = pair_row(pair, None);
                    row.push(interval(pair.kappa_ci95));
                    row
                })
                .collect(),
        );
    }
    let alpha_table = Table {
        id: "agreement_alpha",
        label: None,
        title: "Krippendorff's alpha (ordinal) across all raters".to_owned(),
        headers: ["dimension", "raters", "units", "krippendorff_alpha"].map(str::to_owned).to_vec(),
        groups: vec![
            report
                .alpha
                .iter()
                .map(|alpha| {
                    vec![
                        Cell::Text(alpha.dimension.key().to_owned()),
                        Cell::Text(alpha.raters.join(", ")),
                        Cell::Count(alpha.units),
                        number(alpha.krippendorff_alpha, 3),
                    ]
                })
                .collect(),
        ],
    };
    let split_table = Table {
        id: "agreement_split",
        label: None,
        title: "Agreement on the total by condition and by model".to_owned(),
        headers: ["group", "rater_a", "rater_b", "dimension", "n", "exact_pct", "within_one_pct", "weighted_kappa"]
            .map(str::to_owned)
            .to_vec(),
        groups: [SplitBy::Condition, SplitBy::Model]
            .into_iter()
            .map(|by| {
                report
                    .split
                    .iter()
                    .filter(|split| split.by == by)
                    .map(|split| pair_row(&split.agreement, Some(&split.group)))
                    .collect::<Vec<_>>()
            })
            .filter(|group| !group.is_empty())
            .collect(),
    };
    let percentages = |values: Option<ScorePercentages>| match values {
        Some(values) => [values.total_pct, values.accuracy_pct, values.fluency_pct, values.completeness_pct]
            .map(|value| number(Some(value), 1))
            .to_vec(),
        None => vec![number(None, 1); 4],
    };
    let reviewed = Table {
        id: "agreement_reviewed_table1",
        label: None,
        title: "Table 1 on the reviewed responses: the judge's grades and the reviewers' (mean of reviewers)"
            .to_owned(),
        headers: [
            "condition",
            "n",
            "judge_total_pct",
            "judge_accuracy_pct",
            "judge_fluency_pct",
            "judge_completeness_pct",
            "reviewers_total_pct",
            "reviewers_accuracy_pct",
            "reviewers_fluency_pct",
            "reviewers_completeness_pct",
        ]
        .map(str::to_owned)
        .to_vec(),
        groups: vec![
            report
                .reviewed_table
                .iter()
                .map(|row| {
                    let mut cells = vec![
                        Cell::Text(row.condition.map_or("All".to_owned(), |condition| condition.id().to_owned())),
                        Cell::Count(row.n),
                    ];
                    cells.extend(percentages(row.judge));
                    cells.extend(percentages(row.reviewers));
                    cells
                })
                .collect(),
        ],
    };
    let shown: Vec<&Disagreement> =
        report.disagreements.iter().take(disagreement_limit.unwrap_or(usize::MAX)).collect();
    let disagreement_table = Table {
        id: "agreement_disagreements",
        label: None,
        title: match disagreement_limit {
            Some(limit) if report.disagreements.len() > limit => format!(
                "Disagreements, largest first ({limit} of {}; --format csv or json lists all)",
                report.disagreements.len()
            ),
            _ => "Disagreements, largest first".to_owned(),
        },
        headers: [
            "condition",
            "model",
            "question_id",
            "total_spread",
            "criteria_spread",
            "scores (accuracy/fluency/completeness)",
        ]
        .map(str::to_owned)
        .to_vec(),
        groups: vec![
            shown
                .iter()
                .map(|item| {
                    let scores: Vec<String> = item
                        .ratings
                        .iter()
                        .map(|rating| {
                            format!(
                                "{} {}/{}/{}",
                                rating.rater, rating.scores.accuracy, rating.scores.fluency, rating.scores.completeness
                            )
                        })
                        .collect();
                    vec![
                        Cell::Text(item.condition.id().to_owned()),
                        Cell::Text(item.model.clone()),
                        Cell::Count(item.question_id as usize),
                        Cell::Count(usize::from(item.total_spread)),
                        Cell::Count(usize::from(item.criteria_spread)),
                        Cell::Text(scores.join("; ")),
                    ]
                })
                .collect(),
        ],
    };
    let reviewers = Table {
        id: "agreement_reviews",
        label: None,
        title: "Reviews (stale ones, of answers changed since, are left out of every statistic)".to_owned(),
        headers: ["reviewer", "count", "stale", "flagged"].map(str::to_owned).to_vec(),
        groups: vec![
            report
                .reviews
                .iter()
                .map(|count| {
                    vec![
                        Cell::Text(count.reviewer.clone()),
                        Cell::Count(count.count),
                        Cell::Count(count.stale),
                        Cell::Count(count.flagged),
                    ]
                })
                .collect(),
        ],
    };
    vec![pairs_table, alpha_table, split_table, reviewed, disagreement_table, reviewers]
}

/// One line saying what the report rests on.
pub fn agreement_headline(report: &AgreementReport) -> String {
    let count: usize = report.reviews.iter().map(|reviewer| reviewer.count).sum();
    format!(
        "{} by {}; {} left out",
        plural(count, "review"),
        plural(report.reviews.len(), "reviewer"),
        plural(report.stale, "stale review"),
    )
}
