use crate::support::{left_behind, left_behind_in, path_str, read, small_dataset, stderr, stdout, write};

#[test]
fn the_text_report_of_a_small_dataset() {
    let data = small_dataset();
    let output = left_behind(&["report", "--data", path_str(data.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("note: the data has 2 warnings"), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn json_has_unrounded_numbers_under_the_documented_keys() {
    let data = small_dataset();
    let output = left_behind(&["report", "--data", path_str(data.path()), "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let c2 = &report["conditions"][1];
    assert_eq!(c2["condition"], "C2");
    assert_eq!(c2["n"], 3);
    assert_eq!(c2["failed"], 1);
    // (5 + 3 + 2) / 3 rows / 6 points, unrounded.
    assert_eq!(c2["total_pct"].as_f64().unwrap(), 10.0 / 3.0 / 6.0 * 100.0);
    let bilingual_c2 = report["model_categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["category"] == "bilingual" && row["condition"] == "C2")
        .unwrap();
    assert_eq!(bilingual_c2["n"], 1);
    assert_eq!(bilingual_c2["clt_delta_pp"], serde_json::Value::Null, "no C3 data");
    assert_eq!(report["models"][0]["model"], "gpt_5.2");
    assert_eq!(report["run_errors"], serde_json::json!([]));
}

#[test]
fn out_writes_the_report_and_figure_1() {
    let data = small_dataset();
    let out = tempfile::tempdir().unwrap();
    for (format, files) in [
        ("markdown", vec!["report.md"]),
        ("latex", vec!["report.tex"]),
        (
            "csv",
            vec![
                "conditions.csv",
                "model_categories.csv",
                "models.csv",
                "question_categories.csv",
                "contrasts.csv",
                "contrasts_by_model.csv",
            ],
        ),
    ] {
        let output = left_behind(&[
            "report",
            "--data",
            path_str(data.path()),
            "--format",
            format,
            "--out",
            path_str(out.path()),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(stdout(&output), "", "files, not stdout");
        for file in files {
            assert!(stderr(&output).contains(&format!("wrote {}", out.path().join(file).display())));
        }
    }
    assert!(read(out.path().join("report.tex")).contains("\\toprule"));
    // Each interval in two columns of its own; the contrasts in tables of their own.
    assert!(
        read(out.path().join("conditions.csv"))
            .starts_with("Condition,n,Total,Total CI low,Total CI high,Accuracy,Fluency,Completeness")
    );
    assert!(read(out.path().join("contrasts.csv")).starts_with("Contrast,Models,Pairs,Difference,95% CI,p,p (Holm)"));
    let figure = read(out.path().join("figure1.svg"));
    assert!(figure.starts_with("<svg") && figure.contains("English-first") && figure.contains("Bilingual"));
}

#[test]
fn data_with_errors_is_not_reported() {
    let data = small_dataset();
    write(data.path(), "grades/C1_english.csv", "question_id,category\n");
    let output = left_behind(&["report", "--data", path_str(data.path())]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("error: grades/C1_english.csv:1: missing column `model`"), "{err}");
    assert!(err.contains("has 1 error; fix them first"), "{err}");
    assert_eq!(stdout(&output), "");
}

#[test]
fn no_grades_says_how_to_get_them() {
    let data = small_dataset();
    std::fs::remove_dir_all(data.path().join("grades")).unwrap();
    let output = left_behind(&["report", "--data", path_str(data.path())]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("no grades in"), "{}", stderr(&output));
    assert!(stderr(&output).contains("left-behind fetch"), "{}", stderr(&output));
}

#[test]
fn the_default_data_directory_is_the_repository_root() {
    let data = small_dataset();
    let root = data.path();
    write(root, "Cargo.toml", "[workspace]\n");
    std::fs::create_dir_all(root.join("runner/src")).unwrap();
    std::fs::create_dir_all(root.join("shared")).unwrap();
    let output = left_behind_in(Some(&root.join("runner/src")), &["report", "--format", "csv"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("C2,3,55.6"), "{}", stdout(&output));
}
