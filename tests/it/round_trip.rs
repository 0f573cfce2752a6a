//! Reading the study's files into our types and writing them back gives the same bytes: nothing is
//! lost, renamed or reformatted; and the system prompts `run` sends are the ones the study recorded.

use left_behind_e2e::study_dataset_or_skip;
use left_behind_shared::{
    Condition, Language, QuestionCategory, grades_to_csv, parse_answer_sheet, parse_grades, parse_questions,
    parse_results,
};

#[test]
fn results_files_round_trip_byte_for_byte() {
    let Some(dataset) = study_dataset_or_skip("results_files_round_trip_byte_for_byte") else { return };
    let mut files = 0;
    for condition in Condition::ALL {
        for entry in std::fs::read_dir(dataset.join("results").join(condition.directory())).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let results = parse_results(&text, &path.display().to_string()).unwrap();
            assert_eq!(results.responses.len(), 50, "{}", path.display());
            assert!(results.to_json() == text, "{} changes when rewritten", path.display());
            files += 1;
        }
    }
    assert_eq!(files, 40);
}

#[test]
fn system_prompts_are_the_studys_byte_for_byte() {
    let Some(dataset) = study_dataset_or_skip("system_prompts_are_the_studys_byte_for_byte") else { return };
    for condition in Condition::ALL {
        let directory = dataset.join("results").join(condition.directory());
        let mut checked = 0;
        for entry in std::fs::read_dir(&directory).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let results = parse_results(&text, &path.display().to_string()).unwrap();
            assert_eq!(
                results.system_prompt_used.as_deref(),
                condition.system_prompt(),
                "{} records a different system prompt",
                path.display()
            );
            assert_eq!(results.condition_description, condition.description());
            checked += 1;
        }
        assert!(checked > 0, "no results files in {}", directory.display());
    }
}

#[test]
fn grades_files_round_trip_byte_for_byte() {
    let Some(dataset) = study_dataset_or_skip("grades_files_round_trip_byte_for_byte") else { return };
    for condition in Condition::ALL {
        let path = dataset.join(format!("grades/{}.csv", condition.directory()));
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_grades(&text, condition, "g.csv").unwrap();
        assert!(parsed.problems.is_empty());
        assert_eq!(parsed.rows.len(), 400);
        assert!(grades_to_csv(&parsed.rows) == text, "{} changes when rewritten", path.display());
    }
}

#[test]
fn the_answer_sheet_gives_every_answer_it_has_in_three_languages() {
    let Some(dataset) = study_dataset_or_skip("the_answer_sheet_gives_every_answer_it_has_in_three_languages") else {
        return;
    };
    let sheet_path = std::fs::read_dir(dataset.join("benchmark"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.to_string_lossy().ends_with("answer_sheet.txt"))
        .unwrap();
    let sheet = parse_answer_sheet(&std::fs::read_to_string(&sheet_path).unwrap(), "sheet").unwrap();
    let questions =
        parse_questions(&std::fs::read_to_string(dataset.join("benchmark/questions.json")).unwrap(), "q").unwrap();
    for language in Language::ALL {
        assert_eq!(sheet.sections[&language].len(), 50, "{language}");
    }
    let answers = sheet.answers_for(&questions);
    assert_eq!(sheet.answer_count(), 149, "150 less the Mongolian khuushuur answer the sheet leaves out");
    // The sheet's English questions are the benchmark's questions.
    for question in &questions {
        let category_index =
            questions.iter().filter(|q| q.category == question.category && q.id <= question.id).count();
        let entry = sheet.entry(Language::English, question.category, category_index as u32).unwrap();
        assert_eq!(normalise(&entry.question_text), normalise(&question.english), "question {}", question.id);
    }
    // Spot checks of the sheet's quirks.
    assert_eq!(answers[&4].get(Language::English).unwrap().text, "10");
    assert_eq!(answers[&40].get(Language::Kazakh).unwrap().text, "Орта жүз", "an unlabelled answer");
    assert!(
        answers[&34].get(Language::Mongolian).unwrap().text.starts_with("Абай Кунанбайулы болсон"),
        "the repeated question is skipped"
    );
    assert!(answers[&39].get(Language::English).unwrap().several_accepted);
    assert!(answers[&39].get(Language::Kazakh).unwrap().several_accepted);
    assert!(answers[&39].get(Language::Mongolian).unwrap().several_accepted);
    let ger = &answers[&42].get(Language::English).unwrap().text;
    assert!(ger.contains("The Center (Golomt)") && ger.contains("ropes of animal hair"), "a multi-line answer: {ger}");
    assert!(answers[&49].get(Language::Mongolian).is_none());
    assert_eq!(questions.iter().filter(|q| q.category == QuestionCategory::MongolianCultural).count(), 10);
}

/// The sheet and questions.json differ in typography (curly quotes) and trailing spaces.
fn normalise(text: &str) -> String {
    text.replace(['’', '‘'], "'").replace(['“', '”'], "\"").trim().trim_end_matches(['?', '.']).to_lowercase()
}
