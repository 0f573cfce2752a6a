//! The secrets test: a run with a distinctive fake key, against servers that echo what they were
//! sent, with the most verbose logs. The key must reach the servers and nothing else: no file of
//! the dataset, no line of stdout or stderr.

use std::path::Path;

use serde_json::json;

use crate::support::{MockServer, Reply, answer_any, dataset, openai_answer, run_binary, text};

const KEY: &str = "sk-leftbehind-SECRET-9f8e7d6c5b4a";
const DOTENV_KEY: &str = "hf-leftbehind-DOTENV-1a2b3c4d5e";

fn all_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all_files(&path, found);
        } else {
            found.push(path);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_never_reach_files_or_logs() {
    let server = MockServer::start(|seen, index| {
        // What the client sent, as a careless server would quote it back.
        let echoed = format!(
            "x-api-key={:?} authorization={:?} x-goog-api-key={:?}",
            seen.header("x-api-key"),
            seen.header("authorization"),
            seen.header("x-goog-api-key")
        );
        if seen.path.ends_with("/v1/messages") {
            Reply::json(401, json!({ "type": "error", "error": { "type": "authentication_error", "message": format!("invalid key: {echoed}") } }))
        } else if seen.path.contains(":generateContent") {
            Reply::json(500, json!({ "error": { "code": 500, "message": format!("internal: {echoed}") } }))
        } else if seen.path.starts_with("/hf/") && index % 2 == 0 {
            Reply::json(429, json!({ "error": format!("rate limited: {echoed}") })).with_header("retry-after", "0")
        } else if seen.path.starts_with("/xai/") {
            // 200 with a body that is not JSON and quotes the key.
            Reply::text(200, &format!("<html>proxy error {echoed}</html>"))
        } else {
            let mut answer = answer_any(seen);
            if seen.path.starts_with("/v1/") {
                answer = Reply::json(200, openai_answer("fine"));
            }
            answer
        }
    })
    .await;
    let data = dataset(2);
    std::fs::write(
        data.path().join("left-behind.toml"),
        "[run]\nmax_attempts = 2\nretry_base_delay_ms = 5\nretry_max_delay_ms = 10\n",
    )
    .unwrap();
    // The Hugging Face key comes from a .env file in the working directory.
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join(".env"), format!("HF_API_KEY={DOTENV_KEY}\n")).unwrap();
    let mut env = vec![
        ("ANTHROPIC_BASE_URL".to_owned(), server.url.clone()),
        ("GOOGLE_BASE_URL".to_owned(), server.url.clone()),
        ("OPENAI_BASE_URL".to_owned(), format!("{}/v1", server.url)),
        ("XAI_BASE_URL".to_owned(), format!("{}/xai/v1", server.url)),
        ("HF_BASE_URL".to_owned(), format!("{}/hf/v1", server.url)),
    ];
    for variable in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY"] {
        env.push((variable.to_owned(), KEY.to_owned()));
    }
    let data_arg = data.path().display().to_string();
    let mut logs = String::new();
    for args in [
        vec!["run", "--list", "--data", &data_arg],
        vec!["run", "--dry-run", "--data", &data_arg],
        vec!["-vvv", "run", "--no-progress", "--data", &data_arg, "--condition", "C1,C2"],
        vec!["-vvv", "run", "--data", &data_arg, "--condition", "C1", "--retry-errors"],
        vec!["validate", "--data", &data_arg],
    ] {
        let output = run_binary(args.iter().map(|arg| arg.to_string()).collect(), env.clone(), work.path()).await;
        logs.push_str(&text(&output.stdout));
        logs.push_str(&text(&output.stderr));
    }

    // The keys did reach the servers, in headers (so the test means something)...
    let requests = server.requests();
    assert!(requests.iter().any(|seen| seen.header("x-api-key") == Some(KEY)));
    assert!(requests.iter().any(|seen| seen.header("x-goog-api-key") == Some(KEY)));
    assert!(requests.iter().any(|seen| seen.header("authorization") == Some(&format!("Bearer {DOTENV_KEY}"))));
    assert!(requests.iter().all(|seen| !seen.path.contains(KEY) && !seen.raw_body.contains(KEY)));
    // ...and the runs produced answers, failures and logs that could have carried them.
    assert!(logs.contains("[redacted]"), "the echoed keys were redacted, not absent:\n{logs}");
    assert!(logs.contains("HF_API_KEY (set)"), "{logs}");
    assert!(logs.contains("failed after"), "{logs}");
    let mut files = Vec::new();
    all_files(data.path(), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for secret in [KEY, DOTENV_KEY] {
        assert!(!logs.contains(secret), "a key is in the logs:\n{logs}");
        for file in &files {
            let content = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
            assert!(!content.contains(secret), "a key is in {}", file.display());
        }
    }
    let claude = crate::support::read_results(&data.path().join("results/C1_english/claude_opus_4.5.json"));
    assert!(claude.errors[0].message.contains("x-api-key=Some(\"[redacted]\")"), "{}", claude.errors[0].message);
}

/// A key shaped like OpenAI's project keys, long enough to straddle the 300-character cut.
const PROJECT_KEY: &str = "sk-proj-LEFTBEHIND0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

/// Where a server's message quotes the key, relative to the 300 characters an error keeps: each
/// case, the message, and whether the cut falls before the key (so no trace of it is kept at all).
fn messages_quoting_the_key() -> Vec<(&'static str, String, bool)> {
    // Kazakh filler: two bytes a letter, so a cut by bytes would also split a letter.
    let filler = |chars: usize| "қ".repeat(chars);
    vec![
        // The case: 28 characters, 262 more, then the key; the cut falls 10 characters in.
        ("across the cut", format!("Incorrect API key provided: {}{PROJECT_KEY}", "x".repeat(262)), false),
        ("across the cut, after Kazakh text", format!("{}{PROJECT_KEY} is not valid", filler(290)), false),
        ("at the start", format!("{PROJECT_KEY} is not a valid key; {}", filler(400)), false),
        ("at the end of a short message", format!("Incorrect API key provided: {PROJECT_KEY}"), false),
        ("at the end of a long message", format!("{} {PROJECT_KEY}", filler(600)), true),
    ]
}

/// Every key prefix of 4 characters or more that a cut could leave behind.
fn assert_no_part_of_the_key(text: &str, case: &str) {
    for end in 4..=PROJECT_KEY.len() {
        let prefix = &PROJECT_KEY[..end];
        // "sk-p" alone could be anything; from the project marker on, it is the key.
        if end >= 8 {
            assert!(!text.contains(prefix), "{case}: the key's first {end} characters are kept: {text}");
        }
    }
}

/// A server's error message is redacted before it is shortened, wherever in it the key is, for
/// errors (401), rate limits (429), server errors (500) and malformed bodies (200, not JSON).
#[tokio::test]
async fn a_key_quoted_anywhere_in_a_server_message_is_redacted_before_the_message_is_cut() {
    use left_behind_runner::providers::{self, CompletionRequest, ProviderKind, ProviderSettings};

    for (case, message, cut_before_the_key) in messages_quoting_the_key() {
        for status in [401, 429, 500, 200] {
            let quoted = message.clone();
            let server = MockServer::start(move |_, _| match status {
                200 => Reply::text(200, &quoted),
                401 => Reply::json(401, json!({ "error": { "message": quoted, "type": "invalid_request_error" } })),
                status => Reply::json(status, json!({ "error": quoted })),
            })
            .await;
            let provider = providers::build(
                ProviderSettings {
                    kind: ProviderKind::OpenAi,
                    base_url: format!("{}/v1", server.url).parse().unwrap(),
                    model_id: "gpt-5.2".to_owned(),
                    provider_route: None,
                    key: Some(left_behind_runner::secrets::Secret::new(PROJECT_KEY)),
                },
                crate::support::http_client(),
            );
            let request = CompletionRequest {
                system: None,
                user_message: "Сәлем".to_owned(),
                max_output_tokens: 16,
                temperature: None,
            };
            let error = provider.complete(&request).await.expect_err("the server answers with an error");
            let text = error.to_string();
            let case = format!("{case}, status {status}");
            assert_no_part_of_the_key(&text, &case);
            if cut_before_the_key {
                assert!(text.contains("қ..."), "{case}: the message was cut: {text}");
            } else {
                assert!(text.contains("[redacted]"), "{case}: the key was redacted, not cut off: {text}");
            }
            // Shortened by characters, never inside one: the text is whole UTF-8 (it is a String), and
            // no more than the 300 kept characters of the server's message plus the error's words.
            assert!(text.chars().count() < 300 + 120, "{case}: {} characters: {text}", text.chars().count());
        }
    }
}

/// The reproduction end to end: a run against a server that answers 401 quoting the key
/// across the cut stores an error message without any of the key, and prints none of it.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_across_the_cut_reaches_neither_the_results_file_nor_the_logs() {
    let message = format!("Incorrect API key provided: {}{PROJECT_KEY}", "x".repeat(262));
    let server = MockServer::start(move |_, _| {
        Reply::json(
            401,
            json!({ "error": { "message": message, "type": "invalid_request_error", "code": "invalid_api_key" } }),
        )
    })
    .await;
    let data = dataset(1);
    let work = tempfile::tempdir().unwrap();
    let env = vec![
        ("OPENAI_BASE_URL".to_owned(), format!("{}/v1", server.url)),
        ("OPENAI_API_KEY".to_owned(), PROJECT_KEY.to_owned()),
    ];
    let data_arg = data.path().display().to_string();
    let args = ["-vvv", "run", "--no-progress", "--data", &data_arg, "--model", "gpt_5.2", "--condition", "C1"];
    let output = run_binary(args.iter().map(|arg| arg.to_string()).collect(), env, work.path()).await;
    assert!(!output.status.success(), "a rejected call fails the run");
    let logs = format!("{}{}", text(&output.stdout), text(&output.stderr));
    assert_no_part_of_the_key(&logs, "the logs");
    let results = crate::support::read_results(&data.path().join("results/C1_english/gpt_5.2.json"));
    assert_eq!(results.errors.len(), 1, "{results:?}");
    let stored = &results.errors[0].message;
    assert_no_part_of_the_key(stored, "the results file");
    assert!(stored.contains("Incorrect API key provided: xxx") && stored.contains("[redacted]"), "{stored}");
}

/// The batch paths: records, the uploaded file, results that quote the key, status and logs.
#[tokio::test(flavor = "multi_thread")]
async fn keys_never_reach_batch_records_uploaded_files_results_or_logs() {
    use crate::batch_server::{BatchServer, Scenario};
    let batch = BatchServer::start(Scenario {
        fail_marker: Some("2?".to_owned()),
        error_message: format!("refused; you sent the key {KEY}"),
        // A careless server that quotes the key back in the answer.
        answer: std::sync::Arc::new(|user, _| format!("echo {KEY}: {user}")),
        ..Scenario::default()
    })
    .await;
    let data = dataset(2);
    let url = batch.url();
    let models = format!(
        "[models.gpt_x]\nprovider = \"openai\"\nbase_url = \"{url}/v1\"\nmodel_id = \"gpt-5.2\"\n\n\
         [models.claude_x]\nprovider = \"anthropic\"\nbase_url = \"{url}\"\nmodel_id = \"claude-opus-4-5\"\n\n\
         [models.gem_x]\nprovider = \"google\"\nbase_url = \"{url}\"\nmodel_id = \"gemini-3-pro-preview\"\n"
    );
    let config = crate::support::write_config(data.path(), "", &models);
    let env: Vec<(String, String)> = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_API_KEY"]
        .iter()
        .map(|variable| ((*variable).to_owned(), KEY.to_owned()))
        .collect();
    let mut logs = String::new();
    for extra in [vec!["--dry-run"], vec!["--batch", "--batch-poll", "0.02"], vec!["--batch", "--status"]] {
        let mut args = vec!["-vvv".to_owned()];
        args.extend(crate::support::run_args(
            data.path(),
            &config,
            &[&["--model", "gpt_x,claude_x,gem_x", "--condition", "C1"][..], &extra[..]].concat(),
        ));
        let output = run_binary(args, env.clone(), data.path()).await;
        logs.push_str(&text(&output.stdout));
        logs.push_str(&text(&output.stderr));
    }
    let requests = batch.server.requests();
    assert!(requests.iter().any(|seen| seen.header("authorization") == Some(&format!("Bearer {KEY}"))));
    assert!(requests.iter().any(|seen| seen.header("x-api-key") == Some(KEY)));
    assert!(requests.iter().any(|seen| seen.header("x-goog-api-key") == Some(KEY)));
    // The uploaded JSONL file and every other body and URL: no key.
    assert!(requests.iter().any(|seen| seen.path == "/v1/files"));
    assert!(requests.iter().all(|seen| !seen.path.contains(KEY) && !seen.raw_body.contains(KEY)));
    assert!(logs.contains("batches: 3 answered, 3 failed"), "{logs}");
    assert!(!logs.contains(KEY), "a key is in the logs:\n{logs}");
    let mut files = Vec::new();
    all_files(data.path(), &mut files);
    assert!(files.iter().any(|file| file.to_string_lossy().contains("batches/done")), "{files:?}");
    for file in &files {
        let content = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        assert!(!content.contains(KEY), "a key is in {}", file.display());
    }
    let answers = crate::support::read_results(&data.path().join("results/C1_english/claude_x.json"));
    assert!(answers.responses[0].response.contains("[redacted]"), "{}", answers.responses[0].response);
    assert!(answers.errors[0].message.contains("[redacted]"), "{}", answers.errors[0].message);
}
