//! `cargo xtask site`: builds the explorer with trunk and lays out a static site: the app, the
//! dataset's files under `data/`, and `data/manifest.json` listing them with sizes and hashes.
//!
//! The wasm build does not depend on the dataset or the base path, so it is built once into
//! target/web/dist and copied into each site; only `<base href>` in index.html is set per site.
//!
//! The manifest also carries the study's settings (the model registry and the judge), resolved from
//! the configuration exactly as `left-behind report` resolves it (`--config FILE`, else
//! `left-behind.toml` in the dataset directory, else the study's own), with the runner's own parser:
//! a model the configuration adds is named and grouped on the site as in the report.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use left_behind_shared::{DataFileKind, MANIFEST_PATH, ManifestFile, SiteManifest, StudySettings, classify_path};
use sha2::{Digest, Sha256};

use crate::setup::{self, WasmRoute};
use crate::workspace;

/// What to build.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    /// The dataset directory; `None` builds a site without data (it explains how to get some).
    pub data: Option<PathBuf>,
    pub out: PathBuf,
    /// The URL path the site is served under (`/`, `/left-behind/`).
    pub base: String,
    /// The registry and judge the explorer opens the study with (see [`study_settings`]).
    pub settings: StudySettings,
}

/// The study's settings for a site over `data`, found as the CLI finds its configuration: `config` if
/// given (it must exist), else `left-behind.toml` in `data`, else the study's own.
pub fn study_settings(config: Option<&Path>, data: Option<&Path>) -> anyhow::Result<StudySettings> {
    match (config, data) {
        (None, None) => Ok(StudySettings::study()),
        (config, data) => {
            let data = data.unwrap_or(Path::new("."));
            Ok(left_behind_runner::config::load(config, data)?.study_settings())
        }
    }
}

/// The `<base>` element trunk writes (the app is built with the relative public URL `./`).
const BUILT_BASE: &str = r#"<base href="./" />"#;

pub fn build(root: &Path, config: &SiteConfig) -> anyhow::Result<()> {
    let dist = build_wasm(root)?;
    lay_out(&dist, config)?;
    eprintln!("site written to {} (base {})", config.out.display(), normalize_base(&config.base));
    Ok(())
}

/// Builds the app with trunk (release) into target/web/dist and returns that directory.
pub fn build_wasm(root: &Path) -> anyhow::Result<PathBuf> {
    let toolchain = setup::ensure_ready(root)?;
    let dist = root.join("target/web/dist");
    let mut path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect::<Vec<_>>();
    path.insert(0, toolchain.tools_bin.clone());
    path.insert(0, toolchain.npm_bin.clone());
    let mut trunk = Command::new(toolchain.tools_bin.join("trunk"));
    trunk
        .current_dir(root.join("web"))
        .args(["build", "--release", "--public-url", "./", "--dist"])
        .arg(&dist)
        // Its own target directory per toolchain: another rustc, or other flags, must not invalidate the
        // host build (nor the other route's).
        .env(
            "CARGO_TARGET_DIR",
            root.join(match toolchain.route {
                WasmRoute::Rustup => "target/web/cargo",
                WasmRoute::DebianBuildStd => "target/web/cargo-debian",
            }),
        )
        // Never download a tool: these versions are installed (by setup) and found on PATH.
        .env("TRUNK_TOOLS_WASM_BINDGEN", &toolchain.wasm_bindgen_version)
        .env("TRUNK_TOOLS_WASM_OPT", &toolchain.wasm_opt_version)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        // Type-erased components: Leptos then generates far less code (the wasm budget is 400 KB gzipped).
        .env("RUSTFLAGS", "--cfg erase_components")
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTUP_TOOLCHAIN");
    if toolchain.route == WasmRoute::DebianBuildStd {
        // Debian's cargo and rustc before rustup's (after the pinned tools: /usr/bin may hold another
        // wasm-opt); the standard library is built from its source.
        path.insert(2, PathBuf::from("/usr/bin"));
        trunk.env("RUSTC_BOOTSTRAP", "1").env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
        if let Some(linker) = setup::debian_wasm_linker() {
            trunk.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER", linker);
        }
    }
    trunk.env("PATH", std::env::join_paths(path).context("PATH")?);
    workspace::run(&mut trunk)?;
    if !dist.join("index.html").is_file() {
        bail!("trunk wrote no index.html into {}", dist.display());
    }
    Ok(dist)
}

/// `/left-behind` -> `/left-behind/`; `` -> `/`.
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim().trim_matches('/');
    if trimmed.is_empty() { "/".to_owned() } else { format!("/{trimmed}/") }
}

/// Copies the built app and the dataset into `config.out`.
pub fn lay_out(dist: &Path, config: &SiteConfig) -> anyhow::Result<()> {
    let out = &config.out;
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("cannot clear {}", out.display()))?;
    }
    workspace::copy_dir(dist, out)?;
    let index_path = out.join("index.html");
    let index =
        std::fs::read_to_string(&index_path).with_context(|| format!("cannot read {}", index_path.display()))?;
    if !index.contains(BUILT_BASE) {
        bail!("{} has no {BUILT_BASE} to set the base path in", index_path.display());
    }
    let index = index.replace(BUILT_BASE, &format!(r#"<base href="{}" />"#, normalize_base(&config.base)));
    std::fs::write(&index_path, &index).with_context(|| format!("cannot write {}", index_path.display()))?;
    // Static hosts such as GitHub Pages answer an unknown path with 404.html: the app then routes it,
    // so a deep link (`/left-behind/responses/C3/qwen3/7`) opens the right view.
    std::fs::write(out.join("404.html"), &index).context("cannot write 404.html")?;

    let data_out = out.join("data");
    std::fs::create_dir_all(&data_out).with_context(|| format!("cannot create {}", data_out.display()))?;
    let mut manifest = SiteManifest { files: Vec::new(), study: config.settings.clone() };
    if let Some(data) = &config.data {
        for path in workspace::dataset_files(data)? {
            if classify_path(&path) == DataFileKind::Other {
                continue;
            }
            let bytes = std::fs::read(data.join(&path))
                .with_context(|| format!("cannot read {}", data.join(&path).display()))?;
            let target = data_out.join(&path);
            std::fs::create_dir_all(target.parent().expect("a data file is in a directory"))?;
            std::fs::write(&target, &bytes).with_context(|| format!("cannot write {}", target.display()))?;
            manifest.files.push(ManifestFile { sha256: hex_sha256(&bytes), size: bytes.len() as u64, path });
        }
    }
    std::fs::write(data_out.join(MANIFEST_PATH), manifest.to_json()).context("cannot write the manifest")?;
    eprintln!("{} dataset files in {}", manifest.files.len(), data_out.display());
    Ok(())
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use left_behind_shared::ModelCategory;

    use super::*;

    #[test]
    fn the_settings_come_from_the_config_flag_else_the_dataset_directory_else_the_study() {
        let dir = std::env::temp_dir().join(format!("xtask-site-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(study_settings(None, Some(&dir)).unwrap(), StudySettings::study());
        assert_eq!(study_settings(None, None).unwrap(), StudySettings::study());

        let model = |category: &str| {
            format!(
                "[models.my_model]\nprovider = \"openai-compatible\"\nbase_url = \"http://127.0.0.1:1/v1\"\n\
                 model_id = \"m\"\ndisplay_name = \"My Model\"\ncategory = \"{category}\"\n"
            )
        };
        std::fs::write(dir.join("left-behind.toml"), model("bilingual")).unwrap();
        let found = study_settings(None, Some(&dir)).unwrap();
        assert_eq!(found.registry.category_of("my_model"), ModelCategory::Bilingual);
        assert_eq!(found.registry.display_name("my_model"), "My Model");

        let explicit = dir.join("other.toml");
        std::fs::write(&explicit, model("multilingual")).unwrap();
        let given = study_settings(Some(&explicit), Some(&dir)).unwrap();
        assert_eq!(given.registry.category_of("my_model"), ModelCategory::Multilingual, "--config wins");
        assert!(study_settings(Some(&dir.join("missing.toml")), Some(&dir)).is_err(), "a named file must exist");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
