//! The call layer every command that talks to models goes through (`run` for answers, `grade` for
//! the judge): bounded concurrency, retries, timeouts, and slowing down when rate limited.
//!
//! - A [`Dispatcher`] caps the requests in flight overall; [`Lane`]s cap them per provider endpoint
//!   (and per model where configured). A call holds one permit of each of its lanes and one of the
//!   overall cap while its HTTP request is in flight, and none while it waits to retry.
//! - On HTTP 429 each lane of the call halves its limit (once per burst: calls that started
//!   before the last cut do not cut again) and, when the server sent `Retry-After`, pauses until
//!   then. Each run of successes as long as the limit raises it by one again, up to its maximum
//!   (additive increase, multiplicative decrease).
//! - Retryable failures ([`ProviderError::is_retryable`]) are tried again up to `max_attempts`, after
//!   exponential backoff with jitter or, for a 429, at least the `Retry-After` the server asked for.
//! - Each attempt has `request_timeout`; the clock starts when the request is sent, not while it
//!   waits for a permit. Local models have none (`Provider::has_request_timeout`).
//!
//! Nothing here knows about results files: the outcome goes back to the caller.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;

use crate::providers::{Completion, CompletionRequest, Provider, ProviderError};

/// How calls are made: limits, retries and delays. Tests use millisecond delays.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchPolicy {
    /// Requests in flight at once, over all lanes.
    pub max_in_flight: usize,
    /// Attempts per call, the first included (at least 1).
    pub max_attempts: u32,
    /// How long one attempt may take, from sending the request to reading the whole answer.
    pub request_timeout: Duration,
    /// The first backoff delay; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured; a server asking for more is retried after this.
    pub max_retry_after: Duration,
}

impl Default for DispatchPolicy {
    fn default() -> DispatchPolicy {
        DispatchPolicy {
            max_in_flight: 32,
            max_attempts: 6,
            request_timeout: Duration::from_secs(300),
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(600),
        }
    }
}

/// The result of a call after all its attempts.
#[derive(Debug)]
pub struct CallOutcome {
    pub result: Result<Completion, ProviderError>,
    /// HTTP attempts made (at least 1).
    pub attempts: u32,
}

/// Makes calls within the policy's limits. Share one per process (behind an `Arc` or a reference).
pub struct Dispatcher {
    policy: DispatchPolicy,
    overall: Semaphore,
    lanes: Mutex<BTreeMap<String, Lane>>,
}

impl Dispatcher {
    pub fn new(policy: DispatchPolicy) -> Dispatcher {
        let overall = Semaphore::new(policy.max_in_flight.max(1));
        Dispatcher { policy, overall, lanes: Mutex::new(BTreeMap::new()) }
    }

    pub fn policy(&self) -> &DispatchPolicy {
        &self.policy
    }

    /// The lane named `name`, created with `max_in_flight` on first use (later calls get the same
    /// lane whatever limit they pass).
    pub fn lane(&self, name: &str, max_in_flight: usize) -> Lane {
        let mut lanes = self.lanes.lock().expect("lane table lock");
        lanes.entry(name.to_owned()).or_insert_with(|| Lane::new(name, max_in_flight)).clone()
    }

    /// Makes the call, retrying as the policy says. Permits are taken in lane-name order, so calls
    /// sharing lanes cannot deadlock whatever order they list them in. Dropping the future cancels
    /// the call (the permits are given back).
    pub async fn call(&self, lanes: &[Lane], provider: &dyn Provider, request: &CompletionRequest) -> CallOutcome {
        let mut lanes: Vec<&Lane> = lanes.iter().collect();
        lanes.sort_by(|a, b| a.name().cmp(b.name()));
        lanes.dedup_by(|a, b| a.name() == b.name());
        let max_attempts = self.policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.attempt(&lanes, provider, request).await;
            match result {
                Err(error) if error.is_retryable() && attempt < max_attempts => {
                    let delay = self.retry_delay(attempt, error.retry_after());
                    tracing::debug!(
                        model = provider.wire_model_id(),
                        attempt,
                        delay_ms = delay.as_millis() as u64,
                        "retrying after: {error}"
                    );
                    tokio::time::sleep(delay).await;
                }
                result => return CallOutcome { result, attempts: attempt },
            }
        }
    }

    async fn attempt(
        &self,
        lanes: &[&Lane],
        provider: &dyn Provider,
        request: &CompletionRequest,
    ) -> Result<Completion, ProviderError> {
        let mut permits = Vec::with_capacity(lanes.len());
        for lane in lanes {
            permits.push(lane.acquire().await);
        }
        let _overall = self.overall.acquire().await.expect("the overall semaphore is never closed");
        let started = Instant::now();
        let result = if provider.has_request_timeout() {
            match tokio::time::timeout(self.policy.request_timeout, provider.complete(request)).await {
                Ok(result) => result,
                Err(_) => Err(ProviderError::Timeout(self.policy.request_timeout)),
            }
        } else {
            provider.complete(request).await
        };
        match &result {
            Ok(_) => lanes.iter().for_each(|lane| lane.on_success()),
            Err(ProviderError::RateLimited { retry_after, .. }) => {
                let pause = retry_after.map(|delay| delay.min(self.policy.max_retry_after));
                lanes.iter().for_each(|lane| lane.on_rate_limited(started, pause));
            }
            Err(_) => {}
        }
        result
    }

    /// Backoff before retry number `attempt` (1 = after the first attempt): `base * 2^(attempt-1)`
    /// capped at `max_delay`, half of it fixed and half random ("equal jitter"), so that calls that
    /// failed together do not come back together. A `Retry-After` is a floor, not a suggestion.
    pub fn retry_delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exponent = attempt.saturating_sub(1).min(30);
        let backoff = self.policy.base_delay.saturating_mul(1 << exponent).min(self.policy.max_delay);
        let half = backoff / 2;
        let jittered = half + half.mul_f64(fastrand::f64());
        match retry_after {
            Some(asked) => asked.min(self.policy.max_retry_after) + half.mul_f64(fastrand::f64()),
            None => jittered,
        }
    }
}

/// A concurrency limit that adapts to rate limiting. Cloning shares the lane.
#[derive(Clone)]
pub struct Lane(Arc<AdaptiveLimit>);

struct AdaptiveLimit {
    name: String,
    max: usize,
    state: Mutex<LimitState>,
    /// Woken when a slot may have become free (a release, a raised limit, a passed baton).
    slot_freed: Notify,
}

struct LimitState {
    limit: usize,
    in_flight: usize,
    /// No new request starts before this (a server's `Retry-After`).
    paused_until: Option<Instant>,
    successes_since_change: usize,
    last_cut: Option<Instant>,
}

/// A slot in a lane, given back on drop.
struct LanePermit(Arc<AdaptiveLimit>);

impl Drop for LanePermit {
    fn drop(&mut self) {
        self.0.state.lock().expect("lane lock").in_flight -= 1;
        self.0.slot_freed.notify_one();
    }
}

/// A lane's state, for progress displays and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LaneStatus {
    pub limit: usize,
    pub max: usize,
    pub in_flight: usize,
    pub paused: bool,
}

impl Lane {
    pub fn new(name: &str, max_in_flight: usize) -> Lane {
        let max = max_in_flight.max(1);
        Lane(Arc::new(AdaptiveLimit {
            name: name.to_owned(),
            max,
            state: Mutex::new(LimitState {
                limit: max,
                in_flight: 0,
                paused_until: None,
                successes_since_change: 0,
                last_cut: None,
            }),
            slot_freed: Notify::new(),
        }))
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn status(&self) -> LaneStatus {
        let state = self.0.state.lock().expect("lane lock");
        LaneStatus {
            limit: state.limit,
            max: self.0.max,
            in_flight: state.in_flight,
            paused: state.paused_until.is_some_and(|until| until > Instant::now()),
        }
    }

    async fn acquire(&self) -> LanePermit {
        loop {
            let notified = self.0.slot_freed.notified();
            tokio::pin!(notified);
            // Registered before looking at the state, so a release in between is not missed.
            notified.as_mut().enable();
            let paused_until = {
                let mut state = self.0.state.lock().expect("lane lock");
                let now = Instant::now();
                match state.paused_until {
                    Some(until) if until > now => Some(until),
                    _ => {
                        state.paused_until = None;
                        if state.in_flight < state.limit {
                            state.in_flight += 1;
                            let room_left = state.in_flight < state.limit;
                            drop(state);
                            if room_left {
                                // Pass the baton: another waiter may take the next free slot.
                                self.0.slot_freed.notify_one();
                            }
                            return LanePermit(self.0.clone());
                        }
                        None
                    }
                }
            };
            match paused_until {
                Some(until) => {
                    tokio::select! {
                        _ = &mut notified => {}
                        _ = tokio::time::sleep_until(until) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    fn on_success(&self) {
        let mut state = self.0.state.lock().expect("lane lock");
        state.successes_since_change += 1;
        if state.limit < self.0.max && state.successes_since_change >= state.limit {
            state.limit += 1;
            state.successes_since_change = 0;
            tracing::debug!(lane = self.0.name, limit = state.limit, "speeding up again");
            drop(state);
            self.0.slot_freed.notify_one();
        }
    }

    fn on_rate_limited(&self, attempt_started: Instant, pause: Option<Duration>) {
        let mut state = self.0.state.lock().expect("lane lock");
        let now = Instant::now();
        // Requests already in flight when the limit was cut report the same overload: cut once.
        if state.last_cut.is_none_or(|cut| attempt_started >= cut) {
            let before = state.limit;
            state.limit = (state.limit / 2).max(1);
            state.last_cut = Some(now);
            state.successes_since_change = 0;
            tracing::info!(lane = self.0.name, "rate limited: {} -> {} requests in flight", before, state.limit);
        }
        if let Some(pause) = pause {
            let until = now + pause;
            state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
        }
    }
}
