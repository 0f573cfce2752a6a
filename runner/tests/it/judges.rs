//! Several judges end to end: two local judge servers answering different fixed verdicts grade the
//! same responses (`grade --judge judge_a --judge judge_b`) into their own files beside the study's
//! judge's; `report --judge NAME`, `report --judge panel` and `report --judges` are checked against
//! numbers computed by hand; bad names and malformed files are refused with their place; SIGKILL
//! during a two-judge grading resumes without loss or duplicates.

use std::path::Path;
use std::time::{Duration, Instant};

use left_behind_shared::{
    Condition, judge_system_prompt, parse_answer_sheet, parse_grades, parse_judgments, parse_questions,
};
use serde_json::{Value, json};

use crate::grade::{SHEET, fifty_questions_two_models, grade_rows};
use crate::support::{
    GRADES_HEADER, MockServer, QUESTIONS, Reply, Seen, last_user_text, openai_answer, results_with, run_binary,
    spawn_quietly, text, write,
};

/// The graded text of a request (after `RESPONSE TO GRADE:`).
fn graded(seen: &Seen) -> String {
    let message = last_user_text(seen);
    let after = message.split_once("RESPONSE TO GRADE:\n").map_or("", |(_, rest)| rest);
    after.split("\n\n").next().unwrap_or_default().to_owned()
}

fn verdict(scores: [u8; 3], notes: &str) -> Reply {
    let [accuracy, fluency, completeness] = scores;
    let answer =
        json!({ "accuracy": accuracy, "fluency": fluency, "completeness": completeness, "notes": notes }).to_string();
    Reply::json(200, openai_answer(&answer))
}

/// The answers name no model: "Reply alpha C2 q1" is claude_opus_4.5's, "Reply beta C2 q1" gpt_5.2's
/// (the judge servers below read the letter to answer differently per model, as a biased judge might).
fn answer_text(model: &str, condition: &str, question: u32) -> String {
    let letter = if model == "claude_opus_4.5" { "alpha" } else { "beta" };
    format!("Reply {letter} {condition} q{question}")
}

const CONDITIONS: [(&str, &str, &str); 3] =
    [("C1", "english", "C1_english"), ("C2", "kazakh", "C2_kazakh"), ("C3", "kazakh", "C3_kazakh_transfer")];
const MODELS: [&str; 2] = ["claude_opus_4.5", "gpt_5.2"];

/// Two questions answered by claude_opus_4.5 and gpt_5.2 in C1, C2 and C3, graded by the study's judge:
/// 2/2/2 in C1, 1/1/0 in C2, 1/1/1 in C3.
fn dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    write(root, "benchmark/Cross_lingual_transfer_benchmark_questions_answer_sheet.txt", SHEET);
    for (condition, language, directory) in CONDITIONS {
        let study = match condition {
            "C1" => "2,2,2,6",
            "C2" => "1,1,0,2",
            _ => "1,1,1,3",
        };
        let mut grades = GRADES_HEADER.to_owned();
        for question in [1, 2] {
            let category = if question == 1 { "neutral_factual" } else { "kazakh_cultural" };
            for model in MODELS {
                grades.push_str(&format!("{question},{category},{model},{study},2.5,4,study\n"));
            }
        }
        write(root, &format!("grades/{directory}.csv"), &grades);
        for model in MODELS {
            let answers: Vec<(u32, String)> =
                [1, 2].into_iter().map(|question| (question, answer_text(model, condition, question))).collect();
            let answers: Vec<(u32, &str)> = answers.iter().map(|(id, text)| (*id, text.as_str())).collect();
            write(
                root,
                &format!("results/{directory}/{model}.json"),
                &results_with(condition, language, model, &answers, &[]),
            );
        }
    }
    dir
}

/// judge_a (family openai): 2/2/1 in C1, 1/1/1 in C2, 1/0/1 in C3.
fn judge_a(seen: &Seen, _: usize) -> Reply {
    let text = graded(seen);
    let scores = if text.contains(" C1 ") {
        [2, 2, 1]
    } else if text.contains(" C2 ") {
        [1, 1, 1]
    } else {
        [1, 0, 1]
    };
    verdict(scores, &format!("a: {text}"))
}

/// judge_b (family anthropic): 2/2/2 for claude_opus_4.5's answers, 1/1/1 for the others.
fn judge_b(seen: &Seen, _: usize) -> Reply {
    let text = graded(seen);
    let scores = if text.contains("alpha") { [2, 2, 2] } else { [1, 1, 1] };
    verdict(scores, &format!("b: {text}"))
}

fn write_judges_config(root: &Path, url_a: &str, url_b: &str) {
    let judge = |name: &str, url: &str, family: &str| {
        format!(
            "[models.{name}]\nprovider = \"openai-compatible\"\nbase_url = \"{url}/v1\"\nmodel_id = \"local/{name}\"\nfamily = \"{family}\"\n"
        )
    };
    let text = format!(
        "[run]\nretry_base_delay_ms = 10\nretry_max_delay_ms = 50\n\n{}\n{}",
        judge("judge_a", url_a, "openai"),
        judge("judge_b", url_b, "anthropic")
    );
    std::fs::write(root.join("left-behind.toml"), text).unwrap();
}

fn args(root: &Path, command: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![command.to_owned(), "--data".to_owned(), root.display().to_string()];
    if command == "grade" {
        args.push("--no-progress".to_owned());
    }
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn json_of(output: &std::process::Output) -> Value {
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    serde_json::from_str(&text(&output.stdout)).unwrap_or_else(|error| panic!("{error}: {}", text(&output.stdout)))
}

fn close(actual: &Value, expected: f64) {
    let actual = actual.as_f64().unwrap_or_else(|| panic!("not a number: {actual}"));
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

/// Table 1's total of `condition` in a `report --format json`.
fn total(report: &Value, condition: &str) -> Value {
    report["conditions"].as_array().unwrap().iter().find(|row| row["condition"] == condition).unwrap()["total_pct"]
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_judges_grade_into_their_own_files_and_every_report_matches_hand_computed_numbers() {
    let server_a = MockServer::start(judge_a).await;
    let server_b = MockServer::start(judge_b).await;
    let data = dataset();
    let root = data.path();
    write_judges_config(root, &server_a.url, &server_b.url);
    let study_before: Vec<String> =
        CONDITIONS.iter().map(|(_, _, directory)| read(&root.join(format!("grades/{directory}.csv")))).collect();

    let output = run_binary(args(root, "grade", &["--judge", "judge_a", "--judge", "judge_b"]), Vec::new(), root).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert!(
        text(&output.stdout).contains("24 of 24 gradings done by 2 judges (judge_a, judge_b)"),
        "{}",
        text(&output.stdout)
    );
    assert_eq!((server_a.request_count(), server_b.request_count()), (12, 12));

    // The study's grades are untouched, and no study audit log was started.
    for ((_, _, directory), before) in CONDITIONS.iter().zip(&study_before) {
        assert_eq!(&read(&root.join(format!("grades/{directory}.csv"))), before);
    }
    assert!(!root.join("grades/judgments").exists());
    // Each judge's grades and audit log are in its own directory, in the study's columns and order.
    for (judge, notes) in [("judge_a", "a"), ("judge_b", "b")] {
        for (condition, _, directory) in CONDITIONS {
            let path = root.join(format!("grades/judges/{judge}/{directory}.csv"));
            let condition = Condition::parse(condition).unwrap();
            let parsed = parse_grades(&read(&path), condition, "grades").unwrap();
            assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
            let keys: Vec<(u32, &str)> = parsed.rows.iter().map(|row| (row.question_id, row.model.as_str())).collect();
            assert_eq!(keys, [(1, MODELS[0]), (1, MODELS[1]), (2, MODELS[0]), (2, MODELS[1])]);
            assert!(parsed.rows.iter().all(|row| row.notes.starts_with(&format!("{notes}: Reply "))));
            let log = root.join(format!("grades/judges/{judge}/judgments/{directory}.jsonl"));
            let (records, problems) = parse_judgments(&read(&log), "log");
            assert!(problems.is_empty(), "{problems:?}");
            assert_eq!(records.len(), 4);
            assert!(
                records.iter().all(|record| record.judge == judge && record.judge_model_id == format!("local/{judge}"))
            );
        }
    }

    // The judges learn nothing of who wrote the answer, and get the study's prompt, the same for both.
    let questions = parse_questions(QUESTIONS, "questions").unwrap();
    let sheet = parse_answer_sheet(SHEET, "sheet").unwrap();
    let study_prompt = judge_system_prompt(&sheet, &questions);
    for seen in server_a.requests().iter().chain(&server_b.requests()) {
        let body = seen.body.to_string();
        for name in
            ["claude_opus_4.5", "gpt_5.2", "Claude Opus", "GPT-5.2", "claude-opus", "gpt-5.2", "anthropic", "openai"]
        {
            assert!(!body.contains(name), "the judge was told {name:?}: {body}");
        }
        assert_eq!(seen.body["messages"][0]["content"].as_str(), Some(study_prompt.as_str()));
    }

    // Resume: each judge grades from its own files, and nothing is left.
    let again = run_binary(args(root, "grade", &["--judge", "judge_a,judge_b"]), Vec::new(), root).await;
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains("nothing to grade"), "{}", text(&again.stdout));
    assert_eq!((server_a.request_count(), server_b.request_count()), (12, 12));
    let validate = run_binary(args(root, "validate", &[]), Vec::new(), root).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
    assert!(
        text(&validate.stdout)
            .contains("judge judge_a: 3 grades files in grades/judges/judge_a/ (12 rows, 0 failed gradings)")
    );

    // Every table under one judge: judge_a's totals are 5/6, 3/6 and 2/6.
    let report_a =
        json_of(&run_binary(args(root, "report", &["--judge", "judge_a", "--format", "json"]), Vec::new(), root).await);
    assert_eq!(report_a["graded_by"], json!({ "judge": "judge_a", "members": [] }));
    close(&total(&report_a, "C1"), 500.0 / 6.0);
    close(&total(&report_a, "C2"), 50.0);
    close(&total(&report_a, "C3"), 200.0 / 6.0);
    let study = json_of(&run_binary(args(root, "report", &["--format", "json"]), Vec::new(), root).await);
    close(&total(&study, "C1"), 100.0);
    close(&total(&study, "C2"), 200.0 / 6.0);

    // The panel: per response and criterion the median of the three judges.
    // C1 opus: 2/2/2, 2/2/1, 2/2/2 -> 2/2/2 (6); C1 gpt: 2/2/2, 2/2/1, 1/1/1 -> 2/2/1 (5);
    // C2: 1/1/0, 1/1/1, and 2/2/2 or 1/1/1 -> 1/1/1 (3); C3: 1/1/1, 1/0/1, and 2/2/2 or 1/1/1 -> 1/1/1 (3).
    let panel =
        json_of(&run_binary(args(root, "report", &["--judge", "panel", "--format", "json"]), Vec::new(), root).await);
    assert_eq!(panel["graded_by"], json!({ "judge": "panel", "members": ["claude_sonnet_4.5", "judge_a", "judge_b"] }));
    close(&total(&panel, "C1"), 5.5 / 6.0 * 100.0);
    close(&total(&panel, "C2"), 50.0);
    close(&total(&panel, "C3"), 50.0);
    let gpt_c1 = panel["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["model"] == "gpt_5.2" && row["condition"] == "C1")
        .unwrap();
    close(&gpt_c1["completeness_pct"], 50.0);
    close(&gpt_c1["accuracy_pct"], 100.0);

    // The robustness table, side by side.
    let judges = json_of(&run_binary(args(root, "report", &["--judges", "--format", "json"]), Vec::new(), root).await);
    let columns = judges["robustness"]["columns"].as_array().unwrap();
    let names: Vec<&str> = columns.iter().map(|column| column["judge"].as_str().unwrap()).collect();
    assert_eq!(names, ["claude_sonnet_4.5", "judge_a", "judge_b", "panel"]);
    let contrast = |column: &Value, which: &str| {
        column["contrasts"].as_array().unwrap().iter().find(|c| c["contrast"] == which).unwrap()["estimate_pp"].clone()
    };
    // Kazakh gap C2 - C1: -66.7, -33.3, 0, 50 - 91.7; CLT effect C3 - C2: +16.7, -16.7, 0, 0.
    for (column, gap, clt) in [
        (&columns[0], 200.0 / 6.0 - 100.0, 50.0 - 200.0 / 6.0),
        (&columns[1], 50.0 - 500.0 / 6.0, 200.0 / 6.0 - 50.0),
        (&columns[2], 0.0, 0.0),
        (&columns[3], 50.0 - 5.5 / 6.0 * 100.0, 0.0),
    ] {
        close(&contrast(column, "kazakh_gap"), gap);
        close(&contrast(column, "kazakh_transfer"), clt);
        assert_eq!(contrast(column, "mongolian_gap"), Value::Null);
    }
    close(&columns[2]["totals"][0]["total_pct"], 75.0);

    // Self-preference, per judge over its own family's answers, against the other judges' mean:
    // claude_sonnet_4.5 (anthropic) on opus: 6, 2, 3 against 5.5, 4.5, 4 -> 61.1 - 77.8 = -16.7;
    // judge_a (openai) on gpt: 5, 3, 2 against 4.5, 2.5, 3 -> 0; judge_b (anthropic) on opus: 6, 6, 6
    // against 5.5, 2.5, 2.5 -> 100 - 58.3 = +41.7. On the other families: +8.3 for the study's judge.
    let preferences = judges["self_preference"].as_array().unwrap();
    let own = |index: usize| &preferences[index]["own_family"];
    assert_eq!(preferences[0]["judge"], "claude_sonnet_4.5");
    assert_eq!(preferences[0]["family"], "anthropic");
    assert_eq!(own(0)["responses"], 6);
    assert_eq!(own(0)["questions"], 2);
    close(&own(0)["judge_pct"], 11.0 / 18.0 * 100.0);
    close(&own(0)["others_pct"], 14.0 / 18.0 * 100.0);
    close(&own(0)["difference_pp"], -3.0 / 18.0 * 100.0);
    close(&own(0)["ci95_pp"][0], -3.0 / 18.0 * 100.0);
    close(&own(0)["ci95_pp"][1], -3.0 / 18.0 * 100.0);
    close(&preferences[0]["other_families"]["difference_pp"], 1.5 / 18.0 * 100.0);
    assert_eq!(preferences[1]["family"], "openai");
    close(&own(1)["difference_pp"], 0.0);
    close(&own(2)["difference_pp"], 2.5 / 6.0 * 100.0);

    // Agreement between judges, the raters of `left-behind agreement` (no reviews needed): on accuracy
    // the study's judge and judge_a agree on all 12 responses (2 in C1, 1 in C2 and C3): kappa 1. On
    // the total, the study's judge and judge_b agree exactly on 4 of 12 (C1 and C3 for claude_opus_4.5's
    // 6/6 and gpt_5.2's 3/3) and within one point on 6 (C2 gpt_5.2: 2 against 3).
    let agreement = json_of(&run_binary(args(root, "agreement", &["--format", "json"]), Vec::new(), root).await);
    let pair = |a: &str, b: &str, dimension: &str| {
        agreement["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|pair| pair["rater_a"] == a && pair["rater_b"] == b && pair["dimension"] == dimension)
            .unwrap_or_else(|| panic!("no pair {a} {b} {dimension}: {agreement}"))
            .clone()
    };
    let accuracy = pair("claude_sonnet_4.5", "judge_a", "accuracy");
    assert_eq!(accuracy["n"], 12);
    close(&accuracy["weighted_kappa"], 1.0);
    let total = pair("claude_sonnet_4.5", "judge_b", "total");
    close(&total["exact_pct"], 100.0 / 3.0);
    close(&total["within_one_pct"], 50.0);
    assert_eq!(pair("judge_a", "judge_b", "fluency")["n"], 12);

    // `report --judges` carries the same agreement statistics.
    let in_report = judges["agreement"]["pairs"].as_array().unwrap();
    assert_eq!(in_report.len(), 3 * 4, "3 pairs of judges x 4 dimensions");
    close(&in_report[0]["weighted_kappa"], 1.0);
    assert_eq!(judges["agreement"]["alpha"][0]["raters"], json!(["claude_sonnet_4.5", "judge_a", "judge_b"]));

    let text_report = run_binary(args(root, "report", &["--judges"]), Vec::new(), root).await;
    let stdout = text(&text_report.stdout);
    // Every judge's paired differences are the same in both questions, so its interval is its mean:
    // judge_b's gap is 0 (its interval holds zero) and judge_a's transfer effect is below zero.
    for line in [
        "English beats Kazakh: holds under claude_sonnet_4.5, judge_a, panel; not under judge_b; \
         the 95% interval excludes zero under claude_sonnet_4.5, judge_a, panel",
        "English beats Mongolian: no judge graded both conditions",
        "Translation helps Kazakh: holds under claude_sonnet_4.5; not under judge_a, judge_b, panel; \
         the 95% interval excludes zero under claude_sonnet_4.5",
    ] {
        assert!(stdout.contains(line), "{line:?} missing:\n{stdout}");
    }
    assert!(stdout.contains("Kazakh gap (C2 - C1) (pp)"), "{stdout}");
    assert!(stdout.contains("Krippendorff's alpha (ordinal) across all raters"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_judge_names_and_malformed_judge_files_are_refused_with_their_place() {
    let server = MockServer::start(judge_a).await;
    let data = dataset();
    let root = data.path();
    write_judges_config(root, &server.url, &server.url);

    for (name, message) in [
        ("nobody", "unknown judge \"nobody\""),
        ("../evil", "holds a path separator"),
        ("a\\b", "holds a path separator"),
        ("panel", "\"panel\" names the panel of all judges"),
    ] {
        let output = run_binary(args(root, "grade", &["--judge", name]), Vec::new(), root).await;
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(text(&output.stderr).contains(message), "{name}: {}", text(&output.stderr));
    }
    assert_eq!(server.request_count(), 0);
    assert!(!root.join("grades/judges").exists() && !root.join("evil").exists());
    let report = run_binary(args(root, "report", &["--judge", "nobody"]), Vec::new(), root).await;
    assert_eq!(report.status.code(), Some(1));
    assert!(text(&report.stderr).contains("no grades of judge nobody"), "{}", text(&report.stderr));
    let panel = run_binary(args(root, "report", &["--judge", "panel"]), Vec::new(), root).await;
    assert!(text(&panel.stderr).contains("the panel needs two judges"), "{}", text(&panel.stderr));

    // A judge's malformed file is named with its line; the other judge's grades still load.
    write(
        root,
        "grades/judges/judge_a/C1_english.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,2.5,4,ok\n2,kazakh_cultural,gpt_5.2,3,2,2,7,2.5,4,bad\n"
        ),
    );
    write(
        root,
        "grades/judges/judge_b/C1_english.csv",
        &format!("{GRADES_HEADER}1,neutral_factual,gpt_5.2,1,1,1,3,2.5,4,ok\n"),
    );
    write(root, "grades/judges/judge_c/C1_english.csv", "not,a,grades,file\n");
    let output = run_binary(args(root, "validate", &[]), Vec::new(), root).await;
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("error: grades/judges/judge_a/C1_english.csv:3: field `accuracy`: 3 is outside 0..=2"),
        "{stdout}"
    );
    assert!(stdout.contains("error: grades/judges/judge_c/C1_english.csv:1: missing column `question_id`"), "{stdout}");
    assert!(stdout.contains("judge judge_a: 1 grades file in grades/judges/judge_a/ (1 row, "), "{stdout}");
    assert!(stdout.contains("judge judge_b: 1 grades file in grades/judges/judge_b/ (1 row, "), "{stdout}");
    // The judge's own checks, as the study's: responses without its grade.
    assert!(
        stdout.contains("warning: grades/judges/judge_b/C1_english.csv: gpt_5.2 has 1 response without a grade"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_a_two_judge_grading_resumes_without_loss_or_duplicates() {
    let slow = |name: &'static str| {
        move |seen: &Seen, _: usize| {
            let text = graded(seen);
            verdict([1, 1, 1], &format!("{name}: {text}")).after(Duration::from_millis(30))
        }
    };
    let server_a = MockServer::start(slow("a")).await;
    let server_b = MockServer::start(slow("b")).await;
    let data = fifty_questions_two_models();
    let root = data.path();
    write_judges_config(root, &server_a.url, &server_b.url);
    let files = [root.join("grades/judges/judge_a/C1_english.csv"), root.join("grades/judges/judge_b/C1_english.csv")];
    let grade = args(root, "grade", &["--judge", "judge_a", "--judge", "judge_b"]);
    for round in 1..=2 {
        let before: Vec<usize> = files.iter().map(|file| grade_rows(file)).collect();
        let mut child = spawn_quietly(&grade, &[]);
        let deadline = Instant::now() + Duration::from_secs(30);
        // Killed once both judges have saved some of this round's grades.
        while files.iter().zip(&before).any(|(file, before)| grade_rows(file) < before + 5 * round) {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(files.iter().all(|file| grade_rows(file) < 100), "killed mid-grading");
    }
    let saved: usize = files.iter().map(|file| grade_rows(file)).sum();
    let requests_before = server_a.request_count() + server_b.request_count();

    let output = run_binary(grade, Vec::new(), root).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(
        server_a.request_count() + server_b.request_count() - requests_before,
        200 - saved,
        "only what was missing was graded"
    );
    let expected: Vec<(u32, String)> =
        (1..=50).flat_map(|id| [(id, "gpt_5.2".to_owned()), (id, "qwen3".to_owned())]).collect();
    for (file, judge) in files.iter().zip(["judge_a", "judge_b"]) {
        let parsed = parse_grades(&read(file), Condition::C1, "C1").unwrap();
        let keys: Vec<(u32, String)> = parsed.rows.iter().map(|row| (row.question_id, row.model.clone())).collect();
        assert_eq!(keys, expected, "{judge}: complete, in order, without duplicates");
        let prefix = &judge[judge.len() - 1..];
        assert!(parsed.rows.iter().all(|row| row.notes == format!("{prefix}: {} says {}", row.model, row.question_id)));
        let log = root.join(format!("grades/judges/{judge}/judgments/C1_english.jsonl"));
        let (records, problems) = parse_judgments(&read(&log), "log");
        assert!(problems.is_empty() || problems.iter().all(|problem| !problem.is_error()), "{problems:?}");
        for row in &parsed.rows {
            assert!(records.iter().any(|record| record.model == row.model && record.question_id == row.question_id));
        }
    }
    // The study's grades were never written.
    assert!(!root.join("grades/C1_english.csv").exists());
}
