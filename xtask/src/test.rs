//! `cargo xtask test`: `setup` (installing only what is missing), then everything CI checks, in
//! order, stopping at the first failure: formatting, clippy with warnings denied (the runner also
//! without its llama.cpp engine), every cargo test, the site build, and the browser tests (node's
//! test runner with playwright-core driving Debian's Chromium) against sites built over the study's
//! dataset, a planted dataset of hostile and malformed files, and no dataset at all.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::serve::{Mount, Server};
use crate::setup::CHROMIUM;
use crate::site::{SiteConfig, lay_out};
use crate::{setup, site, workspace};

/// The sites the browser tests open, and the bases they are served under (a sub-path, as on GitHub
/// Pages, so that relative URLs are tested too).
pub const STUDY_BASE: &str = "/left-behind/";
pub const PLANTED_BASE: &str = "/planted/";
pub const EMPTY_BASE: &str = "/empty/";

pub fn run(root: &Path) -> anyhow::Result<()> {
    // What the checks need (cmake and clang for llama.cpp, the test model, the site's tools), each
    // installed only if missing, so that `cargo xtask test` works on a fresh machine by itself.
    setup::run(root)?;
    let cargo = workspace::cargo();
    workspace::run(Command::new(&cargo).current_dir(root).args(["fmt", "--all", "--", "--check"]))?;
    workspace::run(Command::new(&cargo).current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The runner without the local engine (no cmake, no clang) must still build.
    workspace::run(Command::new(&cargo).current_dir(root).args([
        "clippy",
        "--package",
        "left-behind-runner",
        "--no-default-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The GitHub Pages workflow (and any other) against actionlint's checks.
    crate::actionlint::check(root)?;
    workspace::run(Command::new(&cargo).current_dir(root).args(["test", "--workspace", "--locked"]))?;
    let dist = site::build_wasm(root)?;
    let work = root.join("target/browser-tests");
    let study = study_dataset(root, &work)?;
    let sites = [
        (STUDY_BASE, Some(study.clone()), work.join("site-study")),
        (PLANTED_BASE, Some(root.join("tests/browser/fixtures/planted")), work.join("site-planted")),
        (EMPTY_BASE, None, work.join("site-empty")),
    ];
    let mut mounts = Vec::new();
    for (base, data, out) in sites {
        lay_out(&dist, &SiteConfig { data, out: out.clone(), base: base.to_owned() })?;
        site::prerender(root, &out, base)?;
        mounts.push(Mount::new(base, out));
    }
    let report = work.join("report.json");
    write_report_json(root, &study, &report)?;
    let artifacts = work.join("artifacts");
    std::fs::create_dir_all(&artifacts).with_context(|| format!("cannot create {}", artifacts.display()))?;

    let server = Server::start(&mounts, 0)?;
    let mut node = Command::new("node");
    node.current_dir(root.join("tests/browser"))
        .args(["--test", "--test-concurrency=1", "."])
        .env("SITE_ORIGIN", format!("http://127.0.0.1:{}", server.port))
        .env("STUDY_BASE", STUDY_BASE)
        .env("PLANTED_BASE", PLANTED_BASE)
        .env("EMPTY_BASE", EMPTY_BASE)
        .env("REPORT_JSON", &report)
        .env("STUDY_DATA", &study)
        .env("ARTIFACTS_DIR", &artifacts)
        // The offline test serves a copy of the study's site with this program's `serve`, which it
        // stops and starts again.
        .env("STUDY_SITE", work.join("site-study"))
        .env("XTASK_BIN", std::env::current_exe().context("the path of xtask")?)
        .env("CHROMIUM", CHROMIUM);
    workspace::run(&mut node)?;
    drop(server);
    eprintln!("browser test screenshots: {}", artifacts.display());
    Ok(())
}

/// The study's dataset: `$LEFT_BEHIND_SOURCE` or ../shared/datasets/left-behind, else fetched once
/// into target/ with `left-behind fetch`.
pub fn study_dataset(root: &Path, work: &Path) -> anyhow::Result<PathBuf> {
    if let Some(dir) = workspace::study_dataset(root) {
        return Ok(dir);
    }
    let fetched = work.join("study-dataset");
    if workspace::dataset_files(&fetched)?.is_empty() {
        eprintln!("the study's dataset is not beside the checkout; fetching it into {}", fetched.display());
        workspace::run(
            Command::new(workspace::cargo())
                .current_dir(root)
                .args(["run", "--quiet", "--package", "left-behind-runner", "--", "fetch", "--into"])
                .arg(&fetched),
        )?;
    }
    Ok(fetched)
}

/// `left-behind report --format json` over `data`: the numbers the site must show.
fn write_report_json(root: &Path, data: &Path, out: &Path) -> anyhow::Result<()> {
    let output = Command::new(workspace::cargo())
        .current_dir(root)
        .args(["run", "--quiet", "--package", "left-behind-runner", "--", "report", "--format", "json", "--data"])
        .arg(data)
        .output()
        .context("cannot run left-behind report")?;
    if !output.status.success() {
        bail!("left-behind report failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    std::fs::write(out, &output.stdout).with_context(|| format!("cannot write {}", out.display()))
}
