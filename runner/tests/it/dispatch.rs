//! The call layer on its own: bounded concurrency per lane and overall, slowing down on 429 and
//! honouring Retry-After, the attempt limit, and the backoff delays.

use std::sync::Arc;
use std::time::Duration;

use left_behind_runner::dispatch::{DispatchPolicy, Dispatcher, Lane};
use left_behind_runner::providers::{self, CompletionRequest, Provider, ProviderKind, ProviderSettings};
use serde_json::json;

use crate::support::{Hold, MockServer, Reply, http_client, openai_answer};

fn policy() -> DispatchPolicy {
    DispatchPolicy {
        max_in_flight: 64,
        max_attempts: 4,
        request_timeout: Duration::from_secs(5),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    }
}

fn provider(url: &str) -> Arc<dyn Provider> {
    providers::build(
        ProviderSettings {
            kind: ProviderKind::OpenAiCompatible,
            base_url: format!("{url}/v1").parse().unwrap(),
            model_id: "m".to_owned(),
            provider_route: None,
            key: None,
        },
        http_client(),
    )
}

fn request() -> CompletionRequest {
    CompletionRequest { system: None, user_message: "q".to_owned(), max_output_tokens: 16, temperature: None }
}

/// Makes `count` calls at once through `lanes`; returns the attempts of each.
async fn call_many(
    dispatcher: Arc<Dispatcher>,
    provider: Arc<dyn Provider>,
    lanes: Vec<Lane>,
    count: usize,
) -> Vec<u32> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..count {
        let (dispatcher, provider, lanes) = (dispatcher.clone(), provider.clone(), lanes.clone());
        tasks.spawn(async move {
            let outcome = dispatcher.call(&lanes, provider.as_ref(), &request()).await;
            outcome.result.expect("every call succeeds in the end");
            outcome.attempts
        });
    }
    tasks.join_all().await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lane_bounds_the_requests_in_flight() {
    // Each answer waits until three requests are in flight: the lane must let three through, and
    // only three, however slowly this machine schedules the calls.
    let server =
        MockServer::start(|_, _| Reply::json(200, openai_answer("ok")).held(Hold::UntilInFlight { count: 3, of: 12 }))
            .await;
    let dispatcher = Arc::new(Dispatcher::new(policy()));
    let lane = dispatcher.lane("local", 3);
    let attempts = call_many(dispatcher.clone(), provider(&server.url), vec![lane.clone()], 12).await;
    assert_eq!(attempts, vec![1; 12]);
    assert_eq!(server.request_count(), 12);
    assert_eq!(server.max_in_flight(), 3);
    assert_eq!(lane.status().in_flight, 0, "every permit was given back");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_overall_cap_bounds_all_lanes_together() {
    let server =
        MockServer::start(|_, _| Reply::json(200, openai_answer("ok")).held(Hold::UntilInFlight { count: 5, of: 20 }))
            .await;
    let dispatcher = Arc::new(Dispatcher::new(DispatchPolicy { max_in_flight: 5, ..policy() }));
    let first = dispatcher.lane("first", 4);
    let second = dispatcher.lane("second", 4);
    // The same lane comes back by name.
    assert_eq!(dispatcher.lane("first", 99).status().max, 4);
    let provider = provider(&server.url);
    let (a, b) = tokio::join!(
        call_many(dispatcher.clone(), provider.clone(), vec![first], 10),
        call_many(dispatcher.clone(), provider.clone(), vec![second], 10)
    );
    assert_eq!(a.len() + b.len(), 20);
    assert_eq!(server.max_in_flight(), 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limiting_halves_the_lane_and_pauses_it_for_retry_after() {
    // The first burst of 8 is rate limited with Retry-After 300 ms; everything after is answered.
    let server = MockServer::start(|_, index| {
        if index < 8 {
            Reply::json(429, json!({ "error": { "message": "slow down" } }))
                .with_header("retry-after-ms", "300")
                // All eight are in flight before the first 429 comes back.
                .held(Hold::UntilArrived(8))
        } else {
            Reply::json(200, openai_answer("ok")).after(Duration::from_millis(40))
        }
    })
    .await;
    let dispatcher = Arc::new(Dispatcher::new(policy()));
    let lane = dispatcher.lane("limited", 8);
    let attempts = call_many(dispatcher.clone(), provider(&server.url), vec![lane.clone()], 8).await;
    assert_eq!(attempts, vec![2; 8], "each call was answered on its second attempt");
    let seen = server.requests();
    assert_eq!(seen.len(), 16);
    assert_eq!(seen[..8].iter().map(|request| request.concurrent).max(), Some(8));
    // The burst cut the limit once, to 4 (the 429s of requests already in flight did not cut it
    // again); it grows by one after as many successes as the limit, so never above 5 here.
    let after_cut = seen[8..].iter().map(|request| request.concurrent).max().unwrap();
    assert!((1..=5).contains(&after_cut), "{after_cut} requests in flight after the cut");
    // No retry before the server's Retry-After.
    let first_limited = seen[..8].iter().map(|request| request.at).min().unwrap();
    let first_retry = seen[8..].iter().map(|request| request.at).min().unwrap();
    assert!(
        first_retry - first_limited >= Duration::from_millis(300),
        "retried after {:?}",
        first_retry - first_limited
    );
    let status = lane.status();
    assert!(status.limit <= 5 && status.limit >= 4, "{status:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn retryable_failures_stop_at_the_attempt_limit() {
    let server = MockServer::start(|_, _| Reply::json(502, json!({ "error": "bad gateway" }))).await;
    let dispatcher = Dispatcher::new(DispatchPolicy { max_attempts: 3, ..policy() });
    let lane = dispatcher.lane("lane", 2);
    let outcome = dispatcher.call(&[lane], provider(&server.url).as_ref(), &request()).await;
    assert_eq!(outcome.attempts, 3);
    assert_eq!(server.request_count(), 3);
    assert_eq!(outcome.result.unwrap_err().to_string(), "server error (HTTP 502): bad gateway");
}

#[test]
fn backoff_doubles_with_jitter_up_to_the_cap_and_respects_retry_after() {
    let dispatcher = Dispatcher::new(DispatchPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        max_retry_after: Duration::from_secs(3),
        ..policy()
    });
    for _ in 0..200 {
        let first = dispatcher.retry_delay(1, None);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
        let third = dispatcher.retry_delay(3, None);
        assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400), "{third:?}");
        let capped = dispatcher.retry_delay(20, None);
        assert!(capped >= Duration::from_millis(500) && capped <= Duration::from_secs(1), "{capped:?}");
        let asked = dispatcher.retry_delay(1, Some(Duration::from_secs(2)));
        assert!(asked >= Duration::from_secs(2) && asked <= Duration::from_millis(2050), "{asked:?}");
        let too_long = dispatcher.retry_delay(1, Some(Duration::from_secs(3600)));
        assert!(too_long >= Duration::from_secs(3) && too_long <= Duration::from_millis(3050), "{too_long:?}");
    }
    // The jitter really varies.
    let delays: std::collections::BTreeSet<Duration> = (0..50).map(|_| dispatcher.retry_delay(3, None)).collect();
    assert!(delays.len() > 10);
}
