//! `cargo xtask`: the repository's own build tool (the cargo-xtask convention). It installs what the
//! explorer needs (`setup`), builds the static site (`site`), serves it (`serve`), does both over the
//! study's dataset (`demo`), runs every check (`test`) and measures the site (`bench`).
//!
//! `main` only dispatches; each command lives in its own module.

mod bench;
mod serve;
mod setup;
mod site;
mod test;
mod test_model;
#[cfg(test)]
mod tests;
mod workspace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Build, serve and test the Left Behind explorer.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check and install what building and testing need: cmake and clang (llama.cpp), the local
    /// engine's test model, the wasm32 target (rustup, else Debian's toolchain and build-std), trunk,
    /// the wasm-bindgen-cli of Cargo.lock, wasm-opt, Chromium and playwright-core.
    Setup,
    /// Build the static site into a folder, with the dataset and a manifest of its files.
    Site(SiteArgs),
    /// Serve a built site on 127.0.0.1 and print its URL.
    Serve(ServeArgs),
    /// Fetch the study's dataset if absent, build the site over it and serve it.
    Demo(ServeOptions),
    /// Everything CI checks (after `setup`): formatting, clippy, cargo tests, the site build and the
    /// browser tests.
    Test,
    /// Measure the site in headless Chromium over the study's dataset (numbers for BENCHMARKS.md).
    Bench,
}

#[derive(Debug, clap::Args)]
struct SiteArgs {
    /// The dataset directory (holding benchmark/, results/, grades/). Default: the repository root,
    /// where `left-behind fetch` puts it.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The configuration whose models the site names and groups, as `left-behind report --config`.
    /// Default: `left-behind.toml` in the dataset directory, if there is one.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where to write the site. Default: target/site.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The URL path the site will be served under, for a host that serves it below its root (GitHub
    /// Pages: `/<repository>/`).
    #[arg(long, default_value = "/")]
    base: String,
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// The built site. Default: target/site.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    #[command(flatten)]
    options: ServeOptions,
}

#[derive(Debug, clap::Args)]
struct ServeOptions {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// The URL path to serve the site under; must match the base it was built with.
    #[arg(long, default_value = "/")]
    base: String,
}

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let root = workspace::root()?;
    match cli.command {
        Command::Setup => setup::run(&root).map(|_| ()),
        Command::Site(args) => {
            let data = args.data.unwrap_or_else(|| root.clone());
            let out = args.out.unwrap_or_else(|| root.join("target/site"));
            let settings = site::study_settings(args.config.as_deref(), Some(&data))?;
            site::build(&root, &site::SiteConfig { data: Some(data), out, base: args.base, settings })
        }
        Command::Serve(args) => {
            let dir = args.dir.unwrap_or_else(|| root.join("target/site"));
            serve::serve_forever(&[serve::Mount::new(&args.options.base, dir)], args.options.port)
        }
        Command::Demo(options) => demo(&root, options),
        Command::Test => test::run(&root),
        Command::Bench => bench::run(&root),
    }
}

/// `demo`: the README's first command. Gets the study's dataset into the repository root with
/// `left-behind fetch` unless one is there, builds the site and serves it.
fn demo(root: &std::path::Path, options: ServeOptions) -> anyhow::Result<()> {
    setup::ensure_ready(root)?;
    if workspace::dataset_files(root)?.is_empty() {
        eprintln!("no dataset in {}: fetching the study's with `left-behind fetch`", root.display());
        let mut fetch = std::process::Command::new(workspace::cargo());
        // `fetch` needs no llama.cpp: the runner's default build has no local engine, so no cmake.
        fetch.current_dir(root).args(["run", "--quiet", "--package", "left-behind-runner", "--", "fetch"]);
        workspace::run(&mut fetch)?;
    }
    let out = root.join("target/site");
    let settings = site::study_settings(None, Some(root))?;
    site::build(
        root,
        &site::SiteConfig { data: Some(root.to_path_buf()), out: out.clone(), base: options.base.clone(), settings },
    )?;
    serve::serve_forever(&[serve::Mount::new(&options.base, out)], options.port)
}
