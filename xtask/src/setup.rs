//! `cargo xtask setup`: checks what building and testing the site needs and installs what is missing.
//!
//! The wasm32 standard library comes from rustup when it can be downloaded. Where it cannot (machines
//! that reach only package registries, see ../shared/notes/wasm-toolchain.md), Debian's rustc-web
//! toolchain with its library source builds it from source (cargo's build-std). trunk and
//! wasm-bindgen-cli are installed with `cargo install --root target/tools`; the wasm-bindgen-cli
//! version must equal the wasm-bindgen of Cargo.lock, or the generated JavaScript does not match.
//!
//! The runner's local engine needs cmake and clang to build llama.cpp, and its tests need the small
//! test model in the cache ([`crate::test_model`]): both are installed here too.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::workspace::{self, output_of};

/// The trunk release series the site is built with (0.22 needs a newer rustc than rustup's here).
const TRUNK_VERSION: &str = "^0.21";
/// How long `rustup target add` may take before the Debian route is used instead.
const RUSTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Debian's toolchain for the fallback route (installed beside rustup's, in /usr/bin).
const DEBIAN_TOOLCHAIN_PACKAGES: [&str; 4] = ["rustc-web", "cargo-web", "rust-web-src", "lld-22"];
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_LIBRARY_SOURCE: &str = "/usr/lib/rustlib/src/rust/library";
const DEBIAN_LLD: &str = "/usr/bin/lld-22";
/// Debian's Chromium: the browser tests drive it; no tool may download its own browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How the wasm32 standard library is provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmRoute {
    /// rustup's prebuilt wasm32-unknown-unknown target.
    Rustup,
    /// Debian's rustc-web with the library source, the standard library built by build-std.
    DebianBuildStd,
}

/// What the site build needs to know about the installed tools.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub route: WasmRoute,
    /// target/tools/bin, put first on PATH for trunk.
    pub tools_bin: PathBuf,
    /// web/node_modules/.bin, with binaryen's wasm-opt (Debian's binaryen 108 breaks the
    /// reference-types output of wasm-bindgen: the page fails with a `WebAssembly.Table.set` error).
    pub npm_bin: PathBuf,
    pub wasm_bindgen_version: String,
    /// `version_108`, the form trunk's TRUNK_TOOLS_WASM_OPT takes.
    pub wasm_opt_version: String,
}

/// Everything building and testing need: the runner's native build tools and test model, then the
/// site's toolchain.
pub fn run(root: &Path) -> anyhow::Result<Toolchain> {
    native_build_tools()?;
    crate::test_model::ensure(root)?;
    crate::actionlint::ensure(root)?;
    site_tools(root)
}

/// What building the site needs (all `site`, `serve` and `demo` need).
fn site_tools(root: &Path) -> anyhow::Result<Toolchain> {
    let route = wasm_target()?;
    match route {
        WasmRoute::Rustup => eprintln!("wasm32 target: rustup's wasm32-unknown-unknown (the normal route)"),
        WasmRoute::DebianBuildStd => eprintln!(
            "wasm32 target: rustup could not provide it; using Debian's rustc-web with the library source and \
             build-std (the route of ../shared/notes/wasm-toolchain.md)"
        ),
    }
    install_trunk(root)?;
    let wasm_bindgen_version = install_wasm_bindgen(root)?;
    install_npm_packages(root, "web", "binaryen")?;
    if !Path::new(CHROMIUM).exists() {
        apt_install(&["chromium"])?;
    }
    install_npm_packages(root, "tests/browser", "playwright-core")?;
    let toolchain = detect(root)?;
    eprintln!(
        "ready: trunk, wasm-bindgen {wasm_bindgen_version}, wasm-opt {} (npm binaryen), {CHROMIUM}, playwright-core",
        toolchain.wasm_opt_version
    );
    Ok(toolchain)
}

/// The runner's in-process engine vendors llama.cpp: building it takes cmake, and bindgen takes
/// libclang (Debian's clang and libclang-dev).
const NATIVE_BUILD_PACKAGES: [&str; 3] = ["cmake", "clang", "libclang-dev"];

fn native_build_tools() -> anyhow::Result<()> {
    let present = || {
        output_of("cmake", &["--version"]).is_some()
            && output_of("clang", &["--version"]).is_some()
            && libclang_present()
    };
    if present() {
        eprintln!("cmake, clang and libclang: present (llama.cpp builds)");
        return Ok(());
    }
    apt_install(&NATIVE_BUILD_PACKAGES)?;
    if !present() {
        bail!("{} did not install: the runner's llama.cpp cannot be built", NATIVE_BUILD_PACKAGES.join(", "));
    }
    Ok(())
}

/// libclang.so, where Debian's libclang-dev puts it (`/usr/lib/llvm-N/lib`).
fn libclang_present() -> bool {
    std::fs::read_dir("/usr/lib").is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry.file_name().to_string_lossy().starts_with("llvm-") && entry.path().join("lib/libclang.so").exists()
        })
    })
}

/// Set to `debian` to use the Debian route although rustup has the target (to check that route).
pub const ROUTE_ENV: &str = "XTASK_WASM_ROUTE";

/// The installed toolchain, or an error that says to run `cargo xtask setup`. Installs nothing.
pub fn detect(root: &Path) -> anyhow::Result<Toolchain> {
    let forced_debian = std::env::var(ROUTE_ENV).is_ok_and(|route| route == "debian");
    let route = if forced_debian {
        if !debian_toolchain_present() {
            bail!("{ROUTE_ENV}=debian, but Debian's toolchain is not installed: run `cargo xtask setup`");
        }
        WasmRoute::DebianBuildStd
    } else if rustup_has_wasm_target() {
        WasmRoute::Rustup
    } else if debian_toolchain_present() {
        WasmRoute::DebianBuildStd
    } else {
        bail!("no wasm32 toolchain: run `cargo xtask setup`");
    };
    let tools_bin = workspace::tools_root(root).join("bin");
    let wasm_bindgen_version = locked_wasm_bindgen_version(root)?;
    if !trunk_ok(&tools_bin) {
        bail!("trunk {TRUNK_VERSION} is not in {}: run `cargo xtask setup`", tools_bin.display());
    }
    if !wasm_bindgen_ok(&tools_bin, &wasm_bindgen_version) {
        bail!("wasm-bindgen {wasm_bindgen_version} is not in {}: run `cargo xtask setup`", tools_bin.display());
    }
    let npm_bin = root.join("web/node_modules/.bin");
    let wasm_opt_version = output_of(&npm_bin.join("wasm-opt").to_string_lossy(), &["--version"])
        .and_then(|text| text.split_whitespace().find_map(|word| word.parse::<u32>().ok()))
        .map(|version| format!("version_{version}"))
        .context("wasm-opt (npm's binaryen, in web/node_modules) is missing: run `cargo xtask setup`")?;
    Ok(Toolchain { route, tools_bin, npm_bin, wasm_bindgen_version, wasm_opt_version })
}

/// `detect`, running `setup` first if something is missing.
pub fn ensure_ready(root: &Path) -> anyhow::Result<Toolchain> {
    match detect(root) {
        Ok(toolchain) => Ok(toolchain),
        Err(error) => {
            eprintln!("{error:#}; installing the site's tools");
            site_tools(root)
        }
    }
}

fn rustup_has_wasm_target() -> bool {
    output_of("rustup", &["target", "list", "--installed"])
        .is_some_and(|targets| targets.lines().any(|line| line.trim() == "wasm32-unknown-unknown"))
}

fn debian_toolchain_present() -> bool {
    Path::new(DEBIAN_CARGO).exists() && Path::new(DEBIAN_LIBRARY_SOURCE).is_dir() && debian_wasm_linker().is_some()
}

/// The linker for wasm32 on the Debian route: `rust-lld` where the packages provide it, else lld-22
/// itself (the same program; rustc tells it the wasm flavor).
pub fn debian_wasm_linker() -> Option<&'static str> {
    ["/usr/bin/rust-lld", DEBIAN_LLD].into_iter().find(|path| Path::new(path).exists())
}

/// Tries rustup first, with a time limit (it hangs where its server cannot be reached), then the
/// Debian route.
fn wasm_target() -> anyhow::Result<WasmRoute> {
    let forced_debian = std::env::var(ROUTE_ENV).is_ok_and(|route| route == "debian");
    if rustup_has_wasm_target() && !forced_debian {
        return Ok(WasmRoute::Rustup);
    }
    if forced_debian {
        eprintln!("{ROUTE_ENV}=debian: using Debian's toolchain");
    } else {
        eprintln!("trying `rustup target add wasm32-unknown-unknown` (at most {} s)", RUSTUP_TIMEOUT.as_secs());
        let added =
            run_with_timeout(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]), RUSTUP_TIMEOUT);
        if added && rustup_has_wasm_target() {
            return Ok(WasmRoute::Rustup);
        }
        eprintln!("rustup could not install the wasm32 target; falling back to Debian's toolchain");
    }
    if !debian_toolchain_present() {
        apt_install(&DEBIAN_TOOLCHAIN_PACKAGES)?;
    }
    if !debian_toolchain_present() {
        bail!("Debian's toolchain ({}) did not install", DEBIAN_TOOLCHAIN_PACKAGES.join(", "));
    }
    Ok(WasmRoute::DebianBuildStd)
}

/// Runs `command` with its output shown; false when it fails or outlives `limit` (it is then killed).
fn run_with_timeout(command: &mut Command, limit: Duration) -> bool {
    let Ok(mut child) = command.spawn() else {
        return false;
    };
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(200)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

fn trunk_ok(tools_bin: &Path) -> bool {
    output_of(&tools_bin.join("trunk").to_string_lossy(), &["--version"])
        .is_some_and(|version| version.starts_with("trunk 0.21."))
}

fn wasm_bindgen_ok(tools_bin: &Path, version: &str) -> bool {
    output_of(&tools_bin.join("wasm-bindgen").to_string_lossy(), &["--version"])
        .is_some_and(|text| text == format!("wasm-bindgen {version}"))
}

fn install_trunk(root: &Path) -> anyhow::Result<()> {
    let tools = workspace::tools_root(root);
    if trunk_ok(&tools.join("bin")) {
        eprintln!("trunk: present in {}", tools.join("bin").display());
        return Ok(());
    }
    let mut install = Command::new(workspace::cargo());
    install.args(["install", "trunk", "--version", TRUNK_VERSION, "--locked", "--root"]).arg(&tools);
    workspace::run(&mut install)
}

/// Installs wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock.
fn install_wasm_bindgen(root: &Path) -> anyhow::Result<String> {
    let version = locked_wasm_bindgen_version(root)?;
    let tools = workspace::tools_root(root);
    if wasm_bindgen_ok(&tools.join("bin"), &version) {
        eprintln!("wasm-bindgen-cli {version}: present in {}", tools.join("bin").display());
        return Ok(version);
    }
    // Without --locked: a dependency version its lock file pins is no longer served.
    let mut install = Command::new(workspace::cargo());
    install.args(["install", "wasm-bindgen-cli", "--version", &version, "--force", "--root"]).arg(&tools);
    workspace::run(&mut install)?;
    Ok(version)
}

/// The version of the `wasm-bindgen` package in Cargo.lock.
pub fn locked_wasm_bindgen_version(root: &Path) -> anyhow::Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).with_context(|| format!("cannot read {}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|next| next.trim().strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    bail!("{} has no wasm-bindgen package", lock_path.display())
}

fn apt_install(packages: &[&str]) -> anyhow::Result<()> {
    eprintln!("installing {} with apt-get", packages.join(" "));
    workspace::run(Command::new("apt-get").arg("update"))?;
    workspace::run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}

/// Installs the npm packages of `dir` (its lock file pins them) unless `package` is there already:
/// binaryen for web/, playwright-core for tests/browser/ (which drives Debian's Chromium and never
/// downloads a browser of its own).
fn install_npm_packages(root: &Path, dir: &str, package: &str) -> anyhow::Result<()> {
    let dir = root.join(dir);
    if output_of("npm", &["--version"]).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    if dir.join("node_modules").join(package).join("package.json").exists() {
        eprintln!("{package}: present in {}", dir.join("node_modules").display());
        return Ok(());
    }
    workspace::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"),
    )
}
