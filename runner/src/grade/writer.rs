//! The document of one condition's grading by one judge for its one writer ([`crate::writer`]): the
//! grades file `grades/<condition_dir>.csv` and the judge's audit log
//! `grades/judgments/<condition_dir>.jsonl`, or for another judge the same files under
//! `grades/judges/<name>/`.
//!
//! Each judgment is appended to the log first (one line, flushed to disk), then the grades file is
//! rewritten atomically with the new row in its place. A process killed at any moment therefore
//! leaves a valid grades file, and a log whose last line at worst is cut short; a judgment in the log
//! but not yet in the grades file is graded again by the next `grade`, and the log keeps both calls.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use left_behind_shared::{
    Condition, GradeRow, JudgeName, JudgmentRecord, ModelRegistry, grades_to_csv, judge_grades_path,
    judge_judgments_path, merge_grade_rows,
};

use crate::fs_util::{remove_stale_temporaries, write_atomic};
use crate::writer::Document;

/// What one finished judgment sends to its condition's writer.
#[derive(Debug)]
pub struct Judged {
    /// The audit record of the judge call.
    pub record: JudgmentRecord,
    /// The grade row, scored or failed (-1).
    pub row: GradeRow,
    /// The tokens the judge's answers used, as the API reported them (for the cost after a run).
    pub usage: Option<left_behind_shared::TokenUsage>,
}

/// A condition's grades file and audit log, open for writing by their one writer.
pub struct GradesDocument {
    grades_path: PathBuf,
    log_path: PathBuf,
    log: File,
    rows: Vec<GradeRow>,
    registry: ModelRegistry,
}

impl GradesDocument {
    /// Prepares the files of `condition` under `data_dir` (of the study's judge, or of the other
    /// judge `judge`, in its own directory), starting from the rows the grades file
    /// holds (every model's, so that none is lost when it is rewritten). Removes the temporary files
    /// a killed run left beside the grades file, and cuts off a log line a killed run left
    /// unfinished. Call only while no other writer of these files runs.
    pub fn open(
        data_dir: &Path,
        judge: Option<&JudgeName>,
        condition: Condition,
        rows: Vec<GradeRow>,
        registry: ModelRegistry,
    ) -> anyhow::Result<GradesDocument> {
        let grades_path = data_dir.join(judge_grades_path(judge, condition));
        let stale = remove_stale_temporaries(&grades_path)?;
        if stale > 0 {
            tracing::info!("removed {stale} temporary files a killed run left beside {}", grades_path.display());
        }
        let log_path = data_dir.join(judge_judgments_path(judge, condition));
        let log = open_log(&log_path)?;
        Ok(GradesDocument { grades_path, log_path, log, rows, registry })
    }
}

/// Opens the audit log for appending (creating it and its directory). A last line without its
/// newline is what a process killed while appending leaves: it is cut off, so that the next record
/// starts on a line of its own (the judgment it held never reached the grades file and is graded
/// again).
fn open_log(path: &Path) -> anyhow::Result<File> {
    let directory = path.parent().context("the audit log has a directory")?;
    std::fs::create_dir_all(directory).with_context(|| format!("cannot create directory {}", directory.display()))?;
    let mut log = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut content = Vec::new();
    log.read_to_end(&mut content).with_context(|| format!("cannot read {}", path.display()))?;
    if !content.is_empty() && !content.ends_with(b"\n") {
        let complete = content.iter().rposition(|&byte| byte == b'\n').map_or(0, |index| index + 1);
        log.set_len(complete as u64).with_context(|| format!("cannot repair {}", path.display()))?;
        log.sync_all().with_context(|| format!("cannot flush {}", path.display()))?;
        tracing::warn!(
            "{}: removed an unfinished last line ({} bytes) that an interrupted grading left",
            path.display(),
            content.len() - complete
        );
    }
    Ok(log)
}

impl Document for GradesDocument {
    type Record = Judged;

    fn save(&mut self, batch: Vec<Judged>) -> anyhow::Result<()> {
        // The log first: a judgment is never in the grades file without its record.
        let lines: String = batch.iter().map(|judged| judged.record.to_line()).collect();
        self.log
            .write_all(lines.as_bytes())
            .with_context(|| format!("cannot append to {}", self.log_path.display()))?;
        self.log.sync_data().with_context(|| format!("cannot flush {}", self.log_path.display()))?;
        merge_grade_rows(&mut self.rows, batch.into_iter().map(|judged| judged.row), &self.registry);
        write_atomic(&self.grades_path, grades_to_csv(&self.rows).as_bytes())
            .with_context(|| format!("cannot save {}", self.grades_path.display()))
    }
}
