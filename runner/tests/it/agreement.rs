//! `left-behind agreement` end to end on a small dataset with a review file written here: the JSON
//! names, stale reviews, a bad row named and left out, and `validate` and `report` beside it.

use left_behind_shared::{Condition, REVIEW_COLUMNS, graded_text_sha256};
use serde_json::Value;

use crate::support::{left_behind, path_str, small_dataset, stderr, stdout, write};

/// Alice's file: two current reviews, one of an answer changed since (stale), and a score of 5 (line 5).
fn alice(data: &std::path::Path) {
    let hash = |text: &str, condition| graded_text_sha256(text, condition);
    write(
        data,
        "reviews/alice.csv",
        &format!(
            "{}\nC1,gpt_5.2,1,2,2,2,,,2026-03-01T10:00:00Z,{}\nC1,qwen3,2,1,2,1,reference,\"<b>bold</b>, quoted\",2026-03-01T10:01:00Z,{}\n\
             C2,gpt_5.2,2,2,2,2,,,2026-03-01T10:02:00Z,{}\nC2,qwen3,1,5,2,2,,,2026-03-01T10:03:00Z,{}\n",
            REVIEW_COLUMNS.join(","),
            hash("Жауап 1", Condition::C1),
            hash("Жауап 2", Condition::C1),
            hash("an earlier answer", Condition::C2),
            hash("Жауап 1", Condition::C2),
        ),
    );
}

#[test]
fn agreement_prints_the_pairs_alpha_and_counts_as_json() {
    let data = small_dataset();
    alice(data.path());
    let output = left_behind(&["agreement", "--data", path_str(data.path()), "--format", "json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("error: reviews/alice.csv:5: field `accuracy`: \"5\" is not a score (0, 1 or 2)"),
        "{}",
        stderr(&output)
    );
    let report: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let pairs = report["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 4);
    let total = &pairs[3];
    assert_eq!(total["rater_a"], "claude_sonnet_4.5");
    assert_eq!(total["rater_b"], "alice");
    assert_eq!(total["dimension"], "total");
    // Judge 6 and 2; alice 6 and 4.
    assert_eq!(total["n"], 2);
    assert_eq!(total["exact_pct"], 50.0);
    assert_eq!(total["within_one_pct"], 50.0);
    assert_eq!(total["confusion"][6][6], 1);
    assert_eq!(total["confusion"][2][4], 1);
    assert!(total.get("weighted_kappa").is_some() && total.get("kappa_ci95").is_some());
    assert_eq!(report["alpha"].as_array().unwrap().len(), 4);
    assert_eq!(report["alpha"][0]["raters"], serde_json::json!(["claude_sonnet_4.5", "alice"]));
    assert!(report["alpha"][0].get("krippendorff_alpha").is_some());
    assert_eq!(report["stale"], 1);
    assert_eq!(report["reviews"][0]["reviewer"], "alice");
    assert_eq!(report["reviews"][0]["count"], 3);
    assert_eq!(report["reviews"][0]["stale"], 1);
}

#[test]
fn agreement_text_names_the_judge_and_the_reviewer() {
    let data = small_dataset();
    alice(data.path());
    let output = left_behind(&["agreement", "--data", path_str(data.path())]);
    let out = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.contains("Judge: claude_sonnet_4.5. 3 reviews by 1 reviewer; 1 stale review left out."), "{out}");
    assert!(out.contains("Krippendorff's alpha"), "{out}");
    let markdown = stdout(&left_behind(&["agreement", "--data", path_str(data.path()), "--format", "markdown"]));
    assert!(markdown.contains("| claude_sonnet_4.5 | alice |"), "{markdown}");
    let csv = stdout(&left_behind(&["agreement", "--data", path_str(data.path()), "--format", "csv"]));
    assert!(csv.contains("rater_a,rater_b,dimension,n,exact_pct,within_one_pct,weighted_kappa,kappa_ci95"), "{csv}");
}

#[test]
fn a_bad_review_row_fails_validate_but_not_report() {
    let data = small_dataset();
    alice(data.path());
    let output = left_behind(&["validate", "--data", path_str(data.path())]);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(out.contains("error: reviews/alice.csv:5: field `accuracy`: \"5\" is not a score (0, 1 or 2)"), "{out}");
    assert!(out.contains("1 review file (3 reviews, 1 stale)"), "{out}");
    let report = left_behind(&["report", "--data", path_str(data.path())]);
    assert!(report.status.success(), "{}", stderr(&report));
}

#[test]
fn agreement_without_reviews_says_where_they_go() {
    let data = small_dataset();
    let output = left_behind(&["agreement", "--data", path_str(data.path())]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("no reviews in"), "{}", stderr(&output));
    assert!(stderr(&output).contains("as <reviewer>.csv"), "{}", stderr(&output));
}
