//! The open-batch records: `batches/open/<record>.json` in the data directory, one per batch.
//!
//! Never paying twice rests on them. A record is written (atomically) before its batch is
//! submitted, naming every request it carries (custom id -> condition, model, question); the
//! provider's batch id is added right after the submission is accepted. A command started again
//! (after Ctrl-C, SIGKILL or a reboot) reads them first: their requests are not asked again, live or
//! in a new batch; their batches are polled and collected. When a batch's results are saved, its
//! record moves to `batches/done/`. A record that cannot be read stops the command with its path:
//! it may stand for a batch already paid for, so nothing is submitted in its place.

use std::path::{Path, PathBuf};

use anyhow::Context;
use left_behind_shared::{Condition, ProviderKind};
use serde::{Deserialize, Serialize};

use crate::data_lock::Work;
use crate::fs_util::write_atomic;

/// `batches/open` under the data directory.
pub const OPEN_DIRECTORY: &str = "batches/open";
/// `batches/done` under the data directory.
pub const DONE_DIRECTORY: &str = "batches/done";

/// Which command's batch a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchWork {
    /// `run --batch`: model answers.
    Run,
    /// `grade --batch`: judgments.
    Grade,
}

impl BatchWork {
    pub fn of(work: Work) -> BatchWork {
        match work {
            Work::Run => BatchWork::Run,
            Work::Grade => BatchWork::Grade,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            BatchWork::Run => "run",
            BatchWork::Grade => "grade",
        }
    }
}

/// One request of a batch: its custom id there, and what it answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub custom_id: String,
    pub condition: Condition,
    /// The model that answers (`run`), or whose answer is graded (`grade`).
    pub model: String,
    pub question_id: u32,
}

/// One batch, as the data directory keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    /// The record's own id (its file name without `.json`), also the batch's label at the provider.
    pub id: String,
    pub work: BatchWork,
    /// The configuration name of the model called: the answering model, or the judge.
    pub caller: String,
    /// The API the batch went to (`openai`, `anthropic`, `google`, `xai` in the file).
    pub provider: ProviderKind,
    pub model_id: String,
    /// The base URL the batch went to (for display; a password in it is hidden).
    pub base_url: String,
    pub created_at: String,
    /// The provider's batch id; `None` while the submission is not confirmed.
    #[serde(default)]
    pub batch_id: Option<String>,
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// What every request sends besides the prompt (`max_tokens`, `temperature`), as recorded
    /// with each answer or judgment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
    /// For `grade`: the SHA-256 of the judge's system prompt the requests carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_hash: Option<String>,
    pub requests: Vec<RecordedRequest>,
    /// How the batch ended (in `batches/done/` only): the provider's state and counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

impl BatchRecord {
    /// The request with `custom_id`.
    pub fn request(&self, custom_id: &str) -> Option<&RecordedRequest> {
        self.requests.iter().find(|request| request.custom_id == custom_id)
    }

    /// `batches/open/<id>.json` under `data_dir`.
    pub fn open_path(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(OPEN_DIRECTORY).join(format!("{}.json", self.id))
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a batch record always serializes");
        text.push('\n');
        text
    }

    /// Writes the record to `batches/open/` (atomically, synced), creating the directory.
    pub fn save_open(&self, data_dir: &Path) -> anyhow::Result<()> {
        let path = self.open_path(data_dir);
        let directory = path.parent().expect("the open directory");
        std::fs::create_dir_all(directory).with_context(|| format!("cannot create {}", directory.display()))?;
        write_atomic(&path, self.to_json().as_bytes()).with_context(|| format!("cannot save {}", path.display()))
    }

    /// Moves the record to `batches/done/` with its `outcome`.
    pub fn close(mut self, data_dir: &Path, outcome: String) -> anyhow::Result<()> {
        self.outcome = Some(outcome);
        let done = data_dir.join(DONE_DIRECTORY).join(format!("{}.json", self.id));
        let directory = done.parent().expect("the done directory");
        std::fs::create_dir_all(directory).with_context(|| format!("cannot create {}", directory.display()))?;
        write_atomic(&done, self.to_json().as_bytes()).with_context(|| format!("cannot save {}", done.display()))?;
        let open = self.open_path(data_dir);
        std::fs::remove_file(&open).with_context(|| format!("cannot remove {}", open.display()))
    }
}

/// An open record and where it is.
#[derive(Debug, Clone)]
pub struct OpenBatch {
    pub path: PathBuf,
    pub record: BatchRecord,
}

/// The open records of `work` under `data_dir`, oldest first. A file that is not a record is an
/// error naming it: it may stand for a batch already paid for.
pub fn list_open(data_dir: &Path, work: BatchWork) -> anyhow::Result<Vec<OpenBatch>> {
    let directory = data_dir.join(OPEN_DIRECTORY);
    let entries = match std::fs::read_dir(&directory) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("cannot read {}", directory.display())),
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read {}", directory.display()))?.path();
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        // Temporary files of an atomic write that a kill interrupted: the record they were to
        // replace is still there (or was never written, and its batch never submitted).
        if name.starts_with('.') {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        paths.push(path);
    }
    paths.sort();
    let mut open = Vec::new();
    let mut unreadable = Vec::new();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(anyhow::Error::from)
            .and_then(|text| serde_json::from_str::<BatchRecord>(&text).map_err(anyhow::Error::from));
        match parsed {
            Ok(record) if record.work == work => open.push(OpenBatch { path, record }),
            Ok(_) => {}
            Err(error) => unreadable.push(format!("{}: {error}", path.display())),
        }
    }
    if !unreadable.is_empty() {
        anyhow::bail!(
            "cannot read the record of an open batch:\n  {}\nit may stand for a batch already submitted (and paid for), \
             so nothing was submitted or called; repair the file, or move it away once you have checked the batch \
             at the provider",
            unreadable.join("\n  ")
        );
    }
    open.sort_by(|a, b| a.record.created_at.cmp(&b.record.created_at).then(a.record.id.cmp(&b.record.id)));
    Ok(open)
}

/// A record id: the work, the caller and the time, unique within the data directory.
pub fn new_record_id(work: BatchWork, caller: &str, index: usize) -> String {
    let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S").to_string();
    let caller: String =
        caller.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    format!("{}-{caller}-{stamp}-{index:03}-{:04x}", work.key(), fastrand::u16(..))
}
