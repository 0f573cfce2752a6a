//! The document of a results file for the one writer of that file ([`crate::writer`]): each answer
//! or failure is applied as it arrives and the file is rewritten atomically before the next, so the
//! file on disk is always a complete, valid document.

use std::path::PathBuf;

use anyhow::Context;
use left_behind_shared::{ResponseRecord, ResultsFile, RunError};

use crate::fs_util::write_atomic;
use crate::writer::Document;

/// What a finished call reports.
#[derive(Debug)]
pub enum Recorded {
    Answer(ResponseRecord),
    Failure(RunError),
}

/// A results file and where it is saved.
pub struct ResultsDocument {
    pub path: PathBuf,
    pub file: ResultsFile,
}

impl Document for ResultsDocument {
    type Record = Recorded;

    fn save(&mut self, batch: Vec<Recorded>) -> anyhow::Result<()> {
        for record in batch {
            match record {
                Recorded::Answer(answer) => self.file.record_response(answer),
                Recorded::Failure(failure) => self.file.record_error(failure),
            }
        }
        self.file.last_updated = crate::clock::now_utc();
        write_atomic(&self.path, self.file.to_json().as_bytes())
            .with_context(|| format!("cannot save {}", self.path.display()))
    }
}
