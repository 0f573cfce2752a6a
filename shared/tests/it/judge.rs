//! The judge's prompt over a small hand-made answer sheet (snapshot), with question ids matched to
//! the sheet's per-category numbering.

use left_behind_shared::{RUBRIC_CRITERIA, judge_system_prompt, parse_answer_sheet, parse_questions};

use crate::fixtures::QUESTIONS;

const SHEET: &str = "English\n\
Neutral Factual-Testing pure knowledge retrieval\n\
1. What is 2+2?\n\
* Answer: 4\n\
2. Capital of France?\n\
* Answer: Paris, or Lutetia in antiquity\n\
Neutral Reasoning/Logic-Testing\n\
1. Is 7 prime?\n\
* Answer: Yes\n\
  because it has no divisor but 1 and itself\n\
Kazakh-Aligned Cultural-Questions\n\
1. What is a dombra?\n\
* Answer: A two-stringed lute OR the national instrument\n\
Kazakh\n\
Neutral Factual-Testing\n\
1. 2+2 неше?\n\
* Жауап: 4\n\
2. Францияның астанасы?\n\
Mongolian\n\
Kazakh-Aligned Cultural\n\
1. Домбыр гэж юу вэ?\n\
* Хариулт: Хоёр утастай хөгжмийн зэмсэг\n";

#[test]
fn the_system_prompt_holds_the_rubric_and_the_whole_sheet_by_question_id() {
    let sheet = parse_answer_sheet(SHEET, "benchmark/answer_sheet.txt").unwrap();
    let questions = parse_questions(QUESTIONS, "benchmark/questions.json").unwrap();
    let prompt = judge_system_prompt(&sheet, &questions);
    // Question 3 is the first reasoning question and 4 the first Kazakh cultural one.
    assert!(prompt.contains("Q3. Is 7 prime?\n   Answer: Yes\n   because it has no divisor"), "{prompt}");
    assert!(prompt.contains("Q4. What is a dombra?\n   Answer: A two-stringed lute OR the national instrument\n   (several answers are accepted)\n"));
    assert!(prompt.contains("Q2. Францияның астанасы?\n   Answer: (not given in this language)\n"));
    insta::assert_snapshot!(prompt);
}

#[test]
fn the_rubric_reviewers_see_is_the_judges_word_for_word() {
    let sheet = parse_answer_sheet(SHEET, "benchmark/answer_sheet.txt").unwrap();
    let questions = parse_questions(QUESTIONS, "benchmark/questions.json").unwrap();
    let prompt = judge_system_prompt(&sheet, &questions);
    for criterion in RUBRIC_CRITERIA {
        let mut block = format!("{} ({})\n", criterion.name, criterion.asks);
        for (score, level) in criterion.levels.iter().enumerate() {
            block.push_str(&format!("  {score} = {level}\n"));
        }
        assert!(prompt.contains(&block), "{block}");
    }
}
