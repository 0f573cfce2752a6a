//! Self-preference: does a judge favour the answers of its own family's models? For each judge of a
//! known family, over the responses of that family's models that it and at least one other judge
//! graded, the mean total score it gives minus the mean the other judges give to the same responses
//! (paired: per response, the judge's score minus the other judges' mean). The same difference over
//! the other families' responses says how lenient the judge is in general, so a self-preference is
//! the first beyond the second.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Cell, Condition, GradeRow, ModelRegistry, Scores, Table};

/// One judge's grades, with the family it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct JudgeRows<'a> {
    pub judge: &'a str,
    /// `None`: the family is not known, and self-preference is not measured.
    pub family: Option<&'a str>,
    pub rows: &'a [GradeRow],
}

/// One response's paired difference: the judge's total minus the other judges' mean total, in
/// points of the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedScore {
    pub question_id: u32,
    pub judge_pct: f64,
    pub others_pct: f64,
}

impl PairedScore {
    pub fn difference_pp(&self) -> f64 {
        self.judge_pct - self.others_pct
    }
}

/// The judge against the others over a set of responses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedDifference {
    /// Responses the judge and at least one other judge graded.
    pub responses: usize,
    /// Distinct questions among them (the clusters of an interval).
    pub questions: usize,
    /// The judge's mean total score, % of the maximum.
    pub judge_pct: f64,
    /// The other judges' mean total score on the same responses (per response, the mean of the
    /// other judges that graded it), % of the maximum.
    pub others_pct: f64,
    /// `judge_pct - others_pct`, in points.
    pub difference_pp: f64,
    /// The pairs, for intervals clustered by question.
    #[serde(skip)]
    pub pairs: Vec<PairedScore>,
}

impl PairedDifference {
    fn of(pairs: Vec<PairedScore>) -> Option<PairedDifference> {
        if pairs.is_empty() {
            return None;
        }
        let n = pairs.len() as f64;
        let judge_pct = pairs.iter().map(|pair| pair.judge_pct).sum::<f64>() / n;
        let others_pct = pairs.iter().map(|pair| pair.others_pct).sum::<f64>() / n;
        let mut questions: Vec<u32> = pairs.iter().map(|pair| pair.question_id).collect();
        questions.sort_unstable();
        questions.dedup();
        Some(PairedDifference {
            responses: pairs.len(),
            questions: questions.len(),
            judge_pct,
            others_pct,
            difference_pp: judge_pct - others_pct,
            pairs,
        })
    }
}

/// Why a judge's self-preference is not measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotMeasured {
    /// Neither the configuration nor the registry names the judge's family.
    UnknownFamily,
    /// No response of the judge's family was graded by it and by another judge.
    NoOwnFamilyResponses,
}

impl NotMeasured {
    pub fn describe(self) -> &'static str {
        match self {
            NotMeasured::UnknownFamily => "the judge's family is not known (set `family` in its model entry)",
            NotMeasured::NoOwnFamilyResponses => "no response of its family was graded by it and another judge",
        }
    }
}

/// One judge's self-preference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelfPreference {
    pub judge: String,
    pub family: Option<String>,
    /// Over its own family's responses: the self-preference.
    pub own_family: Option<PairedDifference>,
    /// Over every other family's responses: the judge's leniency in general.
    pub other_families: Option<PairedDifference>,
    pub not_measured: Option<NotMeasured>,
}

/// The self-preference of every judge in `judges` (the responses' families from `registry`).
pub fn self_preference(judges: &[JudgeRows<'_>], registry: &ModelRegistry) -> Vec<SelfPreference> {
    type Key<'a> = (Condition, &'a str, u32);
    // Per judge, its scored totals by response.
    let scored: Vec<BTreeMap<Key<'_>, u8>> = judges
        .iter()
        .map(|judge| {
            judge
                .rows
                .iter()
                .filter_map(|row| Some(((row.condition, row.model.as_str(), row.question_id), row.scores()?.total())))
                .collect()
        })
        .collect();
    let percent = |total: f64| total / f64::from(Scores::MAX_TOTAL) * 100.0;
    judges
        .iter()
        .enumerate()
        .map(|(index, judge)| {
            let Some(family) = judge.family else {
                return SelfPreference {
                    judge: judge.judge.to_owned(),
                    family: None,
                    own_family: None,
                    other_families: None,
                    not_measured: Some(NotMeasured::UnknownFamily),
                };
            };
            let mut own = Vec::new();
            let mut others = Vec::new();
            for (&key, &total) in &scored[index] {
                let other_totals: Vec<f64> = scored
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .filter_map(|(_, totals)| totals.get(&key).map(|&total| f64::from(total)))
                    .collect();
                if other_totals.is_empty() {
                    continue;
                }
                let pair = PairedScore {
                    question_id: key.2,
                    judge_pct: percent(f64::from(total)),
                    others_pct: percent(other_totals.iter().sum::<f64>() / other_totals.len() as f64),
                };
                if registry.family_of(key.1) == Some(family) {
                    own.push(pair);
                } else {
                    others.push(pair);
                }
            }
            let own_family = PairedDifference::of(own);
            SelfPreference {
                judge: judge.judge.to_owned(),
                family: Some(family.to_owned()),
                not_measured: own_family.is_none().then_some(NotMeasured::NoOwnFamilyResponses),
                own_family,
                other_families: PairedDifference::of(others),
            }
        })
        .collect()
}

/// A row per judge: its family, its own family's responses, its mean and the others' mean on them,
/// the difference, and the same difference on the other families' responses.
pub fn self_preference_table(entries: &[SelfPreference]) -> Table {
    let rows = entries
        .iter()
        .map(|entry| {
            let own = entry.own_family.as_ref();
            vec![
                Cell::Text(entry.judge.clone()),
                Cell::Text(entry.family.clone().unwrap_or_else(|| "unknown".to_owned())),
                Cell::Count(own.map_or(0, |own| own.responses)),
                Cell::Number { value: own.map(|own| own.judge_pct), decimals: 1, signed: false },
                Cell::Number { value: own.map(|own| own.others_pct), decimals: 1, signed: false },
                Cell::Number { value: own.map(|own| own.difference_pp), decimals: 1, signed: true },
                Cell::Number {
                    value: entry.other_families.as_ref().map(|other| other.difference_pp),
                    decimals: 1,
                    signed: true,
                },
            ]
        })
        .collect();
    Table {
        id: "self_preference",
        label: None,
        title: "Self-preference: each judge on its own family's responses against the other judges".to_owned(),
        headers: [
            "Judge",
            "Family",
            "Own-family responses",
            "Judge (%)",
            "Other judges (%)",
            "Difference (pp)",
            "On other families (pp)",
        ]
        .map(str::to_owned)
        .to_vec(),
        groups: vec![rows],
    }
}
