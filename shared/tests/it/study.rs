//! Opening a study: files and settings in, one value out; the registry the settings carry decides how
//! a model is named and grouped, and a manifest carries those settings to the site.

use left_behind_shared::{
    Condition, ManifestFile, ModelCategory, ModelInfo, ModelRegistry, Problem, ProviderKind, SiteManifest, StudyFiles,
    StudySettings, compute_report, open_partial_study, open_study, parse_manifest, study_judge,
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
        provider: ProviderKind::OpenAiCompatible,
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
fn a_manifest_names_providers_as_configuration_files_do_and_refuses_an_unknown_one() {
    let mut settings = StudySettings::study();
    settings.registry.insert(my_model());
    let manifest = SiteManifest { files: Vec::new(), study: settings };
    let json: serde_json::Value = serde_json::from_str(&manifest.to_json()).unwrap();
    let providers: Vec<&str> = json["study"]["registry"]["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["provider"].as_str().unwrap())
        .collect();
    assert_eq!(
        providers,
        [
            "anthropic",
            "openai",
            "google",
            "xai",
            "huggingface",
            "huggingface",
            "huggingface",
            "huggingface",
            "openai-compatible"
        ]
    );
    assert_eq!(json["study"]["judge"]["provider"], "anthropic");

    let unknown = manifest.to_json().replace("\"openai-compatible\"", "\"openia\"");
    let error = parse_manifest(&unknown, "manifest.json").unwrap_err().to_string();
    assert!(error.starts_with("manifest.json"), "{error}");
    assert!(error.contains("study.registry.models[8].provider"), "{error}");
    assert!(error.contains("unknown provider \"openia\" (one of anthropic, openai,"), "{error}");
}

#[test]
fn a_malformed_hash_never_splits_a_character_in_the_url() {
    let file = ManifestFile { path: "x".into(), size: 0, sha256: "ж".repeat(20) };
    assert_eq!(file.version_tag(), "ж".repeat(16));
    let short = ManifestFile { path: "x".into(), size: 0, sha256: "é".into() };
    assert_eq!(short.version_tag(), "é");
}

fn two_models_with_a_missing_results_file() -> Vec<left_behind_shared::DataFile> {
    vec![
        file("benchmark/questions.json", QUESTIONS),
        file("results/C1_english/alpha.json", &results_json(Condition::C1, "alpha", &[1, 2])),
        file("results/C1_english/beta.json", &results_json(Condition::C1, "beta", &[1, 2])),
        file("results/C1_english/gamma.json", "{ not json"),
        file(
            "grades/C1_english.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,alpha,2,2,2,6,1.0,1,\n1,neutral_factual,beta,1,1,1,3,1.0,1,\n\
                 1,neutral_factual,delta,1,1,1,3,1.0,1,\n"
            ),
        ),
    ]
}

#[test]
fn a_study_opened_in_two_steps_is_the_study_opened_at_once() {
    let all = two_models_with_a_missing_results_file();
    let settings = StudySettings::study();
    let unreadable = Problem::error("results/C1_english/epsilon.json", "could not be fetched: HTTP 404");
    let at_once = open_study(&StudyFiles { files: all.clone(), unreadable: vec![unreadable.clone()] }, &settings);

    // The explorer's order: everything but the results first, one results file among them.
    let (results, core): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|file| file.path.starts_with("results/") && !file.path.ends_with("beta.json"));
    let partial = open_partial_study(&StudyFiles { files: core, unreadable: Vec::new() }, &settings);
    assert_eq!(partial.dataset.results.len(), 1, "only beta's results so far");
    assert!(
        partial.problems.is_empty(),
        "no cross-file checks before the results arrive (delta has no results file yet is not a problem): {:?}",
        partial.problems
    );
    let in_two_steps = partial.complete_with_results(&StudyFiles { files: results, unreadable: vec![unreadable] });

    assert_eq!(in_two_steps.dataset, at_once.dataset);
    let messages = |study: &left_behind_shared::OpenedStudy| {
        let mut messages: Vec<String> = study.problems.iter().map(|problem| format!("{problem:?}")).collect();
        messages.sort();
        messages
    };
    assert!(at_once.problems.len() >= 3, "the fetch, the broken file and delta: {:?}", at_once.problems);
    assert_eq!(messages(&in_two_steps), messages(&at_once));
}
