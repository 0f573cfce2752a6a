//! The review queue's seeded stratified sample: `k` responses drawn at random from each stratum (each
//! model x condition, or each question category), reproducibly from a seed. The seed and `k` live in
//! the explorer's URL, so two reviewers who open the same link review the same responses.

use std::collections::BTreeMap;

use crate::uncertainty::StatsRng;
use crate::{Dataset, ResponseEntry};

/// What the sample is stratified by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strata {
    /// Each (model, condition) cell.
    #[default]
    ModelCondition,
    /// Each question category.
    QuestionCategory,
}

impl Strata {
    pub const ALL: [Strata; 2] = [Strata::ModelCondition, Strata::QuestionCategory];

    /// The value in the URL (`by=cell`, `by=category`).
    pub fn key(self) -> &'static str {
        match self {
            Strata::ModelCondition => "cell",
            Strata::QuestionCategory => "category",
        }
    }

    pub fn from_key(key: &str) -> Option<Strata> {
        Strata::ALL.into_iter().find(|strata| strata.key() == key)
    }

    pub fn description(self) -> &'static str {
        match self {
            Strata::ModelCondition => "per model and condition",
            Strata::QuestionCategory => "per question category",
        }
    }
}

/// Draws up to `k` entries with a response from each stratum, reproducibly from `seed`. Returns
/// indices into `entries`, in list order. Each stratum draws from its own [`StatsRng`] stream (`seed`
/// and the stratum's name), so adding a model to the dataset does not change the other strata's draws.
pub fn stratified_sample(
    entries: &[ResponseEntry],
    dataset: &Dataset,
    strata: Strata,
    k: usize,
    seed: u64,
) -> Vec<usize> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        if entry.response(dataset).is_none() {
            continue;
        }
        let name = match strata {
            Strata::ModelCondition => format!("{}/{}", entry.key.model, entry.key.condition),
            Strata::QuestionCategory => entry.question_category.key().to_owned(),
        };
        groups.entry(name).or_default().push(index);
    }
    let mut sample = Vec::new();
    for (name, mut members) in groups {
        let mut rng = StatsRng::stream(seed, &format!("review-sample/{name}"));
        // A partial Fisher-Yates shuffle: the first k places are a uniform draw without replacement.
        let take = k.min(members.len());
        for place in 0..take {
            let pick = place + rng.below((members.len() - place) as u32) as usize;
            members.swap(place, pick);
        }
        sample.extend_from_slice(&members[..take]);
    }
    sample.sort_unstable();
    sample
}

/// The list the review queue walks: the responses list's filter, or a seeded stratified sample.
/// Round-trips through the `/review` URL's query (`sample=cell&k=5&seed=42`, or the filter's keys).
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewQueue {
    /// The responses that match a filter of the responses list (all of them with an empty filter).
    Filter(Box<crate::ResponseFilter>),
    /// `k` responses per stratum, drawn with `seed`.
    Sample { strata: Strata, k: usize, seed: u64 },
}

/// The query keys of a sample queue.
mod keys {
    pub const SAMPLE: &str = "sample";
    pub const K: &str = "k";
    pub const SEED: &str = "seed";
}

/// The sample's size per stratum when the URL names none.
pub const DEFAULT_SAMPLE_K: usize = 5;

impl ReviewQueue {
    /// Reads a `/review` query: `sample=` (`cell` or `category`) with `k` and `seed` makes a sample
    /// (k defaults to [`DEFAULT_SAMPLE_K`], the seed to 1); anything else is a filter.
    pub fn from_query(query: &str) -> ReviewQueue {
        let pairs: Vec<_> = form_urlencoded::parse(query.trim_start_matches('?').as_bytes()).collect();
        ReviewQueue::from_pairs(pairs.iter().map(|(key, value)| (key.as_ref(), value.as_ref())))
    }

    /// The queue of decoded query pairs (the explorer's router has already parsed the URL), as
    /// [`ReviewQueue::from_query`] reads them.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> ReviewQueue {
        let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
        let mut strata = None;
        let mut k = DEFAULT_SAMPLE_K;
        let mut seed = 1;
        for &(key, value) in &pairs {
            match key {
                keys::SAMPLE => strata = Strata::from_key(value),
                keys::K => k = value.parse().unwrap_or(k),
                keys::SEED => seed = value.parse().unwrap_or(seed),
                _ => {}
            }
        }
        match strata {
            Some(strata) => ReviewQueue::Sample { strata, k, seed },
            None => ReviewQueue::Filter(Box::new(crate::ResponseFilter::from_pairs(pairs))),
        }
    }

    /// The query that [`ReviewQueue::from_query`] reads back.
    pub fn to_query(&self) -> String {
        match self {
            ReviewQueue::Filter(filter) => filter.to_query(),
            ReviewQueue::Sample { strata, k, seed } => {
                format!("{}={}&{}={k}&{}={seed}", keys::SAMPLE, strata.key(), keys::K, keys::SEED)
            }
        }
    }

    /// The queue's responses, as indices into `entries` in list order (only responses: a grade
    /// without its response cannot be reviewed).
    pub fn entries(&self, entries: &[ResponseEntry], dataset: &Dataset) -> Vec<usize> {
        match self {
            ReviewQueue::Filter(filter) => crate::filter_entries(entries, dataset, filter)
                .into_iter()
                .filter(|&index| entries[index].response(dataset).is_some())
                .collect(),
            ReviewQueue::Sample { strata, k, seed } => stratified_sample(entries, dataset, *strata, *k, *seed),
        }
    }
}

/// The position in `queue` of the first item after `after` (or from the start) that `is_reviewed`
/// does not accept, wrapping around; `None` when every item is reviewed.
pub fn next_unreviewed(queue: &[usize], after: Option<usize>, is_reviewed: impl Fn(usize) -> bool) -> Option<usize> {
    let start = after.map_or(0, |position| position + 1);
    (0..queue.len()).map(|offset| (start + offset) % queue.len().max(1)).find(|&position| !is_reviewed(queue[position]))
}
