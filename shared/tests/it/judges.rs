//! Several judges: their files, names, the panel's median, the robustness table and self-preference,
//! on hand-made grades whose every expected number is worked out in the comments.

use left_behind_shared::{
    Condition, DataFileKind, GradedBy, JudgeName, JudgeNameError, JudgeRows, ModelRegistry, NotMeasured, STUDY_JUDGE,
    assemble, classify_path, judge_grades_path, judge_judgments_path, panel, robustness, robustness_table,
    self_preference, validate, verdicts,
};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file, results_json};

#[test]
fn judges_files_are_classified_and_names_that_are_not_one_directory_are_refused() {
    assert_eq!(
        classify_path("grades/judges/gpt_judge/C2_kazakh.csv"),
        DataFileKind::JudgeGrades { judge: "gpt_judge".to_owned(), condition: Condition::C2 }
    );
    assert_eq!(classify_path("grades/judges/gpt_judge/judgments/C2_kazakh.jsonl"), DataFileKind::Other);
    assert!(matches!(classify_path("grades/judges/gpt_judge/C9.csv"), DataFileKind::Misplaced { .. }));
    assert!(matches!(classify_path("grades/judges/panel/C1_english.csv"), DataFileKind::Misplaced { .. }));
    assert!(matches!(classify_path("grades/judges/../C1_english.csv"), DataFileKind::Misplaced { .. }));

    let name = JudgeName::new("gpt_judge").unwrap();
    assert_eq!(judge_grades_path(Some(&name), Condition::C5), "grades/judges/gpt_judge/C5_mongolian_transfer.csv");
    assert_eq!(judge_judgments_path(Some(&name), Condition::C1), "grades/judges/gpt_judge/judgments/C1_english.jsonl");
    assert_eq!(judge_grades_path(None, Condition::C1), "grades/C1_english.csv");
    assert_eq!(JudgeName::new("a/b"), Err(JudgeNameError::PathSeparator("a/b".into())));
    assert_eq!(JudgeName::new("a\\b"), Err(JudgeNameError::PathSeparator("a\\b".into())));
    assert_eq!(JudgeName::new(".."), Err(JudgeNameError::NotADirectoryName("..".into())));
    assert_eq!(JudgeName::new("panel"), Err(JudgeNameError::Reserved));
    assert_eq!(JudgeName::new(""), Err(JudgeNameError::Empty));

    assert_eq!(GradedBy::parse("panel", STUDY_JUDGE), Ok(GradedBy::Panel));
    assert_eq!(GradedBy::parse(STUDY_JUDGE, STUDY_JUDGE), Ok(GradedBy::StudyJudge));
    assert_eq!(GradedBy::parse("gpt_judge", STUDY_JUDGE), Ok(GradedBy::Judge(name.clone())));
    assert_eq!(GradedBy::Judge(name).to_query_string(), "judge=gpt_judge");
    assert_eq!(GradedBy::StudyJudge.to_query_string(), "");
}

fn grades(rows: &[(u32, &str, [i8; 3])]) -> String {
    let mut text = GRADES_HEADER.to_owned();
    for (question, model, [accuracy, fluency, completeness]) in rows {
        let category = match question {
            1 | 2 => "neutral_factual",
            3 => "neutral_reasoning",
            _ => "kazakh_cultural",
        };
        let total = if *accuracy < 0 { -1 } else { accuracy + fluency + completeness };
        text.push_str(&format!("{question},{category},{model},{accuracy},{fluency},{completeness},{total},1.5,2,n\n"));
    }
    text
}

/// C1 and C2, questions 1 and 2, claude_opus_4.5 and gpt_5.2. The study's judge gives 2/2/2
/// everywhere in C1 and 1/1/1 in C2; judge_a 2/1/0 in C1 and 0/0/0 in C2 (its grading of gpt_5.2's
/// question 2 in C2 failed); judge_b 1/2/2 in C1 and, in C2, 2/2/2 to claude_opus_4.5, 0/1/1 to gpt_5.2.
fn three_judges() -> left_behind_shared::LoadedDataset {
    let mut files = vec![file("benchmark/questions.json", QUESTIONS)];
    let models = ["claude_opus_4.5", "gpt_5.2"];
    for (condition, directory) in [(Condition::C1, "C1_english"), (Condition::C2, "C2_kazakh")] {
        for model in models {
            files.push(file(&format!("results/{directory}/{model}.json"), &results_json(condition, model, &[1, 2])));
        }
        let rows = |scores: &dyn Fn(u32, &str) -> [i8; 3]| {
            let rows: Vec<(u32, &str, [i8; 3])> =
                [1, 2].into_iter().flat_map(|q| models.map(|m| (q, m, scores(q, m)))).collect();
            grades(&rows)
        };
        let c1 = condition == Condition::C1;
        files.push(file(&format!("grades/{directory}.csv"), &rows(&|_, _| if c1 { [2, 2, 2] } else { [1, 1, 1] })));
        files.push(file(
            &format!("grades/judges/judge_a/{directory}.csv"),
            &rows(&|q, m| match (c1, q, m) {
                (true, ..) => [2, 1, 0],
                (false, 2, "gpt_5.2") => [-1, -1, -1],
                _ => [0, 0, 0],
            }),
        ));
        files.push(file(
            &format!("grades/judges/judge_b/{directory}.csv"),
            &rows(&|_, m| match (c1, m) {
                (true, _) => [1, 2, 2],
                (false, "claude_opus_4.5") => [2, 2, 2],
                _ => [0, 1, 1],
            }),
        ));
    }
    assemble(&files)
}

#[test]
fn every_judge_loads_apart_and_is_validated_like_the_studys() {
    let loaded = three_judges();
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let dataset = &loaded.dataset;
    assert_eq!(dataset.grades.len(), 8);
    assert_eq!(dataset.judge_names(), ["judge_a", "judge_b"]);
    assert_eq!(dataset.judge_grades("judge_a").unwrap().graded_conditions, [Condition::C1, Condition::C2]);
    let name = |text: &str| GradedBy::Judge(JudgeName::new(text).unwrap());
    assert_eq!(dataset.graders(), [GradedBy::StudyJudge, name("judge_a"), name("judge_b"), GradedBy::Panel]);
    let problems: Vec<String> = validate(dataset, &ModelRegistry::study()).iter().map(ToString::to_string).collect();
    assert!(
        problems.contains(&"warning: grades/judges/judge_a/C2_kazakh.csv: 1 grading failed (-1 scores); they are counted and left out of every mean".to_owned()),
        "{problems:#?}"
    );
}

#[test]
fn the_panel_takes_the_median_of_the_judges_that_graded_each_response() {
    let loaded = three_judges();
    let dataset = &loaded.dataset;
    let registry = ModelRegistry::study();
    let panel = panel(dataset, STUDY_JUDGE, &registry);
    assert_eq!(panel.members, [STUDY_JUDGE, "judge_a", "judge_b"]);
    assert_eq!(panel.rows.len(), 8);
    let scores = |condition: Condition, question: u32, model: &str| {
        let row = panel
            .rows
            .iter()
            .find(|row| row.condition == condition && row.question_id == question && row.model == model)
            .unwrap();
        let scores = row.scores().unwrap();
        ([scores.accuracy, scores.fluency, scores.completeness], row.notes.clone())
    };
    // C1: (2,2,2), (2,1,0), (1,2,2) -> accuracy median(2,2,1) = 2, fluency median(2,1,2) = 2,
    // completeness median(2,0,2) = 2.
    assert_eq!(scores(Condition::C1, 1, "gpt_5.2"), ([2, 2, 2], "median of 3 judges".to_owned()));
    // C2 opus: (1,1,1), (0,0,0), (2,2,2) -> (1,1,1).
    assert_eq!(scores(Condition::C2, 1, "claude_opus_4.5").0, [1, 1, 1]);
    // C2 gpt question 1: (1,1,1), (0,0,0), (0,1,1) -> (0,1,1).
    assert_eq!(scores(Condition::C2, 1, "gpt_5.2").0, [0, 1, 1]);
    // C2 gpt question 2: judge_a failed, so two judges: (1,1,1), (0,1,1) -> the lower middle: (0,1,1).
    assert_eq!(scores(Condition::C2, 2, "gpt_5.2"), ([0, 1, 1], "median of 2 judges".to_owned()));
    // Rows in a grades file's order: condition, question, registry model order.
    let keys: Vec<(Condition, u32, &str)> =
        panel.rows.iter().map(|row| (row.condition, row.question_id, row.model.as_str())).collect();
    assert_eq!(keys[..2], [(Condition::C1, 1, "claude_opus_4.5"), (Condition::C1, 1, "gpt_5.2")]);

    // The panel's dataset view is what every table is computed on.
    let view = dataset.graded_by(&GradedBy::Panel, STUDY_JUDGE, &registry).unwrap();
    assert_eq!(view.grades, panel.rows);
    assert_eq!(view.graded_conditions, [Condition::C1, Condition::C2]);
    let judge_a = dataset.graded_by(&GradedBy::Judge(JudgeName::new("judge_a").unwrap()), STUDY_JUDGE, &registry);
    assert_eq!(judge_a.unwrap().grades, dataset.judge_grades("judge_a").unwrap().rows);
    assert!(dataset.graded_by(&GradedBy::Judge(JudgeName::new("nobody").unwrap()), STUDY_JUDGE, &registry).is_none());

    // One response's verdicts: each judge's, then the panel's.
    let all = verdicts(dataset, Condition::C2, "gpt_5.2", 2, STUDY_JUDGE);
    let judges: Vec<&str> = all.iter().map(|verdict| verdict.judge.as_str()).collect();
    assert_eq!(judges, [STUDY_JUDGE, "judge_a", "judge_b", "panel"]);
    assert!(all[1].grade.as_ref().unwrap().is_failed());
}

#[test]
fn robustness_compares_every_measure_and_conclusion_across_judges() {
    let loaded = three_judges();
    let robustness = robustness(&loaded.dataset, STUDY_JUDGE, &ModelRegistry::study());
    let judges: Vec<&str> = robustness.columns.iter().map(|column| column.judge.as_str()).collect();
    assert_eq!(judges, [STUDY_JUDGE, "judge_a", "judge_b", "panel"]);
    // Kazakh gap C2 - C1 in points: study 50 - 100 = -50; judge_a 0 - 50 = -50 (its failure left out);
    // judge_b (6 + 6 + 2 + 2) / 4 / 6 = 66.7 - 83.3 = -16.7; panel C1 all 6 = 100, C2 (3+3+2+2)/4/6 = 41.7.
    let gaps: Vec<f64> = robustness.columns.iter().map(|column| column.contrasts[0].estimate_pp.unwrap()).collect();
    let expected = [-50.0, -50.0, 400.0 / 6.0 - 500.0 / 6.0, 2.5 / 6.0 * 100.0 - 100.0];
    for (gap, expected) in gaps.iter().zip(expected) {
        assert!((gap - expected).abs() < 1e-9, "{gaps:?}");
    }
    let lines: Vec<String> = robustness.conclusions.iter().map(|check| check.line()).collect();
    assert_eq!(lines[0], "English beats Kazakh: all judges agree");
    assert_eq!(lines[2], "Translation helps Kazakh: no judge graded both conditions");
    let table = robustness_table(&robustness);
    assert_eq!(table.headers, ["Measure", STUDY_JUDGE, "judge_a", "judge_b", "panel"]);
    assert_eq!(table.groups[0].len(), 2, "a total row per graded condition");
    assert_eq!(table.groups[1].len(), 4, "a row per contrast");
}

#[test]
fn self_preference_is_the_judges_mean_minus_the_others_on_its_familys_responses() {
    let loaded = three_judges();
    let dataset = &loaded.dataset;
    let registry = ModelRegistry::study();
    let families = [("anthropic", STUDY_JUDGE), ("openai", "judge_a")];
    let rows: Vec<JudgeRows<'_>> = dataset
        .judges_rows(STUDY_JUDGE)
        .into_iter()
        .map(|(judge, rows)| JudgeRows {
            judge,
            family: families.iter().find(|(_, name)| *name == judge).map(|(family, _)| *family),
            rows,
        })
        .collect();
    let preferences = self_preference(&rows, &registry);
    // The study's judge (anthropic) on claude_opus_4.5's 4 responses: C1 6 against (3 + 5) / 2 = 4,
    // twice; C2 3 against (0 + 6) / 2 = 3, twice: 75% against 58.3%, +16.7 points.
    let study = preferences[0].own_family.as_ref().unwrap();
    assert_eq!((study.responses, study.questions), (4, 2));
    assert!((study.judge_pct - 75.0).abs() < 1e-9);
    assert!((study.others_pct - 3.5 / 6.0 * 100.0).abs() < 1e-9);
    assert!((study.difference_pp - 1.0 / 6.0 * 100.0).abs() < 1e-9);
    // judge_a (openai) on gpt_5.2's responses, its failed one left out: C1 3 against (6 + 5) / 2,
    // twice; C2 question 1: 0 against (3 + 2) / 2. Judge 6 / 3 / 6 = 33.3%, others 13.5 / 3 / 6 = 75%.
    let judge_a = preferences[1].own_family.as_ref().unwrap();
    assert_eq!(judge_a.responses, 3);
    assert!((judge_a.difference_pp - (2.0 / 6.0 - 4.5 / 6.0) * 100.0).abs() < 1e-9);
    // judge_b names no family.
    assert_eq!(preferences[2].not_measured, Some(NotMeasured::UnknownFamily));
}
