//! One writer per results file: a task that owns the file's content, applies each answer or
//! failure as it arrives, and rewrites the file atomically before taking the next. Calls finish in
//! any order on any thread; only this task touches the file, so two completions never race, and
//! the file on disk is always a complete, valid document.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use left_behind_shared::{ResponseRecord, ResultsFile, RunError};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::fs_util::write_atomic;

/// What a finished call reports.
#[derive(Debug)]
pub enum Recorded {
    Answer(ResponseRecord),
    Failure(RunError),
}

/// The sending side; dropping every clone lets the writer finish.
pub type WriterHandle = mpsc::UnboundedSender<Recorded>;

/// How many records the writer stored.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub answers: usize,
    pub failures: usize,
}

/// Starts the writer of `path`, beginning from `file`. If a save fails, the writer sets `stop` (no
/// point making calls whose answers cannot be kept) and ends with the error.
pub fn spawn(
    path: PathBuf,
    file: ResultsFile,
    stop: Arc<watch::Sender<bool>>,
) -> (WriterHandle, JoinHandle<anyhow::Result<Written>>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let result = write_loop(path, file, receiver).await;
        if result.is_err() {
            let _ = stop.send(true);
        }
        result
    });
    (sender, task)
}

async fn write_loop(
    path: PathBuf,
    mut file: ResultsFile,
    mut receiver: mpsc::UnboundedReceiver<Recorded>,
) -> anyhow::Result<Written> {
    let mut written = Written::default();
    while let Some(first) = receiver.recv().await {
        // Everything that arrived meanwhile goes into the same write.
        let mut batch = vec![first];
        while let Ok(next) = receiver.try_recv() {
            batch.push(next);
        }
        let mut counts = Written::default();
        for record in batch {
            match record {
                Recorded::Answer(answer) => {
                    file.record_response(answer);
                    counts.answers += 1;
                }
                Recorded::Failure(failure) => {
                    file.record_error(failure);
                    counts.failures += 1;
                }
            }
        }
        file.last_updated = crate::clock::now_utc();
        let bytes = file.to_json().into_bytes();
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_atomic(&target, &bytes))
            .await
            .context("the file writer stopped")?
            .with_context(|| format!("cannot save {}", path.display()))?;
        written.answers += counts.answers;
        written.failures += counts.failures;
    }
    Ok(written)
}
