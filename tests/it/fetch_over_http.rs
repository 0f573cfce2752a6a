//! `left-behind fetch` of a GitHub-style archive built in the test from the study's dataset: over real
//! HTTP from a local server, and from the archive as a local file.

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
    let archive = tarball_of(repository.path(), "left-behind-clt-main");
    let base = serve("/archive/refs/heads/main.tar.gz", archive.clone());

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

    // The same archive as a local file, named by the environment (as on offline machines).
    let archive_dir = tempfile::tempdir().unwrap();
    let archive_path = archive_dir.path().join("left-behind-clt-main.tar.gz");
    std::fs::write(&archive_path, &archive).unwrap();
    let from_file = tempfile::tempdir().unwrap();
    let output = left_behind(
        &["fetch", "--into", from_file.path().to_str().unwrap()],
        &[("LEFT_BEHIND_SOURCE", archive_path.to_str().unwrap())],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains(&format!("fetching the dataset from {}", archive_path.display())),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(
        std::fs::read(from_file.path().join("benchmark/questions.json")).unwrap(),
        std::fs::read(dataset.join("benchmark/questions.json")).unwrap()
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(from_file.path().join("grades/C1_english.csv")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o644, "data files are readable by all, to be served");
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
