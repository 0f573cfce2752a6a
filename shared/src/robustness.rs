//! Whether the study's conclusions hold under every judge (`left-behind report --judges`): for the
//! study's judge, each other judge and the panel side by side, Table 1's totals, the language gaps
//! (C2 - C1, C4 - C1) and the cross-lingual-transfer effects (C3 - C2, C5 - C4), and a line per
//! conclusion saying under which judges it holds. Each contrast carries its paired, question-clustered
//! interval ([`crate::compute_contrasts`], the report's own statistics).

use serde::Serialize;

use crate::{
    CLUSTER_NOUN, Cell, CellInterval, Condition, ContrastScope, Dataset, GradeRow, GradedBy, ModelRegistry,
    PairedContrast, Table, UncertaintySettings, compute_contrasts, panel, summarize_condition,
};

/// A conclusion of the study and the contrast (in points of the total score) it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// C2 - C1: Kazakh against English, directly.
    KazakhGap,
    /// C4 - C1: Mongolian against English, directly.
    MongolianGap,
    /// C3 - C2: Kazakh through translation against Kazakh directly.
    KazakhTransfer,
    /// C5 - C4: Mongolian through translation against Mongolian directly.
    MongolianTransfer,
}

impl Conclusion {
    pub const ALL: [Conclusion; 4] =
        [Conclusion::KazakhGap, Conclusion::MongolianGap, Conclusion::KazakhTransfer, Conclusion::MongolianTransfer];

    /// (the condition measured, the condition it is measured against).
    pub fn conditions(self) -> (Condition, Condition) {
        match self {
            Conclusion::KazakhGap => (Condition::C2, Condition::C1),
            Conclusion::MongolianGap => (Condition::C4, Condition::C1),
            Conclusion::KazakhTransfer => (Condition::C3, Condition::C2),
            Conclusion::MongolianTransfer => (Condition::C5, Condition::C4),
        }
    }

    /// `Kazakh gap (C2 - C1)`.
    pub fn label(self) -> String {
        let (measured, baseline) = self.conditions();
        let name = match self {
            Conclusion::KazakhGap => "Kazakh gap",
            Conclusion::MongolianGap => "Mongolian gap",
            Conclusion::KazakhTransfer => "Kazakh CLT effect",
            Conclusion::MongolianTransfer => "Mongolian CLT effect",
        };
        format!("{name} ({measured} - {baseline})")
    }

    /// The conclusion the contrast supports when [`Conclusion::supports`] holds.
    pub fn conclusion(self) -> &'static str {
        match self {
            Conclusion::KazakhGap => "English beats Kazakh",
            Conclusion::MongolianGap => "English beats Mongolian",
            Conclusion::KazakhTransfer => "Translation helps Kazakh",
            Conclusion::MongolianTransfer => "Translation helps Mongolian",
        }
    }

    /// Whether `estimate` (in points) points the conclusion's way: a gap below zero, a transfer
    /// effect above it.
    pub fn supports(self, estimate: f64) -> bool {
        match self {
            Conclusion::KazakhGap | Conclusion::MongolianGap => estimate < 0.0,
            Conclusion::KazakhTransfer | Conclusion::MongolianTransfer => estimate > 0.0,
        }
    }
}

/// A contrast under one judge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContrastEstimate {
    pub contrast: Conclusion,
    /// Measured minus baseline total score (Table 1's totals), in points; `None` when either
    /// condition has no grade.
    pub estimate_pp: Option<f64>,
    /// The same contrast over every model, paired by (model, question): the mean difference, its
    /// 95% interval from the question-clustered bootstrap and its p-value (`None` when either
    /// condition has no grade).
    pub paired: Option<PairedContrast>,
}

impl ContrastEstimate {
    /// The estimate the conclusion is judged on: the paired mean where there is one, else the
    /// difference of the totals.
    pub fn value(&self) -> Option<f64> {
        self.paired.as_ref().and_then(|paired| paired.mean_diff_pp).or(self.estimate_pp)
    }

    /// Whether the 95% interval lies wholly on the conclusion's side of zero.
    pub fn interval_supports(&self) -> bool {
        let interval = self.paired.as_ref().and_then(|paired| paired.ci95_pp);
        interval.is_some_and(|interval| {
            !interval.contains(0.0) && self.contrast.supports((interval.low + interval.high) / 2.0)
        })
    }
}

/// Table 1's total of a condition under one judge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConditionTotal {
    pub condition: Condition,
    pub n: usize,
    pub total_pct: Option<f64>,
}

/// One judge's (or the panel's) column of the robustness table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgeColumn {
    /// The judge's name, or `panel`.
    pub judge: String,
    /// The panel's members; empty for a single judge.
    pub members: Vec<String>,
    pub totals: Vec<ConditionTotal>,
    pub contrasts: Vec<ContrastEstimate>,
}

/// Under which judges a conclusion holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConclusionCheck {
    pub contrast: Conclusion,
    pub conclusion: &'static str,
    /// Judges (and the panel) whose estimate points the conclusion's way.
    pub holds_under: Vec<String>,
    /// Judges whose estimate points the other way (or is zero).
    pub fails_under: Vec<String>,
    /// Judges without the two conditions graded.
    pub undetermined: Vec<String>,
    /// Judges whose 95% interval lies wholly on the conclusion's side of zero.
    pub interval_excludes_zero: Vec<String>,
}

impl ConclusionCheck {
    /// `English beats Kazakh: all judges agree`, or who does not.
    pub fn line(&self) -> String {
        if self.holds_under.is_empty() && self.fails_under.is_empty() {
            return format!("{}: no judge graded both conditions", self.conclusion);
        }
        let verdict = if self.fails_under.is_empty() {
            "all judges agree".to_owned()
        } else if self.holds_under.is_empty() {
            "no judge agrees".to_owned()
        } else {
            format!("holds under {}; not under {}", self.holds_under.join(", "), self.fails_under.join(", "))
        };
        let measured = self.holds_under.len() + self.fails_under.len();
        let intervals = match self.interval_excludes_zero.len() {
            0 => "no judge's 95% interval excludes zero".to_owned(),
            count if count == measured => "every judge's 95% interval excludes zero".to_owned(),
            _ => format!("the 95% interval excludes zero under {}", self.interval_excludes_zero.join(", ")),
        };
        let mut line = format!("{}: {verdict}; {intervals}", self.conclusion);
        if !self.undetermined.is_empty() {
            line.push_str(&format!(" ({} did not grade both conditions)", self.undetermined.join(", ")));
        }
        line
    }
}

/// The robustness table's data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Robustness {
    pub columns: Vec<JudgeColumn>,
    pub conclusions: Vec<ConclusionCheck>,
}

/// One judge's column from its grade rows.
pub fn judge_column(
    judge: String,
    members: Vec<String>,
    rows: &[GradeRow],
    registry: &ModelRegistry,
    settings: &UncertaintySettings,
) -> JudgeColumn {
    let paired = compute_contrasts(rows, registry, settings);
    let totals: Vec<ConditionTotal> = Condition::ALL
        .into_iter()
        .map(|condition| {
            let summary = summarize_condition(rows, condition);
            ConditionTotal { condition, n: summary.n, total_pct: summary.total_pct }
        })
        .collect();
    let total = |condition: Condition| totals.iter().find(|total| total.condition == condition)?.total_pct;
    let contrasts = Conclusion::ALL
        .into_iter()
        .map(|contrast| {
            let (measured, baseline) = contrast.conditions();
            let estimate_pp = total(measured).zip(total(baseline)).map(|(measured, baseline)| measured - baseline);
            let paired = paired
                .iter()
                .find(|paired| {
                    paired.scope == ContrastScope::All
                        && (paired.name.first, paired.name.second) == (measured, baseline)
                })
                .cloned();
            ContrastEstimate { contrast, estimate_pp, paired }
        })
        .collect();
    JudgeColumn { judge, members, totals, contrasts }
}

/// The study's judge (named `study_judge`), each other judge in `dataset`, and the panel when there
/// are two judges or more, with the check of every conclusion; intervals with `settings`.
pub fn robustness(
    dataset: &Dataset,
    study_judge: &str,
    registry: &ModelRegistry,
    settings: &UncertaintySettings,
) -> Robustness {
    let mut columns = Vec::new();
    for by in dataset.graders() {
        match &by {
            GradedBy::StudyJudge => {
                columns.push(judge_column(study_judge.to_owned(), Vec::new(), &dataset.grades, registry, settings))
            }
            GradedBy::Judge(name) => {
                if let Some(judge) = dataset.judge_grades(name.as_str()) {
                    columns.push(judge_column(judge.name.clone(), Vec::new(), &judge.rows, registry, settings));
                }
            }
            GradedBy::Panel => {
                let panel = panel(dataset, study_judge, registry);
                columns.push(judge_column(by.label(study_judge), panel.members, &panel.rows, registry, settings));
            }
        }
    }
    let conclusions = Conclusion::ALL
        .into_iter()
        .map(|contrast| {
            let mut check = ConclusionCheck {
                contrast,
                conclusion: contrast.conclusion(),
                holds_under: Vec::new(),
                fails_under: Vec::new(),
                undetermined: Vec::new(),
                interval_excludes_zero: Vec::new(),
            };
            for column in &columns {
                let estimate = column.contrasts.iter().find(|estimate| estimate.contrast == contrast);
                if estimate.is_some_and(ContrastEstimate::interval_supports) {
                    check.interval_excludes_zero.push(column.judge.clone());
                }
                match estimate.and_then(ContrastEstimate::value) {
                    Some(value) if contrast.supports(value) => check.holds_under.push(column.judge.clone()),
                    Some(_) => check.fails_under.push(column.judge.clone()),
                    None => check.undetermined.push(column.judge.clone()),
                }
            }
            check
        })
        .collect();
    Robustness { columns, conclusions }
}

/// The robustness table: a row per graded condition's total and per measured contrast, a column per
/// judge.
pub fn robustness_table(robustness: &Robustness) -> Table {
    let mut headers = vec!["Measure".to_owned()];
    headers.extend(robustness.columns.iter().map(|column| column.judge.clone()));
    let totals = Condition::ALL
        .into_iter()
        .filter(|condition| {
            robustness.columns.iter().any(|column| {
                column.totals.iter().any(|total| total.condition == *condition && total.total_pct.is_some())
            })
        })
        .map(|condition| {
            let mut row = vec![Cell::Text(format!("{condition} total (%)"))];
            row.extend(robustness.columns.iter().map(|column| {
                let total = column.totals.iter().find(|total| total.condition == condition);
                Cell::Number { value: total.and_then(|total| total.total_pct), decimals: 1, signed: false }
            }));
            row
        })
        .collect();
    // A contrast no judge can measure (its conditions are not graded) gets no row.
    let measured = |contrast: Conclusion| {
        robustness.columns.iter().any(|column| {
            column.contrasts.iter().any(|estimate| estimate.contrast == contrast && estimate.value().is_some())
        })
    };
    let contrasts = Conclusion::ALL
        .into_iter()
        .filter(|contrast| measured(*contrast))
        .map(|contrast| {
            let mut row = vec![Cell::Text(format!("{} (pp)", contrast.label()))];
            row.extend(robustness.columns.iter().map(|column| {
                let estimate = column.contrasts.iter().find(|estimate| estimate.contrast == contrast);
                let value = estimate.and_then(ContrastEstimate::value);
                match estimate.and_then(|estimate| estimate.paired.as_ref()) {
                    Some(paired) => Cell::Estimate {
                        value,
                        decimals: 1,
                        signed: true,
                        interval: match paired.ci95_pp {
                            Some(interval) => CellInterval::Bounds(interval),
                            None => CellInterval::Undefined(
                                paired.undefined.clone().unwrap_or_else(|| format!("undefined (1 {CLUSTER_NOUN})")),
                            ),
                        },
                    },
                    None => Cell::Number { value, decimals: 1, signed: true },
                }
            }));
            row
        })
        .collect();
    Table {
        id: "judges",
        label: None,
        title: "The study's measures under each judge (total score, % of maximum; contrasts in points: the paired \
                mean difference with its 95% interval, questions as clusters)"
            .to_owned(),
        headers,
        groups: vec![totals, contrasts],
    }
}
