//! Loading the dataset, in the order the pages need it, and handing the bytes to `shared`
//! (`assemble`, `validate`, `compute_report`, ...).
//!
//! 1. `data/manifest.json` (index.html preloads it, with the files of step 2).
//! 2. The core: questions, answer sheet and grades (about 0.2 MB gzipped), everything the overview
//!    and the question list need; with it, the results file of the response a deep link names. The
//!    first [`SiteData`] is published: the overview renders.
//! 3. Every results file (4.4 MB of responses' text, 1.3 MB gzipped), at once; then validation and a
//!    second, complete [`SiteData`]. Until then a page that needs the responses says they are loading
//!    ([`SiteData::results_complete`]).
//!
//! A file that cannot be fetched becomes a [`Problem`] naming it, like a file that cannot be parsed:
//! the rest still loads.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use futures::future::join_all;
use gloo_net::http::Request;
use left_behind_shared::{
    Condition, DataFile, DataFileKind, LoadedDataset, MANIFEST_PATH, ManifestFile, ModelRegistry, Problem,
    ReferenceAnswers, ResponseEntry, SiteManifest, StudyReport, Table, assemble, classify_path, compute_report,
    figure1_svg, headline_lines, index_responses, parse_manifest, report_tables, validate,
};

use crate::timing;

/// Where the dataset lies, relative to the site's base URL.
const DATA_DIR: &str = "data/";

/// Figure 1's size in pixels (the report's size).
pub const FIGURE_SIZE: (u32, u32) = (860, 560);

/// Everything the pages show, computed from what has loaded so far. Each step of loading publishes a
/// new one; the pages render again with it.
pub struct SiteData {
    pub loaded: LoadedDataset,
    pub registry: ModelRegistry,
    /// `None` without grades.
    pub report: Option<StudyReport>,
    /// The report's four tables, as `left-behind report` renders them.
    pub tables: Vec<Table>,
    pub headline: Vec<String>,
    /// Figure 1 as SVG, or why it could not be drawn.
    pub figure: Option<Result<String, String>>,
    /// The response list, built on first use (see [`SiteData::entries`]).
    entries: OnceLock<Vec<ResponseEntry>>,
    /// Reference answers by question id, from the answer sheet.
    pub references: BTreeMap<u32, ReferenceAnswers>,
    /// How many files the manifest listed.
    pub manifest_files: usize,
    /// How far the results files have come.
    pub results: ResultsProgress,
}

/// The results files (the responses' text): loaded after the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultsProgress {
    /// Fetched (or failed, with a problem) so far.
    pub settled: usize,
    /// Listed in the manifest.
    pub total: usize,
}

impl ResultsProgress {
    pub fn is_complete(self) -> bool {
        self.settled >= self.total
    }
}

impl SiteData {
    /// True when nothing at all was loaded (and nothing is still loading).
    pub fn is_empty(&self) -> bool {
        self.loaded.dataset.is_empty() && self.results_complete()
    }

    /// Whether every results file has been fetched (or has failed, with a problem in the panel). Until
    /// then `loaded.dataset.results` holds at most the file a deep link asked for, and the problems
    /// lack the cross-file checks of `validate`.
    pub fn results_complete(&self) -> bool {
        self.results.is_complete()
    }

    /// How many responses the results files hold; `None` while they are loading.
    pub fn response_count(&self) -> Option<usize> {
        self.results_complete().then(|| self.loaded.dataset.results.iter().map(|results| results.responses.len()).sum())
    }

    /// Every response (of the files loaded so far) joined with its grade, in list order. Built when
    /// first asked for (detecting the language of 2,000 responses is the largest single cost of
    /// loading), so the overview does not wait for it; the app builds it right after a page is shown.
    pub fn entries(&self) -> &[ResponseEntry] {
        self.entries.get_or_init(|| {
            timing::mark("lb:index-start");
            let entries = index_responses(&self.loaded.dataset, &self.registry);
            timing::mark("lb:index-end");
            if self.results_complete() {
                timing::measure("lb:index", "lb:index-start", "lb:index-end");
            }
            entries
        })
    }
}

/// The report and everything else computed from the core files, reused by the complete data.
struct Computed {
    report: Option<StudyReport>,
    tables: Vec<Table>,
    headline: Vec<String>,
    figure: Option<Result<String, String>>,
    references: BTreeMap<u32, ReferenceAnswers>,
}

impl Computed {
    fn of(loaded: &LoadedDataset, registry: &ModelRegistry) -> Computed {
        let dataset = &loaded.dataset;
        let report = (!dataset.grades.is_empty()).then(|| compute_report(&dataset.grades, registry));
        let tables = report.as_ref().map(|report| report_tables(report, registry)).unwrap_or_default();
        let headline = report.as_ref().map(headline_lines).unwrap_or_default();
        let figure = report
            .as_ref()
            .map(|report| figure1_svg(report, FIGURE_SIZE.0, FIGURE_SIZE.1).map_err(|error| error.to_string()));
        let references = dataset.reference_answers();
        Computed { report, tables, headline, figure, references }
    }

    fn site(
        &self,
        loaded: LoadedDataset,
        registry: &ModelRegistry,
        manifest_files: usize,
        results: ResultsProgress,
    ) -> SiteData {
        SiteData {
            loaded,
            registry: registry.clone(),
            report: self.report.clone(),
            tables: self.tables.clone(),
            headline: self.headline.clone(),
            figure: self.figure.clone(),
            entries: OnceLock::new(),
            references: self.references.clone(),
            manifest_files,
            results,
        }
    }
}

/// Fetches and prepares the dataset, calling `publish` with the core (the overview's data, plus the
/// results file `priority` names) and then with everything. Never fails: what goes wrong is in
/// `loaded.problems`.
pub async fn load(priority: Option<(Condition, String)>, publish: impl Fn(SiteData)) {
    timing::mark("lb:fetch-start");
    let mut fetch_problems = Vec::new();
    let manifest_path = format!("{DATA_DIR}{MANIFEST_PATH}");
    // Offline, the service worker answers `?offline` with the manifest it keeps (it leaves the plain
    // URL to the network, so that a changed dataset is seen on the next visit).
    let manifest_text = match fetch_text(&manifest_path, &[]).await {
        Ok(text) => Ok(text),
        Err(message) => fetch_text(&manifest_path, &[("offline", "1")]).await.map_err(|_| message),
    };
    let manifest = match manifest_text {
        Ok(text) => match parse_manifest(&text, &manifest_path) {
            Ok(manifest) => manifest,
            Err(error) => {
                fetch_problems.push(Problem::from(error));
                SiteManifest::default()
            }
        },
        Err(message) => {
            fetch_problems.push(Problem::error(&manifest_path, message));
            SiteManifest::default()
        }
    };
    let is_results = |file: &&ManifestFile| matches!(classify_path(&file.path), DataFileKind::Results { .. });
    let is_priority = |file: &&ManifestFile| match (classify_path(&file.path), &priority) {
        (DataFileKind::Results { condition, model }, Some((wanted_condition, wanted_model))) => {
            condition == *wanted_condition && model == *wanted_model
        }
        _ => false,
    };
    let core: Vec<&ManifestFile> =
        manifest.files.iter().filter(|file| !is_results(file) || is_priority(file)).collect();
    let rest: Vec<&ManifestFile> =
        manifest.files.iter().filter(|file| is_results(file) && !is_priority(file)).collect();
    let results_total = manifest.files.iter().filter(is_results).count();
    // The registry the site was built with (`cargo xtask site` resolves the configuration as
    // `left-behind report` does), so a configured model is named and grouped as in the report.
    let registry = manifest.study.registry.clone();

    // The core, and the response a deep link asked for.
    let (core_files, problems) = fetch_all(&core).await;
    fetch_problems.extend(problems);
    timing::mark("lb:core-end");
    timing::measure("lb:core-fetch", "lb:fetch-start", "lb:core-end");
    let mut core_loaded = assemble(&core_files);
    drop(core_files);
    timing::mark("lb:core-parse-end");
    timing::measure("lb:core-parse", "lb:core-end", "lb:core-parse-end");
    let computed = Computed::of(&core_loaded, &registry);
    timing::mark("lb:compute-end");
    timing::measure("lb:compute", "lb:core-parse-end", "lb:compute-end");
    let settled = results_total - rest.len();
    let mut first = core_loaded.clone();
    first.problems.splice(0..0, fetch_problems.iter().cloned());
    publish(computed.site(first, &registry, manifest.files.len(), ResultsProgress { settled, total: results_total }));
    set_loaded_attribute("core");

    // Every other results file, then the checks across files.
    timing::mark("lb:results-start");
    let (rest_files, problems) = fetch_all(&rest).await;
    fetch_problems.extend(problems);
    let rest_loaded = assemble(&rest_files);
    drop(rest_files);
    core_loaded.dataset.results.extend(rest_loaded.dataset.results);
    core_loaded.dataset.results.sort_by(|a, b| (a.condition, &a.model).cmp(&(b.condition, &b.model)));
    core_loaded.problems.extend(rest_loaded.problems);
    core_loaded.problems.splice(0..0, fetch_problems);
    timing::mark("lb:results-end");
    timing::measure("lb:results", "lb:results-start", "lb:results-end");
    core_loaded.problems.extend(validate(&core_loaded.dataset, &registry));
    timing::mark("lb:validate-end");
    timing::measure("lb:validate", "lb:results-end", "lb:validate-end");
    publish(computed.site(
        core_loaded,
        &registry,
        manifest.files.len(),
        ResultsProgress { settled: results_total, total: results_total },
    ));
    set_loaded_attribute("complete");
}

/// The results file a route needs first: `/responses/C3/qwen3/12` (below the site's base) names
/// condition C3 and model qwen3.
pub fn priority_results(route: &str) -> Option<(Condition, String)> {
    let mut parts = route.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("responses"), Some(condition), Some(model), Some(_question), None) if !model.is_empty() => {
            Some((Condition::parse(condition)?, model.to_owned()))
        }
        _ => None,
    }
}

/// `data-loaded` on the document element (`core`, then `complete`): tests and the benchmark wait for it.
fn set_loaded_attribute(stage: &str) {
    if let Some(root) =
        web_sys::window().and_then(|window| window.document()).and_then(|document| document.document_element())
    {
        let _ = root.set_attribute("data-loaded", stage);
    }
}

/// Fetches `files` at once; what arrives intact, and a problem for each that does not.
async fn fetch_all(files: &[&ManifestFile]) -> (Vec<DataFile>, Vec<Problem>) {
    let fetches = files.iter().map(|file| async move {
        // The hash in the query makes the URL change when the content does: no stale cached copy. The
        // service worker keeps files by this URL, and index.html preloads the core files by it.
        let url = format!("{DATA_DIR}{}", file.path);
        (*file, fetch_bytes(&url, &[("v", &file.version_tag())]).await)
    });
    let mut fetched = Vec::new();
    let mut problems = Vec::new();
    for (file, result) in join_all(fetches).await {
        match result {
            Ok(bytes) if bytes.len() as u64 != file.size => problems.push(Problem::error(
                &file.path,
                format!(
                    "the server sent {} bytes but the manifest says {}: the file changed after the site was built \
                     (rebuild it with `cargo xtask site`)",
                    bytes.len(),
                    file.size
                ),
            )),
            Ok(bytes) => fetched.push(DataFile { path: file.path.clone(), bytes }),
            Err(message) => problems.push(Problem::error(&file.path, message)),
        }
    }
    (fetched, problems)
}

async fn fetch_text(url: &str, query: &[(&str, &str)]) -> Result<String, String> {
    let bytes = fetch_bytes(url, query).await?;
    String::from_utf8(bytes).map_err(|error| format!("not UTF-8 text ({error})"))
}

/// The body of `url` (relative to the page's base URL) with `query`, or a message saying what went
/// wrong. The query goes through gloo-net's own parameters: a query written into `url` would get a
/// `&` appended, and the URL would then differ from the one index.html preloads and the service
/// worker keeps.
async fn fetch_bytes(url: &str, query: &[(&str, &str)]) -> Result<Vec<u8>, String> {
    let response = Request::get(url)
        .query(query.iter().copied())
        .send()
        .await
        .map_err(|error| format!("could not be fetched: {error}"))?;
    if !response.ok() {
        return Err(format!(
            "could not be fetched: the server answered HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    response.binary().await.map_err(|error| format!("could not be read: {error}"))
}
