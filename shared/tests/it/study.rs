//! Opening a study: files and settings in, one value out; the registry the settings carry decides how
//! a model is named and grouped, and a manifest carries those settings to the site.

use left_behind_shared::{
    Condition, ManifestFile, ModelCategory, ModelInfo, ModelRegistry, Problem, SiteManifest, StudyFiles, StudySettings,
    compute_report, open_study, parse_manifest, study_judge,
};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file, results_json};

fn files_with(model: &str) -> StudyFiles {
    StudyFiles {
        files: vec![
            file("benchmark/questions.json", QUESTIONS),
            file(&format!("results/C1_english/{model}.json"), &results_json(Condition::C1, model, &[1, 2])),
            file(
                "grades/C1_english.csv",
                &format!(
                    "{GRADES_HEADER}1,neutral_factual,{model},2,2,2,6,1.0,1,\n2,neutral_factual,{model},1,1,1,3,1.0,1,\n"
                ),
            ),
        ],
        unreadable: Vec::new(),
    }
}

fn my_model() -> ModelInfo {
    ModelInfo {
        name: "my_model".to_owned(),
        display_name: "My Model".to_owned(),
        api_model_id: "my-model".to_owned(),
        provider: "openai-compatible".to_owned(),
        provider_route: None,
        category: ModelCategory::Bilingual,
        family: None,
    }
}

#[test]
fn the_study_settings_are_the_study_registry_and_its_judge() {
    let settings = StudySettings::default();
    assert_eq!(settings.registry, ModelRegistry::study());
    assert_eq!(settings.judge.name, "claude_sonnet_4.5");
    assert_eq!(settings.judge, study_judge());
}

#[test]
fn a_configured_model_is_grouped_by_its_configured_category() {
    let files = files_with("my_model");
    let unconfigured = open_study(&files, &StudySettings::study());
    assert_eq!(unconfigured.registry.category_of("my_model"), ModelCategory::Unassigned);

    let mut settings = StudySettings::study();
    settings.registry.insert(my_model());
    let study = open_study(&files, &settings);
    assert_eq!(study.registry.category_of("my_model"), ModelCategory::Bilingual);
    assert_eq!(study.registry.display_name("my_model"), "My Model");
    let report = compute_report(&study.dataset.grades, &study.registry);
    let categories: Vec<ModelCategory> = report.model_categories.iter().map(|summary| summary.category).collect();
    assert_eq!(categories, [ModelCategory::Bilingual]);
}

#[test]
fn problems_come_in_order_unreadable_then_unparsable_then_cross_file() {
    let mut files = files_with("gpt_5.2");
    files.unreadable.push(Problem::error("results/C2_kazakh/gpt_5.2.json", "cannot read the file: denied"));
    files.files.push(file("grades/C4_mongolian.csv", "question_id\n"));
    let study = open_study(&files, &StudySettings::study());
    let messages: Vec<String> = study.problems.iter().map(ToString::to_string).collect();
    assert_eq!(messages[0], "error: results/C2_kazakh/gpt_5.2.json: cannot read the file: denied");
    assert!(messages[1].starts_with("error: grades/C4_mongolian.csv:1: missing column"), "{messages:#?}");
    assert!(
        messages.contains(&"warning: benchmark/: no answer sheet (benchmark/*answer_sheet.txt)".to_owned()),
        "{messages:#?}"
    );
    assert_eq!(study.error_count(), 2);
    assert_eq!(study.warning_count(), messages.len() - 2);
    assert!(!study.is_usable());
    assert!(open_study(&files_with("gpt_5.2"), &StudySettings::study()).is_usable());
}

#[test]
fn a_manifest_carries_the_settings_and_an_old_one_means_the_study() {
    let mut settings = StudySettings::study();
    settings.registry.insert(my_model());
    let manifest = SiteManifest {
        files: vec![ManifestFile { path: "grades/C1_english.csv".into(), size: 3, sha256: "ab".repeat(32) }],
        study: settings.clone(),
    };
    assert_eq!(parse_manifest(&manifest.to_json(), "manifest.json").unwrap(), manifest);

    let old = r#"{"files": [{"path": "grades/C1_english.csv", "size": 3, "sha256": "00"}]}"#;
    assert_eq!(parse_manifest(old, "manifest.json").unwrap().study, StudySettings::study());
}

#[test]
fn a_malformed_hash_never_splits_a_character_in_the_url() {
    let file = ManifestFile { path: "x".into(), size: 0, sha256: "ж".repeat(20) };
    assert_eq!(file.version_tag(), "ж".repeat(16));
    let short = ManifestFile { path: "x".into(), size: 0, sha256: "é".into() };
    assert_eq!(short.version_tag(), "é");
}
