//! `run --batch` and `grade --batch` end to end, against [`BatchServer`], a fake of OpenAI's,
//! Anthropic's and Gemini's documented batch endpoints on 127.0.0.1: batches that end over several
//! polls, failures inside a batch, an expired batch, the same files as live calls, SIGKILL while
//! polling and while downloading (the same command again submits nothing new), --status and
//! --cancel, --batch-wait, and bad input (only live providers, a corrupt open-batch record).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::batch_server::{Api, BatchServer, Scenario};
use crate::support::{MockServer, Reply, answer_any, dataset, read_results, run_args, run_binary, spawn_quietly, text};

const OPENAI_KEY: &str = "sk-batch-openai-0011";
const ANTHROPIC_KEY: &str = "sk-ant-batch-2233";
const GOOGLE_KEY: &str = "goog-batch-4455";
const XAI_KEY: &str = "xai-batch-6677";

/// Three batch-capable models at `batch_url` and one OpenAI-compatible model at `live_url`.
fn models(batch_url: &str, live_url: &str) -> String {
    format!(
        "[models.gpt_x]\nprovider = \"openai\"\nbase_url = \"{batch_url}/v1\"\nmodel_id = \"gpt-5.2\"\n\n\
         [models.claude_x]\nprovider = \"anthropic\"\nbase_url = \"{batch_url}\"\nmodel_id = \"claude-opus-4-5\"\n\n\
         [models.gem_x]\nprovider = \"google\"\nbase_url = \"{batch_url}\"\nmodel_id = \"gemini-3-pro-preview\"\n\n\
         [models.grok_x]\nprovider = \"xai\"\nbase_url = \"{batch_url}/v1\"\nmodel_id = \"grok-4-1-fast\"\n\n\
         [models.local_x]\nprovider = \"openai-compatible\"\nbase_url = \"{live_url}/v1\"\nmodel_id = \"local/x\"\n"
    )
}

fn keys() -> Vec<(String, String)> {
    [
        ("OPENAI_API_KEY", OPENAI_KEY),
        ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
        ("GOOGLE_API_KEY", GOOGLE_KEY),
        ("XAI_API_KEY", XAI_KEY),
    ]
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .to_vec()
}

fn config(data: &Path, batch_url: &str, live_url: &str) -> PathBuf {
    crate::support::write_config(data, "", &models(batch_url, live_url))
}

/// `run --batch` of `models` in C1 and C2 (unless `extra` names conditions), polling fast.
fn batch_args(data: &Path, config: &Path, models: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["--model", models, "--batch", "--batch-poll", "0.02"];
    if !extra.contains(&"--condition") {
        args.extend(["--condition", "C1,C2"]);
    }
    args.extend_from_slice(extra);
    run_args(data, config, &args)
}

fn open_records(data: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(data.join("batches/open")) {
        Ok(entries) => entries.map(|entry| entry.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A results file as JSON without what differs between a live and a batch call: timing, time
/// stamps and the batch id.
fn comparable(path: &Path) -> Value {
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for field in ["started_at", "last_updated"] {
        file.as_object_mut().unwrap().remove(field);
    }
    for response in file["responses"].as_array_mut().unwrap() {
        let response = response.as_object_mut().unwrap();
        for field in ["response_time_seconds", "answered_at", "batch_id"] {
            response.remove(field);
        }
    }
    file
}

#[tokio::test(flavor = "multi_thread")]
async fn run_batch_sends_batches_to_four_providers_calls_the_others_live_and_writes_what_live_calls_write() {
    let batch = BatchServer::start(Scenario::default()).await;
    let live = MockServer::start(|seen, _| answer_any(seen)).await;
    let data = dataset(3);
    let config = config(data.path(), batch.url(), &live.url);
    let output =
        run_binary(batch_args(data.path(), &config, "gpt_x,claude_x,gem_x,grok_x,local_x", &[]), keys(), data.path())
            .await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    // The output says which went which way.
    for line in [
        "batch: gpt_x (openai gpt-5.2): 6 calls",
        "batch: claude_x (anthropic claude-opus-4-5): 6 calls",
        "batch: gem_x (google gemini-3-pro-preview): 6 calls",
        "batch: grok_x (xai grok-4-1-fast): 6 calls",
        "live:  local_x (openai-compatible local/x): 6 calls",
        "batches: 24 answered, 0 failed",
    ] {
        assert!(stdout.contains(line), "{line:?} in:\n{stdout}");
    }
    // One batch per model, each ended over several polls, with every request of its model.
    let batches = batch.batches();
    let apis: Vec<Api> = batches.iter().map(|fake| fake.api).collect();
    assert_eq!(apis, [Api::OpenAi, Api::Anthropic, Api::Google, Api::Xai]);
    for fake in &batches {
        assert_eq!(fake.requests.len(), 6);
        assert!(fake.polls >= 3, "{} polls of {}", fake.polls, fake.id);
    }
    assert_eq!(live.request_count(), 6);
    assert!(open_records(data.path()).is_empty(), "every batch collected and closed");
    assert_eq!(std::fs::read_dir(data.path().join("batches/done")).unwrap().count(), 4);
    // The request inside a batch is the live call's: the same prompt and parameters.
    let anthropic = batches.iter().find(|fake| fake.id.starts_with("msgbatch_")).unwrap();
    let body = &anthropic.requests[0].1;
    assert_eq!(body["model"], "claude-opus-4-5");
    assert_eq!(body["max_tokens"], 2048);
    assert_eq!(body["messages"][0]["content"], "English question 1?");
    // Each answer records its batch.
    let answers = read_results(&data.path().join("results/C2_kazakh/gpt_x.json"));
    assert_eq!(answers.responses.len(), 3);
    assert_eq!(answers.responses[0].response, "answer to: Қазақша сұрақ 1?");
    assert!(answers.responses[0].extra["batch_id"].as_str().unwrap().starts_with("batch_"));
    assert_eq!(answers.responses[0].extra["parameters"], json!({ "max_tokens": 2048 }));

    // The same selection called live writes the same files, apart from timing and batch ids.
    let live_everything = MockServer::start(|seen, _| answer_any(seen)).await;
    let live_data = dataset(3);
    let live_config =
        crate::support::write_config(live_data.path(), "", &models(&live_everything.url, &live_everything.url));
    let args = run_args(
        live_data.path(),
        &live_config,
        &["--model", "gpt_x,claude_x,gem_x,grok_x,local_x", "--condition", "C1,C2"],
    );
    let output = run_binary(args, keys(), live_data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    for condition in ["C1_english", "C2_kazakh"] {
        for model in ["gpt_x", "claude_x", "gem_x", "grok_x", "local_x"] {
            let relative = format!("results/{condition}/{model}.json");
            assert_eq!(
                comparable(&data.path().join(&relative)),
                comparable(&live_data.path().join(&relative)),
                "{relative}"
            );
        }
    }
    // No key in any request body (the uploaded file included), nor in any file.
    for seen in batch.server.requests() {
        for key in [OPENAI_KEY, ANTHROPIC_KEY, GOOGLE_KEY, XAI_KEY] {
            assert!(!seen.raw_body.contains(key) && !seen.path.contains(key), "{} {}", seen.method, seen.path);
        }
    }
    assert!(
        batch
            .server
            .requests()
            .iter()
            .any(|seen| seen.header("authorization") == Some(&format!("Bearer {OPENAI_KEY}")))
    );
    assert!(batch.server.requests().iter().any(|seen| seen.header("x-api-key") == Some(ANTHROPIC_KEY)));
    assert!(batch.server.requests().iter().any(|seen| seen.header("x-goog-api-key") == Some(GOOGLE_KEY)));
    assert!(
        batch.server.requests().iter().any(|seen| seen.header("authorization") == Some(&format!("Bearer {XAI_KEY}")))
    );
    // xAI's results came in pages.
    assert!(
        batch
            .server
            .requests()
            .iter()
            .any(|seen| seen.path.contains("/results?") && seen.path.contains("pagination_token="))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_fails_inside_a_batch_is_a_failed_call_and_the_next_run_asks_it_again() {
    let failing = BatchServer::start(Scenario { fail_marker: Some("2?".to_owned()), ..Scenario::default() }).await;
    let data = dataset(3);
    let config = config(data.path(), failing.url(), "http://127.0.0.1:9");
    let output = run_binary(
        batch_args(data.path(), &config, "gpt_x,claude_x,gem_x,grok_x", &["--condition", "C1"]),
        keys(),
        data.path(),
    )
    .await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("batches: 8 answered, 4 failed"), "{stdout}");
    for model in ["gpt_x", "claude_x", "gem_x", "grok_x"] {
        let results = read_results(&data.path().join(format!("results/C1_english/{model}.json")));
        let answered: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
        assert_eq!(answered, [1, 3], "{model}");
        assert_eq!(results.errors.len(), 1, "{model}");
        assert_eq!(results.errors[0].question_id, 2);
        assert!(results.errors[0].message.contains("refused inside the batch"), "{}", results.errors[0].message);
        assert!(results.errors[0].message.contains("failed inside batch"), "{}", results.errors[0].message);
    }
    // The next run (batch or live) asks exactly the failed calls again.
    let healthy = BatchServer::start(Scenario::default()).await;
    let config = crate::support::write_config(data.path(), "", &models(healthy.url(), "http://127.0.0.1:9"));
    let output = run_binary(
        batch_args(data.path(), &config, "gpt_x,claude_x,gem_x,grok_x", &["--condition", "C1"]),
        keys(),
        data.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let batches = healthy.batches();
    assert_eq!(batches.len(), 4);
    assert!(batches.iter().all(|fake| fake.requests.len() == 1));
    for model in ["gpt_x", "claude_x", "gem_x", "grok_x"] {
        let results = read_results(&data.path().join(format!("results/C1_english/{model}.json")));
        assert_eq!(results.responses.len(), 3);
        assert!(results.errors.is_empty());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_batch_keeps_what_ran_and_leaves_the_rest_to_be_asked_again() {
    let expiring = BatchServer::start(Scenario { expire_after: Some(1), ..Scenario::default() }).await;
    let data = dataset(3);
    let config = config(data.path(), expiring.url(), "http://127.0.0.1:9");
    let args = batch_args(data.path(), &config, "gpt_x,claude_x,gem_x", &["--condition", "C1"]);
    let output = run_binary(args.clone(), keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("expired"), "{stdout}");
    assert!(stdout.contains("batches: 3 answered, 0 failed, 6 never ran (asked again next time)"), "{stdout}");
    for model in ["gpt_x", "claude_x", "gem_x"] {
        let results = read_results(&data.path().join(format!("results/C1_english/{model}.json")));
        assert_eq!(results.responses.len(), 1, "{model}");
        assert!(results.errors.is_empty(), "an expired request is not a failed call");
    }
    assert!(open_records(data.path()).is_empty());
    // Asked again: the two that never ran, per model.
    let healthy = BatchServer::start(Scenario::default()).await;
    let config = crate::support::write_config(data.path(), "", &models(healthy.url(), "http://127.0.0.1:9"));
    let output = run_binary(
        batch_args(data.path(), &config, "gpt_x,claude_x,gem_x", &["--condition", "C1"]),
        keys(),
        data.path(),
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(healthy.batches().iter().all(|fake| fake.requests.len() == 2));
}

/// Every answer of the selection is there exactly once, in order.
fn assert_complete(data: &Path, models: &[&str], questions: u32) {
    for condition in ["C1_english", "C2_kazakh"] {
        for model in models {
            let results = read_results(&data.join(format!("results/{condition}/{model}.json")));
            let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
            assert_eq!(ids, (1..=questions).collect::<Vec<u32>>(), "{condition} {model}");
            assert!(results.errors.is_empty());
        }
    }
}

async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_while_polling_then_the_same_command_submits_nothing_new_and_collects_every_answer_once() {
    let batch = BatchServer::start(Scenario { polls_to_end: 12, ..Scenario::default() }).await;
    let data = dataset(4);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let args = batch_args(data.path(), &config, "gpt_x,claude_x", &[]);
    let mut child = spawn_quietly(&args, &keys());
    wait_until("both batches are being polled", || {
        let batches = batch.batches();
        batches.len() == 2 && batches.iter().all(|fake| fake.polls >= 2)
    })
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(open_records(data.path()).len(), 2, "the records of the open batches are there");
    let output = run_binary(args, keys(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(batch.creations(), 2, "nothing new was submitted");
    assert_complete(data.path(), &["gpt_x", "claude_x"], 4);
    assert!(open_records(data.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_during_the_download_then_the_same_command_downloads_again_and_pays_nothing_twice() {
    let batch =
        BatchServer::start(Scenario { results_delay: Duration::from_millis(1500), ..Scenario::default() }).await;
    let data = dataset(4);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let args = batch_args(data.path(), &config, "gpt_x,claude_x", &[]);
    let mut child = spawn_quietly(&args, &keys());
    wait_until("a download has started", || batch.downloads() >= 1).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let output = run_binary(args.clone(), keys(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    assert_eq!(batch.creations(), 2, "nothing new was submitted");
    assert_complete(data.path(), &["gpt_x", "claude_x"], 4);
    // Run once more: nothing to do, nothing asked.
    let before = batch.server.request_count();
    let output = run_binary(args, keys(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("nothing to do"), "{}", text(&output.stdout));
    assert_eq!(batch.server.request_count(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_wait_leaves_batches_open_status_lists_them_cancel_cancels_them_and_the_calls_are_asked_again() {
    let batch = BatchServer::start(Scenario { polls_to_end: usize::MAX - 1, ..Scenario::default() }).await;
    let data = dataset(2);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let output = run_binary(
        batch_args(data.path(), &config, "gpt_x,gem_x,grok_x", &["--batch-wait", "0.3s"]),
        keys(),
        data.path(),
    )
    .await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("is still running"), "{stdout}");
    assert_eq!(open_records(data.path()).len(), 3);

    // A plain run does not ask what open batches carry.
    let plain = run_binary(
        run_args(data.path(), &config, &["--model", "gpt_x,gem_x,grok_x", "--condition", "C1,C2"]),
        keys(),
        data.path(),
    )
    .await;
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain.stderr));
    assert!(text(&plain.stdout).contains("are in open batches and are not asked again"), "{}", text(&plain.stdout));

    let status = run_binary(run_args(data.path(), &config, &["--batch", "--status"]), keys(), data.path()).await;
    let listed = text(&status.stdout);
    assert_eq!(status.status.code(), Some(0), "{listed}{}", text(&status.stderr));
    assert!(listed.contains("batch batch_1: in_progress (0 of 4 done)"), "{listed}");
    assert!(listed.contains("batch batches/gem2: BATCH_STATE_RUNNING (0 of 4 done)"), "{listed}");
    assert!(listed.contains("batch xbatch_3: 4 pending (0 of 4 done)"), "{listed}");

    let cancel = run_binary(run_args(data.path(), &config, &["--batch", "--cancel"]), keys(), data.path()).await;
    assert_eq!(cancel.status.code(), Some(0), "{}{}", text(&cancel.stdout), text(&cancel.stderr));
    assert!(batch.batches().iter().all(|fake| fake.cancelled));
    assert!(
        batch.server.requests().iter().any(|seen| seen.method == "POST" && seen.path == "/v1/batches/batch_1/cancel")
    );
    assert!(
        batch.server.requests().iter().any(|seen| seen.method == "POST" && seen.path == "/v1beta/batches/gem2:cancel")
    );
    assert!(
        batch.server.requests().iter().any(|seen| seen.method == "POST" && seen.path == "/v1/batches/xbatch_3:cancel")
    );

    // Collected: nothing ran, nothing is recorded, the records close, and the calls are pending again.
    let output = run_binary(batch_args(data.path(), &config, "gpt_x,gem_x,grok_x", &[]), keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("cancelled"), "{stdout}");
    assert!(stdout.contains("12 never ran"), "{stdout}");
    assert_eq!(batch.creations(), 3, "cancelled calls are not resubmitted by the command that collects them");
    assert!(open_records(data.path()).is_empty());
    assert_calls_to_make(data.path(), &config, "gpt_x,gem_x,grok_x", "C1,C2", 12).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_with_only_live_providers_says_so_and_calls_them_live() {
    let live = MockServer::start(|seen, _| answer_any(seen)).await;
    let data = dataset(2);
    let config = config(data.path(), "http://127.0.0.1:9", &live.url);
    let output = run_binary(batch_args(data.path(), &config, "local_x", &[]), keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("note: --batch: none of the selected models has a provider with a batch API"), "{stdout}");
    assert!(stdout.contains("local_x (openai-compatible)"), "{stdout}");
    assert_eq!(live.request_count(), 4);
    assert!(!data.path().join("batches").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrupt_open_batch_record_is_reported_with_its_path_and_nothing_is_submitted_or_called() {
    let batch = BatchServer::start(Scenario::default()).await;
    let data = dataset(2);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let record = data.path().join("batches/open/run-gpt_x-20261201T000000-001-abcd.json");
    std::fs::create_dir_all(record.parent().unwrap()).unwrap();
    std::fs::write(&record, "{\"id\": \"run-gpt_x\", \"work\": \"run\", \"requests\": [").unwrap();
    for args in [batch_args(data.path(), &config, "gpt_x", &[]), run_args(data.path(), &config, &["--model", "gpt_x"])]
    {
        let output = run_binary(args, keys(), data.path()).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{}{stderr}", text(&output.stdout));
        assert!(stderr.contains(&record.display().to_string()), "{stderr}");
        assert!(stderr.contains("nothing was submitted"), "{stderr}");
    }
    assert_eq!(batch.server.request_count(), 0);
    assert!(std::fs::read(&record).is_ok(), "the record is left as it was");
}

// ---- grade --batch ----

/// The answer sheet of [`crate::support::QUESTIONS`] in the study's layout.
const SHEET: &str = "\u{feff}English\n\nNeutral Factual-Testing pure knowledge retrieval\n1. What is 2+2?\n* Answer: 4\n\n\
Kazakh-Aligned Cultural-Testing cultural knowledge\n1. What is a dombra?\n* Answer: A two-stringed lute OR a folk instrument\n\n\
Kazakh\n\nNeutral Factual\n1. 2+2 неше?\n* Жауап: 4\n\nKazakh-Aligned Cultural\n1. Домбыра деген не?\n* Жауап: Екі ішекті аспап\n\n\
Mongolian\n\nNeutral Factual\n1. 2+2 хэд вэ?\n* Хариулт: 4\n\nKazakh-Aligned Cultural\n1. Домбыр гэж юу вэ?\n* Хариулт: Хоёр утастай хөгжим\n";

fn verdict_for(user: &str) -> String {
    let accuracy = if user.contains("Four, of course") { 2 } else { 1 };
    json!({ "accuracy": accuracy, "fluency": 2, "completeness": 1, "notes": "graded" }).to_string()
}

/// Two answers of local_x in C1 to grade.
fn answered_dataset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::support::write(dir.path(), "benchmark/questions.json", crate::support::QUESTIONS);
    crate::support::write(dir.path(), "benchmark/Cross_lingual_transfer_benchmark_questions_answer_sheet.txt", SHEET);
    let answers = [(1, "Four, of course."), (2, "A two-stringed lute.")];
    crate::support::write(
        dir.path(),
        "results/C1_english/local_x.json",
        &crate::support::results_with("C1", "english", "local_x", &answers, &[]),
    );
    crate::support::write_config(dir.path(), "", &models("http://127.0.0.1:9", "http://127.0.0.1:9"));
    dir
}

async fn grade_in(data: &Path, url: &str, batch_mode: bool) -> std::process::Output {
    let mut args =
        vec!["grade".to_owned(), "--no-progress".to_owned(), "--data".to_owned(), data.display().to_string()];
    if batch_mode {
        args.extend(["--batch", "--batch-poll", "0.02"].map(str::to_owned));
    }
    let env = vec![
        ("ANTHROPIC_BASE_URL".to_owned(), url.to_owned()),
        ("ANTHROPIC_API_KEY".to_owned(), ANTHROPIC_KEY.to_owned()),
    ];
    run_binary(args, env, data).await
}

#[tokio::test(flavor = "multi_thread")]
async fn grade_batch_writes_the_grades_and_audit_log_that_live_grading_writes() {
    let dirs = [answered_dataset(), answered_dataset()];
    let judge_scenario = Scenario { answer: std::sync::Arc::new(|user, _| verdict_for(user)), ..Scenario::default() };
    let batch = BatchServer::start(judge_scenario).await;
    let live_judge = MockServer::start(|seen, _| {
        Reply::json(200, crate::support::anthropic_answer(&verdict_for(&crate::support::last_user_text(seen))))
    })
    .await;
    let batched = grade_in(dirs[0].path(), batch.url(), true).await;
    let stdout = text(&batched.stdout);
    assert_eq!(batched.status.code(), Some(0), "{stdout}{}", text(&batched.stderr));
    assert!(stdout.contains("batches: 2 graded, 0 failed"), "{stdout}");
    let fake = &batch.batches()[0];
    assert!(
        fake.requests[0].1["system"][0]["cache_control"] == json!({ "type": "ephemeral" }),
        "the rubric is cached in a batch too"
    );
    assert_eq!(fake.requests[0].1["temperature"], json!(0.0));
    // The tokens the API reported (anthropic_answer: 30 in, 9 out per call) and their cost at the
    // judge's documented price ($3 / $15 per million): (60 x 3 + 18 x 15) / 1M = $0.00045 live,
    // half of it in batch mode.
    assert!(
        stdout.contains("tokens: claude_sonnet_4.5: 60 in (0 cached), 18 out, $0.0002 at batch prices"),
        "{stdout}"
    );
    let live = grade_in(dirs[1].path(), &live_judge.url, false).await;
    assert_eq!(live.status.code(), Some(0), "{}", text(&live.stderr));
    let live_stdout = text(&live.stdout);
    assert!(live_stdout.contains("tokens: claude_sonnet_4.5: 60 in (0 cached), 18 out, $0.000"), "{live_stdout}");
    assert!(!live_stdout.contains("at batch prices"), "{live_stdout}");
    let grades = |data: &Path| std::fs::read_to_string(data.join("grades/C1_english.csv")).unwrap();
    assert_eq!(grades(dirs[0].path()), grades(dirs[1].path()));
    let log = |data: &Path| -> Vec<Value> {
        std::fs::read_to_string(data.join("grades/judgments/C1_english.jsonl"))
            .unwrap()
            .lines()
            .map(|line| {
                let mut record: Value = serde_json::from_str(line).unwrap();
                record.as_object_mut().unwrap().remove("timestamp");
                record
            })
            .collect()
    };
    let mut batch_log = log(dirs[0].path());
    for record in &mut batch_log {
        assert!(record["batch_id"].as_str().unwrap().starts_with("msgbatch_"));
        record.as_object_mut().unwrap().remove("batch_id");
    }
    let sort = |records: &mut Vec<Value>| records.sort_by_key(|record| record["question_id"].as_u64());
    let mut live_log = log(dirs[1].path());
    sort(&mut batch_log);
    sort(&mut live_log);
    assert_eq!(batch_log, live_log);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_answer_has_no_time_its_grade_neither_and_the_mean_time_leaves_it_out() {
    // gpt_x answers in a batch (no per-call time), local_x live, each call taking a measurable time.
    let batch = BatchServer::start(Scenario::default()).await;
    let live = MockServer::start(|seen, _| answer_any(seen).after(Duration::from_millis(300))).await;
    let data = answered_dataset();
    std::fs::remove_file(data.path().join("results/C1_english/local_x.json")).unwrap();
    let config = config(data.path(), batch.url(), &live.url);
    let output =
        run_binary(batch_args(data.path(), &config, "gpt_x,local_x", &["--condition", "C1"]), keys(), data.path())
            .await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let raw: Value =
        serde_json::from_str(&std::fs::read_to_string(data.path().join("results/C1_english/gpt_x.json")).unwrap())
            .unwrap();
    for response in raw["responses"].as_array().unwrap() {
        // Written, and written as unknown: never 0.
        assert_eq!(response.get("response_time_seconds"), Some(&Value::Null), "{response}");
    }
    let live_times: Vec<f64> = read_results(&data.path().join("results/C1_english/local_x.json"))
        .responses
        .iter()
        .map(|response| response.response_time_seconds.expect("a live call is timed"))
        .collect();
    assert_eq!(live_times.len(), 2);
    assert!(live_times.iter().all(|&time| time >= 0.3), "{live_times:?}");

    // Grading copies the unknown time into the grade row: an empty field.
    let judge = MockServer::start(|seen, _| {
        Reply::json(200, crate::support::anthropic_answer(&verdict_for(&crate::support::last_user_text(seen))))
    })
    .await;
    let graded = grade_in(data.path(), &judge.url, false).await;
    assert_eq!(graded.status.code(), Some(0), "{}{}", text(&graded.stdout), text(&graded.stderr));
    let grades = std::fs::read_to_string(data.path().join("grades/C1_english.csv")).unwrap();
    let rows = left_behind_shared::parse_grades(&grades, left_behind_shared::Condition::C1, "g.csv").unwrap().rows;
    assert_eq!(rows.len(), 4);
    for row in &rows {
        assert_eq!(row.response_time.is_none(), row.model == "gpt_x", "{grades}");
    }
    assert!(grades.lines().any(|line| line.starts_with("1,neutral_factual,gpt_x,") && line.contains(",,")), "{grades}");

    // The report's mean time is over the known times only; a model with none has none.
    let mut args = vec!["report".to_owned(), "--data".to_owned(), data.path().display().to_string()];
    args.extend(["--format", "json"].map(str::to_owned));
    let report = run_binary(args, Vec::new(), data.path()).await;
    assert_eq!(report.status.code(), Some(0), "{}", text(&report.stderr));
    let report: Value = serde_json::from_str(&text(&report.stdout)).unwrap();
    let c1 = &report["conditions"][0];
    assert_eq!((c1["condition"].as_str(), c1["n"].as_u64(), c1["untimed"].as_u64()), (Some("C1"), Some(4), Some(2)));
    let mean = c1["mean_time_s"].as_f64().unwrap();
    let expected = (live_times[0] + live_times[1]) / 2.0;
    assert!((mean - expected).abs() < 1e-9, "mean {mean}, expected {expected} (zeros averaged in would halve it)");
    let model = |name: &str| report["models"].as_array().unwrap().iter().find(|m| m["model"] == name).unwrap().clone();
    assert_eq!(model("gpt_x")["mean_time_s"], Value::Null);
    assert_eq!(model("gpt_x")["untimed"], 2);
    assert!((model("local_x")["mean_time_s"].as_f64().unwrap() - expected).abs() < 1e-9);
    assert_eq!(report["untimed_answers"], 2);
}

// ---- the providers' parameters ----

#[tokio::test(flavor = "multi_thread")]
async fn claude_models_after_opus_4_6_are_asked_without_a_temperature_and_the_answer_says_so() {
    let server = MockServer::start(|seen, _| answer_any(seen)).await;
    let data = dataset(1);
    let models = format!(
        "[models.opus48]\nprovider = \"anthropic\"\nbase_url = \"{0}\"\nmodel_id = \"claude-opus-4-8\"\ntemperature = 0.7\n\n\
         [models.sonnet5]\nprovider = \"anthropic\"\nbase_url = \"{0}\"\nmodel_id = \"claude-sonnet-5\"\ntemperature = 0.7\n\n\
         [models.opus45]\nprovider = \"anthropic\"\nbase_url = \"{0}\"\nmodel_id = \"claude-opus-4-5\"\ntemperature = 0.7\n",
        server.url
    );
    let config = crate::support::write_config(data.path(), "", &models);
    let args = run_args(data.path(), &config, &["--model", "opus48,sonnet5,opus45", "--condition", "C1"]);
    let output = run_binary(args, keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    for (model, id) in [("opus48", "claude-opus-4-8"), ("sonnet5", "claude-sonnet-5")] {
        let note = format!("note: {model} (anthropic {id}) is asked without the configured temperature 0.7");
        assert_eq!(stdout.matches(&note).count(), 1, "{note:?} once in:\n{stdout}");
        let results = read_results(&data.path().join(format!("results/C1_english/{model}.json")));
        assert_eq!(
            results.responses[0].extra["parameters"],
            json!({ "max_tokens": 2048, "temperature_not_sent": 0.7 })
        );
    }
    assert!(!stdout.contains("opus45 (anthropic"), "{stdout}");
    let results = read_results(&data.path().join("results/C1_english/opus45.json"));
    assert_eq!(results.responses[0].extra["parameters"], json!({ "max_tokens": 2048, "temperature": 0.7 }));
    for seen in server.requests() {
        let sends_temperature = seen.body.get("temperature").is_some();
        assert_eq!(sends_temperature, seen.body["model"] == "claude-opus-4-5", "{}", seen.raw_body);
    }
}

#[test]
fn anthropic_models_after_opus_4_6_are_told_apart_by_their_ids() {
    use left_behind_runner::providers::parameters::anthropic_rejects_sampling;
    for id in [
        "claude-opus-4-7",
        "claude-opus-4-8",
        "claude-opus-4-7-20260416",
        "anthropic.claude-opus-4-8",
        "claude-opus-4-7@20260416",
        "claude-sonnet-5",
        "claude-opus-5-5",
        "claude-haiku-5-5",
    ] {
        assert!(anthropic_rejects_sampling(id), "{id}");
    }
    for id in [
        "claude-opus-4-5",
        "claude-opus-4-6",
        "claude-sonnet-4-5-20250929",
        "claude-opus-4-20250514",
        "claude-3-5-sonnet-20241022",
        "claude-haiku-4-5",
        "gpt-5.2",
    ] {
        assert!(!anthropic_rejects_sampling(id), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_estimates_tokens_and_cost_live_and_in_batch_from_the_configured_prices() {
    let data = dataset(1);
    // "English question 1?" is 19 bytes: 5 tokens; C1 has no system prompt. Output: at most
    // max_tokens (no answers yet), 100. Live: (5 x $2 + 100 x $10) / 1M = $0.00101; batch at 60% off.
    let models = "[models.gpt_x]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel_id = \"gpt-x\"\n\
                  max_tokens = 100\nprice_input_per_mtok = 2.0\nprice_output_per_mtok = 10.0\nbatch_discount = 0.6\n\n\
                  [models.local_x]\nprovider = \"openai-compatible\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel_id = \"l\"\n";
    let config = crate::support::write_config(data.path(), "", models);
    let args = run_args(data.path(), &config, &["--model", "gpt_x,local_x", "--condition", "C1", "--dry-run"]);
    let output = run_binary(args, keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    let row = stdout.lines().find(|line| line.trim_start().starts_with("gpt_x ")).expect("a row for gpt_x");
    let cells: Vec<&str> = row.split("  ").map(str::trim).filter(|cell| !cell.is_empty()).collect();
    assert_eq!(cells, ["gpt_x", "1", "5", "100 (at most max_tokens)", "$0.0010", "$0.0004"], "{stdout}");
    let local = stdout.lines().find(|line| line.trim_start().starts_with("local_x ")).expect("a row for local_x");
    assert!(local.contains("no price"), "{local}");
    assert!(stdout.contains("total: $0.0010 live, $0.0004 with --batch (models without a price left out"), "{stdout}");

    // A price that is not one is refused, naming the field.
    let bad = crate::support::write_config(
        data.path(),
        "",
        "[models.gpt_x]\nprovider = \"openai\"\nmodel_id = \"gpt-x\"\nbatch_discount = 1.5\n",
    );
    let output = run_binary(run_args(data.path(), &bad, &["--dry-run"]), keys(), data.path()).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("batch_discount must be the fraction"), "{}", text(&output.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_the_provider_refuses_leaves_no_open_record_and_its_calls_to_be_asked_again() {
    let batch = BatchServer::start(Scenario { refuse_creation: true, ..Scenario::default() }).await;
    let data = dataset(2);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let output =
        run_binary(batch_args(data.path(), &config, "gpt_x,claude_x", &["--condition", "C1"]), keys(), data.path())
            .await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("refused: gpt_x (openai gpt-5.2): a batch of 2 requests was refused"), "{stdout}");
    assert!(stdout.contains("batch refused: the account has no batch access"), "{stdout}");
    assert!(open_records(data.path()).is_empty(), "nothing was created, so nothing stays open");
    assert_calls_to_make(data.path(), &config, "gpt_x,claude_x", "C1", 4).await;
}

/// `run --dry-run` over `models` in `conditions` still has `calls` to make (nothing was answered).
async fn assert_calls_to_make(data: &Path, config: &Path, models: &str, conditions: &str, calls: usize) {
    let args = run_args(data, config, &["--model", models, "--condition", conditions, "--dry-run"]);
    let dry = run_binary(args, keys(), data).await;
    let expected = format!("total: {calls} calls to make");
    assert!(text(&dry.stdout).contains(&expected), "{}", text(&dry.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn polls_that_are_rate_limited_wait_for_retry_after_and_carry_on() {
    let batch = BatchServer::start(Scenario { throttled_polls: 3, ..Scenario::default() }).await;
    let data = dataset(2);
    let config = config(data.path(), batch.url(), "http://127.0.0.1:9");
    let output =
        run_binary(batch_args(data.path(), &config, "claude_x", &["--condition", "C1"]), keys(), data.path()).await;
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", text(&output.stderr));
    assert!(stdout.contains("batches: 2 answered, 0 failed"), "{stdout}");
    let throttled: Vec<_> = batch.server.requests().into_iter().filter(|seen| seen.method == "GET").collect();
    // Three polls answered 429, then polls until the batch ended: each 429 was waited out.
    assert!(throttled.len() >= 3 + 3, "{} polls", throttled.len());
    for pair in throttled.windows(2).take(3) {
        assert!(pair[1].at.duration_since(pair[0].at) >= Duration::from_millis(50), "Retry-After was honoured");
    }
}
