//! The in-process engine: one GGUF model loaded once by llama.cpp (through the `llama-cpp-2`
//! crate) and served by a thread of its own, several questions at once.
//!
//! Continuous batching: the engine holds up to `parallel_sequences` questions as sequences of one
//! llama.cpp context. A question that arrives has its prompt decoded (alone, see [`Server::step`]);
//! then every step decodes the next token of all generating sequences together and samples each
//! one's next token from its own logits. A sequence that ends frees its slot and its part of the KV
//! cache for the next question at once, so the batch stays full while questions are waiting. Steps
//! have fixed shapes, and each sequence its own sampler, so an answer depends on its own prompt and
//! settings, not on its neighbours.
//!
//! Requests arrive over a channel from the async provider ([`super::provider`]) and answers
//! go back over a oneshot channel each; a caller that goes away (timeout, Ctrl-C) is noticed at the
//! next step and its sequence dropped. llama.cpp objects never leave the engine thread.

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::oneshot;

use super::{LocalModelSettings, PLAIN_TEMPLATE};

/// Tokens decoded per llama.cpp call at most (prompt chunks and generated tokens together).
const BATCH_TOKENS: u32 = 512;

/// How a question becomes the model's prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptFormat {
    /// The chat template stored in the GGUF (`tokenizer.chat_template`), applied by llama.cpp.
    GgufTemplate { sha256: String },
    /// One of llama.cpp's built-in templates, chosen by `chat_template = "NAME"`.
    BuiltIn(String),
    /// No template: the system prompt, a blank line, the question, a blank line. Used when the GGUF
    /// has no template or `chat_template = "plain"`.
    Plain { reason: &'static str },
}

impl PromptFormat {
    /// As recorded with each answer: `gguf-template sha256:1a2b3c4d5e6f`, `built-in:chatml`, `plain`.
    pub fn record(&self) -> String {
        match self {
            PromptFormat::GgufTemplate { sha256 } => format!("gguf-template sha256:{}", &sha256[..12]),
            PromptFormat::BuiltIn(name) => format!("built-in:{name}"),
            PromptFormat::Plain { .. } => PLAIN_TEMPLATE.to_owned(),
        }
    }
}

impl std::fmt::Display for PromptFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PromptFormat::GgufTemplate { sha256 } => {
                write!(f, "the GGUF's chat template (sha256 {})", &sha256[..12])
            }
            PromptFormat::BuiltIn(name) => write!(f, "llama.cpp's built-in {name:?} template"),
            PromptFormat::Plain { reason } => write!(f, "the plain format ({reason})"),
        }
    }
}

/// The fallback prompt: the system prompt and the question, each followed by a blank line.
pub fn plain_prompt(system: Option<&str>, user: &str) -> String {
    match system {
        Some(system) => format!("{system}\n\n{user}\n\n"),
        None => format!("{user}\n\n"),
    }
}

/// What the loaded engine is, for logs and the results files.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineInfo {
    /// The model's name, architecture and size (`Gemma 3 270m (gemma3, 268M parameters)`).
    pub description: String,
    pub file_size: u64,
    pub prompt_format: PromptFormat,
    /// Tokens of context per sequence.
    pub context_size: u32,
    pub parallel_sequences: u32,
    pub threads: u32,
    /// The context the model was trained with.
    pub trained_context: u32,
}

/// How the next token is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// The most likely token: the same prompt gives the same text.
    Greedy,
    /// Temperature (and nucleus) sampling with a seeded generator per sequence.
    Random { temperature: f32, top_p: Option<f32>, seed: u32 },
}

impl Sampling {
    /// Greedy at temperature 0 or unset, as the entry's defaults say.
    pub fn from_settings(temperature: Option<f32>, settings: &LocalModelSettings) -> Sampling {
        match temperature {
            Some(temperature) if temperature > 0.0 => {
                Sampling::Random { temperature, top_p: settings.top_p, seed: settings.seed }
            }
            _ => Sampling::Greedy,
        }
    }

    /// The llama.cpp sampler for random sampling; greedy decoding needs none ([`argmax`]).
    fn sampler(self) -> Option<LlamaSampler> {
        match self {
            Sampling::Greedy => None,
            Sampling::Random { temperature, top_p, seed } => {
                let mut chain = Vec::new();
                if let Some(top_p) = top_p {
                    chain.push(LlamaSampler::top_p(top_p, 1));
                }
                chain.push(LlamaSampler::temp(temperature));
                chain.push(LlamaSampler::dist(seed));
                Some(LlamaSampler::chain_simple(chain))
            }
        }
    }
}

/// One question for the engine.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    pub system: Option<String>,
    pub user: String,
    pub max_tokens: u32,
    pub sampling: Sampling,
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinishReason {
    /// The model produced an end-of-generation token.
    Stop,
    /// `max_tokens` were generated.
    Length,
    /// The sequence's context is full.
    ContextFull,
}

impl FinishReason {
    pub fn as_str(self) -> &'static str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ContextFull => "context_full",
        }
    }
}

/// One answer and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The generated text (invalid UTF-8 from byte tokens is replaced with U+FFFD).
    pub text: String,
    pub finish: FinishReason,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    /// From the question's admission to its first generated token (prompt processing).
    pub prompt_seconds: f64,
    /// From the first generated token to the last.
    pub generation_seconds: f64,
    /// Sequences decoding together at admission (1 = alone).
    pub batch_peers: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("the prompt is {prompt_tokens} tokens, more than the {context_size}-token context (raise context_size)")]
    PromptTooLong { prompt_tokens: usize, context_size: u32 },
    #[error("cannot format the prompt: {0}")]
    Prompt(String),
    #[error("llama.cpp failed to decode: {0}")]
    Decode(String),
    #[error("the engine has stopped")]
    Stopped,
}

/// Why the engine could not start. Reported before any question is asked.
#[derive(Debug, thiserror::Error)]
pub enum EngineStartError {
    #[error("llama.cpp could not start: {0}")]
    Backend(String),
    #[error("llama.cpp could not load {path}: {message} (its log above says more; run with -v)")]
    Load { path: String, message: String },
    #[error("llama.cpp could not create a context of {tokens} tokens: {message}")]
    Context { tokens: u32, message: String },
    #[error("{0}")]
    Template(String),
    #[error("the engine thread could not be started: {0}")]
    Thread(String),
}

/// What an engine has done since it started, as llama.cpp's own performance counters split it:
/// decoding prompts, and generating (the steps that decode one token per slot). Logged when a run
/// ends; the benchmark reads it to tell prompt processing from generation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EngineStatistics {
    /// Prompt tokens decoded, and the time their decodes took (with choosing each first token).
    pub prompt_tokens: u64,
    pub prompt_time: Duration,
    /// Generation steps, the tokens of answers they decoded, the padding tokens that filled idle
    /// slots, and the time the steps took (decoding and choosing every next token).
    pub generation_steps: u64,
    pub generation_tokens: u64,
    pub padding_tokens: u64,
    pub generation_time: Duration,
}

impl EngineStatistics {
    /// Tokens per second, or 0 before any work.
    fn rate(tokens: u64, time: Duration) -> f64 {
        if time.is_zero() { 0.0 } else { tokens as f64 / time.as_secs_f64() }
    }
}

/// `prompts: 213 tokens decoded in 0.4 s (532 tokens/s); generation: 2032 tokens decoded in 17.9 s
/// (113.5 tokens/s) in 508 steps, 0% of slots padding`.
impl std::fmt::Display for EngineStatistics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slots = self.generation_tokens + self.padding_tokens;
        let padding = if slots == 0 { 0.0 } else { 100.0 * self.padding_tokens as f64 / slots as f64 };
        write!(
            f,
            "prompts: {} tokens decoded in {:.1} s ({:.0} tokens/s); generation: {} tokens decoded in {:.1} s \
             ({:.1} tokens/s) in {} steps, {padding:.0}% of slots padding",
            self.prompt_tokens,
            self.prompt_time.as_secs_f64(),
            Self::rate(self.prompt_tokens, self.prompt_time),
            self.generation_tokens,
            self.generation_time.as_secs_f64(),
            Self::rate(self.generation_tokens, self.generation_time),
            self.generation_steps,
        )
    }
}

struct Job {
    request: GenerationRequest,
    reply: oneshot::Sender<Result<Generation, EngineError>>,
}

/// A loaded model and the thread that serves it. Dropping it stops the thread (sequences still
/// running are abandoned: their callers have gone).
pub struct Engine {
    jobs: Option<Sender<Job>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    info: EngineInfo,
    statistics: Arc<Mutex<EngineStatistics>>,
}

impl Engine {
    /// Loads the model and starts its thread; returns once the model is loaded and the prompt
    /// format checked, or with the reason it could not be.
    pub fn start(settings: &LocalModelSettings) -> Result<Engine, EngineStartError> {
        backend()?;
        let (jobs, receiver) = mpsc::channel::<Job>();
        let (ready_sender, ready) = mpsc::sync_channel::<Result<EngineInfo, EngineStartError>>(1);
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = stop.clone();
        let statistics = Arc::new(Mutex::new(EngineStatistics::default()));
        let thread_statistics = statistics.clone();
        let settings = settings.clone();
        let thread = std::thread::Builder::new()
            .name("llama.cpp engine".to_owned())
            .spawn(move || {
                let backend = backend().expect("initialized before the thread started");
                let loaded = match load(backend, &settings) {
                    Ok(loaded) => loaded,
                    Err(error) => {
                        let _ = ready_sender.send(Err(error));
                        return;
                    }
                };
                let (model, template, info) = loaded;
                let context = match new_context(backend, &model, &info) {
                    Ok(context) => context,
                    Err(error) => {
                        let _ = ready_sender.send(Err(error));
                        return;
                    }
                };
                let _ = ready_sender.send(Ok(info.clone()));
                let padding_token =
                    Some(model.vocab().bos()).filter(|token| token.0 >= 0).unwrap_or(LlamaToken::new(0));
                let mut server = Server {
                    model: &model,
                    padding_token,
                    template,
                    context,
                    info,
                    receiver,
                    stop: thread_stop,
                    statistics: thread_statistics,
                };
                server.serve();
            })
            .map_err(|error| EngineStartError::Thread(error.to_string()))?;
        match ready.recv() {
            Ok(Ok(info)) => Ok(Engine { jobs: Some(jobs), stop, thread: Some(thread), info, statistics }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(error)
            }
            Err(_) => {
                let panic = thread.join().err().map(|panic| panic_message(&panic)).unwrap_or_default();
                Err(EngineStartError::Thread(format!("it stopped while loading the model {panic}")))
            }
        }
    }

    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    /// The work done so far (prompt processing and generation, tokens and time).
    pub fn statistics(&self) -> EngineStatistics {
        *self.statistics.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a question; the answer (or why there is none) arrives on the returned channel.
    pub fn submit(&self, request: GenerationRequest) -> oneshot::Receiver<Result<Generation, EngineError>> {
        let (reply, receiver) = oneshot::channel();
        if let Some(jobs) = &self.jobs
            && let Err(mpsc::SendError(job)) = jobs.send(Job { request, reply })
        {
            let _ = job.reply.send(Err(EngineError::Stopped));
        }
        receiver
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        format!("({text})")
    } else if let Some(text) = panic.downcast_ref::<String>() {
        format!("({text})")
    } else {
        String::new()
    }
}

/// llama.cpp's global state, initialized once per process; its log goes to `tracing`.
fn backend() -> Result<&'static LlamaBackend, EngineStartError> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|error| error.to_string())
        })
        .as_ref()
        .map_err(|message| EngineStartError::Backend(message.clone()))
}

fn load(
    backend: &LlamaBackend,
    settings: &LocalModelSettings,
) -> Result<(LlamaModel, Option<LlamaChatTemplate>, EngineInfo), EngineStartError> {
    let path = &settings.model_path;
    let load_error = |message: String| EngineStartError::Load { path: path.display().to_string(), message };
    // llama.cpp asserts (in debug builds) that the file exists: say so first.
    let file_size = std::fs::metadata(path).map_err(|error| load_error(error.to_string()))?.len();
    let model = LlamaModel::load_from_file(backend, path, &LlamaModelParams::default())
        .map_err(|error| load_error(error.to_string()))?;
    let (template, prompt_format) = prompt_format(&model, settings.chat_template.as_deref())?;
    let trained_context = model.n_ctx_train();
    let info = EngineInfo {
        description: model_description(&model),
        file_size,
        prompt_format,
        context_size: settings.context_size,
        parallel_sequences: settings.parallel_sequences,
        threads: settings.thread_count(),
        trained_context,
    };
    if settings.context_size > trained_context {
        tracing::warn!(
            "context_size {} is more than the {trained_context} tokens the model was trained with",
            settings.context_size
        );
    }
    Ok((model, template, info))
}

/// `Gemma 3 270m (gemma3, 268M parameters)`, from the model's metadata.
fn model_description(model: &LlamaModel) -> String {
    let name = model.meta_val_str("general.name").unwrap_or_else(|_| "unnamed model".to_owned());
    let architecture = model.meta_val_str("general.architecture").unwrap_or_else(|_| "unknown architecture".to_owned());
    let parameters = model.n_params() as f64;
    let size =
        if parameters >= 1e9 { format!("{:.1}B", parameters / 1e9) } else { format!("{:.0}M", parameters / 1e6) };
    format!("{name} ({architecture}, {size} parameters)")
}

/// Chooses the prompt format and checks that llama.cpp can apply it, so that an unsupported
/// template is reported at start, not with every question.
fn prompt_format(
    model: &LlamaModel,
    configured: Option<&str>,
) -> Result<(Option<LlamaChatTemplate>, PromptFormat), EngineStartError> {
    let (template, format) = match configured {
        Some(PLAIN_TEMPLATE) => return Ok((None, PromptFormat::Plain { reason: "chat_template = \"plain\"" })),
        Some(name) => {
            let template = LlamaChatTemplate::new(name)
                .map_err(|_| EngineStartError::Template(format!("chat_template {name:?} holds a NUL byte")))?;
            (template, PromptFormat::BuiltIn(name.to_owned()))
        }
        None => match model.chat_template(None) {
            Ok(template) => {
                let text = template.to_string().unwrap_or_default();
                let sha256 = super::sha256_hex(text.as_bytes()).expect("hashing a slice cannot fail");
                (template, PromptFormat::GgufTemplate { sha256 })
            }
            Err(_) => return Ok((None, PromptFormat::Plain { reason: "the GGUF has no chat template" })),
        },
    };
    let probe = [
        LlamaChatMessage::new("system".to_owned(), "s".to_owned()).expect("no NUL"),
        LlamaChatMessage::new("user".to_owned(), "u".to_owned()).expect("no NUL"),
    ];
    model.apply_chat_template(&template, &probe, true).map_err(|error| {
        EngineStartError::Template(format!(
            "llama.cpp cannot apply {format} ({error}): set chat_template to one of its built-in names \
             (\"chatml\", \"llama3\", \"gemma\", ...) or \"plain\""
        ))
    })?;
    Ok((Some(template), format))
}

fn new_context<'model>(
    backend: &LlamaBackend,
    model: &'model LlamaModel,
    info: &EngineInfo,
) -> Result<LlamaContext<'model>, EngineStartError> {
    // Each sequence gets `context_size` tokens of the KV cache: llama.cpp divides the context
    // evenly among the sequences it may hold.
    let tokens = info.context_size.saturating_mul(info.parallel_sequences);
    let threads = i32::try_from(info.threads).unwrap_or(i32::MAX);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(tokens))
        .with_n_batch(BATCH_TOKENS)
        .with_n_ubatch(BATCH_TOKENS)
        .with_n_seq_max(info.parallel_sequences)
        .with_n_threads(threads)
        .with_n_threads_batch(threads)
        // Sliding-window layers keep only their window: sequences are removed whole, never in part,
        // so the full-size cache (llama.cpp's default, with a warning) would only cost memory.
        .with_swa_full(false);
    model.new_context(backend, params).map_err(|error| EngineStartError::Context { tokens, message: error.to_string() })
}

/// One question being answered.
struct Sequence {
    job: Job,
    /// `None`: greedy.
    sampler: Option<LlamaSampler>,
    /// Prompt tokens not yet decoded.
    pending_prompt: VecDeque<LlamaToken>,
    prompt_tokens: u32,
    /// Tokens of this sequence in the KV cache.
    position: u32,
    /// The last sampled token, decoded in the next step.
    next_token: Option<LlamaToken>,
    /// This step's batch index of the token whose logits give the next token.
    logits_index: Option<i32>,
    output: Vec<u8>,
    generated: u32,
    admitted: Instant,
    first_token: Option<Instant>,
    batch_peers: u32,
}

struct Server<'model> {
    model: &'model LlamaModel,
    /// What fills the idle slots of a generation step (any valid token: its result is discarded).
    padding_token: LlamaToken,
    template: Option<LlamaChatTemplate>,
    context: LlamaContext<'model>,
    info: EngineInfo,
    receiver: Receiver<Job>,
    stop: Arc<AtomicBool>,
    statistics: Arc<Mutex<EngineStatistics>>,
}

impl Server<'_> {
    fn serve(&mut self) {
        let slots_count = self.info.parallel_sequences as usize;
        let mut slots: Vec<Option<Sequence>> = (0..slots_count).map(|_| None).collect();
        let mut waiting: VecDeque<Job> = VecDeque::new();
        let mut batch = LlamaBatch::new(BATCH_TOKENS as usize, 1);
        let mut open = true;
        while !self.stop.load(Ordering::SeqCst) {
            let idle = slots.iter().all(Option::is_none) && waiting.is_empty();
            if idle {
                if !open {
                    return;
                }
                match self.receiver.recv() {
                    Ok(job) => waiting.push_back(job),
                    Err(_) => return,
                }
            }
            loop {
                match self.receiver.try_recv() {
                    Ok(job) => waiting.push_back(job),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            self.drop_abandoned(&mut slots, &mut waiting);
            self.admit(&mut slots, &mut waiting);
            if slots.iter().all(Option::is_none) {
                continue;
            }
            self.step(&mut slots, &mut batch);
        }
    }

    /// Callers that went away (a timeout, Ctrl-C) free their slots.
    fn drop_abandoned(&mut self, slots: &mut [Option<Sequence>], waiting: &mut VecDeque<Job>) {
        for (index, slot) in slots.iter_mut().enumerate() {
            if slot.as_ref().is_some_and(|sequence| sequence.job.reply.is_closed()) {
                *slot = None;
                self.forget(index);
            }
        }
        waiting.retain(|job| !job.reply.is_closed());
    }

    fn forget(&mut self, slot: usize) {
        let _ = self.context.clear_kv_cache_seq(Some(slot as u32), None, None);
    }

    fn admit(&mut self, slots: &mut [Option<Sequence>], waiting: &mut VecDeque<Job>) {
        let busy = slots.iter().filter(|slot| slot.is_some()).count() as u32;
        let mut admitted = 0;
        for slot in slots.iter_mut().filter(|slot| slot.is_none()) {
            let Some(job) = waiting.pop_front() else { break };
            match self.prompt_tokens(&job.request) {
                Ok(tokens) => {
                    admitted += 1;
                    let prompt_tokens = tokens.len() as u32;
                    *slot = Some(Sequence {
                        sampler: job.request.sampling.sampler(),
                        job,
                        pending_prompt: tokens.into(),
                        prompt_tokens,
                        position: 0,
                        next_token: None,
                        logits_index: None,
                        output: Vec::new(),
                        generated: 0,
                        admitted: Instant::now(),
                        first_token: None,
                        batch_peers: 0,
                    });
                }
                Err(error) => {
                    let _ = job.reply.send(Err(error));
                }
            }
        }
        let peers = busy + admitted;
        for sequence in slots.iter_mut().flatten().filter(|sequence| sequence.batch_peers == 0) {
            sequence.batch_peers = peers;
        }
    }

    fn prompt_tokens(&self, request: &GenerationRequest) -> Result<Vec<LlamaToken>, EngineError> {
        let prompt = match &self.template {
            Some(template) => {
                let mut messages = Vec::with_capacity(2);
                if let Some(system) = &request.system {
                    messages.push(chat_message("system", system)?);
                }
                messages.push(chat_message("user", &request.user)?);
                self.model
                    .apply_chat_template(template, &messages, true)
                    .map_err(|error| EngineError::Prompt(error.to_string()))?
            }
            None => plain_prompt(request.system.as_deref(), &request.user),
        };
        // A template writes its special tokens as text (`<start_of_turn>`): parse them as tokens. The
        // plain format has none, so a question that happens to contain such text stays text.
        let parse_special = self.template.is_some();
        let tokens = self.model.vocab().tokenize(prompt.as_bytes(), true, parse_special);
        // At least one token of room must be left to generate.
        if tokens.is_empty() || tokens.len() >= self.info.context_size as usize {
            return Err(EngineError::PromptTooLong {
                prompt_tokens: tokens.len(),
                context_size: self.info.context_size,
            });
        }
        Ok(tokens)
    }

    /// One decode, in one of two fixed shapes, so that a sequence's arithmetic never depends on
    /// which other questions happen to be running (llama.cpp's CPU kernels pick their code path by
    /// the number of tokens in a batch, and different paths round differently):
    /// - a prompt step: one sequence's prompt alone, in chunks of `BATCH_TOKENS` from its start;
    /// - a generation step: exactly one token per slot. A slot without a generating sequence gets a
    ///   padding token (with logits, like the others) in its own, otherwise empty, part of the KV
    ///   cache, which is cleared again after the step.
    ///
    /// With both, greedy decoding gives the same text for the same prompt and settings whatever the
    /// order questions arrive in, how many are asked, or where a killed run resumed.
    fn step(&mut self, slots: &mut [Option<Sequence>], batch: &mut LlamaBatch) {
        let started = Instant::now();
        batch.clear();
        for sequence in slots.iter_mut().flatten() {
            sequence.logits_index = None;
        }
        let mut padded = Vec::new();
        let prefilling =
            slots.iter().position(|slot| slot.as_ref().is_some_and(|sequence| !sequence.pending_prompt.is_empty()));
        if let Some(index) = prefilling {
            let sequence = slots[index].as_mut().expect("found above");
            while batch.n_tokens() < BATCH_TOKENS as i32 {
                let Some(token) = sequence.pending_prompt.pop_front() else { break };
                let last = sequence.pending_prompt.is_empty();
                batch.add(token, sequence.position as i32, &[index as i32], last).expect("room was checked");
                sequence.position += 1;
                if last {
                    sequence.logits_index = Some(batch.n_tokens() - 1);
                }
            }
        } else {
            for (index, slot) in slots.iter_mut().enumerate() {
                match slot.as_mut().and_then(|sequence| sequence.next_token.take().map(|token| (sequence, token))) {
                    Some((sequence, token)) => {
                        batch
                            .add(token, sequence.position as i32, &[index as i32], true)
                            .expect("one token per slot fits the batch");
                        sequence.position += 1;
                        sequence.logits_index = Some(batch.n_tokens() - 1);
                    }
                    None => {
                        batch
                            .add(self.padding_token, 0, &[index as i32], true)
                            .expect("one token per slot fits the batch");
                        padded.push(index);
                    }
                }
            }
        }
        let batch_tokens = batch.n_tokens() as u64;
        let decoded = self.context.decode(batch);
        for &index in &padded {
            self.forget(index);
        }
        if let Err(error) = decoded {
            // The batch's sequences cannot go on: they fail; sequences that were not in it wait.
            let message = error.to_string();
            for (index, slot) in slots.iter_mut().enumerate() {
                let in_batch = match prefilling {
                    Some(prefilling) => prefilling == index,
                    None => slot.as_ref().is_some_and(|sequence| sequence.logits_index.is_some()),
                };
                if in_batch && let Some(sequence) = slot.take() {
                    let _ = sequence.job.reply.send(Err(EngineError::Decode(message.clone())));
                    self.forget(index);
                }
            }
            return;
        }
        let vocab = self.model.vocab();
        for (index, slot) in slots.iter_mut().enumerate() {
            let Some(sequence) = slot else { continue };
            let Some(logits_index) = sequence.logits_index else { continue };
            let token = match &mut sequence.sampler {
                Some(sampler) => sampler.sample(&self.context, logits_index),
                None => argmax(self.context.get_logits_ith(logits_index)),
            };
            let now = Instant::now();
            sequence.first_token.get_or_insert(now);
            let finish = if vocab.is_eog(token) {
                Some(FinishReason::Stop)
            } else {
                sequence.output.extend_from_slice(&vocab.token_to_piece(token, false, None));
                sequence.generated += 1;
                if sequence.generated >= sequence.job.request.max_tokens {
                    Some(FinishReason::Length)
                } else if sequence.position + 1 >= self.info.context_size {
                    Some(FinishReason::ContextFull)
                } else {
                    sequence.next_token = Some(token);
                    None
                }
            };
            if let Some(finish) = finish {
                let sequence = slot.take().expect("the slot holds the sequence");
                let first_token = sequence.first_token.unwrap_or(now);
                let generation = Generation {
                    text: String::from_utf8_lossy(&sequence.output).into_owned(),
                    finish,
                    prompt_tokens: sequence.prompt_tokens,
                    completion_tokens: sequence.generated,
                    prompt_seconds: (first_token - sequence.admitted).as_secs_f64(),
                    generation_seconds: (now - first_token).as_secs_f64(),
                    batch_peers: sequence.batch_peers,
                };
                let _ = sequence.job.reply.send(Ok(generation));
                let _ = self.context.clear_kv_cache_seq(Some(index as u32), None, None);
            }
        }
        let mut statistics = self.statistics.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if prefilling.is_some() {
            statistics.prompt_tokens += batch_tokens;
            statistics.prompt_time += started.elapsed();
        } else {
            let padding_tokens = padded.len() as u64;
            statistics.generation_steps += 1;
            statistics.generation_tokens += batch_tokens - padding_tokens;
            statistics.padding_tokens += padding_tokens;
            statistics.generation_time += started.elapsed();
        }
    }
}

/// The most likely token (the first of equals, as llama.cpp's greedy sampler picks; NaN never wins).
/// Straight from the logits: llama.cpp's sampler would first copy the whole vocabulary (262,144
/// entries for Gemma 3) into a candidate array for every token of every sequence.
///
/// Two passes that the compiler vectorizes, the largest value (lane-wise maxima), then the first
/// index holding it, instead of one loop whose running index makes every comparison wait for the
/// last: the argmax runs on the engine thread between decodes, while llama.cpp's other threads wait.
pub fn argmax(logits: &[f32]) -> LlamaToken {
    const LANES: usize = 16;
    let mut maxima = [f32::NEG_INFINITY; LANES];
    let chunks = logits.chunks_exact(LANES);
    let remainder = chunks.remainder();
    for chunk in chunks {
        for (maximum, &logit) in maxima.iter_mut().zip(chunk) {
            *maximum = if logit > *maximum { logit } else { *maximum };
        }
    }
    let best =
        maxima.iter().chain(remainder).fold(f32::NEG_INFINITY, |best, &logit| if logit > best { logit } else { best });
    let index = logits.iter().position(|&logit| logit == best).unwrap_or(0);
    LlamaToken::new(index as i32)
}

fn chat_message(role: &str, content: &str) -> Result<LlamaChatMessage, EngineError> {
    LlamaChatMessage::new(role.to_owned(), content.to_owned())
        .map_err(|_| EngineError::Prompt(format!("the {role} message holds a NUL character")))
}
