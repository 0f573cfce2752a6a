//! `cargo xtask test`: `setup` (installing only what is missing), then everything CI checks, in
//! order, stopping at the first failure: formatting, clippy with warnings denied (with the runner's
//! llama.cpp engine, `--features local`, and without it, as `cargo install --path runner` builds it),
//! every cargo test (with the engine, so the local-model tests run), the runner's local-model tests
//! without the engine, the site build, and the browser tests (node's
//! test runner with playwright-core driving Debian's Chromium) against sites built over the study's
//! dataset, a planted dataset of hostile and malformed files, no dataset at all, and the study's
//! dataset with one model added by its `left-behind.toml` (the site must group it as `report` does).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use left_behind_runner::config::CONFIG_FILE_NAME;
use left_behind_shared::{Condition, GradeRow, grades_to_csv, parse_grades};

use crate::serve::{Mount, Server};
use crate::setup::CHROMIUM;
use crate::site::{SiteConfig, lay_out};
use crate::{setup, site, workspace};

/// The sites the browser tests open, and the bases they are served under (a sub-path, as on GitHub
/// Pages, so that relative URLs are tested too).
pub const STUDY_BASE: &str = "/left-behind/";
pub const PLANTED_BASE: &str = "/planted/";
pub const EMPTY_BASE: &str = "/empty/";
pub const CONFIGURED_BASE: &str = "/configured/";

/// The model the configured dataset adds: a copy of Qwen3's C1 answers and grades, under a name the
/// study's registry does not know, made bilingual by the dataset's `left-behind.toml`.
const ADDED_MODEL: &str = "my_local_qwen";
const ADDED_MODEL_CONFIG: &str = r#"# Written by `cargo xtask test`: one model of the user's own, grouped as bilingual.
[models.my_local_qwen]
provider = "openai-compatible"
base_url = "http://127.0.0.1:8000/v1"
model_id = "Qwen/Qwen2.5-7B-Instruct"
display_name = "My local Qwen"
category = "bilingual"
"#;

pub const JUDGES_BASE: &str = "/judges/";
/// The judges of the judges' fixture whose overview the browser test checks ("" is the study's).
const FIXTURE_JUDGES: [&str; 3] = ["", "judge_b", "panel"];
/// Makes the end-to-end tests fail, not skip, when the study's dataset is missing (tests/src/lib.rs).
const REQUIRE_DATASET_ENV: &str = "LEFT_BEHIND_REQUIRE_DATASET";
/// The runner's opt-in llama.cpp engine, which CI builds, lints and tests.
const LOCAL_ENGINE: &str = "left-behind-runner/local";

pub fn run(root: &Path) -> anyhow::Result<()> {
    // What the checks need (cmake and clang for llama.cpp, the test model, the site's tools), each
    // installed only if missing, so that `cargo xtask test` works on a fresh machine by itself.
    setup::run(root)?;
    // The tests that read the study's dataset fail without it here (as under CI), instead of
    // skipping: it is made available first, from LEFT_BEHIND_SOURCE (a directory, URL or tarball),
    // beside the checkout, or fetched.
    let work = root.join("target/browser-tests");
    let study = study_dataset(root, &work)?;
    let cargo = workspace::cargo();
    workspace::run(Command::new(&cargo).current_dir(root).args(["fmt", "--all", "--", "--check"]))?;
    workspace::run(Command::new(&cargo).current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--features",
        LOCAL_ENGINE,
        "--",
        "-D",
        "warnings",
    ]))?;
    // The runner as `cargo install --path runner` builds it: no local engine, no cmake, no clang.
    workspace::run(Command::new(&cargo).current_dir(root).args([
        "clippy",
        "--package",
        "left-behind-runner",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The GitHub Pages workflow (and any other) against actionlint's checks.
    crate::actionlint::check(root)?;
    workspace::run(
        Command::new(&cargo)
            .current_dir(root)
            .args(["test", "--workspace", "--locked", "--features", LOCAL_ENGINE])
            .env("LEFT_BEHIND_SOURCE", &study)
            .env(REQUIRE_DATASET_ENV, "1"),
    )?;
    // Without the engine, a local entry stops before any call and says how to get it.
    workspace::run(Command::new(&cargo).current_dir(root).args([
        "test",
        "--package",
        "left-behind-runner",
        "--test",
        "it",
        "--locked",
        "--",
        "local_model::run_reports_an_unusable_model_file_before_asking_anything",
    ]))?;
    let dist = site::build_wasm(root)?;
    let configured = configured_dataset(&study, &work.join("configured-dataset"))?;
    let sites = [
        (STUDY_BASE, Some(study.clone()), work.join("site-study")),
        (PLANTED_BASE, Some(root.join("tests/browser/fixtures/planted")), work.join("site-planted")),
        (EMPTY_BASE, None, work.join("site-empty")),
        (CONFIGURED_BASE, Some(configured.clone()), work.join("site-configured")),
        (JUDGES_BASE, Some(root.join("tests/browser/fixtures/judges")), work.join("site-judges")),
    ];
    let mut mounts = Vec::new();
    for (base, data, out) in sites {
        // Each site finds its configuration as `cargo xtask site` does (the dataset's left-behind.toml).
        let settings = site::study_settings(None, data.as_deref())?;
        lay_out(&dist, &SiteConfig { data, out: out.clone(), base: base.to_owned(), settings })?;
        site::prerender(root, &out, base)?;
        mounts.push(Mount::new(base, out));
    }
    let report = work.join("report.json");
    write_report_json(root, &study, &report, &[])?;
    // The judges' fixture under each judge: `report --judge NAME --format json`, and its tables as
    // printed (`--format csv`) in NAME-csv/.
    let judge_reports = work.join("judge-reports");
    std::fs::create_dir_all(&judge_reports).with_context(|| format!("cannot create {}", judge_reports.display()))?;
    let judges_fixture = root.join("tests/browser/fixtures/judges");
    for judge in FIXTURE_JUDGES {
        let name = if judge.is_empty() { "study" } else { judge };
        let args: &[&str] = if judge.is_empty() { &[] } else { &["--judge", judge] };
        write_report_json(root, &judges_fixture, &judge_reports.join(format!("{name}.json")), args)?;
        write_report_csv(root, &judges_fixture, args, &judge_reports.join(format!("{name}-csv")))?;
    }
    let report_csv = work.join("report-csv");
    write_report_csv(root, &study, &[], &report_csv)?;
    // The configured dataset's paper tables as `report` prints them (the site's with `?intervals=off`).
    let configured_report = work.join("configured-report");
    write_report_csv(root, &configured, &["--no-intervals"], &configured_report)?;
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
        .env("CONFIGURED_BASE", CONFIGURED_BASE)
        .env("CONFIGURED_REPORT_DIR", &configured_report)
        .env("ADDED_MODEL", ADDED_MODEL)
        .env("JUDGES_BASE", JUDGES_BASE)
        .env("JUDGE_REPORTS", &judge_reports)
        .env("REPORT_JSON", &report)
        .env("REPORT_CSV_DIR", &report_csv)
        .env("STUDY_DATA", &study)
        .env("LEFT_BEHIND_BIN", runner_binary(root)?)
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

/// The study's dataset: `$LEFT_BEHIND_SOURCE` when it is a directory, or ../shared/datasets/left-behind,
/// else fetched once into target/ with `left-behind fetch` (from `$LEFT_BEHIND_SOURCE` when it is a URL
/// or a tarball, which `fetch` reads itself, else from the study's repository).
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

/// `left-behind report --format csv --out DIR` over `data`: the tables as `report` prints them (one CSV
/// per table, at the paper's precision), which the site's tables must show character for character.
/// `options` go before `--data` (`--no-intervals`).
fn write_report_csv(root: &Path, data: &Path, options: &[&str], out: &Path) -> anyhow::Result<()> {
    workspace::run(
        Command::new(workspace::cargo())
            .current_dir(root)
            .args(["run", "--quiet", "--package", "left-behind-runner", "--", "report", "--format", "csv"])
            .args(options)
            .arg("--data")
            .arg(data)
            .arg("--out")
            .arg(out),
    )
}

/// `left-behind report --format json` over `data` (with `extra` arguments): the numbers the site
/// must show.
fn write_report_json(root: &Path, data: &Path, out: &Path, extra: &[&str]) -> anyhow::Result<()> {
    let output = Command::new(workspace::cargo())
        .current_dir(root)
        .args(["run", "--quiet", "--package", "left-behind-runner", "--", "report", "--format", "json", "--data"])
        .arg(data)
        .args(extra)
        .output()
        .context("cannot run left-behind report")?;
    if !output.status.success() {
        bail!("left-behind report failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    std::fs::write(out, &output.stdout).with_context(|| format!("cannot write {}", out.display()))
}

/// The study's dataset with [`ADDED_MODEL`] added in C1 (Qwen3's answers and grades under its name)
/// and a `left-behind.toml` that makes it bilingual, written into `out` (rebuilt each time).
pub fn configured_dataset(study: &Path, out: &Path) -> anyhow::Result<PathBuf> {
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    for path in workspace::dataset_files(study)? {
        let target = out.join(&path);
        std::fs::create_dir_all(target.parent().context("a data file is in a directory")?)?;
        std::fs::copy(study.join(&path), &target)
            .with_context(|| format!("cannot copy {} to {}", study.join(&path).display(), target.display()))?;
    }
    let condition = Condition::C1;
    let results_path = out.join(format!("results/{}/qwen3.json", condition.directory()));
    let mut results: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&results_path).with_context(|| format!("cannot read {}", results_path.display()))?,
    )
    .with_context(|| format!("{} is not JSON", results_path.display()))?;
    results["model"] = ADDED_MODEL.into();
    results["model_id"] = "Qwen/Qwen2.5-7B-Instruct".into();
    let added_results = out.join(format!("results/{}/{ADDED_MODEL}.json", condition.directory()));
    std::fs::write(&added_results, serde_json::to_string_pretty(&results)?)
        .with_context(|| format!("cannot write {}", added_results.display()))?;

    let grades_path = out.join(format!("grades/{}.csv", condition.directory()));
    let text =
        std::fs::read_to_string(&grades_path).with_context(|| format!("cannot read {}", grades_path.display()))?;
    let mut rows = parse_grades(&text, condition, &grades_path.display().to_string())?.rows;
    let added: Vec<_> = rows
        .iter()
        .filter(|row| row.model == "qwen3")
        .map(|row| GradeRow { model: ADDED_MODEL.to_owned(), ..row.clone() })
        .collect();
    if added.is_empty() {
        bail!("{} has no qwen3 rows to copy", grades_path.display());
    }
    rows.extend(added);
    std::fs::write(&grades_path, grades_to_csv(&rows))
        .with_context(|| format!("cannot write {}", grades_path.display()))?;
    std::fs::write(out.join(CONFIG_FILE_NAME), ADDED_MODEL_CONFIG).context("cannot write the configuration")?;
    Ok(out.to_path_buf())
}

/// The `left-behind` binary (built here if needed), for browser tests that compare a page with a
/// command's output on a file the page made (`agreement` on an exported review file).
fn runner_binary(root: &Path) -> anyhow::Result<PathBuf> {
    workspace::run(Command::new(workspace::cargo()).current_dir(root).args([
        "build",
        "--quiet",
        "--package",
        "left-behind-runner",
        "--locked",
    ]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    Ok(target.join("debug").join("left-behind"))
}
