//! `left-behind fetch` over real HTTP: a local server serves a GitHub-style archive built in the test
//! from the study's dataset.

use left_behind_e2e::{left_behind, serve, study_dataset_or_skip, tarball_of, text};

#[test]
fn fetch_downloads_and_extracts_only_the_dataset() {
    let Some(dataset) = study_dataset_or_skip("fetch_downloads_and_extracts_only_the_dataset") else { return };
    // A repository archive: the dataset under one top directory, next to files that are not data.
    let repository = tempfile::tempdir().unwrap();
    for top in ["benchmark", "results", "grades"] {
        copy_dir(&dataset.join(top), &repository.path().join(top));
    }
    std::fs::write(repository.path().join("README.md"), "# the study").unwrap();
    std::fs::create_dir_all(repository.path().join("scripts")).unwrap();
    std::fs::write(repository.path().join("scripts/grade.py"), "print()").unwrap();
    let base = serve("/archive/refs/heads/main.tar.gz", tarball_of(repository.path(), "left-behind-clt-main"));

    let into = tempfile::tempdir().unwrap();
    let url = format!("{base}/archive/refs/heads/main.tar.gz");
    let output = left_behind(&["fetch", "--into", into.path().to_str().unwrap()], &[("LEFT_BEHIND_SOURCE", &url)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("(50 questions, 40 results files, 2000 grade rows)"),
        "{}",
        text(&output.stdout)
    );
    let mut tops: Vec<String> = std::fs::read_dir(into.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    tops.sort();
    assert_eq!(tops, ["benchmark", "grades", "results"]);
    for relative in ["grades/C3_kazakh_transfer.csv", "results/C2_kazakh/aya_expanse.json", "benchmark/questions.json"]
    {
        assert!(
            std::fs::read(into.path().join(relative)).unwrap() == std::fs::read(dataset.join(relative)).unwrap(),
            "{relative}"
        );
    }

    let missing = left_behind(
        &["fetch", "--source", &format!("{base}/nope.tar.gz"), "--into", into.path().to_str().unwrap()],
        &[],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("HTTP 404 Not Found"), "{}", text(&missing.stderr));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
