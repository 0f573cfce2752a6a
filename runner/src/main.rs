//! `left-behind`: the command researchers use to fetch the study's dataset, check it, reproduce
//! the paper's analysis, and regenerate its results. This file only parses and dispatches: each
//! command lives in its own module of the library (`commands`).

use std::process::ExitCode;

use clap::Parser;
use left_behind_runner::{cli, progress};

fn main() -> ExitCode {
    match try_main() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> anyhow::Result<ExitCode> {
    let cli = cli::Cli::parse();
    init_logging(cli.verbose);
    // One TLS crypto provider for the whole process (reqwest is built without a default one, so that
    // the build needs no C toolchain beyond what ring uses).
    let _ = rustls::crypto::ring::default_provider().install_default();
    cli.command.run()
}

/// Logs go to stderr (around the progress bars); `-v` shows info, `-vv` debug, `-vvv` trace of
/// this program (dependencies stay at info: their trace output is not meant for users).
/// `RUST_LOG` overrides.
fn init_logging(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        // llama.cpp's log (model loading, one line per tensor group) only from -vv.
        1 => "info,llama-cpp-2=warn",
        2 => "info,left_behind_runner=debug",
        _ => "info,left_behind_runner=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(|| progress::LogWriter).with_target(false).init();
}
