//! Assembling a dataset from files and validating it across files.

use left_behind_shared::{Condition, DataFileKind, ModelRegistry, Severity, assemble, classify_path, validate};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file, results_json};

#[test]
fn paths_are_classified_by_the_layout() {
    assert_eq!(classify_path("benchmark/questions.json"), DataFileKind::Questions);
    assert_eq!(classify_path("benchmark/X_answer_sheet.txt"), DataFileKind::AnswerSheet);
    assert_eq!(
        classify_path("results/C3_kazakh_transfer/gpt_5.2.json"),
        DataFileKind::Results { condition: Condition::C3, model: "gpt_5.2".to_owned() }
    );
    assert_eq!(classify_path("grades/C4_mongolian.csv"), DataFileKind::Grades { condition: Condition::C4 });
    assert!(matches!(classify_path("results/C9_klingon/m.json"), DataFileKind::Misplaced { .. }));
    assert_eq!(classify_path("grades/judgments/C1_english.jsonl"), DataFileKind::Other);
    assert_eq!(classify_path("results/README.md"), DataFileKind::Other);
}

fn complete_files() -> Vec<left_behind_shared::DataFile> {
    vec![
        file("benchmark/questions.json", QUESTIONS),
        file("results/C1_english/gpt_5.2.json", &results_json(Condition::C1, "gpt_5.2", &[1, 2, 3, 4])),
        file(
            "grades/C1_english.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,1.0,1,\n2,neutral_factual,gpt_5.2,2,2,2,6,1.0,1,\n\
                 3,neutral_reasoning,gpt_5.2,2,2,2,6,1.0,1,\n4,kazakh_cultural,gpt_5.2,2,2,2,6,1.0,1,\n"
            ),
        ),
    ]
}

#[test]
fn a_complete_dataset_has_only_the_missing_answer_sheet_to_say() {
    let loaded = assemble(&complete_files());
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let problems = validate(&loaded.dataset, &ModelRegistry::study());
    let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages, ["warning: benchmark/: no answer sheet (benchmark/*answer_sheet.txt)"]);
    assert_eq!(loaded.dataset.graded_conditions, [Condition::C1]);
}

#[test]
fn one_broken_file_does_not_hide_the_others() {
    let mut files = complete_files();
    files.push(file("results/C2_kazakh/gpt_5.2.json", "{\"model\": \"gpt_5.2\", \"respon"));
    files.push(file("grades/C2_kazakh.csv", "question_id,model\n1,gpt_5.2\n"));
    files.push(left_behind_shared::DataFile {
        path: "grades/C3_kazakh_transfer.csv".into(),
        bytes: vec![0xff, 0xfe, b'a'],
    });
    let loaded = assemble(&files);
    let messages: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[0].starts_with("error: grades/C2_kazakh.csv:1: missing column `category`"), "{}", messages[0]);
    assert_eq!(messages[1], "error: grades/C3_kazakh_transfer.csv: not UTF-8 text (invalid byte at offset 0)");
    assert!(messages[2].starts_with("error: results/C2_kazakh/gpt_5.2.json:1:"), "{}", messages[2]);
    assert_eq!(loaded.dataset.results.len(), 1);
    assert_eq!(loaded.dataset.grades.len(), 4);
}

#[test]
fn a_file_in_the_wrong_place_is_refused() {
    let loaded = assemble(&[file("results/C2_kazakh/gpt_5.2.json", &results_json(Condition::C1, "gpt_5.2", &[1]))]);
    assert_eq!(loaded.dataset.results.len(), 0);
    assert_eq!(loaded.problems[0].field.as_deref(), Some("condition"));
    let renamed = assemble(&[file("results/C1_english/other.json", &results_json(Condition::C1, "gpt_5.2", &[1]))]);
    assert_eq!(renamed.problems[0].field.as_deref(), Some("model"));
}

#[test]
fn validation_finds_duplicates_gaps_and_orphans() {
    let files = vec![
        file("benchmark/questions.json", QUESTIONS),
        // Question 2 twice, question 9 unknown, questions 3 and 4 missing.
        file("results/C2_kazakh/qwen3.json", &results_json(Condition::C2, "qwen3", &[1, 2, 2, 9])),
        // An unregistered model, answering everything.
        file("results/C2_kazakh/my_model.json", &results_json(Condition::C2, "my_model", &[1, 2, 3, 4])),
        file(
            "grades/C2_kazakh.csv",
            &format!(
                "{GRADES_HEADER}\
                 1,neutral_factual,qwen3,2,2,2,6,1.0,1,\n\
                 1,neutral_factual,qwen3,1,1,1,3,1.0,1,\n\
                 4,kazakh_cultural,qwen3,2,2,2,6,1.0,1,\n\
                 1,neutral_factual,ghost,2,2,2,6,1.0,1,\n\
                 2,neutral_factual,my_model,-1,-1,-1,-1,1.0,1,\n"
            ),
        ),
    ];
    let loaded = assemble(&files);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let problems = validate(&loaded.dataset, &ModelRegistry::study());
    let errors: Vec<String> =
        problems.iter().filter(|p| p.severity == Severity::Error).map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "error: results/C2_kazakh/qwen3.json: field `responses[2].question_id`: question 2 is answered more than once",
            "error: results/C2_kazakh/qwen3.json: field `responses[3].question_id`: question 9 is not in benchmark/questions.json",
            "error: grades/C2_kazakh.csv:3: qwen3 question 1 is graded twice (first on line 2)",
        ]
    );
    let warnings: Vec<String> =
        problems.iter().filter(|p| p.severity == Severity::Warning).map(ToString::to_string).collect();
    let expected = [
        "warning: results/C2_kazakh/qwen3.json: 2 of 4 questions have no response: 3-4",
        "warning: results/: model \"my_model\" is not in the model registry; it is reported as unassigned",
        "warning: grades/C2_kazakh.csv:4: qwen3 question 4 is graded but has no response",
        "warning: grades/C2_kazakh.csv: ghost is graded but results/C2_kazakh/ghost.json does not exist",
        "warning: grades/C2_kazakh.csv: 1 grading failed (-1 scores); they are counted and left out of every mean",
        "warning: grades/C2_kazakh.csv: my_model has 3 responses without a grade: questions 1, 3-4",
        "warning: grades/C2_kazakh.csv: qwen3 has 2 responses without a grade: questions 2, 9",
    ];
    for line in expected {
        assert!(warnings.iter().any(|warning| warning == line), "missing {line:?} in {warnings:#?}");
    }
}
