//! Statistics of clustered data: the clustered standard error of a mean, the percentile cluster
//! bootstrap, the sign-flip permutation test of paired differences, the minimum detectable effect and
//! the Holm adjustment. General over what the clusters are (the study's are its questions) and what
//! the values are (scores, differences of paired scores, agreement indicators), so every part of the
//! project that reports a mean over clustered observations uses these functions.
//!
//! Everything works on per-cluster sums ([`Clusters`]), never on rows: one bootstrap resample of K
//! clusters costs K draws and K additions whatever the number of rows, which keeps 10,000 resamples of
//! every cell of the report well under a second.
//!
//! Randomness is deterministic: [`StatsRng`] is xoshiro256++ (`rand_xoshiro`), seeded through
//! SplitMix64 from `seed XOR fnv1a64(stream name)`, so each statistic draws from a stream of its own
//! and gives the same result whatever else is computed, in whichever order, natively or in WASM.

use std::collections::BTreeMap;

use rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

/// The seed used unless the user gives one (`left-behind report --seed`).
pub const DEFAULT_SEED: u64 = 20_260_217;

/// Bootstrap resamples and permutation draws unless the user says otherwise (`--resamples`).
pub const DEFAULT_RESAMPLES: u32 = 10_000;

/// `z(0.975) + z(0.80)`, rounded as the usual power tables print it: a true effect of 2.80 standard
/// errors is detected by a two-sided test at 5% with 80% probability.
pub const MDE_MULTIPLIER: f64 = 2.80;

/// Why a statistic has no value. Never a NaN: the reason is shown instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Undefined {
    /// The selection has no observations (every row failed, or none matched).
    NoObservations,
    /// All observations are in one cluster: the spread between clusters cannot be estimated.
    OneCluster,
}

impl Undefined {
    /// The reason in words, with clusters called `cluster_noun` (the study's are questions).
    pub fn describe(self, cluster_noun: &str) -> String {
        match self {
            Undefined::NoObservations => "undefined (no scored rows)".to_owned(),
            Undefined::OneCluster => format!("undefined (1 {cluster_noun})"),
        }
    }
}

/// A 95% interval, `[low, high]` in JSON.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

impl Serialize for Interval {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        [self.low, self.high].serialize(serializer)
    }
}

/// Observations summed by cluster: what every statistic here needs, and all it needs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clusters {
    /// The sum of the values of each cluster, in the clusters' key order.
    sums: Vec<f64>,
    /// The number of values of each cluster.
    counts: Vec<u32>,
}

impl Clusters {
    /// Groups `(cluster key, value)` observations; clusters are kept in key order, values summed in
    /// the order given (so the sums are the same everywhere).
    pub fn from_values<K: Ord>(observations: impl IntoIterator<Item = (K, f64)>) -> Clusters {
        let mut by_key: BTreeMap<K, (f64, u32)> = BTreeMap::new();
        for (key, value) in observations {
            let entry = by_key.entry(key).or_insert((0.0, 0));
            entry.0 += value;
            entry.1 += 1;
        }
        let (sums, counts): (Vec<f64>, Vec<u32>) = by_key.into_values().unzip();
        Clusters { sums, counts }
    }

    /// The number of clusters, K.
    pub fn cluster_count(&self) -> usize {
        self.sums.len()
    }

    /// The number of observations, n.
    pub fn observation_count(&self) -> usize {
        self.counts.iter().map(|&count| count as usize).sum()
    }

    fn total(&self) -> f64 {
        self.sums.iter().sum()
    }

    /// The mean of all observations.
    pub fn mean(&self) -> Result<f64, Undefined> {
        let n = self.observation_count();
        if n == 0 {
            return Err(Undefined::NoObservations);
        }
        Ok(self.total() / n as f64)
    }

    /// The cluster-robust standard error of the mean:
    /// `sqrt(K / (K - 1)) x sqrt(sum over clusters c of (sum over i in c of (x_i - mean))^2) / n`.
    pub fn clustered_se(&self) -> Result<f64, Undefined> {
        let mean = self.mean()?;
        let k = self.cluster_count();
        if k < 2 {
            return Err(Undefined::OneCluster);
        }
        let squares: f64 = self
            .sums
            .iter()
            .zip(&self.counts)
            .map(|(&sum, &count)| {
                let deviation = sum - f64::from(count) * mean;
                deviation * deviation
            })
            .sum();
        let n = self.observation_count() as f64;
        Ok((k as f64 / (k as f64 - 1.0)).sqrt() * squares.sqrt() / n)
    }

    /// The 95% percentile cluster-bootstrap interval of the mean: `resamples` times, draw K clusters
    /// with replacement and take the mean of all their observations; the interval runs from the 2.5th
    /// to the 97.5th percentile of those means (linear interpolation between order statistics, the
    /// default of R's `quantile` and NumPy's `percentile`).
    pub fn bootstrap_ci95(&self, resamples: u32, rng: &mut StatsRng) -> Result<Interval, Undefined> {
        self.mean()?;
        let k = self.cluster_count();
        if k < 2 {
            return Err(Undefined::OneCluster);
        }
        let mut means = Vec::with_capacity(resamples as usize);
        for _ in 0..resamples {
            let (mut sum, mut count) = (0.0, 0u64);
            for _ in 0..k {
                let drawn = rng.below(k as u32) as usize;
                sum += self.sums[drawn];
                count += u64::from(self.counts[drawn]);
            }
            // A resample of clusters that all happen to be empty cannot occur: every cluster has a value.
            means.push(sum / count as f64);
        }
        means.sort_unstable_by(f64::total_cmp);
        Ok(Interval { low: percentile(&means, 0.025), high: percentile(&means, 0.975) })
    }

    /// The two-sided p-value of "the mean is zero" from a sign-flip permutation test at the cluster
    /// level: `draws` times, flip the sign of each cluster's sum with probability 1/2 and count the
    /// draws whose mean is at least as far from zero as the observed one; `p = (hits + 1) / (draws + 1)`.
    /// For paired differences (first minus second, clustered), this is the paired permutation test.
    pub fn sign_flip_p_value(&self, draws: u32, rng: &mut StatsRng) -> Result<f64, Undefined> {
        let observed = self.flip_threshold()?;
        let mut hits = 0u64;
        for _ in 0..draws {
            let mut sum = 0.0;
            let mut bits = 0u64;
            for (index, &cluster_sum) in self.sums.iter().enumerate() {
                if index.is_multiple_of(64) {
                    bits = rng.next_u64();
                }
                sum += if bits & 1 == 1 { -cluster_sum } else { cluster_sum };
                bits >>= 1;
            }
            if sum.abs() >= observed {
                hits += 1;
            }
        }
        Ok((hits + 1) as f64 / (f64::from(draws) + 1.0))
    }

    /// The exact two-sided sign-flip p-value, enumerating all 2^K sign patterns: the value
    /// [`Clusters::sign_flip_p_value`] estimates. `None` when K > 24 (too many patterns).
    pub fn exact_sign_flip_p_value(&self) -> Result<Option<f64>, Undefined> {
        let observed = self.flip_threshold()?;
        let k = self.cluster_count();
        if k > 24 {
            return Ok(None);
        }
        let patterns = 1u64 << k;
        let hits = (0..patterns)
            .filter(|pattern| {
                let sum: f64 = self
                    .sums
                    .iter()
                    .enumerate()
                    .map(|(index, &cluster_sum)| if (pattern >> index) & 1 == 1 { -cluster_sum } else { cluster_sum })
                    .sum();
                sum.abs() >= observed
            })
            .count();
        Ok(Some(hits as f64 / patterns as f64))
    }

    /// The observed |sum|, less a tolerance for rounding, so that a flip pattern giving the same
    /// |sum| in another order of addition still counts as "at least as extreme".
    fn flip_threshold(&self) -> Result<f64, Undefined> {
        self.mean()?;
        if self.cluster_count() < 2 {
            return Err(Undefined::OneCluster);
        }
        let scale: f64 = self.sums.iter().map(|sum| sum.abs()).sum();
        Ok(self.total().abs() - 1e-9 * scale)
    }
}

/// The `p`-th quantile (0..=1) of sorted, non-empty `values`, interpolating linearly between order
/// statistics (Hyndman and Fan's type 7).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let position = (sorted.len() - 1) as f64 * p;
    let below = position.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (position - below as f64) * (sorted[above] - sorted[below])
}

/// Paired observations: the differences `first - second` of the units observed in both, clustered.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedDifferences {
    pub differences: Clusters,
    /// Units observed in both (the number of differences).
    pub pairs: usize,
    /// Units observed in only one of the two: left out.
    pub unpaired: usize,
}

/// Pairs `(cluster, unit, value)` observations of two conditions by `(cluster, unit)` (for the study: a
/// question and a model) and clusters the differences `first - second` by cluster. A unit observed
/// twice on one side keeps its first value.
pub fn paired_differences<C: Ord + Clone, U: Ord + Clone>(
    first: impl IntoIterator<Item = (C, U, f64)>,
    second: impl IntoIterator<Item = (C, U, f64)>,
) -> PairedDifferences {
    let mut firsts: BTreeMap<(C, U), f64> = BTreeMap::new();
    for (cluster, unit, value) in first {
        firsts.entry((cluster, unit)).or_insert(value);
    }
    let mut seconds: BTreeMap<(C, U), f64> = BTreeMap::new();
    for (cluster, unit, value) in second {
        seconds.entry((cluster, unit)).or_insert(value);
    }
    let mut unpaired = seconds.keys().filter(|key| !firsts.contains_key(key)).count();
    let mut differences = Vec::new();
    for ((cluster, unit), value) in firsts {
        match seconds.get(&(cluster.clone(), unit)) {
            Some(other) => differences.push((cluster, value - other)),
            None => unpaired += 1,
        }
    }
    let pairs = differences.len();
    PairedDifferences { differences: Clusters::from_values(differences), pairs, unpaired }
}

/// The minimum detectable effect at 5% two-sided significance and 80% power: `2.80 x SE`.
pub fn minimum_detectable_effect(se: f64) -> f64 {
    MDE_MULTIPLIER * se
}

/// How many clusters a study like this one (K clusters, standard error `se`) needs to detect `effect`
/// at 5% significance with 80% power: `K x (2.80 x SE / effect)^2`, rounded up, and at least 2 (the
/// fewest that give a standard error). `None` for an effect that is not positive.
pub fn clusters_needed(clusters: usize, se: f64, effect: f64) -> Option<u64> {
    if effect.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    let ratio = minimum_detectable_effect(se) / effect;
    Some(((clusters as f64 * ratio * ratio).ceil() as u64).max(2))
}

/// Holm's step-down adjustment of p-values for `m` tests, `m` being the number of values present:
/// sorted ascending, the i-th (from 1) becomes `max over j <= i of min(1, (m - j + 1) p_(j))`. Absent
/// p-values stay absent and are not counted.
pub fn holm_adjust(p_values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut present: Vec<(usize, f64)> =
        p_values.iter().enumerate().filter_map(|(index, p)| p.map(|p| (index, p))).collect();
    present.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let m = present.len();
    let mut adjusted = vec![None; p_values.len()];
    let mut running = 0.0f64;
    for (rank, (index, p)) in present.into_iter().enumerate() {
        running = running.max(((m - rank) as f64 * p).min(1.0));
        adjusted[index] = Some(running);
    }
    adjusted
}

/// The project's random numbers: xoshiro256++ (Blackman and Vigna; `rand_xoshiro`), one stream per
/// statistic.
#[derive(Debug, Clone)]
pub struct StatsRng(Xoshiro256PlusPlus);

impl StatsRng {
    /// The stream named `stream` under `seed`: xoshiro256++ seeded by `seed_from_u64` (SplitMix64)
    /// with `seed XOR fnv1a64(stream)`.
    pub fn stream(seed: u64, stream: &str) -> StatsRng {
        StatsRng(Xoshiro256PlusPlus::seed_from_u64(seed ^ fnv1a64(stream.as_bytes())))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform integer in `0..n` (`n > 0`), without bias: Lemire's multiply-and-reject on the high
    /// 32 bits of the next output.
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        let mut product = u64::from(self.next_u32()) * u64::from(n);
        let mut low = product as u32;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                product = u64::from(self.next_u32()) * u64::from(n);
                low = product as u32;
            }
        }
        (product >> 32) as u32
    }

    fn next_u32(&mut self) -> u32 {
        (self.0.next_u64() >> 32) as u32
    }
}

/// FNV-1a, 64 bits: a fixed, documented hash from a stream's name to its part of the seed.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// A mean with its clustered standard error and bootstrap interval (each, or why it is undefined).
#[derive(Debug, Clone, PartialEq)]
pub struct MeanEstimate {
    pub mean: Result<f64, Undefined>,
    pub se: Result<f64, Undefined>,
    pub ci95: Result<Interval, Undefined>,
    pub clusters: usize,
    pub observations: usize,
}

impl MeanEstimate {
    /// The mean of `clusters` with its SE and a bootstrap interval from the stream `stream`.
    pub fn of(clusters: &Clusters, resamples: u32, seed: u64, stream: &str) -> MeanEstimate {
        MeanEstimate {
            mean: clusters.mean(),
            se: clusters.clustered_se(),
            ci95: clusters.bootstrap_ci95(resamples, &mut StatsRng::stream(seed, stream)),
            clusters: clusters.cluster_count(),
            observations: clusters.observation_count(),
        }
    }

    /// Why the interval is undefined, if it is, in words.
    pub fn undefined_reason(&self, cluster_noun: &str) -> Option<String> {
        self.ci95.err().map(|reason| reason.describe(cluster_noun))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters(values: &[(u32, f64)]) -> Clusters {
        Clusters::from_values(values.iter().copied())
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn clustered_se_matches_a_hand_computed_case() {
        // Clusters {1: 2, 4}, {2: 6}, {3: 0, 3}: n = 5, mean = 15 / 5 = 3.
        // Deviations summed per cluster: (2-3)+(4-3) = 0, 6-3 = 3, (0-3)+(3-3) = -3.
        // SE = sqrt(3/2) x sqrt(0 + 9 + 9) / 5 = sqrt(27) / 5.
        let data = clusters(&[(1, 2.0), (1, 4.0), (2, 6.0), (3, 0.0), (3, 3.0)]);
        assert_eq!(data.cluster_count(), 3);
        assert_eq!(data.observation_count(), 5);
        assert!(close(data.mean().unwrap(), 3.0));
        assert!(close(data.clustered_se().unwrap(), 27f64.sqrt() / 5.0));
    }

    #[test]
    fn one_value_per_cluster_gives_the_usual_standard_error() {
        // With one value per cluster, SE = sqrt(K/(K-1)) sqrt(sum (x - mean)^2) / n = s / sqrt(n).
        let data = clusters(&[(1, 1.0), (2, 2.0), (3, 3.0), (4, 4.0)]);
        let sample_sd = (5.0f64 / 3.0).sqrt(); // sum of squares 5, n - 1 = 3
        assert!(close(data.clustered_se().unwrap(), sample_sd / 2.0));
    }

    #[test]
    fn a_single_cluster_has_a_mean_but_no_interval() {
        let data = clusters(&[(7, 50.0), (7, 100.0)]);
        assert!(close(data.mean().unwrap(), 75.0));
        assert_eq!(data.clustered_se(), Err(Undefined::OneCluster));
        assert_eq!(data.bootstrap_ci95(100, &mut StatsRng::stream(1, "x")), Err(Undefined::OneCluster));
        assert_eq!(data.sign_flip_p_value(100, &mut StatsRng::stream(1, "x")), Err(Undefined::OneCluster));
        assert_eq!(Undefined::OneCluster.describe("question"), "undefined (1 question)");
        let empty = Clusters::default();
        assert_eq!(empty.mean(), Err(Undefined::NoObservations));
        assert_eq!(empty.clustered_se(), Err(Undefined::NoObservations));
    }

    #[test]
    fn the_bootstrap_of_two_clusters_is_a_known_distribution() {
        // Two clusters of one value each, 0 and 100: a resample draws 0, 1 or 2 copies of the 100 with
        // probabilities 1/4, 1/2, 1/4, so its mean is 0, 50 or 100. The 2.5th percentile is 0 and the
        // 97.5th 100.
        let data = clusters(&[(1, 0.0), (2, 100.0)]);
        let interval = data.bootstrap_ci95(10_000, &mut StatsRng::stream(3, "two")).unwrap();
        assert_eq!((interval.low, interval.high), (0.0, 100.0));
        // Unequal cluster sizes: the resampled mean is a ratio of sums, not a mean of cluster means.
        // {1: 0, 0, 0} and {2: 100}: a resample is 0 (both 1), 25 (one each) or 100 (both 2).
        let data = clusters(&[(1, 0.0), (1, 0.0), (1, 0.0), (2, 100.0)]);
        let mut rng = StatsRng::stream(4, "ratio");
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let interval = data.bootstrap_ci95(1, &mut rng).unwrap();
            seen.insert(interval.low.to_bits());
        }
        let seen: Vec<f64> = seen.into_iter().map(f64::from_bits).collect();
        assert_eq!(seen, vec![0.0, 25.0, 100.0]);
    }

    #[test]
    fn the_bootstrap_interval_covers_the_mean_and_its_width_tracks_the_se() {
        let values: Vec<(u32, f64)> = (0..50).map(|q| (q, f64::from((q * 37) % 7) * 10.0)).collect();
        let data = clusters(&values);
        let interval = data.bootstrap_ci95(10_000, &mut StatsRng::stream(DEFAULT_SEED, "t")).unwrap();
        let (mean, se) = (data.mean().unwrap(), data.clustered_se().unwrap());
        assert!(interval.contains(mean));
        // The percentile interval of a mean of 50 clusters is close to mean +- 1.96 SE.
        let width = interval.high - interval.low;
        assert!((width / (2.0 * 1.96 * se) - 1.0).abs() < 0.1, "{width} vs {se}");
    }

    #[test]
    fn the_same_stream_gives_the_same_interval_and_other_streams_differ() {
        let values: Vec<(u32, f64)> = (0..20).map(|q| (q, f64::from(q % 5))).collect();
        let data = clusters(&values);
        let a = data.bootstrap_ci95(1000, &mut StatsRng::stream(5, "a")).unwrap();
        let again = data.bootstrap_ci95(1000, &mut StatsRng::stream(5, "a")).unwrap();
        let other = data.bootstrap_ci95(1000, &mut StatsRng::stream(6, "a")).unwrap();
        assert_eq!(a, again);
        assert_ne!(a, other);
    }

    #[test]
    fn the_rng_is_xoshiro256_plus_plus_seeded_by_splitmix64() {
        // seed_from_u64(0) in rand_xoshiro is xoshiro256++ on four SplitMix64 outputs of 0; the first
        // SplitMix64 output of state 0 is 0xe220a8397b1dcdaf (Vigna's reference splitmix64.c).
        let mut splitmix = 0u64;
        let mut state = [0u64; 4];
        for word in &mut state {
            splitmix = splitmix.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = splitmix;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            *word = z ^ (z >> 31);
        }
        assert_eq!(state[0], 0xe220_a839_7b1d_cdaf);
        // xoshiro256++'s first output: rotl(s0 + s3, 23) + s0.
        let expected = state[0].wrapping_add(state[3]).rotate_left(23).wrapping_add(state[0]);
        // The stream whose FNV hash cancels the seed is seed_from_u64(0).
        let hash = fnv1a64(b"stream");
        assert_eq!(StatsRng::stream(hash, "stream").next_u64(), expected);
        // FNV-1a of the empty input is its offset basis; of "a", the published 0xaf63dc4c8601ec8c.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn below_is_uniform_and_in_range() {
        let mut rng = StatsRng::stream(9, "below");
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[rng.below(7) as usize] += 1;
        }
        for count in counts {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
        assert_eq!(rng.below(1), 0);
    }

    #[test]
    fn the_sign_flip_test_agrees_with_exact_enumeration() {
        // Differences summed by cluster: 3, 1, 2, -1. Observed |sum| = 5. Of the 16 sign patterns,
        // those with |sum| >= 5: 3+1+2+1 = 7, 3+1+2-1 = 5, 3-1+2+1 = 5, and their negations: 6, so
        // p = 6/16.
        let data = clusters(&[(1, 3.0), (2, 1.0), (3, 2.0), (4, -1.0)]);
        assert_eq!(data.exact_sign_flip_p_value().unwrap(), Some(0.375));
        let p = data.sign_flip_p_value(100_000, &mut StatsRng::stream(DEFAULT_SEED, "exact")).unwrap();
        assert!((p - 0.375).abs() < 0.005, "{p}");
        // All differences of one sign: only the observed pattern and its negation are as extreme.
        let data = clusters(&[(1, 1.0), (2, 2.0), (3, 0.5)]);
        assert_eq!(data.exact_sign_flip_p_value().unwrap(), Some(2.0 / 8.0));
        // A cluster with several paired differences flips as one (its sum): {1: 1, 1}, {2: -2}.
        let data = clusters(&[(1, 1.0), (1, 1.0), (2, -2.0)]);
        assert_eq!(data.exact_sign_flip_p_value().unwrap(), Some(1.0));
    }

    #[test]
    fn the_permutation_p_value_is_never_zero() {
        let values: Vec<(u32, f64)> = (0..50).map(|q| (q, 10.0 + f64::from(q))).collect();
        let p = clusters(&values).sign_flip_p_value(999, &mut StatsRng::stream(1, "p")).unwrap();
        assert_eq!(p, 1.0 / 1000.0);
    }

    #[test]
    fn pairing_leaves_unpaired_units_out() {
        // Question 1: models a and b in both; question 2: model a in the first only (its second row
        // failed), so it is unpaired.
        let first = [(1u32, "a", 100.0), (1, "b", 50.0), (2, "a", 0.0)];
        let second = [(1u32, "a", 50.0), (1, "b", 50.0)];
        let paired = paired_differences(first, second);
        assert_eq!((paired.pairs, paired.unpaired), (2, 1));
        assert_eq!(paired.differences.cluster_count(), 1);
        assert!(close(paired.differences.mean().unwrap(), 25.0));
        assert_eq!(paired.differences.clustered_se(), Err(Undefined::OneCluster));
    }

    #[test]
    fn mde_and_clusters_needed() {
        // SE 1.1 over 50 questions: MDE = 3.08; to detect 2 points: 50 x (3.08 / 2)^2 = 118.58 -> 119.
        assert!(close(minimum_detectable_effect(1.1), 3.08));
        assert_eq!(clusters_needed(50, 1.1, 2.0), Some(119));
        // Already far more than enough: never fewer than 2.
        assert_eq!(clusters_needed(50, 0.0, 2.0), Some(2));
        assert_eq!(clusters_needed(50, 1.0, 0.0), None);
    }

    #[test]
    fn holm_matches_a_hand_computed_case() {
        // p = 0.01, 0.04, 0.03, 0.005 (m = 4). Sorted: 0.005 x4 = 0.02, 0.01 x3 = 0.03, 0.03 x2 = 0.06,
        // 0.04 x1 = 0.04 -> running max 0.06.
        let adjusted = holm_adjust(&[Some(0.01), Some(0.04), None, Some(0.03), Some(0.005)]);
        let expected = [Some(0.03), Some(0.06), None, Some(0.06), Some(0.02)];
        for (got, want) in adjusted.iter().zip(expected) {
            match (got, want) {
                (Some(got), Some(want)) => assert!(close(*got, want), "{adjusted:?}"),
                (None, None) => {}
                _ => panic!("{adjusted:?}"),
            }
        }
        assert_eq!(holm_adjust(&[Some(0.5), Some(0.9)]), vec![Some(1.0), Some(1.0)]);
    }

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&sorted, 0.0), 1.0);
        assert_eq!(percentile(&sorted, 0.5), 3.0);
        assert_eq!(percentile(&sorted, 0.975), 4.9);
        assert_eq!(percentile(&[2.0], 0.025), 2.0);
    }
}
