//! What calls cost: each model's prices (the configuration's, else documented defaults for the
//! built-in models), the estimate `run --dry-run` and `grade --dry-run` print before anything is
//! called, and the cost of the tokens the APIs reported after a run.
//!
//! Token counts before a run are estimates: about four bytes of UTF-8 per token (four Latin
//! letters, two Cyrillic ones), the providers' tokenizers being unknown here. After a run the
//! APIs' own counts are used.

use std::collections::BTreeMap;

use left_behind_shared::{TokenUsage, left_aligned_columns};

use crate::config::ModelEntry;
use crate::providers::ProviderKind;

/// When the default prices below were read from the providers' pricing pages.
pub const PRICES_READ: &str = "2026-12-01";

/// Documented prices (USD per million input and output tokens, batch discount) of the built-in
/// models by API model id, read [`PRICES_READ`] from Anthropic's model pages ("Models & pricing":
/// Claude Opus 4.5 $5/$25, Sonnet 4.5 $3/$15, Batch API 50% off, cache reads 0.1x, 5-minute cache
/// writes 1.25x), OpenAI's pricing page (GPT-5.2 $1.75/$14, cached input $0.175, Batch 50% off),
/// Google's Gemini API pricing (Gemini 3 Pro preview $2/$12 up to 200k tokens, Batch 50% off) and
/// xAI's (Grok 4.1 Fast $0.20/$0.50, Batch API 50% off). The Hugging Face router's models are priced
/// by whichever provider serves them: set their prices in the configuration.
const DOCUMENTED: [(&str, f64, f64, f64); 5] = [
    ("claude-opus-4-5", 5.0, 25.0, 0.5),
    ("claude-sonnet-4-5-20250929", 3.0, 15.0, 0.5),
    ("gpt-5.2", 1.75, 14.0, 0.5),
    ("gemini-3-pro-preview", 2.0, 12.0, 0.5),
    ("grok-4-1-fast", 0.20, 0.50, 0.5),
];

/// A model's prices, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
    /// The fraction batch mode takes off.
    pub batch_discount: f64,
    /// Prompt-cache reads, as a fraction of the input price.
    pub cache_read_factor: f64,
    /// Prompt-cache writes, as a fraction of the input price.
    pub cache_write_factor: f64,
    pub documented: bool,
}

/// The prices of `entry`: the configuration's where it sets them, else the documented ones of its
/// model id; `None` when neither knows an input and an output price.
pub fn prices(entry: &ModelEntry) -> Option<Prices> {
    let documented = DOCUMENTED.iter().find(|(id, ..)| *id == entry.model_id);
    let input = entry.pricing.input_per_mtok.or(documented.map(|row| row.1))?;
    let output = entry.pricing.output_per_mtok.or(documented.map(|row| row.2))?;
    let batch_discount = entry.pricing.batch_discount.or(documented.map(|row| row.3)).unwrap_or(0.5);
    // Anthropic bills cache reads at 0.1x and 5-minute writes at 1.25x the input price; OpenAI's
    // GPT-5 family and Gemini 3 bill cached input at 0.1x and writes as plain input.
    let cache_write_factor = if entry.provider() == ProviderKind::Anthropic { 1.25 } else { 1.0 };
    Some(Prices {
        input_per_mtok: input,
        output_per_mtok: output,
        batch_discount,
        cache_read_factor: 0.1,
        cache_write_factor,
        documented: documented.is_some()
            && entry.pricing.input_per_mtok.is_none()
            && entry.pricing.output_per_mtok.is_none(),
    })
}

/// About how many tokens `text` is: four bytes of UTF-8 per token, rounded up.
pub fn estimate_tokens(text: &str) -> u64 {
    (text.len() as u64).div_ceil(4)
}

/// The tokens of a model's calls, counted or estimated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tokens {
    /// Prompt tokens billed at the full input price.
    pub input: u64,
    /// Prompt tokens read from the provider's cache.
    pub cache_read: u64,
    /// Prompt tokens written to the provider's cache.
    pub cache_write: u64,
    pub output: u64,
}

impl Tokens {
    /// From the usage the APIs reported (their `input_tokens` include the cached ones).
    pub fn from_usage(usage: &TokenUsage) -> Tokens {
        let cache_read = usage.cached_input_tokens.unwrap_or(0);
        let cache_write = usage.cache_creation_input_tokens.unwrap_or(0);
        Tokens {
            input: usage.input_tokens.unwrap_or(0).saturating_sub(cache_read + cache_write),
            cache_read,
            cache_write,
            output: usage.output_tokens.unwrap_or(0),
        }
    }

    pub fn all_input(&self) -> u64 {
        self.input + self.cache_read + self.cache_write
    }

    /// What they cost at `prices`, at the batch price when `batch`.
    pub fn cost(&self, prices: &Prices, batch: bool) -> f64 {
        let input = self.input as f64
            + self.cache_read as f64 * prices.cache_read_factor
            + self.cache_write as f64 * prices.cache_write_factor;
        let full = (input * prices.input_per_mtok + self.output as f64 * prices.output_per_mtok) / 1_000_000.0;
        if batch { full * (1.0 - prices.batch_discount) } else { full }
    }
}

/// One model's line of an estimate.
#[derive(Debug, Clone)]
pub struct ModelEstimate {
    pub model: ModelEntry,
    pub calls: usize,
    pub tokens: Tokens,
    /// Where the output estimate comes from (`observed`, `max_tokens`).
    pub output_basis: String,
    /// Whether the model's provider has a batch API the runner speaks.
    pub batchable: bool,
}

/// The estimate as a table: per model the calls, tokens, and the cost live and in batch mode.
pub fn describe_estimates(estimates: &[ModelEstimate]) -> String {
    if estimates.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "cost estimate (tokens estimated at 4 bytes of UTF-8 each; prices in USD per million tokens from the \
         configuration, else the providers' pricing pages read {PRICES_READ}):\n"
    );
    let header = ["model", "calls", "input tokens", "output tokens", "live", "batch"].map(str::to_owned);
    let mut rows = Vec::new();
    let (mut live_total, mut batch_total, mut priced) = (0.0, 0.0, true);
    for estimate in estimates {
        let prices = prices(&estimate.model);
        let (live, batch) = match &prices {
            Some(prices) => {
                let live = estimate.tokens.cost(prices, false);
                let batch = if estimate.batchable { estimate.tokens.cost(prices, true) } else { live };
                live_total += live;
                batch_total += batch;
                (dollars(live), if estimate.batchable { dollars(batch) } else { "(live only)".to_owned() })
            }
            None => {
                priced = false;
                ("no price".to_owned(), "no price".to_owned())
            }
        };
        let mut input = thousands(estimate.tokens.all_input());
        if estimate.tokens.cache_read > 0 {
            input.push_str(&format!(" ({} cached)", thousands(estimate.tokens.cache_read)));
        }
        rows.push([
            estimate.model.name.clone(),
            estimate.calls.to_string(),
            input,
            format!("{} ({})", thousands(estimate.tokens.output), estimate.output_basis),
            live,
            batch,
        ]);
    }
    text.push_str(&left_aligned_columns(&header, &rows));
    text.push_str(&format!(
        "total: {} live, {} with --batch{}\n",
        dollars(live_total),
        dollars(batch_total),
        if priced {
            ""
        } else {
            " (models without a price left out: set price_input_per_mtok and price_output_per_mtok)"
        }
    ));
    text
}

/// After a run: per model the tokens the APIs reported and what they cost.
pub fn describe_actual(models: &[&ModelEntry], usage: &BTreeMap<String, (TokenUsage, bool)>) -> String {
    let mut text = String::new();
    for (name, (usage, batch)) in usage {
        let tokens = Tokens::from_usage(usage);
        let cost = models
            .iter()
            .find(|model| model.name == *name)
            .and_then(|model| prices(model))
            .map(|prices| {
                format!(", {}{}", dollars(tokens.cost(&prices, *batch)), if *batch { " at batch prices" } else { "" })
            })
            .unwrap_or_default();
        text.push_str(&format!(
            "tokens: {name}: {} in ({} cached), {} out{cost}\n",
            thousands(tokens.all_input()),
            thousands(tokens.cache_read),
            thousands(tokens.output)
        ));
    }
    text
}

fn dollars(amount: f64) -> String {
    if amount < 0.01 && amount > 0.0 { format!("${amount:.4}") } else { format!("${amount:.2}") }
}

/// `1234567` -> `1,234,567`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// One call to estimate: its system prompt (if any) and user message.
pub struct PlannedCall<'a> {
    pub system: Option<&'a str>,
    pub user: &'a str,
}

/// The estimate of `calls` to `model`. `cached_system`: the system prompt is marked for caching
/// (the judge's rubric), which Anthropic bills as one cache write and then cache reads. Output per
/// call is `observed_output` (the mean of earlier answers) when known, else the model's
/// `max_tokens` (an upper bound).
pub fn estimate(
    model: &ModelEntry,
    calls: &[PlannedCall<'_>],
    cached_system: bool,
    observed_output: Option<u64>,
    batchable: bool,
) -> ModelEstimate {
    let mut tokens = Tokens::default();
    let cache = cached_system && model.provider() == ProviderKind::Anthropic;
    for (index, call) in calls.iter().enumerate() {
        let system = call.system.map(estimate_tokens).unwrap_or(0);
        match (cache, index) {
            (true, 0) => tokens.cache_write += system,
            (true, _) => tokens.cache_read += system,
            (false, _) => tokens.input += system,
        }
        tokens.input += estimate_tokens(call.user);
    }
    let (per_call, output_basis) = match observed_output {
        Some(mean) => (mean.min(u64::from(model.max_tokens)), "observed".to_owned()),
        None => (u64::from(model.max_tokens), "at most max_tokens".to_owned()),
    };
    tokens.output = per_call * calls.len() as u64;
    ModelEstimate { model: model.clone(), calls: calls.len(), tokens, output_basis, batchable }
}

/// The mean output tokens of earlier answers: the APIs' counts where recorded, else estimated from
/// the answers' text. `None` without answers.
pub fn observed_output<'a>(answers: impl IntoIterator<Item = (&'a str, Option<u64>)>) -> Option<u64> {
    let (mut total, mut count) = (0u64, 0u64);
    for (text, counted) in answers {
        total += counted.unwrap_or_else(|| estimate_tokens(text));
        count += 1;
    }
    (count > 0).then(|| total.div_ceil(count))
}

/// Adds `usage` to `total`, field by field (a field stays unknown until some call reports it).
pub fn add_usage(total: &mut TokenUsage, usage: &TokenUsage) {
    fn add(total: &mut Option<u64>, value: Option<u64>) {
        if let Some(value) = value {
            *total = Some(total.unwrap_or(0) + value);
        }
    }
    add(&mut total.input_tokens, usage.input_tokens);
    add(&mut total.output_tokens, usage.output_tokens);
    add(&mut total.cached_input_tokens, usage.cached_input_tokens);
    add(&mut total.cache_creation_input_tokens, usage.cache_creation_input_tokens);
    add(&mut total.reasoning_tokens, usage.reasoning_tokens);
}
