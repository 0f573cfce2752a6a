//! Loading the dataset, in the order the pages need it, and opening it with `shared` as the runner
//! does (`open_partial_study`, then `complete_with_results`, with the settings `cargo xtask site`
//! wrote into the manifest; then `compute_report`, ...).
//!
//! 1. `data/manifest.json` (index.html preloads it, with the files of step 2).
//! 2. [`load_core`]: questions, answer sheet and grades (about 0.2 MB gzipped), everything the
//!    overview and the question list need; with it, the results file of the response a deep link
//!    names. The first [`SiteData`]: the overview renders.
//! 3. [`load_rest`]: every results file (4.4 MB of responses' text, 1.3 MB gzipped), at once; then
//!    the cross-file checks and a second, complete [`SiteData`]. Until then a page that needs the
//!    responses says they are loading ([`SiteData::results_complete`]).
//!
//! The app shell holds each step in a `LocalResource`.
//!
//! A file that cannot be fetched becomes a [`Problem`] naming it, like a file that cannot be parsed:
//! the rest still loads.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use futures::future::join_all;
use gloo_net::http::Request;
use left_behind_shared::{
    Condition, DataFile, DataFileKind, FIGURE1_SIZE, MANIFEST_PATH, ManifestFile, OpenedStudy, Problem,
    ReferenceAnswers, ReportTables, ResponseEntry, SiteManifest, StudyFiles, StudyReport, classify_path,
    compute_report, figure1_svg, headline_lines, index_responses, open_partial_study, parse_manifest,
};

use crate::timing;

/// Where the dataset lies, relative to the site's base URL.
const DATA_DIR: &str = "data/";

/// Everything the pages show, computed from what has loaded so far. Each step of loading publishes a
/// new one; the pages render again with it.
pub struct SiteData {
    /// The dataset, the registry and judge from the manifest, and every problem (fetching included).
    pub study: OpenedStudy,
    /// `None` without grades.
    pub report: Option<StudyReport>,
    /// The report's tables, as `left-behind report` renders them (`None` without grades).
    pub tables: Option<ReportTables>,
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
        self.study.is_empty() && self.results_complete()
    }

    /// Whether every results file has been fetched (or has failed, with a problem in the panel). Until
    /// then `study.dataset.results` holds at most the file a deep link asked for, and the problems
    /// lack the cross-file checks of `validate`.
    pub fn results_complete(&self) -> bool {
        self.results.is_complete()
    }

    /// How many responses the results files hold; `None` while they are loading.
    pub fn response_count(&self) -> Option<usize> {
        self.results_complete().then(|| self.study.dataset.results.iter().map(|results| results.responses.len()).sum())
    }

    /// Every response (of the files loaded so far) joined with its grade, in list order. Built when
    /// first asked for (detecting the language of 2,000 responses is the largest single cost of
    /// loading), so the overview does not wait for it; the app builds it right after a page is shown.
    pub fn entries(&self) -> &[ResponseEntry] {
        self.entries.get_or_init(|| {
            timing::mark("lb:index-start");
            let entries = index_responses(&self.study.dataset, &self.study.registry);
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
    tables: Option<ReportTables>,
    headline: Vec<String>,
    figure: Option<Result<String, String>>,
    references: BTreeMap<u32, ReferenceAnswers>,
}

impl Computed {
    fn of(study: &OpenedStudy) -> Computed {
        let dataset = &study.dataset;
        let registry = &study.registry;
        let report = (!dataset.grades.is_empty()).then(|| compute_report(&dataset.grades, registry));
        let tables = report.as_ref().map(|report| ReportTables::new(report, registry));
        let headline = report.as_ref().map(headline_lines).unwrap_or_default();
        let figure = report.as_ref().map(|report| {
            figure1_svg(report, FIGURE1_SIZE.width, FIGURE1_SIZE.height).map_err(|error| error.to_string())
        });
        let references = dataset.reference_answers();
        Computed { report, tables, headline, figure, references }
    }

    fn site(&self, study: OpenedStudy, manifest_files: usize, results: ResultsProgress) -> SiteData {
        SiteData {
            study,
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

/// The core of the dataset, opened: what the overview renders with, and what loading the rest needs.
pub struct CoreLoad {
    /// The first [`SiteData`]: every file but the results files (except the one a deep link names).
    pub site: Arc<SiteData>,
    computed: Computed,
    /// The results files still to fetch.
    rest: Vec<ManifestFile>,
}

/// Fetches the manifest and the core files (plus the results file `priority` names) and opens them.
/// Never fails: what goes wrong is in `site.study.problems`.
pub async fn load_core(priority: Option<ModelInCondition>) -> Arc<CoreLoad> {
    timing::mark("lb:fetch-start");
    let mut manifest_problems = Vec::new();
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
                manifest_problems.push(Problem::from(error));
                SiteManifest::default()
            }
        },
        Err(message) => {
            manifest_problems.push(Problem::error(&manifest_path, message));
            SiteManifest::default()
        }
    };
    let is_results = |file: &&ManifestFile| matches!(classify_path(&file.path), DataFileKind::Results { .. });
    let is_priority = |file: &&ManifestFile| match (classify_path(&file.path), &priority) {
        (DataFileKind::Results { condition, model }, Some(wanted)) => {
            condition == wanted.condition && model == wanted.model
        }
        _ => false,
    };
    let core: Vec<&ManifestFile> =
        manifest.files.iter().filter(|file| !is_results(file) || is_priority(file)).collect();
    let rest: Vec<ManifestFile> =
        manifest.files.iter().filter(|file| is_results(file) && !is_priority(file)).cloned().collect();
    let results_total = manifest.files.iter().filter(is_results).count();

    // Opened with the settings the site was built with (`cargo xtask site` resolves the configuration
    // as `left-behind report` does), so a configured model is named and grouped as in the report.
    let mut core_files = fetch_all(&core).await;
    core_files.unreadable.splice(0..0, manifest_problems);
    timing::mark("lb:core-end");
    timing::measure("lb:core-fetch", "lb:fetch-start", "lb:core-end");
    let study = open_partial_study(&core_files, &manifest.study);
    drop(core_files);
    timing::mark("lb:core-parse-end");
    timing::measure("lb:core-parse", "lb:core-end", "lb:core-parse-end");
    let computed = Computed::of(&study);
    timing::mark("lb:compute-end");
    timing::measure("lb:compute", "lb:core-parse-end", "lb:compute-end");
    let progress = ResultsProgress { settled: results_total - rest.len(), total: results_total };
    let site = Arc::new(computed.site(study, manifest.files.len(), progress));
    set_loaded_attribute("core");
    Arc::new(CoreLoad { site, computed, rest })
}

/// Fetches every other results file and runs the checks across files: the complete [`SiteData`].
pub async fn load_rest(core: &CoreLoad) -> Arc<SiteData> {
    timing::mark("lb:results-start");
    let rest: Vec<&ManifestFile> = core.rest.iter().collect();
    let rest_files = fetch_all(&rest).await;
    timing::mark("lb:results-end");
    timing::measure("lb:results", "lb:results-start", "lb:results-end");
    let study = core.site.study.clone().complete_with_results(&rest_files);
    drop(rest_files);
    timing::mark("lb:validate-end");
    timing::measure("lb:validate", "lb:results-end", "lb:validate-end");
    let total = core.site.results.total;
    let site = core.computed.site(study, core.site.manifest_files, ResultsProgress { settled: total, total });
    set_loaded_attribute("complete");
    Arc::new(site)
}

/// One model's responses in one condition: a results file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInCondition {
    pub condition: Condition,
    pub model: String,
}

/// The results file a route needs first: `/responses/C3/qwen3/12` (below the site's base) names
/// condition C3 and model qwen3.
pub fn priority_results(route: &str) -> Option<ModelInCondition> {
    let mut parts = route.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("responses"), Some(condition), Some(model), Some(_question), None) if !model.is_empty() => {
            Some(ModelInCondition { condition: Condition::parse(condition)?, model: model.to_owned() })
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

/// Fetches `files` at once: what arrives intact, and a problem for each that does not.
async fn fetch_all(files: &[&ManifestFile]) -> StudyFiles {
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
    StudyFiles { files: fetched, unreadable: problems }
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
