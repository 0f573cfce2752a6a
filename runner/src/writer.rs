//! One writer per file: a task that owns a document (a results file, a grades file with its audit
//! log), applies the records sent to it as they arrive, and saves the document before it takes the
//! next ones. Calls finish in any order on any thread; only the writer touches the document's files,
//! so two completions never race, and a save never interleaves with another.
//!
//! `run` and `grade` each define their [`Document`]; this module is the task and the batching.

use std::sync::Arc;

use anyhow::Context;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What a writer owns: the content of its files, and how a batch of records changes and saves it.
pub trait Document: Send + 'static {
    /// What a finished call sends to the writer.
    type Record: Send + 'static;

    /// Applies `batch` (in arrival order) and saves the document. Runs on a blocking thread; an
    /// error stops the writer.
    fn save(&mut self, batch: Vec<Self::Record>) -> anyhow::Result<()>;
}

/// The sending side; dropping every clone lets the writer finish.
pub type WriterHandle<R> = mpsc::UnboundedSender<R>;

/// Starts the writer of `document`. If a save fails, the writer sets `stop` (there is no point in
/// making calls whose results cannot be kept) and ends with the error; otherwise it ends, returning
/// the document, when every handle is dropped and what was sent is saved.
pub fn spawn<D: Document>(
    document: D,
    stop: Arc<watch::Sender<bool>>,
) -> (WriterHandle<D::Record>, JoinHandle<anyhow::Result<D>>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    let task = tokio::spawn(async move {
        let result = write_loop(document, receiver).await;
        if result.is_err() {
            let _ = stop.send(true);
        }
        result
    });
    (sender, task)
}

/// Waits for each writer of `writers` (named by their file) to save what is left and stop; the
/// messages of those that could not save.
pub async fn wait_all<D>(writers: Vec<(String, JoinHandle<anyhow::Result<D>>)>) -> Vec<String> {
    let mut errors = Vec::new();
    for (file, join) in writers {
        match join.await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => errors.push(format!("{file}: {error:#}")),
            Err(error) => errors.push(format!("{file}: the writer failed: {error}")),
        }
    }
    errors
}

async fn write_loop<D: Document>(
    mut document: D,
    mut receiver: mpsc::UnboundedReceiver<D::Record>,
) -> anyhow::Result<D> {
    while let Some(first) = receiver.recv().await {
        // Everything that arrived meanwhile goes into the same save.
        let mut batch = vec![first];
        while let Ok(next) = receiver.try_recv() {
            batch.push(next);
        }
        let (returned, saved) = tokio::task::spawn_blocking(move || {
            let saved = document.save(batch);
            (document, saved)
        })
        .await
        .context("the file writer stopped")?;
        document = returned;
        saved?;
    }
    Ok(document)
}
