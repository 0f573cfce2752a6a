//! Whether the study's conclusions hold under every judge (`left-behind report --judges`): for the
//! study's judge, each other judge and the panel side by side, Table 1's totals, the language gaps
//! (C2 - C1, C4 - C1) and the cross-lingual-transfer effects (C3 - C2, C5 - C4), and a line per
//! conclusion saying under which judges it holds.

use serde::Serialize;

use crate::{Cell, Condition, Dataset, GradeRow, GradedBy, ModelRegistry, Table, panel, summarize_condition};

/// A contrast the study draws its conclusions from, in points of the total score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Contrast {
    /// C2 - C1: Kazakh against English, directly.
    KazakhGap,
    /// C4 - C1: Mongolian against English, directly.
    MongolianGap,
    /// C3 - C2: Kazakh through translation against Kazakh directly.
    KazakhTransfer,
    /// C5 - C4: Mongolian through translation against Mongolian directly.
    MongolianTransfer,
}

impl Contrast {
    pub const ALL: [Contrast; 4] =
        [Contrast::KazakhGap, Contrast::MongolianGap, Contrast::KazakhTransfer, Contrast::MongolianTransfer];

    /// (the condition measured, the condition it is measured against).
    pub fn conditions(self) -> (Condition, Condition) {
        match self {
            Contrast::KazakhGap => (Condition::C2, Condition::C1),
            Contrast::MongolianGap => (Condition::C4, Condition::C1),
            Contrast::KazakhTransfer => (Condition::C3, Condition::C2),
            Contrast::MongolianTransfer => (Condition::C5, Condition::C4),
        }
    }

    /// `Kazakh gap (C2 - C1)`.
    pub fn label(self) -> String {
        let (measured, baseline) = self.conditions();
        let name = match self {
            Contrast::KazakhGap => "Kazakh gap",
            Contrast::MongolianGap => "Mongolian gap",
            Contrast::KazakhTransfer => "Kazakh CLT effect",
            Contrast::MongolianTransfer => "Mongolian CLT effect",
        };
        format!("{name} ({measured} - {baseline})")
    }

    /// The conclusion the contrast supports when [`Contrast::supports`] holds.
    pub fn conclusion(self) -> &'static str {
        match self {
            Contrast::KazakhGap => "English beats Kazakh",
            Contrast::MongolianGap => "English beats Mongolian",
            Contrast::KazakhTransfer => "Translation helps Kazakh",
            Contrast::MongolianTransfer => "Translation helps Mongolian",
        }
    }

    /// Whether `estimate` (in points) points the conclusion's way: a gap below zero, a transfer
    /// effect above it.
    pub fn supports(self, estimate: f64) -> bool {
        match self {
            Contrast::KazakhGap | Contrast::MongolianGap => estimate < 0.0,
            Contrast::KazakhTransfer | Contrast::MongolianTransfer => estimate > 0.0,
        }
    }
}

/// A contrast under one judge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContrastEstimate {
    pub contrast: Contrast,
    /// Measured minus baseline total score, in points; `None` when either condition has no grade.
    pub estimate_pp: Option<f64>,
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
    pub contrast: Contrast,
    pub conclusion: &'static str,
    /// Judges (and the panel) whose estimate points the conclusion's way.
    pub holds_under: Vec<String>,
    /// Judges whose estimate points the other way (or is zero).
    pub fails_under: Vec<String>,
    /// Judges without the two conditions graded.
    pub undetermined: Vec<String>,
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
        let mut line = format!("{}: {verdict}", self.conclusion);
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
pub fn judge_column(judge: String, members: Vec<String>, rows: &[GradeRow]) -> JudgeColumn {
    let totals: Vec<ConditionTotal> = Condition::ALL
        .into_iter()
        .map(|condition| {
            let summary = summarize_condition(rows, condition);
            ConditionTotal { condition, n: summary.n, total_pct: summary.total_pct }
        })
        .collect();
    let total = |condition: Condition| totals.iter().find(|total| total.condition == condition)?.total_pct;
    let contrasts = Contrast::ALL
        .into_iter()
        .map(|contrast| {
            let (measured, baseline) = contrast.conditions();
            let estimate_pp = total(measured).zip(total(baseline)).map(|(measured, baseline)| measured - baseline);
            ContrastEstimate { contrast, estimate_pp }
        })
        .collect();
    JudgeColumn { judge, members, totals, contrasts }
}

/// The study's judge (named `study_judge`), each other judge in `dataset`, and the panel when there
/// are two judges or more, with the check of every conclusion.
pub fn robustness(dataset: &Dataset, study_judge: &str, registry: &ModelRegistry) -> Robustness {
    let mut columns = Vec::new();
    for by in dataset.graders() {
        match &by {
            GradedBy::StudyJudge => columns.push(judge_column(study_judge.to_owned(), Vec::new(), &dataset.grades)),
            GradedBy::Judge(name) => {
                if let Some(judge) = dataset.judge_grades(name.as_str()) {
                    columns.push(judge_column(judge.name.clone(), Vec::new(), &judge.rows));
                }
            }
            GradedBy::Panel => {
                let panel = panel(dataset, study_judge, registry);
                columns.push(judge_column(by.label(study_judge), panel.members, &panel.rows));
            }
        }
    }
    let conclusions = Contrast::ALL
        .into_iter()
        .map(|contrast| {
            let mut check = ConclusionCheck {
                contrast,
                conclusion: contrast.conclusion(),
                holds_under: Vec::new(),
                fails_under: Vec::new(),
                undetermined: Vec::new(),
            };
            for column in &columns {
                let estimate = column.contrasts.iter().find(|estimate| estimate.contrast == contrast);
                match estimate.and_then(|estimate| estimate.estimate_pp) {
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

/// The robustness table: a row per condition total and per contrast, a column per judge.
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
    let contrasts = Contrast::ALL
        .into_iter()
        .map(|contrast| {
            let mut row = vec![Cell::Text(format!("{} (pp)", contrast.label()))];
            row.extend(robustness.columns.iter().map(|column| {
                let estimate = column.contrasts.iter().find(|estimate| estimate.contrast == contrast);
                Cell::Number { value: estimate.and_then(|estimate| estimate.estimate_pp), decimals: 1, signed: true }
            }));
            row
        })
        .collect();
    Table {
        id: "judges",
        label: None,
        title: "The study's measures under each judge (total score, % of maximum; contrasts in points)".to_owned(),
        headers,
        groups: vec![totals, contrasts],
    }
}
