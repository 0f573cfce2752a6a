//! The site manifest (`data/manifest.json`): the list of dataset files a static site serves, with
//! sizes and hashes, and the study's settings (the model registry and the judge) the site was built
//! with. A static host cannot list a directory, so `cargo xtask site` writes this file and the
//! explorer reads it to know what to fetch and how to name and group the models.

use serde::{Deserialize, Serialize};

use crate::{DataError, StudySettings};

/// The manifest's path relative to the site's data directory.
pub const MANIFEST_PATH: &str = "manifest.json";

/// The files of a dataset as published in a site.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SiteManifest {
    /// Paths relative to the dataset root, sorted.
    pub files: Vec<ManifestFile>,
    /// The registry and judge of the configuration the site was built with (`--config`, else the
    /// dataset's `left-behind.toml`, else the study's own), so the site groups models as
    /// `left-behind report` does. A manifest without it (an older site) means the study's own.
    #[serde(default)]
    pub study: StudySettings,
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

impl ManifestFile {
    /// The part of the hash the explorer puts in the file's URL (`?v=...`): its first 16 characters
    /// (counted as characters, so a malformed hash never splits one).
    pub fn version_tag(&self) -> String {
        self.sha256.chars().take(16).collect()
    }
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
