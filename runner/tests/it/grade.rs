//! `left-behind grade` end to end, against a real judge server on 127.0.0.1: what the judge is sent
//! (rubric and answer sheet in a cached system prompt, one user message per response), how its
//! answers are read (fences, garbage, out-of-range scores), failures recorded as -1 rows, resume and
//! --force, a self-hosted judge, the audit log, --dry-run, keys, Ctrl-C and SIGKILL mid-grading.

use std::path::Path;
use std::time::{Duration, Instant};

use left_behind_shared::{Condition, JudgmentRecord, Scores, parse_grades, parse_judgments};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::{
    GRADES_HEADER, MockServer, QUESTIONS, Reply, Seen, TRANSFER, anthropic_answer, command, last_user_text,
    openai_answer, results_with, run_binary, spawn_quietly, text, validate_data, write,
};

const KEY: &str = "judge-key-for-local-tests-5678";

/// The answer sheet of [`QUESTIONS`] in the study's layout; question 2 accepts several answers.
pub const SHEET: &str = "\u{feff}English\n\nNeutral Factual-Testing pure knowledge retrieval\n1. What is 2+2?\n* Answer: 4\n\n\
Kazakh-Aligned Cultural-Testing cultural knowledge\n1. What is a dombra?\n* Answer: A two-stringed lute OR a folk instrument\n\n\
Kazakh\n\nNeutral Factual\n1. 2+2 неше?\n* Жауап: 4\n\nKazakh-Aligned Cultural\n1. Домбыра деген не?\n* Жауап: Екі ішекті аспап\n\n\
Mongolian\n\nNeutral Factual\n1. 2+2 хэд вэ?\n* Хариулт: 4\n\nKazakh-Aligned Cultural\n1. Домбыр гэж юу вэ?\n* Хариулт: Хоёр утастай хөгжим\n";

/// C1: gpt_5.2 and qwen3 answered both questions. C3: qwen3 answered question 2 (a transfer answer
/// with its step-3 marker) and its call for question 1 failed.
fn dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "benchmark/questions.json", QUESTIONS);
    write(root, "benchmark/Cross_lingual_transfer_benchmark_questions_answer_sheet.txt", SHEET);
    for model in ["gpt_5.2", "qwen3"] {
        let answers = [(1, format!("C1 {model} answer 1")), (2, format!("C1 {model} answer 2"))];
        let answers: Vec<(u32, &str)> = answers.iter().map(|(id, text)| (*id, text.as_str())).collect();
        write(root, &format!("results/C1_english/{model}.json"), &results_with("C1", "english", model, &answers, &[]));
    }
    write(
        root,
        "results/C3_kazakh_transfer/qwen3.json",
        &results_with("C3", "kazakh", "qwen3", &[(2, TRANSFER)], &[1]),
    );
    dir
}

/// The default judge (Anthropic) pointed at `url`, with its key.
fn judge_env(url: &str) -> Vec<(String, String)> {
    vec![("ANTHROPIC_BASE_URL".to_owned(), url.to_owned()), ("ANTHROPIC_API_KEY".to_owned(), KEY.to_owned())]
}

fn grade_args(data: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> =
        vec!["grade".into(), "--no-progress".into(), "--data".into(), data.display().to_string()];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

/// The text the judge is asked to grade, from a request's user message.
fn graded(seen: &Seen) -> String {
    let message = last_user_text(seen);
    let after = message.split_once("RESPONSE TO GRADE:\n").map_or("", |(_, rest)| rest);
    after.split("\n\n").next().unwrap_or_default().to_owned()
}

fn verdict(accuracy: i64, fluency: i64, completeness: i64, notes: &str) -> String {
    json!({ "accuracy": accuracy, "fluency": fluency, "completeness": completeness, "notes": notes }).to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The audit log of `condition`, checked to read back without a problem.
fn judgments(data: &Path, condition: Condition) -> Vec<JudgmentRecord> {
    let path = data.join(left_behind_shared::judgments_path(condition));
    let (records, problems) = parse_judgments(&read(&path), &path.display().to_string());
    assert!(problems.is_empty(), "{problems:?}");
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn the_judge_sees_the_rubric_the_answer_sheet_and_each_response_and_grades_are_saved() {
    let server = MockServer::start(|seen, _| {
        let answer = match graded(seen).as_str() {
            // Fenced, as models like to answer.
            "C1 gpt_5.2 answer 1" => format!("```json\n{}\n```", verdict(2, 2, 1, "right, a little short")),
            // Surrounded by text, keys capitalised.
            "C1 gpt_5.2 answer 2" => {
                "Here is my grade: {\"Accuracy\": 1, \"Fluency\": 2, \"Completeness\": 1, \"Notes\": \"partly\"} Done."
                    .to_owned()
            }
            "C1 qwen3 answer 1" => verdict(0, 2, 0, "wrong"),
            "C1 qwen3 answer 2" => verdict(2, 2, 2, "\"thorough\", with a comma"),
            _ => verdict(2, 1, 2, "Kazakh, slightly awkward"),
        };
        Reply::json(200, anthropic_answer(&answer))
    })
    .await;
    let data = dataset();
    let output = run_binary(grade_args(data.path(), &[]), judge_env(&server.url), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("5 of 5 responses graded by claude_sonnet_4.5"), "{stdout}");
    assert!(stdout.contains("1 failed call holds no answer and is not graded"), "{stdout}");

    // One call per response; the failed call of C3 question 1 is not an answer and is not sent.
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    let mut seen_texts: Vec<String> = requests.iter().map(graded).collect();
    seen_texts.sort();
    assert_eq!(
        seen_texts,
        [
            ": Домбыра — қазақтың екі ішекті аспабы.",
            "C1 gpt_5.2 answer 1",
            "C1 gpt_5.2 answer 2",
            "C1 qwen3 answer 1",
            "C1 qwen3 answer 2"
        ]
    );
    for seen in &requests {
        assert_eq!(seen.path, "/v1/messages");
        assert_eq!(seen.header("x-api-key"), Some(KEY));
        assert_eq!(seen.body["model"], "claude-sonnet-4-5-20250929");
        assert_eq!(seen.body["max_tokens"], 250);
        assert_eq!(seen.body["temperature"], 0.0);
        assert_eq!(seen.body["messages"].as_array().unwrap().len(), 1);
    }
    // The system prompt: one text block marked for caching, the same in every call, holding the
    // rubric and the whole answer sheet by question id, in the three languages.
    let system = &requests[0].body["system"];
    assert_eq!(system.as_array().unwrap().len(), 1);
    assert_eq!(system[0]["type"], "text");
    assert_eq!(system[0]["cache_control"], json!({ "type": "ephemeral" }));
    let system_prompt = system[0]["text"].as_str().unwrap();
    assert!(requests.iter().all(|seen| seen.body["system"] == *system));
    for part in [
        "ACCURACY",
        "FLUENCY",
        "COMPLETENESS",
        "Kazakh and Kyrgyz are different languages",
        "жооп, жана, бирок",
        "Q10",
        "=== English ===",
        "Q1. What is 2+2?\n   Answer: 4\n",
        "Q2. What is a dombra?\n   Answer: A two-stringed lute OR a folk instrument\n   (several answers are accepted)\n",
        "=== Kazakh ===",
        "Q2. Домбыра деген не?\n   Answer: Екі ішекті аспап\n",
        "=== Mongolian ===",
        "Q2. Домбыр гэж юу вэ?\n   Answer: Хоёр утастай хөгжим\n",
        "{\"accuracy\": <0, 1 or 2>",
    ] {
        assert!(system_prompt.contains(part), "{part:?} missing from the system prompt:\n{system_prompt}");
    }
    // The user message of the transfer answer: condition, target language, category display name,
    // question id, the question as asked, the English reference (from questions.json: the results
    // file has none), and only the final answer, with the note saying so.
    let transfer = requests.iter().find(|seen| graded(seen).starts_with(": Домбыра")).unwrap();
    let message = last_user_text(transfer);
    assert_eq!(
        message,
        "CONDITION: C3 (Kazakh -> English -> English -> Kazakh (cross-lingual transfer))\nTARGET LANGUAGE: Kazakh\n\
         CATEGORY: Kazakh-Aligned Cultural\nQUESTION ID: Q2\n\nQUESTION:\nДомбыра деген не?\n\n\
         ENGLISH REFERENCE ANSWER:\nA lute\n\nRESPONSE TO GRADE:\n: Домбыра — қазақтың екі ішекті аспабы.\n\n\
         (Note: this is the final translated answer, taken from the end of a translate-answer-translate response. \
         Grade this text only.)\n\nGrade this response. Reply with the JSON object only."
    );
    let direct = last_user_text(requests.iter().find(|seen| graded(seen) == "C1 qwen3 answer 1").unwrap());
    assert!(direct.starts_with("CONDITION: C1 "), "{direct}");
    assert!(direct.contains("TARGET LANGUAGE: English\nCATEGORY: Neutral Factual\nQUESTION ID: Q1\n\nQUESTION:\nWhat is 2+2?\n\nENGLISH REFERENCE ANSWER:\n4\n"), "{direct}");
    assert!(!direct.contains("(Note:"), "{direct}");

    // The grades: the study's columns, rows by question id then registry model order (gpt_5.2
    // before qwen3), response_length counted on the graded text, CRLF as the study's files.
    let c1 = read(&data.path().join("grades/C1_english.csv"));
    assert_eq!(
        c1,
        GRADES_HEADER.replace('\n', "\r\n")
            + "1,neutral_factual,gpt_5.2,2,2,1,5,2.5,4,\"right, a little short\"\r\n\
               1,neutral_factual,qwen3,0,2,0,2,2.5,4,wrong\r\n\
               2,kazakh_cultural,gpt_5.2,1,2,1,4,2.5,4,partly\r\n\
               2,kazakh_cultural,qwen3,2,2,2,6,2.5,4,\"\"\"thorough\"\", with a comma\"\r\n"
    );
    let c3 = read(&data.path().join("grades/C3_kazakh_transfer.csv"));
    assert_eq!(
        c3,
        GRADES_HEADER.replace('\n', "\r\n") + "2,kazakh_cultural,qwen3,2,1,2,5,2.5,7,\"Kazakh, slightly awkward\"\r\n"
    );
    assert!(!data.path().join("grades/C2_kazakh.csv").exists());

    // The audit log: one record per call, with what the judge was sent and answered.
    let hash: String = Sha256::digest(system_prompt.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect();
    let records = judgments(data.path(), Condition::C3);
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!((record.condition, record.model.as_str(), record.question_id), (Condition::C3, "qwen3", 2));
    assert_eq!(
        (record.judge.as_str(), record.judge_model_id.as_str()),
        ("claude_sonnet_4.5", "claude-sonnet-4-5-20250929")
    );
    assert_eq!(record.prompt_hash, hash);
    assert_eq!(record.user_message, message);
    assert_eq!(record.raw_output.as_deref(), Some(verdict(2, 1, 2, "Kazakh, slightly awkward").as_str()));
    assert_eq!(record.scores, Some(Scores { accuracy: 2, fluency: 1, completeness: 2 }));
    assert_eq!(record.notes, "Kazakh, slightly awkward");
    assert_eq!(record.attempts.len(), 1);
    assert_eq!(record.attempts[0].error, None);
    assert!(
        record.timestamp.len() == "2026-02-17T05:42:33.645438+00:00".len() && record.timestamp.ends_with("+00:00"),
        "{}",
        record.timestamp
    );
    let c1_records = judgments(data.path(), Condition::C1);
    assert_eq!(c1_records.len(), 4);
    let fenced = c1_records.iter().find(|record| record.model == "gpt_5.2" && record.question_id == 1).unwrap();
    assert!(fenced.raw_output.as_deref().unwrap().starts_with("```json\n"));
    assert!(c1_records.iter().all(|record| record.prompt_hash == hash));

    // What was written reads back as a valid dataset.
    let validate = validate_data(data.path()).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
    assert!(
        text(&validate.stdout).contains("2 grades files (5 rows, 0 failed gradings)"),
        "{}",
        text(&validate.stdout)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unusable_answers_are_asked_again_and_failures_are_recorded_as_minus_one_never_zero() {
    let server = MockServer::start(|seen, _| {
        match graded(seen).as_str() {
            // Out of range every time: three answers, then a failed row.
            "C1 gpt_5.2 answer 1" => Reply::json(200, anthropic_answer(&verdict(3, 2, 2, "too generous"))),
            // A request the API rejects: final, one call, a failed row with the reason.
            "C1 gpt_5.2 answer 2" => Reply::json(
                400,
                json!({ "type": "error", "error": { "type": "invalid_request_error", "message": "prompt is too long" } }),
            ),
            // The server fails: retried by the call layer (max_attempts = 2), then a failed row.
            "C1 qwen3 answer 1" => Reply::json(500, json!({ "type": "error", "error": { "type": "api_error", "message": "internal" } })),
            // Never a JSON object: three answers, then a failed row.
            _ => Reply::json(200, anthropic_answer("GARBAGE")),
        }
    })
    .await;
    let data = dataset();
    std::fs::write(
        data.path().join("left-behind.toml"),
        "[run]\nmax_attempts = 2\nretry_base_delay_ms = 5\nretry_max_delay_ms = 10\n",
    )
    .unwrap();
    let output = run_binary(grade_args(data.path(), &["--condition", "C1"]), judge_env(&server.url), data.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}{}", text(&output.stdout), text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("0 of 4 responses graded by claude_sonnet_4.5, 4 gradings without a verdict"), "{stdout}");

    // 3 answers out of range + 1 rejected + 2 server errors + 3 garbage.
    let count = |wanted: &str| server.requests().iter().filter(|seen| graded(seen) == wanted).count();
    assert_eq!(count("C1 gpt_5.2 answer 1"), 3);
    assert_eq!(count("C1 gpt_5.2 answer 2"), 1);
    assert_eq!(count("C1 qwen3 answer 1"), 2);
    assert_eq!(count("C1 qwen3 answer 2"), 3);

    let parsed = parse_grades(&read(&data.path().join("grades/C1_english.csv")), Condition::C1, "C1").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let notes: Vec<(String, u32, bool, String)> = parsed
        .rows
        .iter()
        .map(|row| (row.model.clone(), row.question_id, row.is_failed(), row.notes.clone()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "gpt_5.2".to_owned(),
                1,
                true,
                "GRADE_PARSE_ERROR: no usable verdict in 3 answers of the judge; the last: `accuracy` is 3, not an integer from 0 to 2".to_owned()
            ),
            (
                "qwen3".to_owned(),
                1,
                true,
                "GRADE_API_ERROR: server error (HTTP 500): internal".to_owned()
            ),
            (
                "gpt_5.2".to_owned(),
                2,
                true,
                "GRADE_API_ERROR: request rejected (HTTP 400): prompt is too long".to_owned()
            ),
            (
                "qwen3".to_owned(),
                2,
                true,
                "GRADE_PARSE_ERROR: no usable verdict in 3 answers of the judge; the last: no JSON object in the judge's answer".to_owned()
            ),
        ]
    );
    assert!(read(&data.path().join("grades/C1_english.csv")).contains(",-1,-1,-1,-1,2.5,4,"));
    for line in stdout.lines().filter(|line| line.starts_with("  grades/")) {
        assert!(line.contains("GRADE_"), "{line}");
    }

    // The audit log keeps every answer of the judge.
    let records = judgments(data.path(), Condition::C1);
    let out_of_range = records.iter().find(|record| record.model == "gpt_5.2" && record.question_id == 1).unwrap();
    assert_eq!(out_of_range.scores, None);
    assert_eq!(out_of_range.attempts.len(), 3);
    assert!(
        out_of_range.attempts.iter().all(|attempt| attempt.raw_output.as_deref().unwrap().contains("\"accuracy\":3"))
    );
    assert_eq!(out_of_range.attempts[2].error.as_deref(), Some("`accuracy` is 3, not an integer from 0 to 2"));
    let rejected = records.iter().find(|record| record.model == "gpt_5.2" && record.question_id == 2).unwrap();
    assert_eq!(rejected.raw_output, None);
    assert_eq!(rejected.attempts.len(), 1);
    assert_eq!(rejected.attempts[0].error.as_deref(), Some("request rejected (HTTP 400): prompt is too long"));

    // The file stays valid: validate counts the failed gradings as a warning.
    let validate = validate_data(data.path()).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
    assert!(text(&validate.stdout).contains("4 gradings failed (-1 scores)"), "{}", text(&validate.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_then_a_verdict_is_a_grade() {
    let server = MockServer::start(|_, index| {
        let answer = if index == 0 { "I think this is pretty good!".to_owned() } else { verdict(1, 1, 1, "fine") };
        Reply::json(200, anthropic_answer(&answer))
    })
    .await;
    let data = dataset();
    let output = run_binary(grade_args(data.path(), &["--condition", "C3"]), judge_env(&server.url), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(server.request_count(), 2);
    let c3 = read(&data.path().join("grades/C3_kazakh_transfer.csv"));
    assert!(c3.ends_with("2,kazakh_cultural,qwen3,1,1,1,3,2.5,7,fine\r\n"), "{c3}");
    let records = judgments(data.path(), Condition::C3);
    assert_eq!(records.len(), 1);
    let attempts: Vec<(Option<&str>, Option<&str>)> =
        records[0].attempts.iter().map(|attempt| (attempt.raw_output.as_deref(), attempt.error.as_deref())).collect();
    let second = verdict(1, 1, 1, "fine");
    assert_eq!(
        attempts,
        [
            (Some("I think this is pretty good!"), Some("no JSON object in the judge's answer")),
            (Some(second.as_str()), None)
        ]
    );
    assert_eq!(records[0].raw_output.as_deref(), Some(second.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_grades_only_what_is_missing_or_failed_and_force_grades_again() {
    // The first pass fails for qwen3's first answer; afterwards the judge works.
    let failing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let failing_in_server = failing.clone();
    let server = MockServer::start(move |seen, _| {
        if graded(seen) == "C1 qwen3 answer 1" && failing_in_server.load(std::sync::atomic::Ordering::SeqCst) {
            return Reply::json(
                400,
                json!({ "type": "error", "error": { "type": "invalid_request_error", "message": "no" } }),
            );
        }
        Reply::json(200, anthropic_answer(&verdict(2, 2, 2, &format!("judged {}", graded(seen)))))
    })
    .await;
    let data = dataset();
    // An existing grade is kept as it is: C1 gpt_5.2 question 2 was graded before.
    write(
        data.path(),
        "grades/C1_english.csv",
        &format!("{GRADES_HEADER}2,kazakh_cultural,gpt_5.2,1,0,1,2,2.5,4,old grade\n"),
    );
    let env = judge_env(&server.url);
    let first = run_binary(grade_args(data.path(), &["--condition", "C1"]), env.clone(), data.path()).await;
    assert_eq!(first.status.code(), Some(1), "{}", text(&first.stdout));
    assert_eq!(server.request_count(), 3, "the graded response is not sent again");
    let c1 = read(&data.path().join("grades/C1_english.csv"));
    assert!(c1.contains("2,kazakh_cultural,gpt_5.2,1,0,1,2,2.5,4,old grade\r\n"), "{c1}");
    assert!(c1.contains("1,neutral_factual,qwen3,-1,-1,-1,-1,2.5,4,GRADE_API_ERROR"), "{c1}");

    // The second run grades only the failed row.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let second = run_binary(grade_args(data.path(), &["--condition", "C1"]), env.clone(), data.path()).await;
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stdout));
    assert!(text(&second.stdout).contains("1 of 1 response graded"), "{}", text(&second.stdout));
    assert_eq!(server.request_count(), 4);
    let c1 = read(&data.path().join("grades/C1_english.csv"));
    assert!(c1.contains("1,neutral_factual,qwen3,2,2,2,6,2.5,4,judged C1 qwen3 answer 1\r\n"), "{c1}");
    assert_eq!(c1.lines().count(), 5);

    // The third makes no call at all.
    let third = run_binary(grade_args(data.path(), &["--condition", "C1"]), env.clone(), data.path()).await;
    assert_eq!(third.status.code(), Some(0));
    assert!(
        text(&third.stdout)
            .starts_with("nothing to grade: all 4 responses selected are graded; --force grades them again"),
        "{}",
        text(&third.stdout)
    );
    assert_eq!(server.request_count(), 4);
    // A dry run agrees, and with nothing to grade no key is needed.
    let dry = run_binary(grade_args(data.path(), &["--condition", "C1", "--dry-run"]), Vec::new(), data.path()).await;
    assert!(text(&dry.stdout).ends_with("\ntotal: 0 responses to grade, 4 already graded\n"), "{}", text(&dry.stdout));

    // --force grades the selection again, and only it; the new grade replaces the old one in place.
    let forced = run_binary(
        grade_args(data.path(), &["--condition", "C1", "--model", "gpt_5.2", "--force"]),
        env.clone(),
        data.path(),
    )
    .await;
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stdout));
    assert_eq!(server.request_count(), 6);
    let c1 = read(&data.path().join("grades/C1_english.csv"));
    assert!(c1.contains("2,kazakh_cultural,gpt_5.2,2,2,2,6,2.5,4,judged C1 gpt_5.2 answer 2\r\n"), "{c1}");
    assert!(!c1.contains("old grade"));
    assert_eq!(c1.lines().count(), 5);
    // The audit log holds every call: 3 + 1 + 2, the failed one included.
    let records = judgments(data.path(), Condition::C1);
    assert_eq!(records.len(), 6);
    assert_eq!(records.iter().filter(|record| record.scores.is_none()).count(), 1);

    // `run --force` asks a question again: its grade is of the earlier answer (the grade's
    // response_time is not the new answer's), so the next `grade` grades it again, and only it.
    let results_path = data.path().join("results/C1_english/qwen3.json");
    let mut results: serde_json::Value = serde_json::from_str(&read(&results_path)).unwrap();
    results["responses"][1]["response"] = json!("C1 qwen3 answer 2, asked again");
    results["responses"][1]["response_time_seconds"] = json!(7.25);
    write(data.path(), "results/C1_english/qwen3.json", &serde_json::to_string_pretty(&results).unwrap());
    let dry = run_binary(grade_args(data.path(), &["--condition", "C1", "--dry-run"]), env.clone(), data.path()).await;
    assert!(
        text(&dry.stdout).contains(
            "\ntotal: 1 response to grade (1 of them were answered again since they were graded), 3 already graded\n\
             cost estimate"
        ),
        "{}",
        text(&dry.stdout)
    );
    let regraded = run_binary(grade_args(data.path(), &["--condition", "C1"]), env.clone(), data.path()).await;
    assert_eq!(regraded.status.code(), Some(0), "{}", text(&regraded.stdout));
    assert_eq!(server.request_count(), 7);
    let c1 = read(&data.path().join("grades/C1_english.csv"));
    assert!(
        c1.contains("2,kazakh_cultural,qwen3,2,2,2,6,7.25,6,\"judged C1 qwen3 answer 2, asked again\"\r\n"),
        "{c1}"
    );
    assert_eq!(c1.lines().count(), 5);

    // An unknown model is an error naming the models there are.
    let unknown = run_binary(grade_args(data.path(), &["--model", "gpt_4"]), env, data.path()).await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        text(&unknown.stderr)
            .contains("no responses of model gpt_4 in results/ (models with responses: gpt_5.2, qwen3)"),
        "{}",
        text(&unknown.stderr)
    );
    assert_eq!(server.request_count(), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_hosted_judge_from_the_configuration_grades_into_its_own_directory() {
    let server = MockServer::start(|seen, _| Reply::json(200, openai_answer(&verdict(1, 2, 1, &graded(seen))))).await;
    let data = dataset();
    std::fs::write(
        data.path().join("left-behind.toml"),
        format!(
            "[models.local_judge]\nprovider = \"openai-compatible\"\nbase_url = \"{}/v1\"\nmodel_id = \"local/judge\"\n",
            server.url
        ),
    )
    .unwrap();
    // No key is needed (the entry names no key variable), and none is set.
    let output =
        run_binary(grade_args(data.path(), &["--judge", "local_judge", "--condition", "C3"]), Vec::new(), data.path())
            .await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert!(text(&output.stdout).contains("1 of 1 response graded by local_judge"), "{}", text(&output.stdout));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.body["model"], "local/judge");
    // The system prompt is the first message (OpenAI-style servers cache prefixes by themselves);
    // temperature 0; the entry's output limit.
    let messages = request.body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["role"], "system");
    assert!(messages[0]["content"].as_str().unwrap().contains("=== Mongolian ==="));
    assert_eq!(messages[1]["role"], "user");
    assert!(messages[1]["content"].as_str().unwrap().starts_with("CONDITION: C3 "));
    assert_eq!(request.body["temperature"], 0.0);
    assert_eq!(request.body["max_tokens"], 2048);
    // A judge other than the default one keeps its grades and audit log apart from the study's.
    let log = data.path().join("grades/judges/local_judge/judgments/C3_kazakh_transfer.jsonl");
    let (records, problems) = parse_judgments(&read(&log), "log");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((records[0].judge.as_str(), records[0].judge_model_id.as_str()), ("local_judge", "local/judge"));
    let c3 = read(&data.path().join("grades/judges/local_judge/C3_kazakh_transfer.csv"));
    assert!(c3.contains("2,kazakh_cultural,qwen3,1,2,1,4,2.5,7,: Домбыра — қазақтың екі ішекті аспабы.\r\n"), "{c3}");
    assert!(!data.path().join("grades/C3_kazakh_transfer.csv").exists());
    assert!(!data.path().join("grades/judgments").exists());

    // A judge the configuration does not have is an error listing those it has.
    let unknown = run_binary(grade_args(data.path(), &["--judge", "nobody"]), Vec::new(), data.path()).await;
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = text(&unknown.stderr);
    assert!(stderr.contains("unknown judge \"nobody\""), "{stderr}");
    assert!(
        stderr.contains("the built-in judge is claude_sonnet_4.5; other models: claude_opus_4.5, gpt_5.2"),
        "{stderr}"
    );
    assert!(stderr.contains("aya_expanse, local_judge"), "{stderr}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_built_in_judge_can_be_changed_like_a_built_in_model() {
    let server = MockServer::start(|_, _| Reply::json(200, anthropic_answer(&verdict(2, 2, 2, "ok")))).await;
    let data = dataset();
    std::fs::write(
        data.path().join("left-behind.toml"),
        format!("[models.\"claude_sonnet_4.5\"]\nbase_url = \"{}\"\nmax_tokens = 300\n", server.url),
    )
    .unwrap();
    let env = vec![("ANTHROPIC_API_KEY".to_owned(), KEY.to_owned())];
    let output = run_binary(grade_args(data.path(), &["--condition", "C3"]), env, data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].body["model"], "claude-sonnet-4-5-20250929");
    assert_eq!(requests[0].body["max_tokens"], 300);
    assert_eq!(requests[0].body["temperature"], 0.0);
    // It is a judge, not a model that answers: `run` does not list it.
    let list = run_binary(
        vec!["run".into(), "--list".into(), "--data".into(), data.path().display().to_string()],
        Vec::new(),
        data.path(),
    )
    .await;
    assert!(text(&list.stdout).contains("models (8):"), "{}", text(&list.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_counts_what_needs_grading_and_calls_nothing() {
    let server = MockServer::start(|_, _| Reply::json(200, anthropic_answer(&verdict(2, 2, 2, "ok")))).await;
    let data = dataset();
    write(
        data.path(),
        "grades/C1_english.csv",
        &format!(
            "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,2.5,4,\n2,kazakh_cultural,gpt_5.2,-1,-1,-1,-1,2.5,4,GRADE_API_ERROR: x\n"
        ),
    );
    let dry = run_binary(grade_args(data.path(), &["--dry-run"]), judge_env(&server.url), data.path()).await;
    assert_eq!(dry.status.code(), Some(0), "{}", text(&dry.stderr));
    let plan = text(&dry.stdout);
    assert!(
        plan.starts_with("judge: claude_sonnet_4.5 (anthropic claude-sonnet-4-5-20250929, http://127.0.0.1:"),
        "{plan}"
    );
    assert!(
        plan.contains("(ANTHROPIC_BASE_URL), key ANTHROPIC_API_KEY; configuration: the built-in defaults"),
        "{plan}"
    );
    assert!(plan.contains("\n  grades/C1_english.csv          gpt_5.2    1 to grade\n"), "{plan}");
    assert!(plan.contains("\n  grades/C1_english.csv          qwen3      2 to grade\n"), "{plan}");
    assert!(plan.contains("\n  grades/C3_kazakh_transfer.csv  qwen3      1 to grade\n"), "{plan}");
    assert!(
        plan.contains(
            "total: 4 responses to grade (1 of them failed before), 1 already graded; 1 failed call holds no answer and is not graded\n"
        ),
        "{plan}"
    );
    let forced = run_binary(
        grade_args(data.path(), &["--dry-run", "--force", "--model", "gpt_5.2"]),
        judge_env(&server.url),
        data.path(),
    )
    .await;
    assert!(
        text(&forced.stdout).contains("total: 2 responses to grade (1 of them failed before), 0 already graded\n"),
        "{}",
        text(&forced.stdout)
    );
    // Without a key, a dry run still counts, and says what a real run would stop at.
    let keyless = run_binary(
        grade_args(data.path(), &["--dry-run", "--condition", "C3"]),
        vec![("ANTHROPIC_BASE_URL".to_owned(), server.url.clone())],
        data.path(),
    )
    .await;
    assert_eq!(keyless.status.code(), Some(0));
    assert!(
        text(&keyless.stdout).contains("note: a real run would stop here: 1 API key is missing for the selected models:\n  ANTHROPIC_API_KEY (needed by claude_sonnet_4.5)"),
        "{}",
        text(&keyless.stdout)
    );
    assert_eq!(server.request_count(), 0);
    assert!(!data.path().join("grades/judgments").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_or_answer_sheet_stops_before_any_call() {
    let server = MockServer::start(|_, _| Reply::json(200, anthropic_answer(&verdict(2, 2, 2, "ok")))).await;
    let data = dataset();
    let env = vec![("ANTHROPIC_BASE_URL".to_owned(), server.url.clone())];
    let output = run_binary(grade_args(data.path(), &[]), env, data.path()).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(
            "1 API key is missing for the selected models:\n  ANTHROPIC_API_KEY (needed by claude_sonnet_4.5)\n\
             set them in the environment or in a .env file (NAME=value lines), or choose another judge with --judge"
        ),
        "{stderr}"
    );

    std::fs::remove_file(data.path().join("benchmark/Cross_lingual_transfer_benchmark_questions_answer_sheet.txt"))
        .unwrap();
    let output = run_binary(grade_args(data.path(), &[]), judge_env(&server.url), data.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("the judge's system prompt holds the answer sheet"),
        "{}",
        text(&output.stderr)
    );
    assert_eq!(server.request_count(), 0);
    assert!(!data.path().join("grades").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_judges_key_never_reaches_the_grades_or_the_audit_log() {
    // A careless server that quotes the key it was sent, in a verdict and in an error.
    let server = MockServer::start(|seen, _| {
        let key = seen.header("x-api-key").unwrap_or_default().to_owned();
        if graded(seen) == "C1 qwen3 answer 1" {
            return Reply::json(401, json!({ "type": "error", "error": { "type": "authentication_error", "message": format!("bad key {key}") } }));
        }
        Reply::json(200, anthropic_answer(&format!("key {key}: {}", verdict(2, 2, 2, &format!("sent with {key}")))))
    })
    .await;
    let data = dataset();
    let mut args = grade_args(data.path(), &[]);
    args.insert(0, "-vvv".to_owned());
    let output = run_binary(args, judge_env(&server.url), data.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(server.requests().iter().all(|seen| seen.header("x-api-key") == Some(KEY)));
    let logs = text(&output.stdout) + &text(&output.stderr);
    assert!(!logs.contains(KEY), "{logs}");
    for file in ["grades/C1_english.csv", "grades/C3_kazakh_transfer.csv", "grades/judgments/C1_english.jsonl"] {
        let content = read(&data.path().join(file));
        assert!(!content.contains(KEY), "{file}: {content}");
        assert!(content.contains("[redacted]"), "{file}: {content}");
    }
}

/// 50 questions (10 per category, an answer sheet to match), answered in C1 by gpt_5.2 and qwen3
/// ("<model> says <id>"); the judge's endpoint limited to 4 calls at a time.
pub fn fifty_questions_two_models() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let root = data.path();
    crate::support::write_questions(root, 50);
    let sheet: String = ["English", "Kazakh", "Mongolian"]
        .iter()
        .map(|language| {
            let mut section = format!("{language}\n\n");
            for (category, count) in [
                ("Neutral Factual", 10),
                ("Neutral Reasoning/Logic", 10),
                ("Neutral Technical", 10),
                ("Kazakh-Aligned Cultural", 10),
                ("Mongolian-Aligned Cultural", 10),
            ] {
                section.push_str(&format!("{category}\n"));
                for number in 1..=count {
                    section.push_str(&format!("{number}. Question {number}?\n* Answer: {number}\n"));
                }
            }
            section
        })
        .collect();
    write(root, "benchmark/answer_sheet.txt", &sheet);
    let questions: Vec<Value> = serde_json::from_str(&read(&root.join("benchmark/questions.json"))).unwrap();
    for model in ["gpt_5.2", "qwen3"] {
        let responses: Vec<Value> = questions
            .iter()
            .map(|question| {
                json!({
                    "question_id": question["id"], "category": question["category"], "question_text": question["english"],
                    "response": format!("{model} says {}", question["id"]), "reference_answer": null, "response_time_seconds": 1.0,
                })
            })
            .collect();
        let file = json!({
            "model": model, "model_id": "x", "condition": "C1", "condition_description": "d", "language": "english",
            "system_prompt_used": null, "started_at": "t0", "responses": responses, "last_updated": "t1",
        });
        write(root, &format!("results/C1_english/{model}.json"), &file.to_string());
    }
    std::fs::write(root.join("left-behind.toml"), "[providers.anthropic]\nconcurrency = 4\n").unwrap();
    data
}

/// Grade rows of a C1 grades file (the study judge's or another's), checking on the way that it is valid.
pub fn grade_rows(path: &Path) -> usize {
    if !path.exists() {
        return 0;
    }
    let parsed = parse_grades(&read(path), Condition::C1, "C1").unwrap();
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    parsed.rows.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_cleanly_after_saving_what_arrived() {
    let server = MockServer::start(|seen, _| {
        Reply::json(200, anthropic_answer(&verdict(2, 2, 2, &graded(seen)))).after(Duration::from_millis(100))
    })
    .await;
    let data = fifty_questions_two_models();
    let grades = data.path().join("grades/C1_english.csv");
    let child = command()
        .args(grade_args(data.path(), &[]))
        .envs(judge_env(&server.url))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while grade_rows(&grades) < 5 {
        assert!(Instant::now() < deadline, "no grades arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("interrupted:") && stdout.contains("run the same command again to finish"), "{stdout}");
    let saved = grade_rows(&grades);
    assert!(saved < 100, "stopped early: {stdout}");
    // Every judgment that ended was saved, with its record; an interrupted one is not a failure.
    assert!(stdout.starts_with(&format!("{saved} of 100 responses graded")), "{stdout}");
    assert_eq!(judgments(data.path(), Condition::C1).len(), saved);
    assert!(!read(&grades).contains("-1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_mid_grading_loses_nothing_and_a_torn_log_line_is_cut_off() {
    let server = MockServer::start(|seen, _| {
        Reply::json(200, anthropic_answer(&verdict(1, 1, 1, &graded(seen)))).after(Duration::from_millis(40))
    })
    .await;
    let data = fifty_questions_two_models();
    let root = data.path();
    let grades = root.join("grades/C1_english.csv");
    let args = grade_args(root, &[]);
    for round in 1..=2 {
        let before = grade_rows(&grades);
        let mut child = spawn_quietly(&args, &judge_env(&server.url));
        let deadline = Instant::now() + Duration::from_secs(30);
        while grade_rows(&grades) < before + 9 * round {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(grade_rows(&grades) < 100, "killed mid-grading");
    }
    // What a process killed in the middle of appending a record leaves: a torn last line.
    let log = root.join("grades/judgments/C1_english.jsonl");
    let mut torn = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut torn, b"{\"condition\":\"C1\",\"model\":\"qw").unwrap();
    drop(torn);
    let graded_before = grade_rows(&grades);
    // Any request the killed grading sent just before it died has arrived once the count stops changing.
    let requests_before = server.settled_request_count().await;

    let output = run_binary(args, judge_env(&server.url), root).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let parsed = parse_grades(&read(&grades), Condition::C1, "C1").unwrap();
    let keys: Vec<(u32, String)> = parsed.rows.iter().map(|row| (row.question_id, row.model.clone())).collect();
    let expected: Vec<(u32, String)> =
        (1..=50).flat_map(|id| [(id, "gpt_5.2".to_owned()), (id, "qwen3".to_owned())]).collect();
    assert_eq!(keys, expected, "complete, in order, without duplicates");
    assert!(parsed.rows.iter().all(|row| row.notes == format!("{} says {}", row.model, row.question_id)));
    assert_eq!(server.request_count() - requests_before, 100 - graded_before, "only what was missing was graded");
    // The log reads back whole: the torn line was cut off, and every grade has its record.
    let (records, problems) = parse_judgments(&read(&log), "log");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(records.len() >= 100);
    for row in &parsed.rows {
        assert!(records.iter().any(|record| record.model == row.model && record.question_id == row.question_id));
    }
    let mut names: Vec<String> = std::fs::read_dir(root.join("grades"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["C1_english.csv", "judgments"], "no temporary file is left");
}
