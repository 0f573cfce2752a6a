//! The three languages questions are asked in.

use serde::{Deserialize, Serialize};

/// A language of the study: the language a condition asks its questions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    English,
    Kazakh,
    Mongolian,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::English, Language::Kazakh, Language::Mongolian];

    /// The key used in the study's files (`"kazakh"`).
    pub fn key(self) -> &'static str {
        match self {
            Language::English => "english",
            Language::Kazakh => "kazakh",
            Language::Mongolian => "mongolian",
        }
    }

    /// The BCP 47 tag for `lang` attributes (`"kk"`).
    pub fn iso_code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Kazakh => "kk",
            Language::Mongolian => "mn",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Kazakh => "Kazakh",
            Language::Mongolian => "Mongolian",
        }
    }

    pub fn from_key(key: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|language| language.key() == key)
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}
