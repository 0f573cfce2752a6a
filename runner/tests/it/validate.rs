use crate::support::{GRADES_HEADER, left_behind, path_str, small_dataset, stdout, write};

#[test]
fn usable_data_with_warnings_exits_zero() {
    let data = small_dataset();
    let output = left_behind(&["validate", "--data", path_str(data.path())]);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}");
    assert!(out.contains("warning: grades/C2_kazakh.csv: 1 grading failed (-1 scores)"), "{out}");
    assert!(out.contains("2 questions, 0 reference answers, 4 results files (8 responses, 0 failed calls)"), "{out}");
    assert!(
        out.contains(
            "2 grades files (8 rows, 1 failed gradings), 0 review files (0 reviews, 0 stale): 0 errors, 2 warnings"
        ),
        "{out}"
    );
}

#[test]
fn errors_exit_non_zero_and_name_file_line_and_field() {
    let data = small_dataset();
    write(data.path(), "grades/C1_english.csv", &format!("{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,3,7,3.0,10,\n"));
    write(data.path(), "results/C2_kazakh/qwen3.json", "{\"model\": \"qwen3\",\n  \"model_id\": 7}");
    let output = left_behind(&["validate", "--data", path_str(data.path())]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "error: grades/C1_english.csv:2: field `completeness`: 3 is outside 0..=2 (-1 marks a failed grading)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "error: results/C2_kazakh/qwen3.json:2:15: field `model_id`: invalid type: integer `7`, expected a string"
        ),
        "{out}"
    );
}

#[test]
fn a_dangling_link_is_reported_as_unreadable() {
    let data = small_dataset();
    std::os::unix::fs::symlink(data.path().join("nowhere.json"), data.path().join("results/C1_english/ghost.json"))
        .unwrap();
    let output = left_behind(&["validate", "--data", path_str(data.path())]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error: results/C1_english/ghost.json: cannot read the file: No such file or directory"),
        "{out}"
    );
}

#[test]
fn an_empty_directory_says_how_to_get_data() {
    let empty = tempfile::tempdir().unwrap();
    let output = left_behind(&["validate", "--data", path_str(empty.path())]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(out.contains("error: benchmark/questions.json: no questions"), "{out}");
    assert!(out.contains("get the study's with `left-behind fetch`"), "{out}");
}
