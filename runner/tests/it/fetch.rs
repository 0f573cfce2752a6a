//! `fetch` from a directory (archives, local and over HTTP, are tested end to end in tests/).

use crate::support::{left_behind, path_str, read, small_dataset, stderr, stdout, write};

#[test]
fn fetch_from_a_directory_copies_the_three_data_directories() {
    let source = small_dataset();
    write(source.path(), "scripts/analysis.py", "print('not data')");
    let into = tempfile::tempdir().unwrap();
    let output = left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path())]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("7 new, 0 replaced, 0 unchanged (2 questions, 4 results files, 8 grade rows)"),
        "{}",
        stdout(&output)
    );
    assert_eq!(read(into.path().join("grades/C2_kazakh.csv")), read(source.path().join("grades/C2_kazakh.csv")));
    assert!(!into.path().join("scripts").exists());

    let again = left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path())]);
    assert!(again.status.success());
    assert!(stdout(&again).contains("0 new, 0 replaced, 7 unchanged"), "{}", stdout(&again));
}

#[test]
fn files_that_differ_are_only_replaced_with_force() {
    let source = small_dataset();
    let into = tempfile::tempdir().unwrap();
    assert!(
        left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path())]).status.success()
    );
    write(into.path(), "grades/C1_english.csv", "my own edits");
    std::fs::remove_file(into.path().join("grades/C2_kazakh.csv")).unwrap();

    let refused = left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path())]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert!(err.contains("1 files in"), "{err}");
    assert!(err.contains("differ from the source; nothing was written. Pass --force"), "{err}");
    assert!(err.contains("grades/C1_english.csv"), "{err}");
    assert_eq!(read(into.path().join("grades/C1_english.csv")), "my own edits");
    assert!(!into.path().join("grades/C2_kazakh.csv").exists(), "nothing written, not even new files");

    let forced =
        left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path()), "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(stdout(&forced).contains("1 new, 1 replaced, 5 unchanged"), "{}", stdout(&forced));
    assert_eq!(read(into.path().join("grades/C1_english.csv")), read(source.path().join("grades/C1_english.csv")));
}

#[test]
fn a_source_without_the_dataset_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(empty.path().join("benchmark")).unwrap();
    let into = tempfile::tempdir().unwrap();
    let output = left_behind(&["fetch", "--source", path_str(empty.path()), "--into", path_str(into.path())]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("does not hold the study's dataset: no questions, no results, no grades files found"),
        "{}",
        stderr(&output)
    );

    let missing = left_behind(&["fetch", "--source", "/no/such/place.tar.gz", "--into", path_str(into.path())]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("invalid source \"/no/such/place.tar.gz\": no such file or directory"),
        "{}",
        stderr(&missing)
    );

    let not_gzip = empty.path().join("junk.tar.gz");
    std::fs::write(&not_gzip, "plain text").unwrap();
    let junk = left_behind(&["fetch", "--source", path_str(&not_gzip), "--into", path_str(into.path())]);
    assert_eq!(junk.status.code(), Some(1));
    assert!(stderr(&junk).contains("cannot read the archive"), "{}", stderr(&junk));
}

#[test]
fn a_damaged_file_in_the_source_is_refused_before_writing() {
    let source = small_dataset();
    write(source.path(), "results/C1_english/qwen3.json", "{\"model\": ");
    let into = tempfile::tempdir().unwrap();
    let output = left_behind(&["fetch", "--source", path_str(source.path()), "--into", path_str(into.path())]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("error: results/C1_english/qwen3.json:1:"), "{}", stderr(&output));
    assert!(!into.path().join("benchmark").exists());
}
