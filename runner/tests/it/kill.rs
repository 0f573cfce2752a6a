//! The kill test: a real `left-behind run` against a slow local server, killed with SIGKILL at
//! several moments mid-run, then run again. Every results file must be valid at every moment,
//! and complete at the end: 50 unique question ids, in order, nothing duplicated, nothing lost.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::{
    MockServer, Reply, dataset, openai_answer, read_results, run_args, run_binary, spawn_quietly, text, write_config,
};

const QUESTIONS: u32 = 50;

fn files(data: &Path) -> Vec<PathBuf> {
    ["C1_english", "C2_kazakh"]
        .iter()
        .flat_map(|condition| ["alpha", "beta"].map(|model| data.join(format!("results/{condition}/{model}.json"))))
        .collect()
}

/// Answers in all files, checking on the way that every file that exists is a valid results file
/// without duplicates.
fn answered(data: &Path) -> usize {
    let mut total = 0;
    for file in files(data) {
        if !file.exists() {
            continue;
        }
        let results = read_results(&file);
        let ids: BTreeSet<u32> = results.responses.iter().map(|response| response.question_id).collect();
        assert_eq!(ids.len(), results.responses.len(), "{} holds a duplicate", file.display());
        total += ids.len();
    }
    total
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_run_loses_nothing_and_duplicates_nothing() {
    let server = MockServer::start(|seen, _| {
        Reply::json(200, openai_answer(&format!("answer: {}", crate::support::last_user_text(seen))))
            .after(Duration::from_millis(40))
    })
    .await;
    let data = dataset(QUESTIONS);
    let models = format!(
        "{}\n{}",
        crate::support::server_model("alpha", &server.url),
        crate::support::server_model("beta", &server.url)
    );
    let config = write_config(data.path(), "concurrency = 4", &models);
    let args = run_args(data.path(), &config, &["--model", "alpha,beta", "--condition", "C1,C2"]);
    let total = 4 * QUESTIONS as usize;

    // Kill three times, each after a few more answers have been saved.
    for round in 1..=3 {
        let before = answered(data.path());
        let mut child = spawn_quietly(&args, &[]);
        let deadline = Instant::now() + Duration::from_secs(30);
        while answered(data.path()) < before + 7 * round {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        child.kill().unwrap(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
        let after = answered(data.path());
        assert!(after > before && after < total, "round {round}: killed mid-run ({before} -> {after} of {total})");
    }
    let answered_before_last_run = answered(data.path());
    // Any request the killed run sent just before it died has arrived once the count stops changing.
    let requests_before_last_run = server.settled_request_count().await;

    let output = run_binary(args, Vec::new(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    for file in files(data.path()) {
        let results = read_results(&file);
        let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
        assert_eq!(ids, (1..=QUESTIONS).collect::<Vec<u32>>(), "{} is not complete and in order", file.display());
        assert!(results.errors.is_empty());
        for response in &results.responses {
            assert_eq!(response.response, format!("answer: {}", response.question_text));
        }
    }
    // The last run asked exactly what was missing.
    assert_eq!(server.request_count() - requests_before_last_run, total - answered_before_last_run);
    // Temporary files of the killed writers were cleaned up: the directories hold the files only.
    for directory in ["results/C1_english", "results/C2_kazakh"] {
        let mut names: Vec<String> = std::fs::read_dir(data.path().join(directory))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["alpha.json", "beta.json"]);
    }
    let validate = crate::support::validate_with_config(data.path(), &config).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
}
