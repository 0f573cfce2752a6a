//! `left-behind run` end to end: the study's eight models against one local server speaking all
//! three wire formats, resume, --force, --retry-errors, --dry-run, --list, missing keys, refusing
//! to mix setups in one file, and Ctrl-C.

use std::path::Path;
use std::time::{Duration, Instant};

use left_behind_shared::{Condition, ModelRegistry, results_path};
use serde_json::json;

use crate::support::{
    MockServer, Reply, Seen, answer_any, command, dataset, openai_answer, read_results, run_args, run_binary,
    server_model, text, write_config,
};

const KEY: &str = "key-for-local-tests-1234";

/// Base URLs of every provider pointed at `url`, and every key set.
fn study_env(url: &str) -> Vec<(String, String)> {
    let mut env = vec![
        ("ANTHROPIC_BASE_URL".to_owned(), url.to_owned()),
        ("GOOGLE_BASE_URL".to_owned(), url.to_owned()),
        ("OPENAI_BASE_URL".to_owned(), format!("{url}/v1")),
        ("XAI_BASE_URL".to_owned(), format!("{url}/xai/v1")),
        ("HF_BASE_URL".to_owned(), format!("{url}/hf/v1")),
    ];
    for variable in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY", "HF_API_KEY"] {
        env.push((variable.to_owned(), KEY.to_owned()));
    }
    env
}

fn plain_args(data: &Path, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["run".into(), "--no-progress".into(), "--data".into(), data.display().to_string()];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn the_study_setup_against_local_servers_writes_the_studys_format() {
    let server = MockServer::start(|seen, _| answer_any(seen)).await;
    let data = dataset(3);
    let env = study_env(&server.url);
    let output = run_binary(plain_args(data.path(), &[]), env.clone(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("120 of 120 calls answered"), "{}", text(&output.stdout));
    assert_eq!(server.request_count(), 8 * 5 * 3);

    let registry = ModelRegistry::study();
    for condition in Condition::ALL {
        for model in &registry.models {
            let results = read_results(&data.path().join(results_path(condition, &model.name)));
            assert_eq!(results.model, model.name);
            assert_eq!(results.model_id, model.api_model_id);
            assert_eq!(results.condition, condition);
            assert_eq!(results.condition_description, condition.description());
            assert_eq!(results.language, condition.language());
            assert_eq!(results.system_prompt_used.as_deref(), condition.system_prompt());
            assert!(results.errors.is_empty());
            let ids: Vec<u32> = results.responses.iter().map(|response| response.question_id).collect();
            assert_eq!(ids, [1, 2, 3], "answers are kept in question order");
            for response in &results.responses {
                let question = match condition.language() {
                    left_behind_shared::Language::English => format!("English question {}?", response.question_id),
                    left_behind_shared::Language::Kazakh => format!("Қазақша сұрақ {}?", response.question_id),
                    left_behind_shared::Language::Mongolian => format!("Монгол асуулт {}?", response.question_id),
                };
                assert_eq!(response.question_text, question);
                assert_eq!(response.response, format!("answer to: {question}"));
                assert_eq!(response.reference_answer.is_some(), response.question_id % 2 == 1);
                assert_eq!(response.attempts, Some(1));
                assert!(response.finish_reason.is_some() && response.usage.is_some() && response.answered_at.is_some());
                let wire_id = match &model.provider_route {
                    Some(route) => format!("{}:{route}", model.api_model_id),
                    None => model.api_model_id.clone(),
                };
                assert_eq!(response.api_model_id.as_deref(), Some(wire_id.as_str()));
            }
        }
    }

    // Each question is a fresh conversation: the condition's system prompt (none in C1), then the
    // question in the condition's language, placed where each API wants it.
    let requests = server.requests();
    let find = |path_part: &str, question: &str| {
        requests
            .iter()
            .find(|seen| seen.path.contains(path_part) && crate::support::last_user_text(seen) == question)
            .unwrap_or_else(|| panic!("no request to {path_part} for {question}"))
            .clone()
    };
    let claude_c1 = find("/v1/messages", "English question 1?");
    assert!(claude_c1.body.get("system").is_none());
    assert_eq!(claude_c1.body["max_tokens"], 2048);
    assert_eq!(claude_c1.body["messages"].as_array().unwrap().len(), 1);
    let claude_c3 = find("/v1/messages", "Қазақша сұрақ 2?");
    let c3_prompt = Condition::C3.system_prompt().unwrap();
    let claude_c3_prompts: Vec<&str> = requests
        .iter()
        .filter(|seen| seen.path.contains("/v1/messages") && crate::support::last_user_text(seen) == "Қазақша сұрақ 2?")
        .map(|seen| seen.body["system"].as_str().unwrap())
        .collect();
    assert!(claude_c3_prompts.contains(&c3_prompt), "{claude_c3:?}");
    let gemini_c5 = requests
        .iter()
        .find(|seen| {
            seen.path.contains(":generateContent")
                && seen.body["systemInstruction"]["parts"][0]["text"] == json!(Condition::C5.system_prompt().unwrap())
        })
        .expect("a Gemini request under C5");
    assert_eq!(gemini_c5.body["generationConfig"]["maxOutputTokens"], 2048);
    let qwen =
        requests.iter().find(|seen| seen.body["model"] == "Qwen/Qwen3-235B-A22B-Instruct-2507:together").unwrap();
    assert!(qwen.path.starts_with("/hf/v1/chat/completions"));
    let gpt_c1 = requests
        .iter()
        .find(|seen| seen.body["model"] == "gpt-5.2" && seen.body["messages"][0]["role"] == "user")
        .unwrap();
    assert_eq!(gpt_c1.body["max_completion_tokens"], 2048);

    // The output is readable by validate as it is.
    let validate = crate::support::validate_data(data.path()).await;
    assert_eq!(validate.status.code(), Some(0), "{}", text(&validate.stdout));
    assert!(
        text(&validate.stdout).contains("40 results files (120 responses, 0 failed calls)"),
        "{}",
        text(&validate.stdout)
    );

    // Resume: nothing left, nothing called.
    let again = run_binary(plain_args(data.path(), &[]), env.clone(), data.path()).await;
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).starts_with("nothing to do: all 120 selected calls are answered"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(server.request_count(), 120);

    // --force asks again what is selected, and replaces the answer in place.
    let file = data.path().join("results/C1_english/gpt_5.2.json");
    let before = read_results(&file);
    let forced = run_binary(
        plain_args(data.path(), &["--force", "--model", "gpt_5.2", "--condition", "C1", "--question", "2"]),
        env.clone(),
        data.path(),
    )
    .await;
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    assert_eq!(server.request_count(), 121);
    let after = read_results(&file);
    assert_eq!(after.responses.len(), 3);
    assert_eq!(after.started_at, before.started_at);
    assert_eq!(after.responses[0], before.responses[0]);
    assert_ne!(after.responses[1].answered_at, before.responses[1].answered_at);
    // --retry-errors with no errors: nothing to do.
    let retry = run_binary(plain_args(data.path(), &["--retry-errors"]), env, data.path()).await;
    assert!(text(&retry.stdout).starts_with("nothing to do"), "{}", text(&retry.stdout));
    assert_eq!(server.request_count(), 121);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_keys_are_all_listed_before_any_call() {
    let server = MockServer::start(|seen, _| answer_any(seen)).await;
    let data = dataset(2);
    let env: Vec<(String, String)> = study_env(&server.url)
        .into_iter()
        .filter(|(name, _)| !name.ends_with("_API_KEY") || name == "ANTHROPIC_API_KEY")
        .collect();
    let output = run_binary(plain_args(data.path(), &[]), env, data.path()).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("4 API keys are missing for the selected models:"), "{stderr}");
    for line in [
        "GOOGLE_API_KEY (needed by gemini_3_pro)",
        "HF_API_KEY or HF_TOKEN (needed by deepseek_v3.2, llama_4_maverick, qwen3, aya_expanse)",
        "OPENAI_API_KEY (needed by gpt_5.2)",
        "XAI_API_KEY (needed by grok_4.1)",
    ] {
        assert!(stderr.contains(line), "{line} missing from: {stderr}");
    }
    assert!(!stderr.contains("ANTHROPIC_API_KEY"));
    assert_eq!(server.request_count(), 0, "nothing is called before every key is there");
    assert!(!data.path().join("results").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_and_list_call_nothing() {
    let server = MockServer::start(|_, _| Reply::json(200, openai_answer("ok"))).await;
    let data = dataset(4);
    let config = write_config(data.path(), "", &server_model("local", &server.url));
    // One answer exists already.
    let first = run_binary(
        run_args(data.path(), &config, &["--model", "local", "--condition", "C1", "--limit", "1"]),
        Vec::new(),
        data.path(),
    )
    .await;
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    assert_eq!(server.request_count(), 1);

    let dry = run_binary(
        run_args(data.path(), &config, &["--dry-run", "--model", "local", "--condition", "C1,C2"]),
        Vec::new(),
        data.path(),
    )
    .await;
    assert_eq!(dry.status.code(), Some(0));
    let plan = text(&dry.stdout);
    assert!(plan.contains("1 model x 2 conditions x 4 questions = 8 selected calls"), "{plan}");
    assert!(plan.contains("results/C1_english/local.json    3 to call  (1 answered, 0 failed before)\n"), "{plan}");
    assert!(
        plan.contains("results/C2_kazakh/local.json     4 to call  (0 answered, 0 failed before), new file\n"),
        "{plan}"
    );
    assert!(plan.contains("total: 7 calls to make, 1 already answered"), "{plan}");
    let limited = run_binary(
        run_args(
            data.path(),
            &config,
            &["--dry-run", "--model", "local", "--condition", "C4", "--question", "2-4", "--limit", "2"],
        ),
        Vec::new(),
        data.path(),
    )
    .await;
    assert!(
        text(&limited.stdout).contains("1 model x 1 condition x 2 questions = 2 selected calls"),
        "{}",
        text(&limited.stdout)
    );
    // A dry run of models without keys says so, and still calls nothing.
    let keyless =
        run_binary(run_args(data.path(), &config, &["--dry-run", "--model", "qwen3"]), Vec::new(), data.path()).await;
    assert_eq!(keyless.status.code(), Some(0));
    assert!(
        text(&keyless.stdout).contains("note: a real run would stop here: 1 API key is missing"),
        "{}",
        text(&keyless.stdout)
    );

    let list = run_binary(run_args(data.path(), &config, &["--list"]), Vec::new(), data.path()).await;
    assert_eq!(list.status.code(), Some(0));
    let listing = text(&list.stdout);
    assert!(listing.contains("models (9):"), "{listing}");
    assert!(
        listing.contains("qwen3             huggingface        Qwen/Qwen3-235B-A22B-Instruct-2507 (via together)"),
        "{listing}"
    );
    assert!(listing.contains("local             openai-compatible  local/local"), "{listing}");
    assert!(listing.contains("HF_API_KEY (missing)") && listing.contains("no key"), "{listing}");
    assert!(listing.contains("C2  Kazakh     results/C2_kazakh"), "{listing}");
    assert!(listing.contains("calls: 9 models x 5 conditions x 4 questions = 180"), "{listing}");
    assert_eq!(server.request_count(), 1, "neither --dry-run nor --list calls anything");
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_keeps_what_is_there_and_refuses_to_mix_setups() {
    let server = MockServer::start(|seen, _| {
        Reply::json(200, openai_answer(&format!("new {}", crate::support::last_user_text(seen))))
    })
    .await;
    let data = dataset(3);
    let config = write_config(data.path(), "", &server_model("local", &server.url));
    let file = data.path().join("results/C1_english/local.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let existing = json!({
        "model": "local",
        "model_id": "local/local",
        "condition": "C1",
        "condition_description": "English -> English (upper bound baseline)",
        "language": "english",
        "system_prompt_used": null,
        "started_at": "2026-02-17T05:42:33.645438+00:00",
        "responses": [{
            "question_id": 2,
            "category": "neutral_reasoning",
            "question_text": "English question 2?",
            "response": "an old answer",
            "reference_answer": null,
            "response_time_seconds": 8.44,
            "reviewer_note": "kept"
        }],
        "last_updated": "2026-02-17T05:50:07.552009+00:00",
        "run_by": "someone"
    });
    std::fs::write(&file, serde_json::to_string_pretty(&existing).unwrap()).unwrap();
    // What a run killed between writing and renaming leaves behind.
    let stale = file.with_file_name(".local.json.Ab12Cd.tmp");
    std::fs::write(&stale, "{\"model\": \"lo").unwrap();
    let output =
        run_binary(run_args(data.path(), &config, &["--model", "local", "--condition", "C1"]), Vec::new(), data.path())
            .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(!stale.exists(), "the stale temporary file is removed");
    let asked: Vec<String> = server.requests().iter().map(crate::support::last_user_text).collect();
    assert_eq!(asked.len(), 2);
    assert!(!asked.contains(&"English question 2?".to_owned()));
    let value: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(value["responses"][1], existing["responses"][0], "the old answer is untouched, unknown fields included");
    assert_eq!(value["run_by"], "someone");
    assert_eq!(value["started_at"], existing["started_at"]);
    assert_eq!(value["responses"][0]["response"], "new English question 1?");

    // The configured registry knows the model: validate does not call it unregistered.
    let validate = |with_config: bool| {
        let mut args = vec!["validate".to_owned(), "--data".to_owned(), data.path().display().to_string()];
        if with_config {
            args.extend(["--config".to_owned(), config.display().to_string()]);
        }
        run_binary(args, Vec::new(), data.path())
    };
    assert!(!text(&validate(true).await.stdout).contains("not in the model registry"));
    let moved = data.path().join("elsewhere.toml");
    std::fs::rename(&config, &moved).unwrap();
    assert!(text(&validate(false).await.stdout).contains("model \"local\" is not in the model registry"));

    // Another model id under the same name: refused before any call, the file untouched.
    let before = std::fs::read(&file).unwrap();
    let other = write_config(
        data.path(),
        "",
        &format!(
            "[models.local]\nprovider = \"openai-compatible\"\nbase_url = \"{}/v1\"\nmodel_id = \"another/model\"\n",
            server.url
        ),
    );
    let refused =
        run_binary(run_args(data.path(), &other, &["--model", "local", "--force"]), Vec::new(), data.path()).await;
    assert_eq!(refused.status.code(), Some(1));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("results/C1_english/local.json was made with model id \"local/local\" but the configuration now says \"another/model\""),
        "{stderr}"
    );
    assert_eq!(server.request_count(), 2);
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_cleanly_after_saving_what_arrived() {
    let server =
        MockServer::start(|_, _| Reply::json(200, openai_answer("slow")).after(Duration::from_millis(250))).await;
    let data = dataset(20);
    let config = write_config(data.path(), "concurrency = 2", &server_model("local", &server.url));
    let file = data.path().join("results/C1_english/local.json");
    let child = command()
        .args(run_args(data.path(), &config, &["--model", "local", "--condition", "C1"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !(file.exists() && read_results(&file).responses.len() >= 3) {
        assert!(Instant::now() < deadline, "no answers arrived");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let interrupted_at = Instant::now();
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("interrupted:") && stdout.contains("run the same command again to finish"), "{stdout}");
    let partial = read_results(&file);
    // Any request sent just before the exit has arrived once the count stops changing.
    let first_run_requests = server.settled_request_count().await;
    assert!(partial.responses.len() < 20, "stopped early: {stdout}");
    // Of the calls made before Ctrl-C, at most the two in flight (the concurrency) were cut off
    // unanswered. A signal takes a moment to reach the runner's flag, and a call whose turn came in
    // that moment may still go out, at most as many as the concurrency.
    let requests = server.requests();
    let (before, after): (Vec<&Seen>, Vec<&Seen>) = requests.iter().partition(|seen| seen.at < interrupted_at);
    assert!(
        before.len().saturating_sub(partial.responses.len()) <= 2,
        "{} requests before Ctrl-C, {} answers",
        before.len(),
        partial.responses.len()
    );
    assert!(after.len() <= 2, "{} calls started after Ctrl-C", after.len());
    assert!(partial.errors.is_empty(), "an interrupted call is not a failure: {:?}", partial.errors);

    let output =
        run_binary(run_args(data.path(), &config, &["--model", "local", "--condition", "C1"]), Vec::new(), data.path())
            .await;
    assert_eq!(output.status.code(), Some(0), "{}{}", text(&output.stdout), text(&output.stderr));
    let complete = read_results(&file);
    let ids: Vec<u32> = complete.responses.iter().map(|response| response.question_id).collect();
    assert_eq!(ids, (1..=20).collect::<Vec<u32>>());
    // The second run asked exactly what was missing.
    assert_eq!(server.request_count() - first_run_requests, 20 - partial.responses.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_or_grade_on_the_same_data_is_refused_while_the_first_writes() {
    use left_behind_runner::data_lock::{Work, acquire};

    let server = MockServer::start(|_, _| Reply::json(200, openai_answer("an answer"))).await;
    let data = dataset(2);
    let config = write_config(data.path(), "", &server_model("local", &server.url));
    let args = run_args(data.path(), &config, &["--model", "local", "--condition", "C1"]);
    let refusal = |work: &str| {
        format!("another `left-behind {work}` is writing in {} (process {})", data.path().display(), std::process::id())
    };

    // This test process stands in for a run that is still going.
    let running = acquire(data.path(), Work::Run).unwrap();
    let output = run_binary(args.clone(), Vec::new(), data.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(text(&output.stderr).contains(&refusal("run")), "{}", text(&output.stderr));
    assert!(server.requests().is_empty());
    assert!(!data.path().join("results/C1_english/local.json").exists());
    // A dry run only reads; grading has a lock of its own.
    let mut dry_run = args.clone();
    dry_run.push("--dry-run".to_owned());
    let output = run_binary(dry_run, Vec::new(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let grading = acquire(data.path(), Work::Grade).unwrap();
    let grade = vec!["grade".to_owned(), "--no-progress".to_owned(), "--data".to_owned(), path(data.path())];
    let output = run_binary(grade, Vec::new(), data.path()).await;
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    assert!(text(&output.stderr).contains(&refusal("grade")), "{}", text(&output.stderr));
    drop(grading);

    // Once the first run has ended (its lock goes with its process, however it ends), a run works.
    drop(running);
    let output = run_binary(args, Vec::new(), data.path()).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(server.requests().len(), 2);
}

fn path(path: &Path) -> String {
    path.display().to_string()
}
