//! One module per `left-behind` command: its clap arguments, its output format, the explicit
//! configuration they become, and its `run`. The command line's top level is [`crate::cli`]; what
//! several commands share (the dataset directory, the configuration file, the keys) is [`study`].
//!
//! A command module may use the engine modules (`run`, `grade`, `fetch`, `local`, `config`, ...);
//! no engine module uses a command module.

pub mod agreement;
pub mod batch;
pub mod fetch;
pub mod grade;
pub mod metrics;
pub mod models;
pub mod report;
pub mod report_judges;
pub mod run;
pub mod study;
pub mod validate;
