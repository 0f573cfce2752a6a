//! Faults, each against the real `left-behind run`: what the server saw (how many requests) and
//! what the results file recorded (an answer with its attempts, or an error entry, never an answer
//! made of an error).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::support::{
    MockServer, RawServer, Reply, dataset, gemini_answer, openai_answer, read_results, run_args, run_binary,
    server_model, text, write_config,
};

/// Runs one local model over `questions` questions of C1 and returns (exit code, stdout, the file).
async fn run_once(
    url: &str,
    questions: u32,
    run_section: &str,
) -> (tempfile::TempDir, i32, String, left_behind_shared::ResultsFile) {
    let data = dataset(questions);
    let config = write_config(data.path(), run_section, &server_model("local", url));
    let output =
        run_binary(run_args(data.path(), &config, &["--condition", "C1", "--model", "local"]), Vec::new(), data.path())
            .await;
    let results = read_results(&data.path().join("results/C1_english/local.json"));
    let stdout = text(&output.stdout) + &text(&output.stderr);
    (data, output.status.code().unwrap(), stdout, results)
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_then_answered_after_retry_after() {
    let server = MockServer::start(|_, index| match index {
        0 => Reply::json(429, json!({ "error": { "message": "Rate limit reached" } })).with_header("retry-after", "1"),
        _ => Reply::json(200, openai_answer("Жауап")),
    })
    .await;
    let (_data, code, output, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 0, "{output}");
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    // The server asked for one second; the retry came no sooner.
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(990), "retried after {:?}", seen[1].at - seen[0].at);
    assert_eq!(results.responses.len(), 1);
    assert_eq!(results.responses[0].response, "Жауап");
    assert_eq!(results.responses[0].attempts, Some(2));
    assert!(results.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn server_error_then_success() {
    let server = MockServer::start(|_, index| match index {
        0 => Reply::json(500, json!({ "error": { "message": "internal" } })),
        _ => Reply::json(200, openai_answer("ok")),
    })
    .await;
    let (_data, code, output, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(server.request_count(), 2);
    assert_eq!(results.responses[0].attempts, Some(2));
    assert_eq!(results.responses[0].finish_reason.as_deref(), Some("stop"));
    assert!(results.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn timeout_on_every_attempt_is_recorded_as_an_error() {
    let server =
        MockServer::start(|_, _| Reply::json(200, openai_answer("too late")).after(Duration::from_secs(3))).await;
    let (_data, code, output, results) = run_once(&server.url, 1, "timeout_seconds = 0.3\nmax_attempts = 2").await;
    assert_eq!(code, 1, "a run with failed calls exits 1: {output}");
    assert_eq!(server.request_count(), 2);
    assert!(results.responses.is_empty(), "a timeout is never an answer");
    let error = &results.errors[0];
    assert_eq!((error.question_id, error.status, error.attempts), (1, None, 2));
    assert!(error.message.contains("no answer within 0.3 s"), "{}", error.message);
    assert!(output.contains("1 failed"), "{output}");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_reset_then_success() {
    let server = RawServer::start(1, openai_answer("after the reset").to_string()).await;
    let (_data, code, output, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(server.connection_count(), 2);
    assert_eq!(results.responses[0].response, "after the reset");
    assert_eq!(results.responses[0].attempts, Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_reset_every_time_is_recorded_after_the_last_attempt() {
    let server = RawServer::start(usize::MAX, String::new()).await;
    let (_data, code, _, results) = run_once(&server.url, 1, "max_attempts = 3").await;
    assert_eq!(code, 1);
    assert_eq!(server.connection_count(), 3);
    assert!(results.responses.is_empty());
    let error = &results.errors[0];
    assert_eq!((error.status, error.attempts), (None, 3));
    assert!(error.message.starts_with("connection failed"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_final() {
    let server = MockServer::start(|_, _| Reply::text(200, "{\"choices\": [ oops")).await;
    let (_data, code, _, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 1);
    assert_eq!(server.request_count(), 1, "a malformed answer is not retried");
    assert!(results.responses.is_empty());
    let error = &results.errors[0];
    assert_eq!((error.status, error.attempts), (Some(200), 1));
    assert!(error.message.starts_with("malformed response"), "{}", error.message);
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_content_is_final_and_not_an_answer() {
    let server = MockServer::start(|_, _| {
        let mut answer = openai_answer("");
        answer["choices"][0]["finish_reason"] = json!("length");
        Reply::json(200, answer)
    })
    .await;
    let (_data, code, _, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 1);
    assert_eq!(server.request_count(), 1);
    assert!(results.responses.is_empty());
    assert_eq!(results.errors[0].message, "the response holds no text (finish reason length)");
}

#[tokio::test(flavor = "multi_thread")]
async fn client_error_is_final() {
    let server = MockServer::start(|_, _| Reply::json(404, json!({ "error": { "message": "model not found" } }))).await;
    let (_data, code, _, results) = run_once(&server.url, 1, "").await;
    assert_eq!(code, 1);
    assert_eq!(server.request_count(), 1);
    assert_eq!(results.errors[0].status, Some(404));
    assert_eq!(results.errors[0].message, "request rejected (HTTP 404): model not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn gemini_without_candidates_or_stopped_by_safety_is_blocked() {
    let server = MockServer::start(|seen, _| {
        let question = crate::support::last_user_text(seen);
        if question.contains('1') {
            // The prompt itself was blocked: no candidates at all.
            Reply::json(
                200,
                json!({ "promptFeedback": { "blockReason": "SAFETY" }, "usageMetadata": { "promptTokenCount": 9 } }),
            )
        } else if question.contains('2') {
            // A candidate stopped by the safety filter, without text.
            Reply::json(200, json!({ "candidates": [{ "finishReason": "SAFETY", "index": 0 }] }))
        } else {
            Reply::json(200, gemini_answer("fine"))
        }
    })
    .await;
    let data = dataset(3);
    let models = format!(
        "[models.gemini_local]\nprovider = \"google\"\nbase_url = \"{}\"\nmodel_id = \"gemini-test\"\n",
        server.url
    );
    let config = write_config(data.path(), "", &models);
    let env = vec![("GOOGLE_API_KEY".to_owned(), "google-key-for-tests".to_owned())];
    let output =
        run_binary(run_args(data.path(), &config, &["--condition", "C1", "--model", "gemini_local"]), env, data.path())
            .await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(server.request_count(), 3, "a block is final: one request per question");
    let results = read_results(&data.path().join("results/C1_english/gemini_local.json"));
    let answered: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
    assert_eq!(answered, [3]);
    let errors: Vec<(u32, &str)> =
        results.errors.iter().map(|error| (error.question_id, error.message.as_str())).collect();
    assert_eq!(
        errors,
        [
            (1, "blocked by the provider's safety filter: the prompt was blocked (SAFETY)"),
            (2, "blocked by the provider's safety filter: the answer was stopped (SAFETY)")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_later_run_retries_recorded_failures_and_validate_counts_them() {
    let healthy = Arc::new(AtomicBool::new(false));
    let switch = healthy.clone();
    let server = MockServer::start(move |seen, _| {
        let question = crate::support::last_user_text(seen);
        if switch.load(Ordering::SeqCst) || !question.contains('2') {
            Reply::json(200, openai_answer(&format!("answer to {question}")))
        } else {
            Reply::json(503, json!({ "error": { "message": "unavailable" } }))
        }
    })
    .await;
    let data = dataset(3);
    let config = write_config(data.path(), "max_attempts = 2", &server_model("local", &server.url));
    let file = data.path().join("results/C1_english/local.json");
    let output =
        run_binary(run_args(data.path(), &config, &["--condition", "C1", "--model", "local"]), Vec::new(), data.path())
            .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(server.request_count(), 4, "questions 1 and 3 once, question 2 twice");
    let results = read_results(&file);
    assert_eq!(results.responses.len(), 2);
    assert_eq!(results.errors.len(), 1);
    assert_eq!(
        (results.errors[0].question_id, results.errors[0].status, results.errors[0].attempts),
        (2, Some(503), 2)
    );

    let validate = crate::support::validate_with_config(data.path(), &config).await;
    let report = text(&validate.stdout);
    assert!(report.contains("(2 responses, 1 failed calls)"), "{report}");
    assert!(report.contains("1 call failed and holds no answer (questions 2)"), "{report}");

    // --retry-errors asks only the failed question; the file then has all three, in order.
    healthy.store(true, Ordering::SeqCst);
    let output = run_binary(
        run_args(data.path(), &config, &["--condition", "C1", "--model", "local", "--retry-errors"]),
        Vec::new(),
        data.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(server.request_count(), 5);
    let results = read_results(&file);
    let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
    assert_eq!(ids, [1, 2, 3]);
    assert!(results.errors.is_empty());
}
