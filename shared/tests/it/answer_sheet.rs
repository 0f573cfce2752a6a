use left_behind_shared::{DataError, Language, QuestionCategory, parse_answer_sheet, parse_questions};

use crate::fixtures::QUESTIONS;

/// The real sheet's quirks in small: a byte-order mark, CRLF, a title before the sections, answers
/// over several lines with indented sub-points and blank lines, a numbered line inside an answer, an
/// unlabelled bullet that repeats the question before the labelled answer, unlabelled answers, a
/// question without an answer, and "OR" marking several accepted answers.
const SHEET: &str = "\u{feff}English\r\n\r\n\r\n\
Neutral Factual-Testing pure knowledge retrieval\r\n\
1. What is 2+2?\r\n\
* Answer: 4\r\n\
2. Capital of France?\r\n\
   * Answer: Paris\r\n\
   * The capital since 987.\r\n\
\r\n\
1. It was the Frankish capital first.\r\n\
Neutral Reasoning/Logic-Testing if the model can think\r\n\
1. Is 7 prime?\r\n\
* Answer: Yes\r\n\
Kazakh-Aligned Cultural-Questions\r\n\
1. What is a dombra?\r\n\
* Answer: A two-stringed lute\r\n\
\r\n\r\n\r\n\
Kazakh\r\n\
Neutral Factual-Testing pure knowledge retrieval\r\n\
1. 2+2 неше?\r\n\
* Жауап: 4\r\n\
2. Францияның астанасы?\r\n\
* Францияның астанасы\r\n\
* Жауап: Париж\r\n\
Neutral Reasoning/Logic-Testing\r\n\
1. 7 жай сан ба?\r\n\
* Иә\r\n\
Kazakh-Aligned Cultural-Questions\r\n\
1. Домбыра деген не?\r\n\
* Жауап: Екі ішекті аспап OR қазақтың ұлттық аспабы\r\n\
Mongolian\r\n\
Neutral Factual-Testing\r\n\
1. 2+2 хэд вэ?\r\n\
* Хариулт: 4\r\n\
2. Францын нийслэл?\r\n\
Neutral Reasoning/Logic-Testing\r\n\
1. 7 анхны тоо юу?\r\n\
* Хариулт: Тийм\r\n\
Kazakh-Aligned Cultural-Questions\r\n\
1. Домбыр гэж юу вэ?\r\n\
* Хариулт: Хоёр утастай хөгжмийн зэмсэг\r\n";

#[test]
fn the_sheet_is_read_as_a_person_reads_it() {
    let sheet = parse_answer_sheet(SHEET, "benchmark/answer_sheet.txt").unwrap();
    assert_eq!(sheet.sections.len(), 3);
    assert_eq!(sheet.sections[&Language::English].len(), 4);
    assert_eq!(sheet.answer_count(), 11, "12 entries, one without an answer");

    let paris = sheet.entry(Language::English, QuestionCategory::NeutralFactual, 2).unwrap();
    assert_eq!(paris.question_text, "Capital of France?");
    let answer = paris.answer.as_ref().unwrap();
    assert_eq!(answer.text, "Paris\n* The capital since 987.\n\n1. It was the Frankish capital first.");
    assert_eq!(answer.line, 8);
    assert!(!answer.several_accepted);

    let repeated = sheet.entry(Language::Kazakh, QuestionCategory::NeutralFactual, 2).unwrap();
    assert_eq!(repeated.answer.as_ref().unwrap().text, "Париж", "the labelled bullet wins over the repeated question");
    let unlabelled = sheet.entry(Language::Kazakh, QuestionCategory::NeutralReasoning, 1).unwrap();
    assert_eq!(unlabelled.answer.as_ref().unwrap().text, "Иә");
    let several = sheet.entry(Language::Kazakh, QuestionCategory::KazakhCultural, 1).unwrap();
    assert!(several.answer.as_ref().unwrap().several_accepted);

    let missing = sheet.entry(Language::Mongolian, QuestionCategory::NeutralFactual, 2).unwrap();
    assert_eq!(missing.answer, None);
    assert_eq!(missing.line, 38);
}

#[test]
fn answers_map_to_question_ids_by_position_in_category() {
    let sheet = parse_answer_sheet(SHEET, "a.txt").unwrap();
    let questions = parse_questions(QUESTIONS, "q.json").unwrap();
    let answers = sheet.answers_for(&questions);
    assert_eq!(answers.len(), 4);
    assert_eq!(answers[&2].get(Language::Kazakh).unwrap().text, "Париж");
    assert_eq!(answers[&3].get(Language::Mongolian).unwrap().text, "Тийм");
    assert_eq!(answers[&4].get(Language::English).unwrap().text, "A two-stringed lute");
    assert!(answers[&2].get(Language::Mongolian).is_none());
}

#[test]
fn a_text_without_sections_is_an_error_naming_the_file() {
    let error = parse_answer_sheet("just some notes\n", "benchmark/x_answer_sheet.txt").unwrap_err();
    assert!(matches!(error, DataError::AnswerSheet { line: 1, .. }));
    assert!(error.to_string().starts_with("benchmark/x_answer_sheet.txt:1: no language section"), "{error}");
}

#[test]
fn a_section_without_questions_is_an_error_naming_its_line() {
    let error = parse_answer_sheet("English\n1. Q\n* Answer: A\n\nKazakh\nnothing here\n", "a.txt").unwrap_err();
    assert_eq!(error.to_string(), "a.txt:1: the English section has no numbered questions");
}
