//! The plain-text answer sheet (`benchmark/*answer_sheet.txt`): the reference answers in English,
//! Kazakh and Mongolian.
//!
//! The sheet is a hand-written document, so the parser reads it the way a person does:
//! a language heading (`English`), category headings (`Neutral Factual-Testing ...`), numbered
//! questions (`3. What is ...`), and under each a bullet with the answer (`* Answer: ...`,
//! `* Жауап: ...`, `* Хариулт: ...`) that may run over several lines. Where a question has no
//! labelled bullet, its first bullet is the answer. Where the sheet gives no answer at all, the entry
//! says so ([`SheetEntry::answer`] is `None`) instead of inventing one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{DataError, Language, Question, QuestionCategory};

/// A reference answer as the sheet gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReferenceAnswer {
    /// The answer, its lines joined with `\n`, the label (`Answer:`) removed.
    pub text: String,
    /// The sheet marks this question as accepting several answers ("either ... or", "OR").
    pub several_accepted: bool,
    /// The line the answer starts on (1-based).
    pub line: usize,
}

/// One numbered question of one language section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SheetEntry {
    pub category: QuestionCategory,
    /// The question's number within its category (1-based).
    pub number: u32,
    pub question_text: String,
    pub answer: Option<ReferenceAnswer>,
    /// The line of the question (1-based).
    pub line: usize,
}

/// The whole answer sheet: for each language, its entries in sheet order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AnswerSheet {
    /// The sheet's path relative to the dataset root, for messages.
    pub file: String,
    pub sections: BTreeMap<Language, Vec<SheetEntry>>,
}

/// The reference answers of one question in the three languages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ReferenceAnswers {
    pub english: Option<ReferenceAnswer>,
    pub kazakh: Option<ReferenceAnswer>,
    pub mongolian: Option<ReferenceAnswer>,
}

impl ReferenceAnswers {
    pub fn get(&self, language: Language) -> Option<&ReferenceAnswer> {
        match language {
            Language::English => self.english.as_ref(),
            Language::Kazakh => self.kazakh.as_ref(),
            Language::Mongolian => self.mongolian.as_ref(),
        }
    }

    fn slot(&mut self, language: Language) -> &mut Option<ReferenceAnswer> {
        match language {
            Language::English => &mut self.english,
            Language::Kazakh => &mut self.kazakh,
            Language::Mongolian => &mut self.mongolian,
        }
    }
}

impl AnswerSheet {
    /// The entry for the `number`-th question of `category` in `language`.
    pub fn entry(&self, language: Language, category: QuestionCategory, number: u32) -> Option<&SheetEntry> {
        self.sections.get(&language)?.iter().find(|entry| entry.category == category && entry.number == number)
    }

    /// How many answers the sheet gives, over all languages.
    pub fn answer_count(&self) -> usize {
        self.sections.values().flatten().filter(|entry| entry.answer.is_some()).count()
    }

    /// The reference answers of each question, by question id. The sheet numbers questions within
    /// their category, so the `n`-th question of a category (in id order) is entry `n` of that category.
    pub fn answers_for(&self, questions: &[Question]) -> BTreeMap<u32, ReferenceAnswers> {
        let mut by_id = BTreeMap::new();
        for category in QuestionCategory::ALL {
            let mut in_category: Vec<&Question> = questions.iter().filter(|q| q.category == category).collect();
            in_category.sort_by_key(|question| question.id);
            for (index, question) in in_category.into_iter().enumerate() {
                let mut answers = ReferenceAnswers::default();
                for language in Language::ALL {
                    *answers.slot(language) =
                        self.entry(language, category, index as u32 + 1).and_then(|entry| entry.answer.clone());
                }
                by_id.insert(question.id, answers);
            }
        }
        by_id
    }
}

/// The labels that open an answer bullet, per language (compared case-insensitively).
const ANSWER_LABELS: [&str; 3] = ["answer:", "жауап:", "хариулт:"];

/// Phrases by which the sheet says that more than one answer is right.
const SEVERAL_ACCEPTED_MARKERS: [&str; 4] = [" OR ", "either", "IS ALSO ACCEPTABLE", "Can be answered as"];

/// Parses the answer sheet. `file` is the path shown in error messages.
pub fn parse_answer_sheet(text: &str, file: &str) -> Result<AnswerSheet, DataError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = SheetParser::default();
    for (index, raw_line) in text.split('\n').enumerate() {
        parser.line(index + 1, raw_line.trim_end_matches('\r'));
    }
    parser.finish_entry();
    parser.sheet.file = file.to_owned();
    if parser.sheet.sections.is_empty() {
        return Err(DataError::AnswerSheet {
            file: file.to_owned(),
            line: 1,
            message: "no language section found (expected a line reading English, Kazakh or Mongolian)".to_owned(),
        });
    }
    for (language, entries) in &parser.sheet.sections {
        if entries.is_empty() {
            return Err(DataError::AnswerSheet {
                file: file.to_owned(),
                line: parser.section_lines[language],
                message: format!("the {language} section has no numbered questions"),
            });
        }
    }
    Ok(parser.sheet)
}

/// An answer being collected: its lines so far, and whether it carried an answer label.
#[derive(Debug)]
struct PendingAnswer {
    lines: Vec<String>,
    labelled: bool,
    line: usize,
    /// A blank line was seen; it becomes a paragraph break if the answer goes on.
    pending_blank: bool,
}

#[derive(Debug, Default)]
struct SheetParser {
    sheet: AnswerSheet,
    section_lines: BTreeMap<Language, usize>,
    language: Option<Language>,
    category: Option<QuestionCategory>,
    entry: Option<SheetEntry>,
    answer: Option<PendingAnswer>,
}

impl SheetParser {
    fn line(&mut self, number: usize, line: &str) {
        let trimmed = line.trim();
        if let Some(language) = Language::ALL.into_iter().find(|l| trimmed.eq_ignore_ascii_case(l.display_name())) {
            self.finish_entry();
            self.language = Some(language);
            self.category = None;
            self.sheet.sections.entry(language).or_default();
            self.section_lines.insert(language, number);
            return;
        }
        if self.language.is_none() {
            return;
        }
        if let Some(category) = category_heading(trimmed) {
            self.finish_entry();
            self.category = Some(category);
            return;
        }
        let Some(category) = self.category else { return };
        if let Some((question_number, question_text)) = self.question_line(line) {
            self.finish_entry();
            self.entry = Some(SheetEntry {
                category,
                number: question_number,
                question_text: question_text.to_owned(),
                answer: None,
                line: number,
            });
            return;
        }
        let Some(entry) = self.entry.as_mut() else { return };
        if trimmed.is_empty() {
            if let Some(answer) = self.answer.as_mut() {
                answer.pending_blank = true;
            }
            return;
        }
        if let Some(bullet) = trimmed.strip_prefix('*').map(str::trim) {
            if let Some(answer_text) = strip_answer_label(bullet) {
                // A labelled bullet is the answer, even after an unlabelled bullet (which the sheet
                // uses to repeat the question) and unless a labelled answer is already open, where it
                // is a sub-point of that answer.
                if !self.answer.as_ref().is_some_and(|answer| answer.labelled) {
                    self.answer = Some(PendingAnswer {
                        lines: vec![answer_text.to_owned()],
                        labelled: true,
                        line: number,
                        pending_blank: false,
                    });
                    return;
                }
            } else if self.answer.is_none() {
                self.answer = Some(PendingAnswer {
                    lines: vec![bullet.to_owned()],
                    labelled: false,
                    line: number,
                    pending_blank: false,
                });
                return;
            }
        }
        match self.answer.as_mut() {
            Some(answer) => {
                if std::mem::take(&mut answer.pending_blank) {
                    answer.lines.push(String::new());
                }
                answer.lines.push(trimmed.to_owned());
            }
            // Text under a question before any bullet continues the question.
            None => {
                entry.question_text.push(' ');
                entry.question_text.push_str(trimmed);
            }
        }
    }

    /// `7. Which US state ...` at the start of a line, numbered one after the previous question of the
    /// category (so a numbered line inside an answer is not taken for a question).
    fn question_line<'a>(&self, line: &'a str) -> Option<(u32, &'a str)> {
        let digits_end = line.find(|c: char| !c.is_ascii_digit())?;
        if digits_end == 0 || !line[digits_end..].starts_with('.') {
            return None;
        }
        let number: u32 = line[..digits_end].parse().ok()?;
        let expected = self
            .entry
            .as_ref()
            .filter(|entry| Some(entry.category) == self.category)
            .map_or(1, |entry| entry.number + 1);
        (number == expected).then(|| (number, line[digits_end + 1..].trim()))
    }

    fn finish_entry(&mut self) {
        let answer = self.answer.take();
        let Some(mut entry) = self.entry.take() else { return };
        if let Some(answer) = answer {
            let text = answer.lines.join("\n").trim().to_owned();
            if !text.is_empty() {
                let several_accepted = SEVERAL_ACCEPTED_MARKERS.iter().any(|marker| text.contains(marker));
                entry.answer = Some(ReferenceAnswer { text, several_accepted, line: answer.line });
            }
        }
        let language = self.language.expect("entries only exist inside a language section");
        self.sheet.sections.entry(language).or_default().push(entry);
    }
}

/// `Neutral Reasoning/Logic-Testing if ...` names the category; the text after the name is free.
fn category_heading(line: &str) -> Option<QuestionCategory> {
    QuestionCategory::ALL.into_iter().find(|category| {
        line.strip_prefix(category.display_name())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', ':', ' ', '–', '—']))
    })
}

/// The answer text after an `Answer:` label, if the bullet starts with one.
fn strip_answer_label(bullet: &str) -> Option<&str> {
    ANSWER_LABELS.iter().find_map(|label| {
        let prefix = bullet.get(..label.len())?;
        (prefix.to_lowercase() == *label).then(|| bullet[label.len()..].trim())
    })
}
