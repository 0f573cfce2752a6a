//! xtask's own logic, tested without a browser or a network: the site's layout (the manifest's sizes
//! and hashes against the files it lists, the base path written into the app), and which files of a
//! dataset directory are the dataset's; the static server in [`serve`] (on 127.0.0.1).

mod serve;

use std::path::Path;

use left_behind_shared::{StudySettings, parse_manifest};
use sha2::{Digest, Sha256};

use crate::site::{SiteConfig, lay_out};
use crate::workspace::{dataset_files, normalize_base};

fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A built app as trunk leaves it: an index.html with the relative base, an asset, and the service
/// worker with the lines `lay_out` fills.
fn built_app(dir: &Path) {
    write(dir, "index.html", br#"<!doctype html><html><head><base href="./" /></head><body></body></html>"#);
    write(dir, "app-0123.wasm", b"\0asm");
    write(
        dir,
        "service-worker.js",
        b"// the worker\nconst SHELL_FILES = '__SHELL_FILES__';\nconst SHELL_VERSION = '__SHELL_VERSION__';\n",
    );
}

/// A small dataset with Kazakh text, a README and a stray file, as a dataset directory holds them.
fn dataset(dir: &Path) {
    write(dir, "benchmark/questions.json", "[{\"id\": 1, \"kazakh\": \"Домбыра деген не?\"}]".as_bytes());
    write(dir, "benchmark/README.md", b"# benchmark");
    write(dir, "results/C2_kazakh/qwen3.json", "{\"responses\": [\"Қазақ тілі\"]}".as_bytes());
    write(dir, "grades/C2_kazakh.csv", b"question_id,model\r\n1,qwen3\r\n");
    write(dir, "grades/README.md", b"# grades");
    write(dir, "notes.txt", b"not the dataset");
}

/// Lays out the app built in `dist` with `data` (the study's settings) at `site`, below `base`.
fn lay_out_site(dist: &Path, data: Option<&Path>, site: &Path, base: &str) -> anyhow::Result<()> {
    let config = SiteConfig {
        data: data.map(Path::to_path_buf),
        out: site.to_path_buf(),
        base: base.to_owned(),
        settings: StudySettings::study(),
    };
    lay_out(dist, &config)
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn the_manifest_lists_every_data_file_with_its_size_and_sha256() {
    let dist = tempfile::tempdir().unwrap();
    built_app(dist.path());
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    lay_out_site(dist.path(), Some(data.path()), &site, "left-behind").unwrap();

    let manifest =
        parse_manifest(&std::fs::read_to_string(site.join("data/manifest.json")).unwrap(), "manifest.json").unwrap();
    let paths: Vec<&str> = manifest.files.iter().map(|file| file.path.as_str()).collect();
    // In the layout's order: benchmark/, results/, grades/.
    assert_eq!(paths, ["benchmark/questions.json", "results/C2_kazakh/qwen3.json", "grades/C2_kazakh.csv"]);
    for file in &manifest.files {
        let original = std::fs::read(data.path().join(&file.path)).unwrap();
        let copied = std::fs::read(site.join("data").join(&file.path)).unwrap();
        assert_eq!(copied, original, "{} is copied byte for byte", file.path);
        assert_eq!(file.size, original.len() as u64, "{}", file.path);
        assert_eq!(file.sha256, hex_sha256(&original), "{}", file.path);
    }
    // A known hash, so that the test does not only compare the code with itself.
    let grades = manifest.files.iter().find(|file| file.path == "grades/C2_kazakh.csv").unwrap();
    assert_eq!(grades.sha256, hex_sha256(b"question_id,model\r\n1,qwen3\r\n"));
    assert_eq!(
        hex_sha256(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "SHA-256 of \"abc\" (FIPS 180-2)"
    );
    // READMEs and stray files are not part of the dataset, and are not published.
    assert!(!site.join("data/benchmark/README.md").exists());
    assert!(!site.join("data/notes.txt").exists());

    // The app is served under the base path, and deep links land on it.
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains(r#"<base href="/left-behind/" />"#), "{index}");
    let not_found = std::fs::read_to_string(site.join("404.html")).unwrap();
    assert!(not_found.contains(r#"<base href="/left-behind/" />"#), "{not_found}");
    assert!(site.join("app-0123.wasm").is_file());
    // The page preloads the data every page needs first, by the URLs the app asks for (hash in the
    // query); the responses' text waits, except the file a deep link (404.html) names.
    let preload = |path: &str| {
        let hash = &manifest.files.iter().find(|file| file.path == path).unwrap().sha256[..16];
        format!("data/{path}?v={hash}")
    };
    for html in [&index, &not_found] {
        assert!(html.contains(r#"<link rel="preload" href="data/manifest.json" as="fetch" crossorigin />"#));
        assert!(html.contains(&preload("grades/C2_kazakh.csv")), "{html}");
        assert!(html.contains(&preload("benchmark/questions.json")), "{html}");
    }
    assert!(!index.contains(&preload("results/C2_kazakh/qwen3.json")), "{index}");
    assert!(not_found.contains(&format!(r#""C2/qwen3":"{}""#, preload("results/C2_kazakh/qwen3.json"))), "{not_found}");
    // The service worker keeps the app's files (never the data, which it keeps by the manifest).
    let worker = std::fs::read_to_string(site.join("service-worker.js")).unwrap();
    assert!(worker.starts_with("// the worker\n"), "{worker}");
    assert!(worker.contains(r#"const SHELL_FILES = ["404.html","app-0123.wasm","index.html"];"#), "{worker}");
    let version = worker.lines().find_map(|line| line.strip_prefix("const SHELL_VERSION = '")).unwrap();
    assert_eq!(version.trim_end_matches("';").len(), 16, "{worker}");
}

#[test]
fn a_site_without_data_has_an_empty_manifest_and_a_rebuild_clears_the_old_one() {
    let dist = tempfile::tempdir().unwrap();
    built_app(dist.path());
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("site");
    lay_out_site(dist.path(), Some(data.path()), &site, "/").unwrap();
    lay_out_site(dist.path(), None, &site, "/").unwrap();
    let manifest =
        parse_manifest(&std::fs::read_to_string(site.join("data/manifest.json")).unwrap(), "manifest.json").unwrap();
    assert!(manifest.files.is_empty());
    assert!(!site.join("data/grades/C2_kazakh.csv").exists(), "the previous site's data is gone");
}

#[test]
fn an_app_without_the_relative_base_is_refused() {
    let dist = tempfile::tempdir().unwrap();
    write(dist.path(), "index.html", b"<html><head></head></html>");
    let out = tempfile::tempdir().unwrap();
    let error = lay_out_site(dist.path(), None, &out.path().join("site"), "/").unwrap_err();
    assert!(error.to_string().contains("has no <base href=\"./\" />"), "{error}");
}

#[test]
fn base_paths_are_normalized_to_one_leading_and_one_trailing_slash() {
    for (given, normalized) in [
        ("", "/"),
        ("/", "/"),
        ("left-behind", "/left-behind/"),
        ("/left-behind", "/left-behind/"),
        ("//a/b//", "/a/b/"),
    ] {
        assert_eq!(normalize_base(given), normalized, "{given:?}");
    }
}

#[test]
fn only_the_layouts_places_are_dataset_files() {
    let data = tempfile::tempdir().unwrap();
    dataset(data.path());
    write(data.path(), "results/C1_english/nested/deeper.json", b"{}");
    assert_eq!(
        dataset_files(data.path()).unwrap(),
        ["benchmark/questions.json", "results/C2_kazakh/qwen3.json", "grades/C2_kazakh.csv"]
    );
}
