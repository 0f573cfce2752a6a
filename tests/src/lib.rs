//! Helpers for the end-to-end tests: finding the study's published dataset, running the real
//! `left-behind` binary, and a real (if small) HTTP server on 127.0.0.1.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The study's published dataset: `$LEFT_BEHIND_SOURCE` if it is a directory, else
/// `../shared/datasets/left-behind` beside the repository. `None` when neither exists.
pub fn study_dataset() -> Option<PathBuf> {
    if let Ok(source) = std::env::var("LEFT_BEHIND_SOURCE") {
        let path = PathBuf::from(source);
        if path.join("benchmark/questions.json").is_file() {
            return Some(path);
        }
    }
    let beside = workspace_root().join("../shared/datasets/left-behind");
    beside.join("benchmark/questions.json").is_file().then(|| beside.canonicalize().unwrap_or(beside))
}

/// Set by `cargo xtask test` (which makes the dataset available first): a missing dataset fails.
pub const REQUIRE_DATASET_ENV: &str = "LEFT_BEHIND_REQUIRE_DATASET";

/// Whether a test that needs the study's dataset must fail without it: under CI (`CI=true`) and in
/// `cargo xtask test`, so that a run cannot pass by skipping what it was meant to check.
pub fn dataset_is_required() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
        || std::env::var(REQUIRE_DATASET_ENV).is_ok_and(|value| !value.is_empty() && value != "0")
}

/// The study's dataset, or a note on stderr that `test` was skipped (written past the test harness's
/// capture, so it shows in the output of a passing run). Panics instead when the dataset is
/// [required](dataset_is_required).
pub fn study_dataset_or_skip(test: &str) -> Option<PathBuf> {
    let dataset = study_dataset();
    if dataset.is_none() {
        let wanted =
            "set LEFT_BEHIND_SOURCE or place it at ../shared/datasets/left-behind; `cargo xtask test` fetches it";
        if dataset_is_required() {
            panic!("{test}: the study's dataset was not found, and CI needs it ({wanted})");
        }
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: the study's dataset was not found ({wanted})");
    }
    dataset
}

/// The `left-behind` binary, built once per test run with the same profile and features as the tests.
/// It is built as `cargo test --workspace` builds it (`--no-run`: a no-op when that is what runs
/// these tests), so that every dependency keeps the features it has there and nothing, llama.cpp
/// least of all, is built a second time or overwritten with a different build.
pub fn left_behind_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        // The test binary is target/<profile>/deps/it-<hash>: the binary goes to target/<profile>/.
        let exe = std::env::current_exe().expect("the test binary has a path");
        let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>/deps/").to_path_buf();
        let target_dir = profile_dir.parent().expect("target/").to_path_buf();
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
        cargo
            .current_dir(workspace_root())
            .args(["test", "--quiet", "--workspace", "--no-run"])
            .env("CARGO_TARGET_DIR", &target_dir);
        if left_behind_runner::LOCAL_ENGINE {
            cargo.args(["--features", "left-behind-runner/local"]);
        }
        if profile_dir.file_name().is_some_and(|name| name == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building left-behind failed");
        profile_dir.join("left-behind")
    })
}

/// Runs `left-behind` with `args` and extra environment variables.
pub fn left_behind(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(left_behind_binary());
    command.args(args).env_remove("LEFT_BEHIND_SOURCE");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("left-behind runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A gzip-compressed tar of `dir`, with every path under `prefix/` (as GitHub's archives have it).
pub fn tarball_of(dir: &Path, prefix: &str) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    builder.follow_symlinks(true);
    builder.append_dir_all(prefix, dir).expect("the directory can be archived");
    builder.into_inner().and_then(|encoder| encoder.finish()).expect("the archive finishes")
}

/// A real HTTP/1.1 server on 127.0.0.1 that answers `GET <path>` with `body` and anything else with
/// 404, until the test process ends. Returns its base URL (`http://127.0.0.1:PORT`).
pub fn serve(path: &str, body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = listener.local_addr().expect("the listener has an address");
    let path = path.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("the stream clones"));
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                line.clear();
            }
            let requested = request_line.split_whitespace().nth(1).unwrap_or("");
            let (status, content): (&str, &[u8]) =
                if requested == path { ("200 OK", &body) } else { ("404 Not Found", b"not found") };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                content.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(content));
        }
    });
    format!("http://{address}")
}

/// Reads and assembles the dataset under `dir` with the shared core (as the runner does); panics if
/// any file has an error.
pub fn load_dataset(dir: &Path) -> left_behind_shared::Dataset {
    fn collect(root: &Path, dir: &Path, files: &mut Vec<left_behind_shared::DataFile>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                collect(root, &path, files);
            } else {
                let relative = path.strip_prefix(root).expect("under the root");
                let relative: Vec<String> =
                    relative.components().map(|part| part.as_os_str().to_string_lossy().into_owned()).collect();
                let bytes = std::fs::read(&path).expect("a readable data file");
                files.push(left_behind_shared::DataFile { path: relative.join("/"), bytes });
            }
        }
    }
    let mut files = Vec::new();
    for top in ["benchmark", "results", "grades"] {
        collect(dir, &dir.join(top), &mut files);
    }
    let loaded = left_behind_shared::assemble(&files);
    let errors: Vec<String> =
        loaded.problems.iter().filter(|problem| problem.is_error()).map(ToString::to_string).collect();
    assert!(errors.is_empty(), "the dataset at {} has errors:\n{}", dir.display(), errors.join("\n"));
    loaded.dataset
}
