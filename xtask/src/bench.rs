//! `cargo xtask bench`: measures the explorer over the study's dataset in headless Chromium
//! (tests/browser/bench.mjs): time from navigation to the overview with every table, filter changes
//! to the updated list, and where the time goes; plus the wasm file's gzipped size. The numbers go
//! into BENCHMARKS.md by hand, with this command.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use anyhow::Context;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::serve::{Mount, Server};
use crate::setup::CHROMIUM;
use crate::site::{SiteConfig, lay_out};
use crate::{site, test, workspace};

pub fn run(root: &Path) -> anyhow::Result<()> {
    let dist = site::build_wasm(root)?;
    let work = root.join("target/bench");
    let study = test::study_dataset(root, &root.join("target/browser-tests"))?;
    let out = work.join("site");
    let settings = site::study_settings(None, Some(&study))?;
    lay_out(&dist, &SiteConfig { data: Some(study), out: out.clone(), base: "/".to_owned(), settings })?;

    let wasm = std::fs::read_dir(&dist)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|extension| extension == "wasm"))
        .context("the build has no .wasm file")?;
    let bytes = std::fs::read(&wasm)?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&bytes)?;
    let gzipped = encoder.finish()?.len();
    println!(
        "wasm: {} bytes ({:.0} KB), gzip -9: {gzipped} bytes ({:.0} KB)",
        bytes.len(),
        bytes.len() as f64 / 1024.0,
        gzipped as f64 / 1024.0
    );

    let server = Server::start(&[Mount::new("/", out)], 0)?;
    workspace::run(
        Command::new("node")
            .current_dir(root.join("tests/browser"))
            .arg("bench.mjs")
            .env("SITE_URL", server.url("/"))
            .env("CHROMIUM", CHROMIUM),
    )?;
    Ok(())
}
