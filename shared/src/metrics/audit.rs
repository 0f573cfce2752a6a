//! The language detector against the judge: the responses where they disagree about the language
//! (for a reviewer to read) and how the detector's labels compare with the judge's verdicts.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Cell, Condition, DetectedLanguage, GradeRow, LanguageGuess, Table};

use super::ResponseMetrics;
use super::summary::{number, percent, text};

/// Why the detector and the judge disagree about a response's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageDisagreement {
    /// The detector says the text is not in the target language, but the judge gave Fluency > 0.
    DetectorSaysWrongLanguage,
    /// The judge gave Fluency 0, but the detector says the text is in the target language.
    JudgeGaveFluencyZero,
}

impl LanguageDisagreement {
    pub fn description(self) -> &'static str {
        match self {
            LanguageDisagreement::DetectorSaysWrongLanguage => "detector: wrong language; judge: fluency > 0",
            LanguageDisagreement::JudgeGaveFluencyZero => "judge: fluency 0; detector: target language",
        }
    }
}

/// A response a reviewer should look at: the detector and the judge disagree about its language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LanguageAuditEntry {
    pub condition: Condition,
    pub model: String,
    pub question_id: u32,
    pub disagreement: LanguageDisagreement,
    pub detected: LanguageGuess,
    pub fluency: u8,
    pub notes: String,
}

/// Looks up the grade row of each measured response (failed gradings have no fluency and are skipped).
fn graded_pairs<'a>(
    rows: &'a [ResponseMetrics],
    grades: &'a [GradeRow],
) -> impl Iterator<Item = (&'a ResponseMetrics, &'a GradeRow, u8)> + 'a {
    let by_key: BTreeMap<(Condition, &str, u32), &GradeRow> =
        grades.iter().map(|grade| ((grade.condition, grade.model.as_str(), grade.question_id), grade)).collect();
    rows.iter().filter_map(move |row| {
        let grade = *by_key.get(&(row.condition, row.model.as_str(), row.question_id))?;
        Some((row, grade, grade.scores()?.fluency))
    })
}

/// The responses where the detector and the judge disagree about the language, in the order of `rows`.
pub fn language_audit(rows: &[ResponseMetrics], grades: &[GradeRow]) -> Vec<LanguageAuditEntry> {
    graded_pairs(rows, grades)
        .filter_map(|(row, grade, fluency)| {
            let disagreement = match (row.metrics.wrong_language, fluency) {
                (true, 1..) => LanguageDisagreement::DetectorSaysWrongLanguage,
                (false, 0) => LanguageDisagreement::JudgeGaveFluencyZero,
                _ => return None,
            };
            Some(LanguageAuditEntry {
                condition: row.condition,
                model: row.model.clone(),
                question_id: row.question_id,
                disagreement,
                detected: row.metrics.detected,
                fluency,
                notes: grade.notes.clone(),
            })
        })
        .collect()
}

/// Phrases by which the judge's notes state that a response is written in Kyrgyz ("in Kyrgyz",
/// "is Kyrgyz", "Kyrgyz, not Kazakh", "(Kyrgyz"), compared in lowercase. Notes that only mention
/// Kyrgyz influence or markers ("Kyrgyz-like", "no Kyrgyz markers") do not count.
const KYRGYZ_VERDICT_PHRASES: [&str; 5] = ["in kyrgyz", "is kyrgyz", "kyrgyz not", "kyrgyz, not", "(kyrgyz"];

/// Whether the judge's notes say the response is in Kyrgyz.
pub fn judge_says_kyrgyz(notes: &str) -> bool {
    let notes = notes.to_lowercase();
    KYRGYZ_VERDICT_PHRASES.iter().any(|phrase| notes.contains(phrase))
}

/// A group of responses for which the judge's verdict says what the detector should find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeVerdictGroup {
    /// Fluency 0 and notes saying the response is in Kyrgyz: should be detected as Kyrgyz.
    KyrgyzFluencyZero,
    /// Fluency 2 in C2 or C4 (natural target-language text): should be detected as the target.
    FluentDirect(Condition),
}

impl JudgeVerdictGroup {
    pub fn label(self) -> String {
        match self {
            JudgeVerdictGroup::KyrgyzFluencyZero => "notes say Kyrgyz, fluency 0".to_owned(),
            JudgeVerdictGroup::FluentDirect(condition) => {
                format!("fluency 2, {} ({})", condition.id(), condition.language())
            }
        }
    }

    /// What the detector should say for a response of this group.
    pub fn expected(self) -> DetectedLanguage {
        match self {
            JudgeVerdictGroup::KyrgyzFluencyZero => DetectedLanguage::Kyrgyz,
            JudgeVerdictGroup::FluentDirect(condition) => condition.language().into(),
        }
    }
}

/// How the detector's labels compare with the judge's verdicts, group by group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DetectorAgreement {
    /// For each group, how many responses got each detected language.
    pub confusion: BTreeMap<JudgeVerdictGroup, BTreeMap<DetectedLanguage, usize>>,
}

impl DetectorAgreement {
    /// (responses detected as expected, responses) of `group`.
    pub fn hits(&self, group: JudgeVerdictGroup) -> (usize, usize) {
        let Some(counts) = self.confusion.get(&group) else { return (0, 0) };
        (counts.get(&group.expected()).copied().unwrap_or(0), counts.values().sum())
    }

    /// (hits, total) over the C2 and C4 fluent groups together.
    pub fn fluent_direct_hits(&self) -> (usize, usize) {
        [Condition::C2, Condition::C4]
            .into_iter()
            .map(|condition| self.hits(JudgeVerdictGroup::FluentDirect(condition)))
            .fold((0, 0), |(hits, total), (h, t)| (hits + h, total + t))
    }
}

/// Compares the detector with the judge on the responses whose verdict says what the language is.
pub fn detector_agreement(rows: &[ResponseMetrics], grades: &[GradeRow]) -> DetectorAgreement {
    let mut agreement = DetectorAgreement::default();
    for (row, grade, fluency) in graded_pairs(rows, grades) {
        let mut groups = Vec::new();
        if fluency == 0 && judge_says_kyrgyz(&grade.notes) {
            groups.push(JudgeVerdictGroup::KyrgyzFluencyZero);
        }
        if fluency == 2 && matches!(row.condition, Condition::C2 | Condition::C4) {
            groups.push(JudgeVerdictGroup::FluentDirect(row.condition));
        }
        for group in groups {
            *agreement.confusion.entry(group).or_default().entry(row.metrics.detected.language).or_default() += 1;
        }
    }
    agreement
}

/// The agreement as a confusion table: one row per judge group, one column per detected language.
pub fn detector_agreement_table(agreement: &DetectorAgreement) -> Table {
    let mut header = vec!["Judge verdict".to_owned(), "n".to_owned()];
    header.extend(DetectedLanguage::ALL.iter().map(|language| language.display_name().to_owned()));
    header.push("Detected as expected (%)".to_owned());
    let rows = agreement
        .confusion
        .iter()
        .map(|(group, counts)| {
            let (hits, total) = agreement.hits(*group);
            let mut row = vec![text(group.label()), Cell::Count(total)];
            row.extend(
                DetectedLanguage::ALL.iter().map(|language| Cell::Count(counts.get(language).copied().unwrap_or(0))),
            );
            row.push(number(percent(hits, total), 1));
            row
        })
        .collect();
    Table {
        id: "detector_agreement",
        label: None,
        title: "Language detector against the judge's verdicts".to_owned(),
        headers: header,
        groups: vec![rows],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judge_verdicts_about_kyrgyz_are_read_from_the_notes() {
        assert!(judge_says_kyrgyz("Response is in KYRGYZ, not Kazakh."));
        assert!(judge_says_kyrgyz("Wrong language (Kyrgyz, not Kazakh)"));
        assert!(judge_says_kyrgyz("Language is Kyrgyz not Kazakh"));
        assert!(!judge_says_kyrgyz("Fluent Kazakh, no Kyrgyz markers."));
        assert!(!judge_says_kyrgyz("Some Kyrgyz-like forms"));
    }
}
