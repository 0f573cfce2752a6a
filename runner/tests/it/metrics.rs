//! `left-behind metrics` on small hand-made datasets: the summaries, the CSV and JSON rows, the
//! condition filter, failed calls left out, and the detector-vs-judge audit.

use crate::support::{GRADES_HEADER, QUESTIONS, TRANSFER, left_behind, path_str, results_with, stderr, stdout, write};

const KAZAKH: &str = "Домбыра — қазақтың екі ішекті музыкалық аспабы. Ол күй орындауға арналған.";
const KYRGYZ: &str = "Домбра — эки кылдуу музыкалык аспап. Бул аспап жана комуз үчүн абдан маанилүү.";
const MONGOLIAN: &str = "Домбыр бол хоёр утастай хөгжмийн зэмсэг юм. Энэ нь казах ардын хөгжимд чухал.";

/// qwen3 answers in Kazakh, aya_expanse in Kyrgyz (C2); qwen3 in C3 and C4; one failed call of
/// aya_expanse in C2. C2 is graded.
fn dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    write(root, "results/C2_kazakh/qwen3.json", &results_with("C2", "kazakh", "qwen3", &[(1, "4"), (2, KAZAKH)], &[]));
    write(
        root,
        "results/C2_kazakh/aya_expanse.json",
        &results_with("C2", "kazakh", "aya_expanse", &[(2, KYRGYZ)], &[1]),
    );
    write(root, "results/C3_kazakh_transfer/qwen3.json", &results_with("C3", "kazakh", "qwen3", &[(2, TRANSFER)], &[]));
    write(root, "results/C4_mongolian/qwen3.json", &results_with("C4", "mongolian", "qwen3", &[(2, MONGOLIAN)], &[]));
    write(
        root,
        "grades/C2_kazakh.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,qwen3,2,2,0,4,2.5,1,\n2,kazakh_cultural,qwen3,2,0,2,4,2.5,11,Fluency 0 by mistake\n\
             2,kazakh_cultural,aya_expanse,1,2,1,4,2.5,13,Fluent Kazakh\n"
        ),
    );
    dir
}

#[test]
fn text_prints_the_summaries_and_notes_failed_calls() {
    let data = dataset();
    let output = left_behind(&["metrics", "--data", path_str(data.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn csv_has_one_row_per_response_in_registry_order() {
    let data = dataset();
    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--format", "csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("results/C2_kazakh/aya_expanse.json: 1 failed call not measured"),
        "{}",
        stderr(&output)
    );
    insta::assert_snapshot!(stdout(&output).replace("\r\n", "\n"));
}

#[test]
fn json_rows_carry_the_measured_span_and_the_detected_language() {
    let data = dataset();
    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--format", "json", "--condition", "C3"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["condition"], "C3");
    let start = row["measured"]["start"].as_u64().unwrap() as usize;
    let end = row["measured"]["end"].as_u64().unwrap() as usize;
    assert_eq!(&TRANSFER[start..end], ": Домбыра — қазақтың екі ішекті аспабы.");
    assert_eq!(row["measured_source"]["kind"], "marker");
    assert_eq!(row["detected"]["language"], "kazakh");
    assert_eq!(row["wrong_language"], false);
    assert_eq!(row["char_count"], 39);
}

#[test]
fn conditions_filter_by_id_or_directory_and_repeat() {
    let data = dataset();
    let output = left_behind(&[
        "metrics",
        "--data",
        path_str(data.path()),
        "--format",
        "csv",
        "--condition",
        "c4,C3_kazakh_transfer",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let conditions: Vec<String> =
        stdout(&output).lines().skip(1).map(|line| line.split(',').nth(3).unwrap().to_owned()).collect();
    assert_eq!(conditions, ["C3", "C4"]);
    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--condition", "C9"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("unknown condition \"C9\""), "{}", stderr(&output));
}

#[test]
fn audit_lists_the_disagreements_and_the_agreement() {
    let data = dataset();
    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--audit"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));

    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--audit", "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let audit: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let disagreements = audit["disagreements"].as_array().unwrap();
    let found: Vec<(&str, &str)> = disagreements
        .iter()
        .map(|entry| (entry["model"].as_str().unwrap(), entry["disagreement"].as_str().unwrap()))
        .collect();
    // "4" has no letters (other) but fluency 2; the Kazakh answer got fluency 0; the Kyrgyz answer
    // got fluency 2.
    assert_eq!(
        found,
        [
            ("qwen3", "detector_says_wrong_language"),
            ("qwen3", "judge_gave_fluency_zero"),
            ("aya_expanse", "detector_says_wrong_language"),
        ]
    );
    assert_eq!(disagreements[2]["detected"]["language"], "kyrgyz");
    assert_eq!(audit["agreement"][0]["label"], "fluency 2, C2 (Kazakh)");
    assert_eq!(audit["agreement"][0]["n"], 2);
    assert_eq!(audit["agreement"][0]["detected_as_expected"], 0);
}

#[test]
fn audit_without_grades_says_what_is_missing() {
    let data = dataset();
    let output = left_behind(&["metrics", "--data", path_str(data.path()), "--audit", "--condition", "C4"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no grades in"), "{}", stderr(&output));
}

#[test]
fn an_empty_dataset_is_an_error_not_an_empty_report() {
    let data = tempfile::tempdir().unwrap();
    write(data.path(), "benchmark/questions.json", QUESTIONS);
    let output = left_behind(&["metrics", "--data", path_str(data.path())]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no responses in"), "{}", stderr(&output));
}

#[test]
fn models_added_in_the_configuration_come_in_its_order() {
    let data = tempfile::tempdir().unwrap();
    let root = data.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    for model in ["zeta_local", "alpha_local"] {
        write(
            root,
            &format!("results/C2_kazakh/{model}.json"),
            &results_with("C2", "kazakh", model, &[(2, KAZAKH)], &[]),
        );
    }
    let config = root.join("elsewhere.toml");
    let entry = |name: &str| {
        format!(
            "[models.{name}]\nprovider = \"openai-compatible\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel_id = \"m\"\n"
        )
    };
    std::fs::write(&config, entry("zeta_local") + &entry("alpha_local")).unwrap();
    let models = |extra: &[&str]| {
        let mut args = vec!["metrics", "--data", path_str(root), "--format", "csv"];
        args.extend(extra);
        let output = left_behind(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output).lines().skip(1).map(|line| line.split(',').nth(2).unwrap().to_owned()).collect::<Vec<_>>()
    };
    // Unregistered models come by name; configured ones in the order the file gives them.
    assert_eq!(models(&[]), ["alpha_local", "zeta_local"]);
    assert_eq!(models(&["--config", path_str(&config)]), ["zeta_local", "alpha_local"]);
}

#[test]
fn batch_answers_have_no_time_and_are_left_out_of_the_response_times() {
    let data = dataset();
    // qwen3's C4 answer came from a batch: its time is unknown (null).
    let batch = results_with("C4", "mongolian", "qwen3", &[(2, MONGOLIAN)], &[]).replacen("2.5", "null", 1);
    assert!(batch.contains(r#""response_time_seconds":null"#), "{batch}");
    write(data.path(), "results/C4_mongolian/qwen3.json", &batch);
    let output = left_behind(&["metrics", "--data", path_str(data.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains(
            "results/C4_mongolian/qwen3.json: 1 answer has no time (answered in a batch), left out of the response times"
        ),
        "{text}"
    );
    // C4's only answer has no time: n 0 and no mean, not a mean of 0.
    let by_condition = text.split("Response time by condition").nth(1).unwrap();
    assert!(by_condition.lines().any(|line| line.split_whitespace().eq(["C4", "0", "–", "–", "–"])), "{text}");
    let csv = stdout(&left_behind(&["metrics", "--data", path_str(data.path()), "--format", "csv"]));
    assert!(csv.lines().any(|line| line.starts_with("2,kazakh_cultural,qwen3,C4,mongolian,,")), "{csv}");
    let json = stdout(&left_behind(&["metrics", "--data", path_str(data.path()), "--format", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let c4 = rows.as_array().unwrap().iter().find(|row| row["condition"] == "C4").unwrap();
    assert_eq!(c4["response_time_seconds"], serde_json::Value::Null);
}
