//! Language identification for the study's answers: English, Kazakh, Kyrgyz, Mongolian, Russian or
//! other, with a confidence. Small, pure and dictionary-free enough to run in the browser.
//!
//! Why not a crate: whatlang knows none of Kazakh, Kyrgyz and Mongolian, and lingua knows Kazakh and
//! Mongolian but not Kyrgyz, with models of many megabytes; neither can tell the study's headline
//! failure (Kyrgyz written for Kazakh) apart. So the detector reads the marks each language leaves:
//!
//! 1. **Script.** Letters are counted by script; the script with most letters decides between the
//!    Latin branch, the Cyrillic branch and "other" (any other script).
//! 2. **Latin.** English function words (the, of, and, ...) make up a third or more of running
//!    English; a Latin text where they are rare is in some other language.
//! 3. **Cyrillic family.** Each word is checked for the marks of Kazakh and Kyrgyz (the letters
//!    ә ғ қ ұ һ і ң, function words, suffixes), Mongolian (function words, a lone э inside a word,
//!    case endings) and Russian (function words, щ ъ, inflections). Each family's share of marked words
//!    is divided by how often its marks occur in ordinary text of that family, and the largest wins.
//! 4. **Kazakh or Kyrgyz.** Standard Kazakh spelling cannot produce Kyrgyz forms (жана, үчүн, бирок,
//!    the suffixes -лык/-дык without қ, the genitive -дин/-нун/-түн, the participle -ган without ғ,
//!    ...). A Kazakh text shows one only by accident (a name, a quotation), so a text where at least
//!    [`KYRGYZ_FORMS_THRESHOLD`] of the words (and at least two) are Kyrgyz forms is Kyrgyz, however
//!    many Kazakh letters it also has: a Kazakh reader sees a Kyrgyz, or Kyrgyz-mixed, text.
//!
//! The word lists describe the languages (their grammar words and spelling rules); none is taken
//! from the study's responses.

use serde::{Deserialize, Serialize};

use crate::Language;

/// What the detector can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectedLanguage {
    English,
    Kazakh,
    Kyrgyz,
    Mongolian,
    Russian,
    Other,
}

impl DetectedLanguage {
    pub const ALL: [DetectedLanguage; 6] = [
        DetectedLanguage::English,
        DetectedLanguage::Kazakh,
        DetectedLanguage::Kyrgyz,
        DetectedLanguage::Mongolian,
        DetectedLanguage::Russian,
        DetectedLanguage::Other,
    ];

    /// `"kyrgyz"`: the key used in CSV and JSON.
    pub fn key(self) -> &'static str {
        match self {
            DetectedLanguage::English => "english",
            DetectedLanguage::Kazakh => "kazakh",
            DetectedLanguage::Kyrgyz => "kyrgyz",
            DetectedLanguage::Mongolian => "mongolian",
            DetectedLanguage::Russian => "russian",
            DetectedLanguage::Other => "other",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            DetectedLanguage::English => "English",
            DetectedLanguage::Kazakh => "Kazakh",
            DetectedLanguage::Kyrgyz => "Kyrgyz",
            DetectedLanguage::Mongolian => "Mongolian",
            DetectedLanguage::Russian => "Russian",
            DetectedLanguage::Other => "other",
        }
    }

    /// The BCP 47 tag for `lang` attributes (`"ky"`); `None` for other.
    pub fn iso_code(self) -> Option<&'static str> {
        match self {
            DetectedLanguage::English => Some("en"),
            DetectedLanguage::Kazakh => Some("kk"),
            DetectedLanguage::Kyrgyz => Some("ky"),
            DetectedLanguage::Mongolian => Some("mn"),
            DetectedLanguage::Russian => Some("ru"),
            DetectedLanguage::Other => None,
        }
    }

    /// Whether this is the study language `language`.
    pub fn is(self, language: Language) -> bool {
        self == DetectedLanguage::from(language)
    }

    pub fn from_key(key: &str) -> Option<DetectedLanguage> {
        DetectedLanguage::ALL.into_iter().find(|language| language.key() == key)
    }
}

impl From<Language> for DetectedLanguage {
    fn from(language: Language) -> DetectedLanguage {
        match language {
            Language::English => DetectedLanguage::English,
            Language::Kazakh => DetectedLanguage::Kazakh,
            Language::Mongolian => DetectedLanguage::Mongolian,
        }
    }
}

impl std::fmt::Display for DetectedLanguage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The detector's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LanguageGuess {
    pub language: DetectedLanguage,
    /// How sure the detector is, from 0 (no evidence) to 1.
    pub confidence: f64,
}

/// What the detector counted, for explaining a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct LanguageEvidence {
    pub latin_letters: usize,
    pub cyrillic_letters: usize,
    /// Letters of any other script.
    pub other_letters: usize,
    pub latin_words: usize,
    pub cyrillic_words: usize,
    /// Latin words that are English function words.
    pub english_words: usize,
    /// Cyrillic words with a Kazakh letter (ә ғ қ ұ һ і) or a Kazakh-only word or form.
    pub kazakh_words: usize,
    /// Cyrillic words in a Kyrgyz-only word or form.
    pub kyrgyz_words: usize,
    /// Cyrillic words with a mark of Kazakh or Kyrgyz: the two above, and words with ң, which Kazakh
    /// and Kyrgyz have and Mongolian and Russian lack.
    pub kazakh_or_kyrgyz_words: usize,
    pub mongolian_words: usize,
    pub russian_words: usize,
}

/// The share of words that must be Kyrgyz forms for a Kazakh-or-Kyrgyz text to be Kyrgyz: one word
/// in forty, well above the accidental rate of a Kazakh text (names, quotations) and well below the
/// rate of Kyrgyz, where grammar words and suffixes put such forms in most sentences.
pub const KYRGYZ_FORMS_THRESHOLD: f64 = 1.0 / 40.0;

/// A Latin-script text is English when at least this share of its words are English function words.
const ENGLISH_FUNCTION_WORDS_THRESHOLD: f64 = 0.1;
/// The share of English function words in ordinary English prose (for the confidence).
const ENGLISH_FUNCTION_WORDS_TYPICAL: f64 = 0.3;

/// How often each Cyrillic family's marks occur in ordinary text of that family (share of words):
/// Kazakh and Kyrgyz words carry a special letter or a marked form in about two words of five,
/// Mongolian words a grammar word or a Mongolian-only spelling in about one of three, Russian words a
/// function word or an inflection in about one of three.
const KIPCHAK_TYPICAL: f64 = 0.4;
const MONGOLIAN_TYPICAL: f64 = 0.3;
const RUSSIAN_TYPICAL: f64 = 0.3;

/// Identifies the language of `text`.
pub fn identify_language(text: &str) -> LanguageGuess {
    decide(&language_evidence(text))
}

/// Counts the marks of each language in `text`.
pub fn language_evidence(text: &str) -> LanguageEvidence {
    let mut evidence = LanguageEvidence::default();
    let mut word = String::new();
    let flush = |word: &mut String, evidence: &mut LanguageEvidence| {
        if !word.is_empty() {
            count_word(word, evidence);
            word.clear();
        }
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word.extend(c.to_lowercase());
        } else {
            flush(&mut word, &mut evidence);
        }
    }
    flush(&mut word, &mut evidence);
    evidence
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

fn count_word(word: &str, evidence: &mut LanguageEvidence) {
    let mut latin = 0;
    let mut cyrillic = 0;
    let mut other = 0;
    for c in word.chars() {
        if c.is_ascii_alphabetic() {
            latin += 1;
        } else if is_cyrillic(c) {
            cyrillic += 1;
        } else {
            other += 1;
        }
    }
    evidence.latin_letters += latin;
    evidence.cyrillic_letters += cyrillic;
    evidence.other_letters += other;
    if latin > 0 && cyrillic == 0 && other == 0 {
        evidence.latin_words += 1;
        evidence.english_words += usize::from(ENGLISH_FUNCTION_WORDS.contains(&word));
    } else if cyrillic > 0 && latin == 0 && other == 0 {
        evidence.cyrillic_words += 1;
        let kazakh = is_kazakh_word(word);
        let kyrgyz = is_kyrgyz_word(word);
        evidence.kazakh_words += usize::from(kazakh);
        evidence.kyrgyz_words += usize::from(kyrgyz);
        evidence.kazakh_or_kyrgyz_words += usize::from(kazakh || kyrgyz || word.contains('ң'));
        evidence.mongolian_words += usize::from(is_mongolian_word(word));
        evidence.russian_words += usize::from(is_russian_word(word));
    }
}

/// Letters of the Kazakh alphabet that Kyrgyz, Mongolian and Russian do not have.
const KAZAKH_LETTERS: [char; 6] = ['ә', 'ғ', 'қ', 'ұ', 'һ', 'і'];

/// Kazakh words spelled only with letters other languages share, where Kyrgyz spells them otherwise
/// (бен/пен for менен, емес for эмес, болып for болуп, осы for ушул, ол for ал, ...).
const KAZAKH_WORDS: &[&str] = &[
    "бен",
    "пен",
    "емес",
    "болып",
    "болады",
    "болса",
    "осы",
    "сол",
    "сондай",
    "ол",
    "олар",
    "оны",
    "оған",
    "одан",
    "онда",
    "немесе",
    "туралы",
    "бойынша",
    "мысалы",
    "жатыр",
    "екен",
    "егер",
];

fn is_kazakh_word(word: &str) -> bool {
    word.chars().any(|c| KAZAKH_LETTERS.contains(&c))
        || KAZAKH_WORDS.contains(&word)
        // The Kazakh verbal noun in -ау/-еу (жасау, сөйлеу, тау), where Kyrgyz has -оо/-өө.
        || (word.chars().count() >= 4 && (word.ends_with("ау") || word.ends_with("еу")))
}

/// Kyrgyz words that Kazakh spells differently (жана/және, үчүн/үшін, бирок/бірақ, жооп/жауап,
/// эмес/емес, бул/бұл, бир/бір, анын/оның, алар/олар, эки/екі, ...).
const KYRGYZ_WORDS: &[&str] = &[
    "жана",
    "менен",
    "үчүн",
    "бирок",
    "жооп",
    "жообу",
    "эмес",
    "бул",
    "бир",
    "анын",
    "алар",
    "аны",
    "ага",
    "андан",
    "ошол",
    "ушул",
    "ушундай",
    "ошондой",
    "мындай",
    "дагы",
    "катары",
    "тууралуу",
    "жөнүндө",
    "болот",
    "болгон",
    "болуп",
    "болушу",
    "болгондуктан",
    "мүмкүн",
    "жок",
    "гана",
    "эле",
    "жатат",
    "кийин",
    "чейин",
    "башка",
    "бардык",
    "эмне",
    "ким",
    "кайсы",
    "качан",
    "кайда",
    "кантип",
    "абдан",
    "өтө",
    "анткени",
    "ошондуктан",
    "эгер",
    "эгерде",
    "жаңы",
    "маанилүү",
    "учурда",
    "убакыт",
    "киши",
    "илим",
    "кызмат",
    "биз",
    "сиз",
    "кылып",
    "кылган",
    "аркылуу",
    "кандай",
    "жакшы",
    "чоң",
    "өлкө",
    "шаар",
    "тил",
    "бирөө",
    "экен",
    "эки",
    "ар",
    "эч",
    "эң",
    "кээ",
    "тарабынан",
    "көбүнчө",
    "негизги",
    "негизинен",
    "сыяктуу",
    "эл",
    "элдин",
    "кыргыз",
    "кыргызча",
    "кыргызстан",
    "берет",
    "келет",
    "болууда",
    "мисалы",
];

/// Kyrgyz suffixes, each written in a way Kazakh spelling does not allow.
const KYRGYZ_SUFFIXES: &[&str] = &[
    // Abstract nouns and adjectives: Kazakh writes -лық/-дық/-тық with қ.
    "лык", "дык", "тык", "лук", "дук", "тук", "лүк", "дүк", "түк",
    // Genitive: Kazakh writes -ның/-нің/-дың/-дің/-тың/-тің, never и, у or ү.
    "нин", "нун", "нүн", "дин", "дун", "дүн", "тин", "тун", "түн", "дын",
    // Past participle: Kazakh writes -ған/-ген/-қан/-кен.
    "гон", "гөн", "көн", // Negative present: Kazakh writes -байды/-бейді.
    "байт", "бейт", "пайт", "пейт", "майт", "мейт",
    // Verbal noun with a long vowel: Kazakh writes -у (өзгерту, алу).
    "үү", "уу",
];

/// Kazakh words that happen to end like a Kyrgyz suffix.
const KAZAKH_EXCEPTIONS: &[&str] = &["алдын", "орган", "байт"];

fn is_kyrgyz_word(word: &str) -> bool {
    if KYRGYZ_WORDS.contains(&word) {
        return true;
    }
    if KAZAKH_EXCEPTIONS.contains(&word) {
        return false;
    }
    let length = word.chars().count();
    // Stems are at least two letters long, so a suffix alone is not a Kyrgyz word.
    KYRGYZ_SUFFIXES.iter().any(|suffix| word.ends_with(suffix) && length >= suffix.chars().count() + 2)
        || (length >= 5 && word.ends_with("ган") && !word.ends_with("орган"))
}

/// Mongolian grammar words (ба "and", нь, юм, энэ "this", байна "is", гэж "that", ...).
const MONGOLIAN_WORDS: &[&str] = &[
    "ба",
    "нь",
    "юм",
    "энэ",
    "эдгээр",
    "тэр",
    "тэдгээр",
    "байна",
    "байгаа",
    "байдаг",
    "байсан",
    "байх",
    "байв",
    "бол",
    "болно",
    "болон",
    "болох",
    "болсон",
    "гэж",
    "гэсэн",
    "гэдэг",
    "гэх",
    "гэвч",
    "гэхдээ",
    "хамгийн",
    "зэрэг",
    "юу",
    "хэрэв",
    "үед",
    "дээр",
    "тухай",
    "шиг",
    "учраас",
    "учир",
    "бөгөөд",
    "харин",
    "нэг",
    "олон",
    "хүн",
    "бүх",
    "өөр",
    "хэрэгтэй",
    "бусад",
    "вэ",
    "бэ",
    "маш",
    "тул",
    "мэт",
    "хооронд",
    "биш",
    "ямар",
    "хэн",
    "хаана",
    "яагаад",
    "улс",
    "мөн",
];

/// Mongolian case endings: genitive -ийн, privative -гүй, comitative -тэй, ablative -аас/-ээс/-оос/-өөс,
/// instrumental -аар/-ээр/-оор/-өөр, plural -ууд/-үүд.
const MONGOLIAN_SUFFIXES: &[&str] =
    &["ийн", "гүй", "тэй", "аас", "ээс", "оос", "өөс", "аар", "ээр", "оор", "өөр", "ууд", "үүд"];

fn is_mongolian_word(word: &str) -> bool {
    if MONGOLIAN_WORDS.contains(&word) {
        return true;
    }
    let chars: Vec<char> = word.chars().collect();
    // A lone э after the first letter (гэж, хэл, тэр, сэтгэл): Kazakh, Kyrgyz and Russian write э at the
    // start of a word (or doubled, in Kyrgyz кээ), Mongolian everywhere.
    let inner_e = (1..chars.len())
        .any(|index| chars[index] == 'э' && chars[index - 1] != 'э' && chars.get(index + 1) != Some(&'э'));
    inner_e
        || MONGOLIAN_SUFFIXES.iter().any(|suffix| word.ends_with(suffix) && chars.len() >= suffix.chars().count() + 2)
}

/// Russian function words. Words that are also Kazakh or Kyrgyz words (не, а, же, я) are left out.
const RUSSIAN_WORDS: &[&str] = &[
    "и",
    "в",
    "на",
    "что",
    "с",
    "по",
    "это",
    "как",
    "для",
    "из",
    "от",
    "к",
    "о",
    "но",
    "так",
    "он",
    "она",
    "они",
    "все",
    "его",
    "ее",
    "её",
    "их",
    "был",
    "была",
    "было",
    "были",
    "быть",
    "может",
    "также",
    "или",
    "при",
    "только",
    "уже",
    "если",
    "чтобы",
    "который",
    "которые",
    "которая",
    "которое",
    "более",
    "этот",
    "эта",
    "эти",
    "между",
    "после",
    "во",
    "со",
    "без",
    "до",
    "под",
    "над",
    "у",
    "мы",
    "вы",
    "есть",
    "очень",
    "когда",
    "где",
    "чем",
    "однако",
];

/// Russian inflections, which loanwords in Kazakh, Kyrgyz or Mongolian text do not carry.
const RUSSIAN_SUFFIXES: &[&str] =
    &["ого", "его", "ому", "ыми", "ими", "ться", "тся", "ение", "ании", "ении", "ость", "ости"];

fn is_russian_word(word: &str) -> bool {
    RUSSIAN_WORDS.contains(&word)
        || word.contains(['щ', 'ъ'])
        || RUSSIAN_SUFFIXES
            .iter()
            .any(|suffix| word.ends_with(suffix) && word.chars().count() >= suffix.chars().count() + 2)
}

/// Function words of English, which make up a third of running English text.
const ENGLISH_FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "that", "it", "for", "with", "as", "was", "on", "are", "by", "this", "be",
    "or", "an", "from", "which", "at", "have", "has", "not", "but", "they", "their", "its", "can", "were", "been",
    "will", "would", "these", "those", "also", "into", "than", "more", "such", "there", "what", "when", "how", "you",
    "we", "he", "she", "his", "her", "a",
];

fn decide(evidence: &LanguageEvidence) -> LanguageGuess {
    let letters = evidence.latin_letters + evidence.cyrillic_letters + evidence.other_letters;
    if letters == 0 {
        return LanguageGuess { language: DetectedLanguage::Other, confidence: 0.0 };
    }
    let share = |count: usize| count as f64 / letters as f64;
    if evidence.other_letters > evidence.latin_letters && evidence.other_letters > evidence.cyrillic_letters {
        return LanguageGuess { language: DetectedLanguage::Other, confidence: share(evidence.other_letters) };
    }
    if evidence.latin_letters > evidence.cyrillic_letters {
        let script_share = share(evidence.latin_letters);
        let english_rate = ratio(evidence.english_words, evidence.latin_words);
        return if english_rate >= ENGLISH_FUNCTION_WORDS_THRESHOLD {
            LanguageGuess {
                language: DetectedLanguage::English,
                confidence: script_share * (english_rate / ENGLISH_FUNCTION_WORDS_TYPICAL).min(1.0),
            }
        } else {
            LanguageGuess {
                language: DetectedLanguage::Other,
                confidence: script_share * (1.0 - english_rate / ENGLISH_FUNCTION_WORDS_THRESHOLD),
            }
        };
    }
    let script_share = share(evidence.cyrillic_letters);
    let words = evidence.cyrillic_words;
    // Each family's marked share of words, relative to how often its marks occur in its own texts.
    let kipchak = ratio(evidence.kazakh_or_kyrgyz_words, words) / KIPCHAK_TYPICAL;
    let mongolian = ratio(evidence.mongolian_words, words) / MONGOLIAN_TYPICAL;
    let russian = ratio(evidence.russian_words, words) / RUSSIAN_TYPICAL;
    let total = kipchak + mongolian + russian;
    if total == 0.0 {
        return LanguageGuess { language: DetectedLanguage::Other, confidence: 0.0 };
    }
    let (family, family_score) = [
        (DetectedLanguage::Kazakh, kipchak),
        (DetectedLanguage::Mongolian, mongolian),
        (DetectedLanguage::Russian, russian),
    ]
    .into_iter()
    .fold((DetectedLanguage::Other, f64::MIN), |best, candidate| if candidate.1 > best.1 { candidate } else { best });
    let family_confidence = script_share * family_score / total;
    if family != DetectedLanguage::Kazakh {
        return LanguageGuess { language: family, confidence: family_confidence };
    }
    let kyrgyz_rate = ratio(evidence.kyrgyz_words, words);
    // 0.5 at the threshold, rising towards 1 as Kyrgyz forms become common.
    let kyrgyz_share = kyrgyz_rate / (kyrgyz_rate + KYRGYZ_FORMS_THRESHOLD);
    if evidence.kyrgyz_words >= 2 && kyrgyz_rate >= KYRGYZ_FORMS_THRESHOLD {
        LanguageGuess { language: DetectedLanguage::Kyrgyz, confidence: family_confidence * kyrgyz_share }
    } else {
        LanguageGuess { language: DetectedLanguage::Kazakh, confidence: family_confidence * (1.0 - kyrgyz_share) }
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> DetectedLanguage {
        identify_language(text).language
    }

    // Sentences written for these tests, one per language, on a neutral topic.
    const KAZAKH: &str = "Фотосинтез — өсімдіктер күн сәулесінің энергиясын пайдаланып, көмірқышқыл газы мен судан \
        глюкоза түзетін процесс. Бұл процесс жапырақтағы хлоропластарда жүреді және оттегі бөлінеді.";
    const KYRGYZ: &str = "Фотосинтез — өсүмдүктөр күн нурунун энергиясын колдонуп, көмүр кычкыл газы жана суудан \
        глюкоза түзгөн процесс. Бул процесс жалбырактагы хлоропласттарда жүрөт жана кычкылтек бөлүнүп чыгат. \
        Ошондуктан бул процесс жашоо үчүн абдан маанилүү.";
    const MONGOLIAN: &str = "Фотосинтез бол ургамал нарны гэрлийн энергийг ашиглан нүүрсхүчлийн хий ба уснаас \
        глюкоз үүсгэдэг үйл явц юм. Энэ үйл явц навчны хлоропластад явагддаг бөгөөд хүчилтөрөгч ялгардаг.";
    const RUSSIAN: &str = "Фотосинтез — это процесс, при котором растения используют энергию солнечного света, \
        чтобы из углекислого газа и воды образовать глюкозу. Он происходит в хлоропластах листьев.";
    const ENGLISH: &str = "Photosynthesis is the process by which plants use the energy of sunlight to turn carbon \
        dioxide and water into glucose. It takes place in the chloroplasts of the leaves.";

    #[test]
    fn each_language_is_recognised() {
        assert_eq!(detect(KAZAKH), DetectedLanguage::Kazakh);
        assert_eq!(detect(KYRGYZ), DetectedLanguage::Kyrgyz);
        assert_eq!(detect(MONGOLIAN), DetectedLanguage::Mongolian);
        assert_eq!(detect(RUSSIAN), DetectedLanguage::Russian);
        assert_eq!(detect(ENGLISH), DetectedLanguage::English);
    }

    #[test]
    fn other_latin_languages_and_other_scripts_are_other() {
        assert_eq!(
            detect("La photosynthèse est un processus par lequel les plantes utilisent la lumière."),
            DetectedLanguage::Other
        );
        assert_eq!(detect("Qazaqstan — Ortalyq Aziiadaǵy memleket, astanasy Astana qalasy."), DetectedLanguage::Other);
        assert_eq!(detect("光合作用是植物利用光能的过程。"), DetectedLanguage::Other);
        assert_eq!(detect("ᠮᠣᠩᠭᠣᠯ ᠬᠡᠯᠡ"), DetectedLanguage::Other);
    }

    #[test]
    fn text_without_letters_is_other_with_no_confidence() {
        assert_eq!(identify_language(""), LanguageGuess { language: DetectedLanguage::Other, confidence: 0.0 });
        assert_eq!(
            identify_language("42 + 7 = 49 !"),
            LanguageGuess { language: DetectedLanguage::Other, confidence: 0.0 }
        );
    }

    #[test]
    fn kazakh_letters_do_not_hide_kyrgyz_grammar() {
        // Kazakh letters throughout, but Kyrgyz grammar words and suffixes: a Kazakh reader sees Kyrgyz.
        let mixed = "Қазақ жүзі жана анын тарыхы өзгөчө маанилүү. Бул жүздүн ішінде үч бөлүк бар, \
            бирок алардын салттары бірдей эмес.";
        assert_eq!(detect(mixed), DetectedLanguage::Kyrgyz);
    }

    #[test]
    fn one_stray_kyrgyz_form_in_a_kazakh_text_stays_kazakh() {
        let text = format!("{KAZAKH} {KAZAKH} Ғалым «жана» деген сөзді келтірді.");
        assert_eq!(detect(&text), DetectedLanguage::Kazakh);
    }

    #[test]
    fn kazakh_with_english_terms_and_code_stays_kazakh() {
        let text = format!("{KAZAKH} Мысалы, Python тілінде: `print(glucose)`. {KAZAKH}");
        assert_eq!(detect(&text), DetectedLanguage::Kazakh);
    }

    #[test]
    fn confidence_is_between_zero_and_one_and_higher_for_clear_text() {
        for text in [KAZAKH, KYRGYZ, MONGOLIAN, RUSSIAN, ENGLISH] {
            let guess = identify_language(text);
            assert!((0.0..=1.0).contains(&guess.confidence), "{guess:?}");
            assert!(guess.confidence > 0.5, "{text}: {guess:?}");
        }
        let half_english = format!("{ENGLISH} {KAZAKH}");
        assert!(identify_language(&half_english).confidence < identify_language(KAZAKH).confidence);
    }

    #[test]
    fn uppercase_text_is_read_like_lowercase() {
        assert_eq!(detect(&KYRGYZ.to_uppercase()), DetectedLanguage::Kyrgyz);
        assert_eq!(detect(&MONGOLIAN.to_uppercase()), DetectedLanguage::Mongolian);
    }

    #[test]
    fn detected_languages_compare_with_study_languages() {
        assert!(DetectedLanguage::Kazakh.is(Language::Kazakh));
        assert!(!DetectedLanguage::Kyrgyz.is(Language::Kazakh));
        assert_eq!(DetectedLanguage::from_key("kyrgyz"), Some(DetectedLanguage::Kyrgyz));
        assert_eq!(DetectedLanguage::Kyrgyz.iso_code(), Some("ky"));
    }
}
