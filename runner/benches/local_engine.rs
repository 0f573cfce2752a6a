//! Tokens per second of the in-process engine (`provider = "local"`) on the Gemma 3 270M test model,
//! one sequence at a time and four in parallel, and, when llama-cpp-python is installed, of the same
//! llama.cpp driven from Python on the same machine, model and prompts (`llama_cpp_python.py`).
//!
//! Both sides: greedy decoding, at most 128 new tokens per prompt, a 4,096-token context, the
//! machine's cores as threads, four prompts (study questions in English, Kazakh and Mongolian under
//! the study's system prompts, in the engine's plain format), one warm-up pass, then the median of
//! `ROUNDS` measured passes. Rate = generated tokens / wall time of the pass (prompt processing
//! included), so both sides are timed the same way.
//!
//! `cargo bench -p left-behind-runner --bench local_engine` (the model from `cargo xtask setup`, or
//! `LEFT_BEHIND_TEST_GGUF`; the comparison needs `pip install llama-cpp-python`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use left_behind_runner::local::LocalModelSettings;
use left_behind_runner::local::engine::{Engine, GenerationRequest, Sampling, plain_prompt};
use left_behind_shared::Condition;
use serde_json::{Value, json};

const MAX_TOKENS: u32 = 128;
const ROUNDS: usize = 5;
const CONTEXT: u32 = 4096;

/// (condition, question): study questions (1, 11, 31, 1) under the study's system prompts.
const PROMPTS: [(Condition, &str); 4] = [
    (Condition::C1, "What caused the 2010 Deepwater Horizon oil spill?"),
    (Condition::C2, "Көлік жуу орны менің үйімнен небәрі 50 метр жерде, жаяу барсам ба әлде көлікпен барсам ба?"),
    (Condition::C4, "Домбыр казах соёлд ямар үүрэг гүйцэтгэдэг вэ?"),
    (Condition::C2, "2010 жылғы Deepwater Horizon мұнай төгілуіне не себеп болды?"),
];

fn model_path() -> PathBuf {
    std::env::var_os("LEFT_BEHIND_TEST_GGUF").map(PathBuf::from).unwrap_or_else(|| {
        // Where `cargo xtask setup` puts it: the runner's model cache.
        let cache = left_behind_runner::local::cache_dir(&|name| std::env::var(name).ok()).expect("HOME is set");
        cache.join("gemma-3-270m-q4_k_m.gguf")
    })
}

fn settings(path: &Path, parallel_sequences: u32, threads: u32) -> LocalModelSettings {
    LocalModelSettings {
        model_path: path.to_path_buf(),
        url: None,
        sha256: None,
        context_size: CONTEXT,
        parallel_sequences,
        threads: Some(threads),
        top_p: None,
        seed: 42,
        chat_template: Some("plain".to_owned()),
    }
}

fn request(index: usize) -> GenerationRequest {
    let (condition, user) = PROMPTS[index];
    GenerationRequest {
        system: condition.system_prompt().map(str::to_owned),
        user: user.to_owned(),
        max_tokens: MAX_TOKENS,
        sampling: Sampling::Greedy,
    }
}

/// One pass: the four prompts one after another (parallel = 1) or all at once; (tokens, seconds).
fn pass(engine: &Engine, parallel: bool) -> (u32, f64) {
    let started = Instant::now();
    let mut tokens = 0;
    if parallel {
        let receivers: Vec<_> = (0..PROMPTS.len()).map(|index| engine.submit(request(index))).collect();
        for receiver in receivers {
            tokens += receiver.blocking_recv().expect("engine").expect("generation").completion_tokens;
        }
    } else {
        for index in 0..PROMPTS.len() {
            tokens +=
                engine.submit(request(index)).blocking_recv().expect("engine").expect("generation").completion_tokens;
        }
    }
    (tokens, started.elapsed().as_secs_f64())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn measure(path: &Path, parallel_sequences: u32, threads: u32) -> (f64, u32) {
    let engine = Engine::start(&settings(path, parallel_sequences, threads)).expect("the engine starts");
    let parallel = parallel_sequences > 1;
    pass(&engine, parallel);
    let mut rates = Vec::new();
    let mut tokens = 0;
    for _ in 0..ROUNDS {
        let (generated, seconds) = pass(&engine, parallel);
        tokens = generated;
        rates.push(f64::from(generated) / seconds);
    }
    (median(rates), tokens)
}

/// The same measurement through llama-cpp-python, or why it could not run.
fn llama_cpp_python(path: &Path, threads: u32) -> Result<Value, String> {
    let prompts: Vec<String> =
        PROMPTS.iter().map(|(condition, user)| plain_prompt(condition.system_prompt(), user)).collect();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/llama_cpp_python.py");
    let input = json!({
        "model": path,
        "prompts": prompts,
        "max_tokens": MAX_TOKENS,
        "n_ctx": CONTEXT,
        "threads": threads,
        "rounds": ROUNDS,
    });
    let output = Command::new("python3")
        .arg(&script)
        .arg(input.to_string())
        .output()
        .map_err(|error| format!("cannot run python3: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().lines().last().unwrap_or_default().to_owned());
    }
    serde_json::from_slice(&output.stdout).map_err(|error| format!("unreadable output: {error}"))
}

fn main() {
    let path = model_path();
    assert!(path.is_file(), "no test model at {} (run `cargo xtask setup`)", path.display());
    let threads = std::thread::available_parallelism().map_or(1, |cores| cores.get() as u32);
    println!("model {}, {threads} threads, {MAX_TOKENS} tokens per prompt, median of {ROUNDS} passes", path.display());
    let (single, single_tokens) = measure(&path, 1, threads);
    println!("left-behind engine, 1 sequence:    {single:7.1} tokens/s ({single_tokens} tokens per pass)");
    let (four, four_tokens) = measure(&path, 4, threads);
    println!(
        "left-behind engine, 4 sequences:   {four:7.1} tokens/s aggregate ({four_tokens} tokens per pass), {:.2}x one sequence",
        four / single
    );
    match llama_cpp_python(&path, threads) {
        Ok(report) => {
            let theirs = report["tokens_per_second"].as_f64().unwrap_or(f64::NAN);
            println!(
                "llama-cpp-python {}, 1 sequence: {theirs:7.1} tokens/s ({} tokens per pass); left-behind / llama-cpp-python = {:.2}",
                report["version"].as_str().unwrap_or("?"),
                report["tokens"],
                single / theirs
            );
            println!("left-behind 4 sequences / llama-cpp-python 1 sequence = {:.2}x", four / theirs);
        }
        Err(reason) => println!("llama-cpp-python: not measured ({reason}); `pip install llama-cpp-python` to compare"),
    }
}
