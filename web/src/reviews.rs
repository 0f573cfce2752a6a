//! The reviewer's state in the explorer: who reviews, their reviews, the files imported from
//! colleagues, and whether the judge's grades show before one's own review is saved.
//!
//! Everything is kept in this browser's `localStorage`, keyed by the site (its base path), and
//! survives a reload. A reviewer's reviews are stored as the text of their review file
//! (`reviews/<reviewer>.csv`, parsed and written by `shared`), so what is exported is exactly what is
//! kept. Reading, checking and every number stay in `shared`; this module only stores and downloads.

use std::sync::Arc;

use left_behind_shared::{
    Problem, ResponseKey, Review, is_reviewer_name, load_reviews, reviews_path, reviews_to_csv, upsert_review,
};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::data::SiteData;
use crate::site::base;

/// The reviewer's name until they choose one.
const DEFAULT_REVIEWER: &str = "reviewer";

/// A review file loaded with the file picker.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFile {
    /// `reviews/<reviewer>.csv`, from the file's name.
    pub path: String,
    pub reviews: Vec<Review>,
    pub problems: Vec<Problem>,
}

/// The reviewer's state, provided as a context once the dataset is loaded.
#[derive(Clone, Copy)]
pub struct ReviewStore {
    /// The name the reviewer's file is exported under.
    pub reviewer: RwSignal<String>,
    /// The reviewer's own reviews, in the order they were first made.
    pub mine: RwSignal<Vec<Review>>,
    /// Colleagues' files, by path (a second import of the same name replaces the first).
    pub imported: RwSignal<Vec<ImportedFile>>,
    /// The switch: show the judge's grades before one's own review is saved (reading, not reviewing).
    pub show_judge: RwSignal<bool>,
    /// The last thing the store could not do (storage full or blocked), said on the page.
    pub storage_error: RwSignal<Option<String>>,
    site: StoredValue<Arc<SiteData>>,
}

/// Keys in `localStorage`: one set per site, so two sites on one host keep their reviews apart.
fn storage_key(name: &str) -> String {
    format!("left-behind:{}:{name}", if base().is_empty() { "/" } else { base() })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn read_item(name: &str) -> Option<String> {
    storage()?.get_item(&storage_key(name)).ok().flatten()
}

fn write_item(name: &str, value: &str) -> Result<(), String> {
    let storage = storage().ok_or("this browser does not allow storing data for the site")?;
    storage
        .set_item(&storage_key(name), value)
        .map_err(|_| "the browser refused to store the reviews (storage full or blocked); export them now".to_owned())
}

fn remove_item(name: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(&storage_key(name));
    }
}

/// What imported files are kept as: their path and text, parsed again on load.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredFile {
    path: String,
    text: String,
}

impl ReviewStore {
    /// Reads the stored state for this site.
    pub fn load(site: Arc<SiteData>) -> ReviewStore {
        let reviewer =
            read_item("reviewer").filter(|name| is_reviewer_name(name)).unwrap_or_else(|| DEFAULT_REVIEWER.to_owned());
        let mine = read_mine(&site, &reviewer);
        let stored: Vec<StoredFile> =
            read_item("imported").and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
        let imported = stored.iter().map(|file| parse_file(&site, &file.path, &file.text)).collect();
        ReviewStore {
            reviewer: RwSignal::new(reviewer),
            mine: RwSignal::new(mine),
            imported: RwSignal::new(imported),
            show_judge: RwSignal::new(read_item("show-judge").as_deref() == Some("1")),
            storage_error: RwSignal::new(None),
            site: StoredValue::new(site),
        }
    }

    /// The reviewer's review of `key`, if saved (a snapshot: not tracked).
    pub fn my_review(&self, key: &ResponseKey) -> Option<Review> {
        self.mine.with_untracked(|mine| mine.iter().find(|review| &review.key == key).cloned())
    }

    pub fn is_reviewed(&self, key: &ResponseKey) -> bool {
        self.mine.with(|mine| mine.iter().any(|review| &review.key == key))
    }

    /// Saves (adds or replaces) one of the reviewer's reviews.
    pub fn save(&self, review: Review) {
        self.mine.update(|mine| upsert_review(mine, review));
        self.persist_mine();
    }

    /// Forgets the reviewer's reviews in this browser (after the page asked).
    pub fn clear_mine(&self) {
        self.mine.set(Vec::new());
        remove_item(&format!("reviews/{}", self.reviewer.get_untracked()));
    }

    /// Switches to another reviewer's name: their stored reviews (if any) become the current ones.
    pub fn set_reviewer(&self, name: &str) -> Result<(), String> {
        if !is_reviewer_name(name) {
            return Err("a reviewer's name is letters, digits, `_` and `-` (it names the exported file)".to_owned());
        }
        let _ = write_item("reviewer", name);
        let mine = self.site.with_value(|site| read_mine(site, name));
        self.reviewer.set(name.to_owned());
        self.mine.set(mine);
        Ok(())
    }

    pub fn set_show_judge(&self, show: bool) {
        self.show_judge.set(show);
        let _ = write_item("show-judge", if show { "1" } else { "0" });
    }

    /// The reviewer's file as exported: the review columns, then the judge's scores for convenience.
    pub fn export_csv(&self) -> String {
        self.site
            .with_value(|site| self.mine.with_untracked(|mine| reviews_to_csv(mine, Some(&site.study.dataset.grades))))
    }

    /// Loads a file from the picker. A file named after the current reviewer restores their reviews
    /// (merged into this browser's); any other is a colleague's, shown beside the reviewer's own.
    pub fn import(&self, file_name: &str, text: &str) {
        let path = reviews_path(file_name.trim_end_matches(".csv"));
        let parsed = self.site.with_value(|site| parse_file(site, &path, text));
        if file_name.trim_end_matches(".csv") == self.reviewer.get_untracked() {
            self.mine.update(|mine| {
                for review in parsed.reviews.iter().cloned() {
                    upsert_review(mine, review);
                }
            });
            self.persist_mine();
            // Its problems are still worth saying.
            if !parsed.problems.is_empty() {
                self.imported.update(|files| {
                    files.retain(|file| file.path != path);
                    files.push(ImportedFile { reviews: Vec::new(), ..parsed });
                });
            }
            return;
        }
        self.imported.update(|files| {
            files.retain(|file| file.path != path);
            files.push(parsed);
        });
        let mut stored: Vec<StoredFile> =
            read_item("imported").and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default();
        stored.retain(|file| file.path != path);
        stored.push(StoredFile { path, text: text.to_owned() });
        self.report(write_item("imported", &serde_json::to_string(&stored).unwrap_or_default()));
    }

    /// Forgets the imported files.
    pub fn clear_imported(&self) {
        self.imported.set(Vec::new());
        remove_item("imported");
    }

    /// Every review the explorer knows: the dataset's files, then imported ones, then the reviewer's
    /// own. A reviewer's name appears once: the reviewer's own reviews replace a file of the same
    /// name, and an imported file replaces a shipped one.
    pub fn all_reviews(&self) -> Vec<Review> {
        let me = self.reviewer.get();
        let mine = self.mine.get();
        let imported = self.imported.get();
        self.site.with_value(|site| {
            let imported_names: Vec<&str> =
                imported.iter().flat_map(|file| file.reviews.first().map(|review| review.reviewer.as_str())).collect();
            let mut all: Vec<Review> = site
                .study
                .dataset
                .reviews
                .iter()
                .filter(|review| review.reviewer != me && !imported_names.contains(&review.reviewer.as_str()))
                .cloned()
                .collect();
            all.extend(
                imported.iter().flat_map(|file| file.reviews.iter()).filter(|review| review.reviewer != me).cloned(),
            );
            all.extend(mine);
            all
        })
    }

    /// The problems of imported files (a shipped file's are in the site's problems panel).
    pub fn import_problems(&self) -> Vec<Problem> {
        self.imported.with(|files| files.iter().flat_map(|file| file.problems.iter().cloned()).collect())
    }

    fn persist_mine(&self) {
        let text = self.mine.with_untracked(|mine| reviews_to_csv(mine, None));
        self.report(write_item(&format!("reviews/{}", self.reviewer.get_untracked()), &text));
    }

    fn report(&self, result: Result<(), String>) {
        self.storage_error.set(result.err());
    }
}

fn read_mine(site: &SiteData, reviewer: &str) -> Vec<Review> {
    match read_item(&format!("reviews/{reviewer}")) {
        Some(text) => load_reviews(&text, &reviews_path(reviewer), &site.study.dataset).reviews,
        None => Vec::new(),
    }
}

fn parse_file(site: &SiteData, path: &str, text: &str) -> ImportedFile {
    let parsed = load_reviews(text, path, &site.study.dataset);
    ImportedFile { path: path.to_owned(), reviews: parsed.reviews, problems: parsed.problems }
}

/// The review store (provided by the app once the dataset is loaded).
pub fn use_reviews() -> ReviewStore {
    expect_context::<ReviewStore>()
}

/// Offers `text` as a download named `file_name` (a CSV file).
pub fn download(file_name: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not make the file".to_owned())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "the browser could not make the file")?;
    let document = web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(|_| "no link")?.dyn_into().map_err(|_| "no link")?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // Revoked later: the download reads the object URL after the click returns.
    set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), std::time::Duration::from_secs(10));
    Ok(())
}

/// The current time as RFC 3339 in UTC (`2026-03-01T14:05:00.123Z`), for `reviewed_at`.
pub fn now_rfc3339() -> String {
    js_sys::Date::new_0().to_iso_string().as_string().unwrap_or_default()
}
