//! The batch-mode arguments `run` and `grade` share: `--batch`, `--status`, `--cancel`,
//! `--batch-wait`, `--batch-poll` (see [`crate::batch`]).

use std::time::Duration;

use clap::Args;

use crate::batch::answers::BatchOptions;
use crate::batch::collect::PollPolicy;

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Send the calls of models whose provider has a batch API (OpenAI, Anthropic, Google) as batches, at about half
    /// the price and within 24 hours; the others are called live. Open batches of earlier commands are collected.
    #[arg(long)]
    pub batch: bool,
    /// With --batch: list the open batches with their state and counts, and exit.
    #[arg(long, requires = "batch", conflicts_with = "cancel")]
    pub status: bool,
    /// With --batch: cancel the open batches (what finished is collected by the next --batch command; the rest is
    /// asked again).
    #[arg(long, requires = "batch")]
    pub cancel: bool,
    /// With --batch: wait at most this long for batches (90s, 30m, 2h); a later command collects the rest. Default:
    /// until they end.
    #[arg(long, value_name = "DURATION", requires = "batch", value_parser = parse_wait)]
    pub batch_wait: Option<Duration>,
    /// With --batch: seconds between the first polls of a batch; later polls back off to 20 times that (every 10
    /// minutes by default).
    #[arg(long, value_name = "SECONDS", requires = "batch", value_parser = parse_seconds, default_value = "30")]
    pub batch_poll: Duration,
}

/// What `--status` and `--cancel` ask about the open batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchQuery {
    Status,
    Cancel,
}

impl BatchArgs {
    /// The batch options, if `--batch` was given.
    pub fn options(&self) -> Option<BatchOptions> {
        self.batch.then(|| BatchOptions {
            poll: PollPolicy {
                first_interval: self.batch_poll,
                max_interval: self.batch_poll * 20,
                wait: self.batch_wait,
            },
        })
    }

    /// `--status` or `--cancel`.
    pub fn query(&self) -> Option<BatchQuery> {
        match (self.status, self.cancel) {
            (true, _) => Some(BatchQuery::Status),
            (_, true) => Some(BatchQuery::Cancel),
            _ => None,
        }
    }
}

/// `90`, `90s`, `30m`, `2h`.
fn parse_wait(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((index, _)) => (&text[..index], &text[index..]),
        None => (text, "s"),
    };
    let multiplier = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("{text:?}: use seconds, minutes or hours, such as 90s, 30m or 2h")),
    };
    let value: f64 = number.trim().parse().map_err(|_| format!("{text:?} is not a duration such as 90s, 30m or 2h"))?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(format!("{text:?} is not a duration"));
    }
    Ok(Duration::from_secs_f64(value * multiplier))
}

/// A positive number of seconds, fractions allowed.
fn parse_seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text.trim().parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(value.is_finite() && value > 0.0) {
        return Err(format!("{text:?}: the interval must be above 0 seconds"));
    }
    Ok(Duration::from_secs_f64(value))
}
