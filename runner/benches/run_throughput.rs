//! Throughput of `left-behind run`: 2,000 calls (the study's 8 models x 5 conditions x 50
//! questions) against a local server that answers every call after a fixed latency L, at several
//! overall concurrencies C. The whole pipeline runs as in production: configuration, plan, keys,
//! the five providers' wire formats, the dispatch layer, and one atomic write per answer.
//!
//! The server runs in a child process (this binary, started with `serve`), so that the CPU time of
//! this process is the runner's alone. Figures per C:
//! - wall: from calling `run` to its return (configuration, plan, runtime, the calls, the last save);
//! - efficiency = (2000 x L / C) / wall, the share of the ideal that was reached (target >= 0.9);
//! - runner CPU per call: this process's user + system time during the run, divided by 2000: the
//!   runner's own overhead (target < 1 ms);
//! - slot idle per call: measured at the server, the time a concurrency slot stays empty while
//!   calls remain (C x the time from first to last arrival, minus the time requests were being
//!   served, per call). It holds the round trip through both HTTP stacks on two shared cores, and
//!   leaves out the server's own time (L_server, timer slack included) and the last round;
//! - fixed: wall minus the time from the first arrival to the last departure (start-up, last save).
//!
//! `cargo bench -p left-behind-runner --bench run_throughput [-- C...]` (default C = 8 16 32 64);
//! `LB_BENCH_LATENCY_MS` changes L (default 100).

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::Uri;
use axum::response::IntoResponse;
use axum::serve::ListenerExt;
use left_behind_runner::commands::run::{RunAction, RunConfig, run_quietly};
use left_behind_runner::commands::study::StudyPlace;
use left_behind_runner::run::{RunMode, Selection};
use serde_json::{Value, json};

const QUESTIONS: u32 = 50;
const CALLS: usize = 8 * 5 * QUESTIONS as usize;

struct Server {
    epoch: Instant,
    latency: Duration,
    /// A realistic answer: about 1,500 characters of Kazakh.
    answer: String,
    /// (arrival, departure) of every request since the last report, in nanoseconds since `epoch`.
    intervals: Mutex<Vec<(u64, u64)>>,
}

async fn answer(State(server): State<Arc<Server>>, uri: Uri) -> axum::response::Response {
    let arrival = server.epoch.elapsed().as_nanos() as u64;
    tokio::time::sleep(server.latency).await;
    let text = &server.answer;
    let path = uri.path();
    let body: Value = if path.ends_with("/v1/messages") {
        json!({ "type": "message", "role": "assistant", "model": "m", "content": [{ "type": "text", "text": text }],
                "stop_reason": "end_turn", "usage": { "input_tokens": 40, "output_tokens": 600 } })
    } else if path.contains(":generateContent") {
        json!({ "candidates": [{ "content": { "role": "model", "parts": [{ "text": text }] }, "finishReason": "STOP" }],
                "usageMetadata": { "promptTokenCount": 40, "candidatesTokenCount": 600 } })
    } else {
        json!({ "model": "m", "choices": [{ "index": 0, "message": { "role": "assistant", "content": text }, "finish_reason": "stop" }],
                "usage": { "prompt_tokens": 40, "completion_tokens": 600 } })
    };
    let departure = server.epoch.elapsed().as_nanos() as u64;
    server.intervals.lock().unwrap().push((arrival, departure));
    axum::Json(body).into_response()
}

/// The child process: serves on 127.0.0.1, prints its URL, then for each line read on stdin prints
/// the (arrival, departure) pairs collected since the last line, and forgets them.
fn serve(latency: Duration) {
    let server = Arc::new(Server {
        epoch: Instant::now(),
        latency,
        answer: "Бұл жауап қазақ тілінде жазылған және бірнеше сөйлемнен тұрады. ".repeat(24),
        intervals: Mutex::new(Vec::new()),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    println!("http://{}", listener.local_addr().unwrap());
    std::io::stdout().flush().unwrap();
    let app = axum::Router::new().fallback(answer).with_state(server.clone());
    // As API servers do: answers are not held back by Nagle's algorithm.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
    for line in std::io::stdin().lock().lines() {
        if line.is_err() {
            break;
        }
        let intervals = std::mem::take(&mut *server.intervals.lock().unwrap());
        let text: Vec<String> = intervals.iter().map(|(arrival, departure)| format!("{arrival} {departure}")).collect();
        println!("{}", text.join(","));
        std::io::stdout().flush().unwrap();
    }
}

fn write_dataset(dir: &std::path::Path, url: &str, concurrency: usize) {
    let categories =
        ["neutral_factual", "neutral_reasoning", "neutral_technical", "kazakh_cultural", "mongolian_cultural"];
    let questions: Vec<Value> = (1..=QUESTIONS)
        .map(|id| {
            json!({ "id": id, "category": categories[(id as usize - 1) / 10], "english": format!("Question {id}?"),
                    "kazakh": format!("Сұрақ {id}?"), "mongolian": format!("Асуулт {id}?"), "reference_answer": "Reference." })
        })
        .collect();
    std::fs::create_dir_all(dir.join("benchmark")).unwrap();
    std::fs::write(dir.join("benchmark/questions.json"), serde_json::to_string(&questions).unwrap()).unwrap();
    // Every provider endpoint may use the whole overall limit: C is the only bound.
    let mut config = format!("[run]\nconcurrency = {concurrency}\nmax_attempts = 1\n\n");
    for provider in ["anthropic", "openai", "google", "xai", "huggingface"] {
        config.push_str(&format!("[providers.{provider}]\nconcurrency = {concurrency}\n\n"));
    }
    for (model, base) in [
        ("claude_opus_4.5", url.to_owned()),
        ("gpt_5.2", format!("{url}/v1")),
        ("gemini_3_pro", url.to_owned()),
        ("grok_4.1", format!("{url}/xai/v1")),
        ("deepseek_v3.2", format!("{url}/hf/v1")),
        ("llama_4_maverick", format!("{url}/hf/v1")),
        ("qwen3", format!("{url}/hf/v1")),
        ("aya_expanse", format!("{url}/hf/v1")),
    ] {
        config.push_str(&format!("[models.\"{model}\"]\nbase_url = \"{base}\"\n\n"));
    }
    std::fs::write(dir.join("left-behind.toml"), config).unwrap();
    let keys = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GOOGLE_API_KEY", "XAI_API_KEY", "HF_API_KEY"]
        .map(|variable| format!("{variable}=bench-key-0000000000\n"))
        .concat();
    std::fs::write(dir.join(".env"), keys).unwrap();
}

/// This process's user + system CPU time (Linux: /proc/self/stat, in USER_HZ = 100 ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

/// Seconds a slot stays empty per call while calls remain (see the file's documentation).
fn slot_idle_per_call(intervals: &[(u64, u64)], concurrency: usize) -> f64 {
    let first = intervals.iter().map(|&(arrival, _)| arrival).min().unwrap();
    let last = intervals.iter().map(|&(arrival, _)| arrival).max().unwrap();
    let busy: u64 = intervals.iter().map(|&(arrival, departure)| departure.min(last).saturating_sub(arrival)).sum();
    let calls = intervals.iter().filter(|&&(arrival, _)| arrival < last).count();
    let idle = (concurrency as u64 * (last - first)).saturating_sub(busy);
    idle as f64 / 1e9 / calls as f64
}

fn main() {
    let latency_ms: u64 = std::env::var("LB_BENCH_LATENCY_MS").ok().and_then(|value| value.parse().ok()).unwrap_or(100);
    let latency = Duration::from_millis(latency_ms);
    let arguments: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with('-')).collect();
    if arguments.first().map(String::as_str) == Some("serve") {
        return serve(latency);
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut concurrencies: Vec<usize> = arguments.iter().filter_map(|arg| arg.parse().ok()).collect();
    if concurrencies.is_empty() {
        concurrencies = vec![8, 16, 32, 64];
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("serve")
        .env("LB_BENCH_LATENCY_MS", latency_ms.to_string())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut to_server = child.stdin.take().unwrap();
    let mut from_server = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    from_server.read_line(&mut url).unwrap();
    let url = url.trim().to_owned();
    let mut collect = || -> Vec<(u64, u64)> {
        writeln!(to_server).unwrap();
        to_server.flush().unwrap();
        let mut line = String::new();
        from_server.read_line(&mut line).unwrap();
        line.trim()
            .split(',')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (arrival, departure) = pair.split_once(' ').unwrap();
                (arrival.parse().unwrap(), departure.parse().unwrap())
            })
            .collect()
    };

    println!("{CALLS} calls, L = {latency_ms} ms per call at the server, answers of 1,536 characters of Kazakh");
    println!(
        "{:>4}  {:>8}  {:>8}  {:>10}  {:>11}  {:>19}  {:>18}  {:>7}",
        "C", "ideal s", "wall s", "efficiency", "L_server ms", "runner CPU ms/call", "slot idle ms/call", "fixed s"
    );
    for concurrency in concurrencies {
        let data = tempfile::tempdir().unwrap();
        write_dataset(data.path(), &url, concurrency);
        collect();
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let summary = run_quietly(&RunConfig {
            study: StudyPlace::new(data.path()),
            selection: Selection::default(),
            mode: RunMode::Missing,
            action: RunAction::Call,
            show_progress: false,
            batch: None,
        })
        .unwrap();
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_before;
        let intervals = collect();
        assert_eq!((summary.answered, summary.failed.len()), (CALLS, 0));
        assert_eq!(intervals.len(), CALLS, "every call was made once");
        let loaded = left_behind_runner::data_dir::read_dataset(data.path()).unwrap();
        let answers: usize = loaded.dataset.results.iter().map(|results| results.responses.len()).sum();
        assert_eq!((loaded.dataset.results.len(), answers), (40, CALLS), "every answer was saved");

        let server_seconds =
            intervals.iter().map(|&(arrival, departure)| departure - arrival).sum::<u64>() as f64 / 1e9 / CALLS as f64;
        let first = intervals.iter().map(|&(arrival, _)| arrival).min().unwrap();
        let last = intervals.iter().map(|&(_, departure)| departure).max().unwrap();
        let calling = (last - first) as f64 / 1e9;
        let ideal = CALLS as f64 * latency.as_secs_f64() / concurrency as f64;
        println!(
            "{concurrency:>4}  {ideal:>8.2}  {wall:>8.2}  {:>10.3}  {:>11.2}  {:>19.3}  {:>18.3}  {:>7.3}",
            ideal / wall,
            server_seconds * 1000.0,
            cpu / CALLS as f64 * 1000.0,
            slot_idle_per_call(&intervals, concurrency) * 1000.0,
            wall - calling
        );
    }
    drop(to_server);
    let _ = child.wait();
}
