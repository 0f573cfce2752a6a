//! The benchmark's questions (`benchmark/questions.json`) and their categories.

use serde::{Deserialize, Serialize};

use crate::{DataError, Language};

/// What a question tests. The study has ten questions of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionCategory {
    NeutralFactual,
    NeutralReasoning,
    NeutralTechnical,
    KazakhCultural,
    MongolianCultural,
}

impl QuestionCategory {
    pub const ALL: [QuestionCategory; 5] = [
        QuestionCategory::NeutralFactual,
        QuestionCategory::NeutralReasoning,
        QuestionCategory::NeutralTechnical,
        QuestionCategory::KazakhCultural,
        QuestionCategory::MongolianCultural,
    ];

    /// The key used in the study's files (`"neutral_reasoning"`).
    pub fn key(self) -> &'static str {
        match self {
            QuestionCategory::NeutralFactual => "neutral_factual",
            QuestionCategory::NeutralReasoning => "neutral_reasoning",
            QuestionCategory::NeutralTechnical => "neutral_technical",
            QuestionCategory::KazakhCultural => "kazakh_cultural",
            QuestionCategory::MongolianCultural => "mongolian_cultural",
        }
    }

    /// The name the paper and the answer sheet use (`"Neutral Reasoning/Logic"`).
    pub fn display_name(self) -> &'static str {
        match self {
            QuestionCategory::NeutralFactual => "Neutral Factual",
            QuestionCategory::NeutralReasoning => "Neutral Reasoning/Logic",
            QuestionCategory::NeutralTechnical => "Neutral Technical",
            QuestionCategory::KazakhCultural => "Kazakh-Aligned Cultural",
            QuestionCategory::MongolianCultural => "Mongolian-Aligned Cultural",
        }
    }

    pub fn from_key(key: &str) -> Option<QuestionCategory> {
        QuestionCategory::ALL.into_iter().find(|category| category.key() == key)
    }
}

impl std::fmt::Display for QuestionCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// One benchmark question in the three languages, with the short English reference answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: u32,
    pub category: QuestionCategory,
    pub english: String,
    pub kazakh: String,
    pub mongolian: String,
    /// The short English reference answer; the study left some out (null).
    pub reference_answer: Option<String>,
}

impl Question {
    /// The question as asked in `language`.
    pub fn text(&self, language: Language) -> &str {
        match language {
            Language::English => &self.english,
            Language::Kazakh => &self.kazakh,
            Language::Mongolian => &self.mongolian,
        }
    }
}

/// Parses `benchmark/questions.json`. Questions come back sorted by id.
pub fn parse_questions(text: &str, file: &str) -> Result<Vec<Question>, DataError> {
    let mut questions: Vec<Question> = crate::json::from_str(text, file)?;
    questions.sort_by_key(|question| question.id);
    Ok(questions)
}
