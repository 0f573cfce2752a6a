//! Loading the dataset: fetch `data/manifest.json`, fetch every file it lists (all at once), and
//! open the study with `shared` (`open_study` with the manifest's settings, as the runner does with
//! `left-behind.toml`; then `compute_report`, ...). A file that cannot be fetched becomes a
//! [`Problem`] naming it, like a file that cannot be parsed: the rest still loads.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use futures::future::join_all;
use gloo_net::http::Request;
use left_behind_shared::{
    DataFile, FIGURE1_SIZE, MANIFEST_PATH, OpenedStudy, Problem, ReferenceAnswers, ReportTables, ResponseEntry,
    SiteManifest, StudyFiles, StudyReport, compute_report, figure1_svg, headline_lines, index_responses, open_study,
    parse_manifest,
};

use crate::timing;

/// Where the dataset lies, relative to the site's base URL.
const DATA_DIR: &str = "data/";

/// Everything the pages show, computed once after loading.
pub struct SiteData {
    /// The dataset, the registry and judge from the manifest, and every problem (fetching included).
    pub study: OpenedStudy,
    /// `None` without grades.
    pub report: Option<StudyReport>,
    /// The report's four tables, as `left-behind report` renders them (`None` without grades).
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
}

impl SiteData {
    pub fn is_empty(&self) -> bool {
        self.study.is_empty()
    }

    /// Every response joined with its grade, in list order. Built when first asked for (detecting the
    /// language of 2,000 responses is the largest single cost of loading), so the overview does not
    /// wait for it; the app builds it right after the first page is shown.
    pub fn entries(&self) -> &[ResponseEntry] {
        self.entries.get_or_init(|| {
            timing::mark("lb:index-start");
            let entries = index_responses(&self.study.dataset, &self.study.registry);
            timing::mark("lb:index-end");
            timing::measure("lb:index", "lb:index-start", "lb:index-end");
            entries
        })
    }
}

/// Fetches and prepares the dataset. Never fails: what goes wrong is in `study.problems`.
pub async fn load() -> SiteData {
    timing::mark("lb:fetch-start");
    let mut problems = Vec::new();
    let manifest_path = format!("{DATA_DIR}{MANIFEST_PATH}");
    let manifest = match fetch_text(&manifest_path).await {
        Ok(text) => match parse_manifest(&text, &manifest_path) {
            Ok(manifest) => manifest,
            Err(error) => {
                problems.push(Problem::from(error));
                SiteManifest::default()
            }
        },
        Err(message) => {
            problems.push(Problem::error(&manifest_path, message));
            SiteManifest::default()
        }
    };
    let fetches = manifest.files.iter().map(|file| async move {
        // The hash in the query makes the URL change when the content does: no stale cached copy.
        let url = format!("{DATA_DIR}{}?v={}", file.path, file.version_tag());
        (file, fetch_bytes(&url).await)
    });
    let mut files = Vec::new();
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
            Ok(bytes) => files.push(DataFile { path: file.path.clone(), bytes }),
            Err(message) => problems.push(Problem::error(&file.path, message)),
        }
    }
    timing::mark("lb:fetch-end");
    timing::measure("lb:fetch", "lb:fetch-start", "lb:fetch-end");

    let study = open_study(&StudyFiles { files, unreadable: problems }, &manifest.study);
    // Parsing and the cross-file checks (the checks are ~15% of it).
    timing::mark("lb:parse-end");
    timing::measure("lb:parse", "lb:fetch-end", "lb:parse-end");
    let dataset = &study.dataset;
    let registry = &study.registry;
    let report = (!dataset.grades.is_empty()).then(|| compute_report(&dataset.grades, registry));
    let tables = report.as_ref().map(|report| ReportTables::new(report, registry));
    let headline = report.as_ref().map(headline_lines).unwrap_or_default();
    let figure = report
        .as_ref()
        .map(|report| figure1_svg(report, FIGURE1_SIZE.width, FIGURE1_SIZE.height).map_err(|error| error.to_string()));
    let references = dataset.reference_answers();
    timing::mark("lb:compute-end");
    timing::measure("lb:compute", "lb:parse-end", "lb:compute-end");
    SiteData {
        manifest_files: manifest.files.len(),
        study,
        report,
        tables,
        headline,
        figure,
        entries: OnceLock::new(),
        references,
    }
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let bytes = fetch_bytes(url).await?;
    String::from_utf8(bytes).map_err(|error| format!("not UTF-8 text ({error})"))
}

/// The body of `url` (relative to the page's base URL), or a message saying what went wrong.
async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    let response = Request::get(url).send().await.map_err(|error| format!("could not be fetched: {error}"))?;
    if !response.ok() {
        return Err(format!(
            "could not be fetched: the server answered HTTP {} {}",
            response.status(),
            response.status_text()
        ));
    }
    response.binary().await.map_err(|error| format!("could not be read: {error}"))
}
