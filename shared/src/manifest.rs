//! The site manifest (`data/manifest.json`): the list of dataset files a static site serves, with
//! sizes and hashes. A static host cannot list a directory, so `cargo xtask site` writes this file and
//! the explorer reads it to know what to fetch.

use serde::{Deserialize, Serialize};

use crate::DataError;

/// The manifest's path relative to the site's data directory.
pub const MANIFEST_PATH: &str = "manifest.json";

/// The files of a dataset as published in a site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SiteManifest {
    /// Paths relative to the dataset root, sorted.
    pub files: Vec<ManifestFile>,
}

/// One file of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Relative to the dataset root, forward slashes (`grades/C2_kazakh.csv`).
    pub path: String,
    pub size: u64,
    /// SHA-256 of the content, lowercase hex. The explorer adds it to the file's URL, so a browser
    /// never shows a cached copy of a file that has since changed.
    pub sha256: String,
}

impl SiteManifest {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a manifest always serializes")
    }
}

/// Parses a manifest. `file` is the path shown in error messages.
pub fn parse_manifest(text: &str, file: &str) -> Result<SiteManifest, DataError> {
    crate::json::from_str(text, file)
}
