//! The five experimental conditions (C1..C5) and what each one means.

use serde::{Deserialize, Serialize};

use crate::Language;

/// An experimental condition: which language the question is asked in, and whether the model is told
/// to route through English (the cross-lingual-transfer pipeline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Condition {
    C1,
    C2,
    C3,
    C4,
    C5,
}

impl Condition {
    pub const ALL: [Condition; 5] = [Condition::C1, Condition::C2, Condition::C3, Condition::C4, Condition::C5];

    /// `"C1"`.
    pub fn id(self) -> &'static str {
        match self {
            Condition::C1 => "C1",
            Condition::C2 => "C2",
            Condition::C3 => "C3",
            Condition::C4 => "C4",
            Condition::C5 => "C5",
        }
    }

    /// The directory under `results/` and the file stem under `grades/` (`"C3_kazakh_transfer"`).
    pub fn directory(self) -> &'static str {
        match self {
            Condition::C1 => "C1_english",
            Condition::C2 => "C2_kazakh",
            Condition::C3 => "C3_kazakh_transfer",
            Condition::C4 => "C4_mongolian",
            Condition::C5 => "C5_mongolian_transfer",
        }
    }

    /// The language the question is asked in and the answer is expected in.
    pub fn language(self) -> Language {
        match self {
            Condition::C1 => Language::English,
            Condition::C2 | Condition::C3 => Language::Kazakh,
            Condition::C4 | Condition::C5 => Language::Mongolian,
        }
    }

    /// Whether the model is asked to translate to English, answer, and translate back (C3, C5).
    pub fn is_transfer(self) -> bool {
        matches!(self, Condition::C3 | Condition::C5)
    }

    /// For a transfer condition, the direct condition in the same language it is compared with
    /// (the CLT delta is `self - baseline`).
    pub fn direct_baseline(self) -> Option<Condition> {
        match self {
            Condition::C3 => Some(Condition::C2),
            Condition::C5 => Some(Condition::C4),
            _ => None,
        }
    }

    /// The pair (direct, transfer) of conditions in this condition's language, if it has one.
    pub fn transfer_pair(self) -> Option<(Condition, Condition)> {
        match self {
            Condition::C2 | Condition::C3 => Some((Condition::C2, Condition::C3)),
            Condition::C4 | Condition::C5 => Some((Condition::C4, Condition::C5)),
            Condition::C1 => None,
        }
    }

    /// The description the study's results files record (`condition_description`).
    pub fn description(self) -> &'static str {
        match self {
            Condition::C1 => "English -> English (upper bound baseline)",
            Condition::C2 => "Kazakh -> Kazakh (direct low-resource performance)",
            Condition::C3 => "Kazakh -> English -> English -> Kazakh (cross-lingual transfer)",
            Condition::C4 => "Mongolian -> Mongolian (direct low-resource performance)",
            Condition::C5 => "Mongolian -> English -> English -> Mongolian (cross-lingual transfer)",
        }
    }

    /// The system prompt the study sent with every question of this condition, byte for byte as its
    /// results files record it (`system_prompt_used`). C1 sends none: the question alone.
    pub fn system_prompt(self) -> Option<&'static str> {
        match self {
            Condition::C1 => None,
            Condition::C2 => Some("Сіз пайдалы көмекші ботсыз. Барлық жауаптарыңызды тек қазақ тілінде беріңіз."),
            Condition::C3 => Some(
                "Сіз пайдалы көмекші ботсыз. Пайдаланушы тек қазақ тілін біледі. Келесі қадамдарды орындаңыз:\n\
                 1. Сұрақты ағылшын тіліне аударыңыз\n\
                 2. Ағылшын тілінде жауап беріңіз\n\
                 3. Жауапты қазақ тіліне аударыңыз\n\
                 Әр қадамды көрсетіңіз.",
            ),
            Condition::C4 => Some("Та бол хэрэгтэй туслах бот. Бүх хариултаа зөвхөн монгол хэлээр бичнэ үү."),
            Condition::C5 => Some(
                "Та бол хэрэгтэй туслах бот. Хэрэглэгч зөвхөн монгол хэл мэддэг. Дараах алхмуудыг гүйцэтгэнэ үү:\n\
                 1. Асуултыг англи хэл рүү орчуулна уу\n\
                 2. Англи хэлээр хариулт бичнэ үү\n\
                 3. Хариултыг монгол хэл рүү орчуулна уу\n\
                 Алхам тус бүрийг харуулна уу.",
            ),
        }
    }

    /// A short human label (`"C3 Kazakh + transfer"`).
    pub fn label(self) -> &'static str {
        match self {
            Condition::C1 => "C1 English",
            Condition::C2 => "C2 Kazakh",
            Condition::C3 => "C3 Kazakh + transfer",
            Condition::C4 => "C4 Mongolian",
            Condition::C5 => "C5 Mongolian + transfer",
        }
    }

    /// Accepts an id (`c3`, `C3`) or a directory name (`C3_kazakh_transfer`).
    pub fn parse(text: &str) -> Option<Condition> {
        let text = text.trim();
        Condition::ALL
            .into_iter()
            .find(|condition| condition.id().eq_ignore_ascii_case(text) || condition.directory() == text)
    }

    pub fn from_directory(directory: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|condition| condition.directory() == directory)
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
