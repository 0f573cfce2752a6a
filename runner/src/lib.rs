//! The `left-behind` command as a library: the binary (`main.rs`) only parses the command line and
//! dispatches; the integration tests and the benchmark drive the same modules.
//!
//! Commands: [`cli`] (the command line's top level) and [`commands`] (one module per command, each
//! with its arguments, configuration and `run`), over the engines [`fetch`], [`data_dir`], [`run`]
//! (asking the models) and [`grade`] (the judge). Calling models:
//! [`config`] (which models, how), [`secrets`] (their keys), [`providers`] (one module per API behind
//! one trait), [`dispatch`] (concurrency, retries, rate limits), [`model_client`] (a configured model
//! ready to call), [`local`] (GGUF models run in-process by llama.cpp). Saving what calls return:
//! [`writer`] (one writer per file), [`fs_util`] (atomic writes), [`data_lock`] (one `run` and one
//! `grade` per data directory at a time), [`interrupt`] (Ctrl-C).

pub mod batch;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod cost;
pub mod data_dir;
pub mod data_lock;
pub mod dispatch;
pub mod fetch;
pub mod fs_util;
pub mod grade;
pub mod interrupt;
pub mod local;
pub mod model_client;
pub mod progress;
pub mod providers;
pub mod run;
pub mod secrets;
pub mod writer;

/// Whether this build has the local engine (llama.cpp, the opt-in `local` feature).
pub const LOCAL_ENGINE: bool = cfg!(feature = "local");
