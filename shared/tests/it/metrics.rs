//! Metrics over a small hand-made dataset: the CSV (snapshot), the summary tables (snapshot), the
//! order of rows, run errors left out, and the detector's audit against grades.

use left_behind_shared::{
    Cell, Condition, DetectedLanguage, LanguageDisagreement, ModelRegistry, assemble, compute_metrics,
    detector_agreement, language_audit, metrics_tables, metrics_to_csv, render_text,
};

use crate::fixtures::{GRADES_HEADER, file};

const KAZAKH_ANSWER: &str = "Домбыра — қазақтың екі ішекті музыкалық аспабы. Ол күй орындауға арналған.";
const KYRGYZ_ANSWER: &str = "Домбра — эки кылдуу музыкалык аспап. Бул аспап жана комуз үчүн абдан маанилүү.";
const TRANSFER_ANSWER: &str = "1. Translate: What is a dombra?\n2. Answer: A two-stringed lute of the Kazakhs.\n\
    3-қадам: Домбыра — қазақтың екі ішекті аспабы.";

fn results(condition: Condition, model: &str, responses: &[(u32, &str, f64)], errors: usize) -> String {
    let responses: Vec<String> = responses
        .iter()
        .map(|(id, text, time)| {
            serde_json::json!({
                "question_id": id, "category": if *id == 1 { "neutral_factual" } else { "kazakh_cultural" },
                "question_text": "Домбыра деген не?",
                "response": text, "reference_answer": "A two-stringed lute", "response_time_seconds": time,
            })
            .to_string()
        })
        .collect();
    let errors: Vec<String> = (0..errors)
        .map(|index| {
            format!(
                r#"{{"question_id": {}, "category": "kazakh_cultural", "question_text": "q", "status": 500, "message": "server error", "attempts": 5, "failed_at": "2026-01-01T00:00:00+00:00"}}"#,
                10 + index
            )
        })
        .collect();
    format!(
        r#"{{"model": "{model}", "model_id": "{model}-id", "condition": "{}", "condition_description": "{}", "language": "{}", "system_prompt_used": null, "started_at": "2026-01-01T00:00:00+00:00", "responses": [{}], "errors": [{}], "last_updated": "2026-01-01T00:01:00+00:00"}}"#,
        condition.id(),
        condition.description(),
        condition.language().key(),
        responses.join(", "),
        errors.join(", ")
    )
}

fn dataset() -> left_behind_shared::Dataset {
    let files = [
        // aya_expanse comes after qwen3 in the registry, though before it alphabetically.
        file(
            "results/C2_kazakh/aya_expanse.json",
            &results(Condition::C2, "aya_expanse", &[(4, KYRGYZ_ANSWER, 3.0)], 1),
        ),
        file(
            "results/C2_kazakh/qwen3.json",
            &results(
                Condition::C2,
                "qwen3",
                &[(4, KAZAKH_ANSWER, 2.25), (1, "The answer is 4, because 2+2=4.", 1.0)],
                0,
            ),
        ),
        file(
            "results/C3_kazakh_transfer/qwen3.json",
            &results(Condition::C3, "qwen3", &[(4, TRANSFER_ANSWER, 7.5)], 0),
        ),
        file(
            "grades/C2_kazakh.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,qwen3,2,1,1,4,1.0,7,English answer\n\
                 4,kazakh_cultural,qwen3,2,0,2,4,2.25,11,Fluency 0 by mistake\n\
                 4,kazakh_cultural,aya_expanse,1,0,1,2,3.0,12,\"Response is in Kyrgyz, not Kazakh.\"\n"
            ),
        ),
    ];
    let loaded = assemble(&files);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    loaded.dataset
}

#[test]
fn rows_are_ordered_by_condition_registry_model_and_question_and_skip_run_errors() {
    let rows = compute_metrics(&dataset().results, &ModelRegistry::study());
    let keys: Vec<(Condition, &str, u32)> =
        rows.iter().map(|row| (row.condition, row.model.as_str(), row.question_id)).collect();
    assert_eq!(
        keys,
        [
            (Condition::C2, "qwen3", 1),
            (Condition::C2, "qwen3", 4),
            (Condition::C2, "aya_expanse", 4),
            (Condition::C3, "qwen3", 4),
        ]
    );
}

#[test]
fn metrics_csv_has_the_study_columns_then_the_detector_columns() {
    let rows = compute_metrics(&dataset().results, &ModelRegistry::study());
    insta::assert_snapshot!(metrics_to_csv(&rows).replace("\r\n", "\n"));
}

#[test]
fn metrics_summaries_render_as_text() {
    let registry = ModelRegistry::study();
    let rows = compute_metrics(&dataset().results, &registry);
    insta::assert_snapshot!(render_text(&metrics_tables(&rows, &registry), &[]));
}

#[test]
fn audit_lists_both_kinds_of_disagreement() {
    let dataset = dataset();
    let rows = compute_metrics(&dataset.results, &ModelRegistry::study());
    let audit = language_audit(&rows, &dataset.grades);
    let found: Vec<(&str, u32, LanguageDisagreement, DetectedLanguage)> = audit
        .iter()
        .map(|entry| (entry.model.as_str(), entry.question_id, entry.disagreement, entry.detected.language))
        .collect();
    // The English answer got Fluency 1 though it is not Kazakh; the Kazakh answer got Fluency 0 though
    // it is Kazakh. The Kyrgyz answer with Fluency 0 is an agreement, not listed.
    assert_eq!(
        found,
        [
            ("qwen3", 1, LanguageDisagreement::DetectorSaysWrongLanguage, DetectedLanguage::English),
            ("qwen3", 4, LanguageDisagreement::JudgeGaveFluencyZero, DetectedLanguage::Kazakh),
        ]
    );
    let agreement = detector_agreement(&rows, &dataset.grades);
    assert_eq!(agreement.hits(left_behind_shared::JudgeVerdictGroup::KyrgyzFluencyZero), (1, 1));
}

#[test]
fn response_times_leave_batch_answers_out() {
    // qwen3's C2 answer to question 1 came from a batch: no time (null), not 0.
    let mut files = Vec::new();
    let text = results(Condition::C2, "qwen3", &[(4, KAZAKH_ANSWER, 2.25), (1, "Төрт.", 1.0)], 0);
    let batch = text.replacen(r#""response_time_seconds":1.0"#, r#""response_time_seconds":null"#, 1);
    assert_ne!(batch, text);
    files.push(file("results/C2_kazakh/qwen3.json", &batch));
    files.push(file(
        "results/C2_kazakh/aya_expanse.json",
        &results(Condition::C2, "aya_expanse", &[(4, "Домбыра.", 3.0)], 0),
    ));
    let batch_only = results(Condition::C4, "gemma3", &[(1, "Дөрөв.", 5.0)], 0).replacen("5.0", "null", 1);
    files.push(file("results/C4_mongolian/gemma3.json", &batch_only));
    let loaded = assemble(&files);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let registry = ModelRegistry::study();
    let rows = compute_metrics(&loaded.dataset.results, &registry);

    let csv = metrics_to_csv(&rows);
    let batch_line = csv.lines().find(|line| line.starts_with("1,neutral_factual,qwen3,C2,")).unwrap();
    assert!(batch_line.starts_with("1,neutral_factual,qwen3,C2,kazakh,,"), "{batch_line}");

    let tables = metrics_tables(&rows, &registry);
    let row_of = |id: &str, first: &str| -> Vec<Cell> {
        let table = tables.iter().find(|table| table.id == id).unwrap();
        table.rows().find(|row| row[0] == Cell::Text(first.to_owned())).unwrap().to_vec()
    };
    let number = |value: Option<f64>| Cell::Number { value, decimals: 1, signed: false };
    // C2: (2.25 + 3.0) / 2 over the two known times, n counting them.
    assert_eq!(
        row_of("time_by_condition", "C2")[1..],
        [Cell::Count(2), number(Some(2.625)), number(Some(2.25)), number(Some(3.0))]
    );
    // C4 has no known time: every statistic is undefined (printed "–"), never 0.
    assert_eq!(row_of("time_by_condition", "C4")[1..], [Cell::Count(0), number(None), number(None), number(None)]);
    let text = render_text(&tables, &[]);
    assert!(text.lines().any(|line| line.split_whitespace().eq(["C4", "0", "–", "–", "–"])), "{text}");
}
