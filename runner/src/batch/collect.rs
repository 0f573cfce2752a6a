//! Submitting a command's batches, following them to their end, and handing each result to the
//! command (which sends it to the same writers as live calls).
//!
//! Submission writes each batch's record before the request that creates it and adds the batch id
//! right after (see [`super::record`]). Following polls every batch on its own task, from
//! [`PollPolicy::first_interval`], backing off by half again after each poll up to
//! [`PollPolicy::max_interval`], and waiting longer when the provider rate-limits the polls
//! (`Retry-After`). [`PollPolicy::wait`] bounds the whole wait (`--batch-wait`); what is still
//! running then is left to a later command.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::record::{BatchRecord, BatchWork, OpenBatch, RecordedRequest, new_record_id};
use super::{BatchClient, BatchItem, BatchPhase, BatchStatus, ItemResult, split};
use crate::config::ModelEntry;
use crate::providers::{CompletionRequest, ProviderError};

/// How batches are polled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollPolicy {
    /// The first wait between polls (`--batch-poll`).
    pub first_interval: Duration,
    /// The longest wait between polls.
    pub max_interval: Duration,
    /// How long to wait for batches at most (`--batch-wait`); `None` waits until they end.
    pub wait: Option<Duration>,
}

/// A batch to follow: its open record and the client of its model.
pub struct Tracked {
    pub open: OpenBatch,
    pub client: Arc<BatchClient>,
}

/// One result of an ended batch, for the command to record.
#[derive(Debug)]
pub struct Delivered {
    pub request: RecordedRequest,
    pub batch_id: String,
    /// The record's `parameters`: what was sent besides the prompt.
    pub parameters: Option<serde_json::Value>,
    pub result: ItemResult,
}

/// What submitting a model's requests did.
pub struct Submitted {
    pub tracked: Vec<Tracked>,
    /// Requests whose batch was refused: nothing was created, they stay to be asked.
    pub refused: Vec<String>,
}

/// Submits `requests` of `caller` (the answering model or the judge) in batches within the API's
/// limits: for each, the record first, then the batch, then the batch id into the record.
pub async fn submit(
    data_dir: &Path,
    work: BatchWork,
    caller: &ModelEntry,
    client: Arc<BatchClient>,
    requests: Vec<(RecordedRequest, CompletionRequest)>,
    parameters: serde_json::Value,
    prompt_hash: Option<&str>,
) -> anyhow::Result<Submitted> {
    let items: Vec<(RecordedRequest, BatchItem)> = requests
        .into_iter()
        .enumerate()
        .map(|(index, (mut recorded, request))| {
            // Unique within the submission, and within Anthropic's ^[a-zA-Z0-9_-]{1,64}$.
            recorded.custom_id = format!("lb-{:06}", index + 1);
            let item = BatchItem { custom_id: recorded.custom_id.clone(), request };
            (recorded, item)
        })
        .collect();
    let recorded: std::collections::BTreeMap<String, RecordedRequest> =
        items.iter().map(|(recorded, item)| (item.custom_id.clone(), recorded.clone())).collect();
    let chunks = split(items.into_iter().map(|(_, item)| item).collect(), client.api().limits(), |item| {
        client.encoded_size(item)
    });
    let mut submitted = Submitted { tracked: Vec::new(), refused: Vec::new() };
    for (index, chunk) in chunks.into_iter().enumerate() {
        let mut record = BatchRecord {
            id: new_record_id(work, &caller.name, index + 1),
            work,
            caller: caller.name.clone(),
            provider: caller.provider(),
            model_id: caller.model_id.clone(),
            base_url: caller.base_url_for_display(),
            created_at: crate::clock::now_utc(),
            batch_id: None,
            submitted_at: None,
            parameters: Some(parameters.clone()),
            prompt_hash: prompt_hash.map(str::to_owned),
            requests: chunk.iter().map(|item| recorded[&item.custom_id].clone()).collect(),
            outcome: None,
        };
        // Before the batch exists: a command killed from here on finds the record.
        record.save_open(data_dir)?;
        match client.submit(&chunk, &record.id).await {
            Ok(batch_id) => {
                record.batch_id = Some(batch_id);
                record.submitted_at = Some(crate::clock::now_utc());
                record.save_open(data_dir)?;
                let path = record.open_path(data_dir);
                submitted.tracked.push(Tracked { open: OpenBatch { path, record }, client: client.clone() });
            }
            Err(error) if surely_not_created(&error) => {
                let path = record.open_path(data_dir);
                std::fs::remove_file(&path)?;
                submitted.refused.push(format!(
                    "{} ({} {}): a batch of {} requests was refused: {error}",
                    caller.name,
                    caller.provider(),
                    caller.model_id,
                    chunk.len()
                ));
            }
            Err(error) => {
                let path = record.open_path(data_dir);
                anyhow::bail!(
                    "submitting a batch of {} requests of {} to {} failed without a clear answer ({error}); it may \
                     exist at the provider. Its record {} stays, so that its requests are not asked again; once \
                     you have checked the provider's list of batches, remove the record to ask them again",
                    chunk.len(),
                    caller.name,
                    caller.provider(),
                    path.display()
                );
            }
        }
    }
    Ok(submitted)
}

/// Whether a failed create request surely created no batch: the provider itself answered, and
/// refused (a 4xx, a rate limit, an internal error or an overload), or the request was never sent.
/// A gateway's 502 or 504, a timeout or a broken connection may come after the batch was made.
fn surely_not_created(error: &ProviderError) -> bool {
    match error {
        ProviderError::Rejected { .. } | ProviderError::RateLimited { .. } | ProviderError::InvalidRequest(_) => true,
        ProviderError::Server { status, .. } => matches!(status, 500 | 503 | 529),
        _ => false,
    }
}

/// How following one batch ended.
pub enum Followed {
    /// It ended and its results were delivered.
    Collected { open: OpenBatch, status: BatchStatus, delivered: usize },
    /// Still running when the wait ended or the command was stopped.
    Running { open: OpenBatch, status: Option<BatchStatus> },
    /// Its record has no batch id: the submission was never confirmed.
    Unconfirmed { open: OpenBatch },
    /// Polling or downloading failed for good.
    Failed { open: OpenBatch, message: String },
}

/// Follows each batch to its end (or the policy's wait, or `stop`), delivering each ended batch's
/// results through `deliver` as soon as they are read.
pub async fn follow(
    tracked: Vec<Tracked>,
    policy: PollPolicy,
    stop: watch::Receiver<bool>,
    deliver: Arc<dyn Fn(Delivered) + Send + Sync>,
) -> Vec<Followed> {
    let deadline = policy.wait.map(|wait| Instant::now() + wait);
    let mut tasks = tokio::task::JoinSet::new();
    for (order, batch) in tracked.into_iter().enumerate() {
        let stop = stop.clone();
        let deliver = deliver.clone();
        tasks.spawn(async move { (order, follow_one(batch, policy, deadline, stop, deliver).await) });
    }
    let mut followed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(result) => followed.push(result),
            Err(error) => tracing::error!("a batch poller failed: {error}"),
        }
    }
    followed.sort_by_key(|(order, _)| *order);
    followed.into_iter().map(|(_, followed)| followed).collect()
}

async fn follow_one(
    tracked: Tracked,
    policy: PollPolicy,
    deadline: Option<Instant>,
    mut stop: watch::Receiver<bool>,
    deliver: Arc<dyn Fn(Delivered) + Send + Sync>,
) -> Followed {
    let Tracked { open, client } = tracked;
    let Some(batch_id) = open.record.batch_id.clone() else { return Followed::Unconfirmed { open } };
    let label = format!("{} {} batch {batch_id}", open.record.caller, open.record.provider);
    let mut interval = policy.first_interval;
    let mut last: Option<BatchStatus> = None;
    let mut failures = 0;
    loop {
        if *stop.borrow() {
            return Followed::Running { open, status: last };
        }
        let mut wait = interval;
        match client.status(&batch_id).await {
            Ok(status) => {
                failures = 0;
                if last.as_ref() != Some(&status) {
                    println!("{label}: {} ({})", status.provider_state, status.counts.describe());
                }
                if let BatchPhase::Ended(_) = status.phase {
                    return collect(open, client, batch_id, status, &deliver).await;
                }
                last = Some(status);
                interval = (interval.mul_f64(1.5)).min(policy.max_interval);
            }
            Err(error) if error.is_retryable() && failures < 8 => {
                failures += 1;
                tracing::warn!("{label}: polling failed ({error}); trying again");
                wait = wait.max(error.retry_after().unwrap_or_default());
                interval = (interval * 2).min(policy.max_interval);
            }
            Err(error) => return Followed::Failed { open, message: format!("polling {label} failed: {error}") },
        }
        let wake = Instant::now() + wait;
        if deadline.is_some_and(|deadline| wake > deadline) {
            // One last look at the deadline itself, unless it has passed.
            let Some(deadline) = deadline.filter(|deadline| *deadline > Instant::now()) else {
                return Followed::Running { open, status: last };
            };
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {}
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
            if *stop.borrow() {
                return Followed::Running { open, status: last };
            }
            match client.status(&batch_id).await {
                Ok(status) if matches!(status.phase, BatchPhase::Ended(_)) => {
                    println!("{label}: {} ({})", status.provider_state, status.counts.describe());
                    return collect(open, client, batch_id, status, &deliver).await;
                }
                Ok(status) => return Followed::Running { open, status: Some(status) },
                Err(_) => return Followed::Running { open, status: last },
            }
        }
        tokio::select! {
            _ = tokio::time::sleep_until(wake) => {}
            _ = stop.wait_for(|stopped| *stopped) => {}
        }
    }
}

/// Reads an ended batch's results and delivers each (a result for an id the record does not hold
/// is ignored with a warning).
async fn collect(
    open: OpenBatch,
    client: Arc<BatchClient>,
    batch_id: String,
    status: BatchStatus,
    deliver: &Arc<dyn Fn(Delivered) + Send + Sync>,
) -> Followed {
    let mut attempts = 0;
    let results = loop {
        match client.results(&batch_id, &status).await {
            Ok(results) => break results,
            Err(ProviderError::InBatch { message, code, status: http_status, .. }) => {
                // The batch failed as a whole: every request failed with its reason.
                break open
                    .record
                    .requests
                    .iter()
                    .map(|request| {
                        let error = ProviderError::InBatch {
                            batch_id: batch_id.clone(),
                            status: http_status,
                            code: code.clone(),
                            message: message.clone(),
                        };
                        (request.custom_id.clone(), ItemResult::Failed(error))
                    })
                    .collect();
            }
            Err(error) if error.is_retryable() && attempts < 5 => {
                attempts += 1;
                tracing::warn!("downloading the results of batch {batch_id} failed ({error}); trying again");
                tokio::time::sleep(error.retry_after().unwrap_or(Duration::from_secs(1 << attempts))).await;
            }
            Err(error) => {
                return Followed::Failed {
                    open,
                    message: format!("downloading the results of batch {batch_id} failed: {error}"),
                };
            }
        }
    };
    let mut delivered = 0;
    let mut seen = std::collections::BTreeSet::new();
    // A request without a result never ran (an expired or cancelled batch may list none of them).
    let missing: Vec<(String, ItemResult)> = open
        .record
        .requests
        .iter()
        .filter(|request| !results.iter().any(|(custom_id, _)| *custom_id == request.custom_id))
        .map(|request| (request.custom_id.clone(), ItemResult::NotRun("no result in the ended batch".to_owned())))
        .collect();
    for (custom_id, result) in results.into_iter().chain(missing) {
        let Some(request) = open.record.request(&custom_id) else {
            tracing::warn!("batch {batch_id} returned a result for {custom_id:?}, which it was not sent; ignored");
            continue;
        };
        if !seen.insert(custom_id.clone()) {
            tracing::warn!("batch {batch_id} returned {custom_id:?} twice; the first is kept");
            continue;
        }
        delivered += 1;
        deliver(Delivered {
            request: request.clone(),
            batch_id: batch_id.clone(),
            parameters: open.record.parameters.clone(),
            result,
        });
    }
    Followed::Collected { open, status, delivered }
}
