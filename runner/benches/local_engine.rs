//! Tokens per second of the in-process engine (`provider = "local"`) on the Gemma 3 270M test model,
//! one sequence at a time and four in parallel, and, when llama-cpp-python is installed, of the same
//! llama.cpp driven from Python on the same machine, model and prompts (`llama_cpp_python.py`).
//!
//! Both sides: greedy decoding, at most 128 new tokens per prompt, a 4,096-token context, the
//! machine's cores as threads, four prompts (study questions in English, Kazakh and Mongolian under
//! the study's system prompts, in the engine's plain format), each engine loaded, given one warm-up
//! pass, then one measured pass, `ROUNDS` times (the one- and four-sequence engines alternating),
//! medians reported. Two rates per pass, timed the same way on both sides:
//! - end to end: generated tokens / wall time of the pass (prompt processing included);
//! - generation alone: tokens after each answer's first / (wall time less prompt decoding), the
//!   rate `llama-bench` (tg) and `llama-batched-bench` (S_TG) report.
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
const ROUNDS: usize = 7;
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
        download_token_env: None,
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

/// One pass over the four prompts: tokens generated, wall time, and the part of it spent decoding
/// prompts (from the engine's statistics).
struct Pass {
    tokens: u32,
    prompts: u32,
    seconds: f64,
    prompt_seconds: f64,
}

impl Pass {
    /// Generated tokens / wall time of the pass, prompt processing included.
    fn end_to_end(&self) -> f64 {
        f64::from(self.tokens) / self.seconds
    }

    /// Tokens after each answer's first / wall time less prompt decoding: generation alone, as
    /// llama.cpp's `llama-bench` (tg) and `llama-batched-bench` (S_TG) count it. The first token of
    /// each answer comes out of its prompt's decode.
    fn generation(&self) -> f64 {
        f64::from(self.tokens - self.prompts) / (self.seconds - self.prompt_seconds)
    }
}

/// One pass: the four prompts one after another (parallel = 1) or all at once.
fn pass(engine: &Engine, parallel: bool) -> Pass {
    let before = engine.statistics().prompt_time;
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
    let seconds = started.elapsed().as_secs_f64();
    let prompt_seconds = (engine.statistics().prompt_time - before).as_secs_f64();
    Pass { tokens, prompts: PROMPTS.len() as u32, seconds, prompt_seconds }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
    println!("model {}, {threads} threads, {MAX_TOKENS} tokens per prompt, median of {ROUNDS} rounds", path.display());
    // The two engines' passes alternate (ABBA), so that the machine's drift (a shared VM) falls on
    // both alike. One engine is loaded at a time: with two, libgomp sees more threads than cores
    // and stops spinning at its barriers, which slows both.
    let measured = |parallel_sequences: u32| {
        let engine = Engine::start(&settings(&path, parallel_sequences, threads)).expect("the engine starts");
        pass(&engine, parallel_sequences > 1); // warm-up
        pass(&engine, parallel_sequences > 1)
    };
    let mut rounds = Vec::new();
    for round in 0..ROUNDS {
        let (one, all) = if round % 2 == 0 {
            let one = measured(1);
            (one, measured(4))
        } else {
            let all = measured(4);
            (measured(1), all)
        };
        rounds.push((one, all));
    }
    let column = |measure: fn(&Pass) -> f64, four: bool| {
        median(rounds.iter().map(|(one, all)| measure(if four { all } else { one })).collect())
    };
    let tokens = rounds[0].0.tokens;
    println!("                                   end to end        generation alone");
    println!(
        "left-behind engine, 1 sequence:   {:7.1} tokens/s   {:7.1} tokens/s   ({tokens} tokens per pass)",
        column(Pass::end_to_end, false),
        column(Pass::generation, false)
    );
    println!(
        "left-behind engine, 4 sequences:  {:7.1} tokens/s   {:7.1} tokens/s   (aggregate)",
        column(Pass::end_to_end, true),
        column(Pass::generation, true)
    );
    println!(
        "4 sequences / 1 sequence:         {:7.2}x           {:7.2}x",
        column(Pass::end_to_end, true) / column(Pass::end_to_end, false),
        column(Pass::generation, true) / column(Pass::generation, false)
    );
    match llama_cpp_python(&path, threads) {
        Ok(report) => {
            let theirs = report["tokens_per_second"].as_f64().unwrap_or(f64::NAN);
            let theirs_generation = report["generation_tokens_per_second"].as_f64().unwrap_or(f64::NAN);
            println!(
                "llama-cpp-python {}, 1 sequence: {theirs:7.1} tokens/s   {theirs_generation:7.1} tokens/s   ({} tokens per pass)",
                report["version"].as_str().unwrap_or("?"),
                report["tokens"],
            );
            println!(
                "left-behind 1 / llama-cpp-python 1: {:5.2}             {:5.2}",
                column(Pass::end_to_end, false) / theirs,
                column(Pass::generation, false) / theirs_generation
            );
            println!(
                "left-behind 4 / llama-cpp-python 1: {:5.2}x            {:5.2}x",
                column(Pass::end_to_end, true) / theirs,
                column(Pass::generation, true) / theirs_generation
            );
        }
        Err(reason) => println!("llama-cpp-python: not measured ({reason}); `pip install llama-cpp-python` to compare"),
    }
}
