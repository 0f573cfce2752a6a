//! Agreement statistics against hand-computed cases and published worked examples.

use std::collections::BTreeMap;

use left_behind_shared::{
    AlphaLevel, Condition, Dimension, ModelRegistry, REVIEW_COLUMNS, Rater, RaterKind, ResponseKey, Scores,
    agreement_report, agreement_tables, assemble, graded_text_sha256, krippendorff_alpha, pair_agreement,
    quadratic_weighted_kappa, render_text,
};

use crate::fixtures::{GRADES_HEADER, QUESTIONS, file, results_json};

fn confusion(a: &[u8], b: &[u8], size: usize) -> Vec<Vec<u64>> {
    let mut matrix = vec![vec![0; size]; size];
    for (&x, &y) in a.iter().zip(b) {
        matrix[usize::from(x)][usize::from(y)] += 1;
    }
    matrix
}

fn close(actual: Option<f64>, expected: f64, tolerance: f64) {
    let actual = actual.expect("defined");
    assert!((actual - expected).abs() < tolerance, "{actual} is not {expected}");
}

#[test]
fn weighted_kappa_of_a_hand_computed_case() {
    // A = 0,1,2,2 and B = 0,2,2,1 on 0..2. Observed: Σ w·O = (1-2)² + (2-1)² = 2. Margins A (1,1,2),
    // B (1,1,2); Σ w·a_i·b_j / n = (1·1·1 + 4·1·2 + 1·1·1 + 1·1·2 + 4·2·1 + 1·2·1) / 4 = 22/4.
    // κ = 1 - 2 / 5.5 = 7/11.
    close(quadratic_weighted_kappa(&confusion(&[0, 1, 2, 2], &[0, 2, 2, 1], 3)), 7.0 / 11.0, 1e-12);
    // Perfect agreement is 1; systematic reversal on two categories is -1.
    close(quadratic_weighted_kappa(&confusion(&[0, 1, 2], &[0, 1, 2], 3)), 1.0, 1e-12);
    close(quadratic_weighted_kappa(&confusion(&[0, 2, 0, 2], &[2, 0, 2, 0], 3)), -1.0, 1e-12);
}

#[test]
fn weighted_kappa_is_undefined_without_variation_or_items() {
    assert_eq!(quadratic_weighted_kappa(&confusion(&[2, 2, 2], &[2, 2, 2], 3)), None);
    assert_eq!(quadratic_weighted_kappa(&confusion(&[], &[], 3)), None);
}

#[test]
fn weighted_kappa_matches_the_published_essay_scoring_examples() {
    // Maple's EssayTools documentation, QuadraticWeightedKappa, examples 1 and 2 (scores 1..10):
    // QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [8,8,6,6,7,6,1,4,8]) = 0.758620689655172 and
    // QuadraticWeightedKappa([9,7,8,7,6,8,3,5,10], [3,5,6,6,7,6,1,4,8]) = 0.438095238095238.
    let first = [9, 7, 8, 7, 6, 8, 3, 5, 10];
    close(quadratic_weighted_kappa(&confusion(&first, &[8, 8, 6, 6, 7, 6, 1, 4, 8], 11)), 0.758620689655172, 1e-12);
    close(quadratic_weighted_kappa(&confusion(&first, &[3, 5, 6, 6, 7, 6, 1, 4, 8], 11)), 0.438095238095238, 1e-12);
}

/// Krippendorff's own example: 4 observers (A-D), 12 units, values 1..5, with missing data.
/// K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), section C ("nominal data,
/// any number of observers, missing data"), and Hayes & Krippendorff (2007) who use the same data:
/// α nominal = .743, ordinal = .815, interval = .849.
fn krippendorff_example() -> Vec<Vec<u8>> {
    let observers: [[Option<u8>; 12]; 4] = [
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), None, None, None],
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), None, Some(3)],
        [None, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), None],
        [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), None],
    ];
    (0..12).map(|unit| observers.iter().filter_map(|observer| observer[unit]).collect()).collect()
}

#[test]
fn alpha_matches_krippendorffs_worked_example() {
    let units = krippendorff_example();
    close(krippendorff_alpha(&units, 6, AlphaLevel::Nominal), 0.743, 5e-4);
    close(krippendorff_alpha(&units, 6, AlphaLevel::Ordinal), 0.815, 5e-4);
    close(krippendorff_alpha(&units, 6, AlphaLevel::Interval), 0.849, 5e-4);
}

#[test]
fn alpha_of_a_hand_computed_case() {
    // Two raters, units (0,0), (1,1), (0,1). Coincidences: o00 = 2, o11 = 2, o01 = o10 = 1, so n0 = n1 = 3,
    // n = 6. Nominal: α = 1 - (n-1)·Σo·δ / Σ n_c·n_k·δ = 1 - 5·2 / (3·3·2) = 4/9. With two values the
    // ordinal δ² is the same for every differing pair, so ordinal alpha is 4/9 too.
    let units = vec![vec![0, 0], vec![1, 1], vec![0, 1]];
    close(krippendorff_alpha(&units, 3, AlphaLevel::Nominal), 4.0 / 9.0, 1e-12);
    close(krippendorff_alpha(&units, 3, AlphaLevel::Ordinal), 4.0 / 9.0, 1e-12);
    // Units with one value are not pairable; no variation at all is undefined, never NaN.
    assert_eq!(krippendorff_alpha(&[vec![1], vec![2]], 3, AlphaLevel::Ordinal), None);
    assert_eq!(krippendorff_alpha(&[vec![1, 1], vec![1, 1]], 3, AlphaLevel::Ordinal), None);
}

fn rater(name: &str, kind: RaterKind, ratings: &[(u32, [u8; 3])]) -> Rater {
    let ratings: BTreeMap<ResponseKey, Scores> = ratings
        .iter()
        .map(|&(question_id, [accuracy, fluency, completeness])| {
            (
                ResponseKey { condition: Condition::C2, model: "gpt_5.2".into(), question_id },
                Scores { accuracy, fluency, completeness },
            )
        })
        .collect();
    Rater { name: name.into(), kind, ratings }
}

#[test]
fn a_pair_counts_only_shared_items_with_exact_and_within_one_agreement() {
    let judge = rater("judge", RaterKind::Judge, &[(1, [2, 2, 2]), (2, [0, 1, 0]), (3, [2, 2, 1]), (4, [1, 1, 1])]);
    let reviewer =
        rater("alice", RaterKind::Reviewer, &[(1, [2, 2, 2]), (2, [2, 1, 0]), (3, [1, 2, 1]), (9, [0, 0, 0])]);
    let accuracy = pair_agreement(&judge, &reviewer, Dimension::Accuracy, &|_| true, true);
    assert_eq!(accuracy.n, 3);
    // Accuracy pairs (2,2), (0,2), (2,1): one exact, two within one.
    close(accuracy.exact_pct, 100.0 / 3.0, 1e-12);
    close(accuracy.within_one_pct, 200.0 / 3.0, 1e-12);
    assert_eq!(accuracy.confusion, vec![vec![0, 0, 1], vec![0, 0, 0], vec![0, 1, 1]]);
    // Margins: judge (1, 0, 2), alice (0, 1, 2). Σ w·O = 4 + 1 = 5; Σ w·E = (1·1·1 + 4·1·2 + 1·2·1) / 3 = 11/3.
    close(accuracy.weighted_kappa, 1.0 - 5.0 / (11.0 / 3.0), 1e-12);
    let total = pair_agreement(&judge, &reviewer, Dimension::Total, &|_| true, true);
    assert_eq!(total.confusion.len(), 7, "the total runs 0..6");
    assert_eq!(total.n, 3);
    let [low, high] = total.kappa_ci95.expect("three questions");
    assert!(low <= high && high <= 1.0, "{low}..{high}");
}

#[test]
fn the_bootstrap_interval_is_reproducible_and_covers_the_estimate() {
    // 20 questions of 3 items each, a noisy copy of the judge's scores.
    let judge_ratings: Vec<(u32, [u8; 3])> =
        (1..=60).map(|id| (id, [(id % 3) as u8, ((id / 3) % 3) as u8, ((id * 7) % 3) as u8])).collect();
    let reviewer_ratings: Vec<(u32, [u8; 3])> = judge_ratings
        .iter()
        .map(|&(id, [a, f, c])| (id, if id % 5 == 0 { [(a + 1) % 3, f, c] } else { [a, f, c] }))
        .collect();
    // Cluster by question: ids 1..=60 stand for items; remap so that three items share a question.
    let clustered = |ratings: &[(u32, [u8; 3])], name: &str, kind| {
        let mut rater = rater(name, kind, &[]);
        for &(id, [accuracy, fluency, completeness]) in ratings {
            rater.ratings.insert(
                ResponseKey {
                    condition: Condition::ALL[(id % 3) as usize],
                    model: "m".into(),
                    question_id: id.div_ceil(3),
                },
                Scores { accuracy, fluency, completeness },
            );
        }
        rater
    };
    let judge = clustered(&judge_ratings, "judge", RaterKind::Judge);
    let reviewer = clustered(&reviewer_ratings, "alice", RaterKind::Reviewer);
    let first = pair_agreement(&judge, &reviewer, Dimension::Accuracy, &|_| true, true);
    let second = pair_agreement(&judge, &reviewer, Dimension::Accuracy, &|_| true, true);
    assert_eq!(first.kappa_ci95, second.kappa_ci95);
    let kappa = first.weighted_kappa.unwrap();
    let [low, high] = first.kappa_ci95.unwrap();
    assert!(low < kappa && kappa < high, "{low} < {kappa} < {high}");
    assert!(high <= 1.0);
}

#[test]
fn the_report_leaves_stale_reviews_out_and_counts_them() {
    let hash = |text: &str| graded_text_sha256(text, Condition::C1);
    let reviews = format!(
        "{}\nC1,gpt_5.2,1,2,2,2,,,2026-03-01T10:00:00Z,{}\nC1,gpt_5.2,2,2,1,2,judge,too harsh,2026-03-01T10:01:00Z,{}\n\
         C1,gpt_5.2,3,2,2,2,,,2026-03-01T10:02:00Z,{}\n",
        REVIEW_COLUMNS.join(","),
        hash("answer 1"),
        hash("answer 2"),
        hash("an answer regenerated since"),
    );
    let files = vec![
        file("benchmark/questions.json", QUESTIONS),
        file("results/C1_english/gpt_5.2.json", &results_json(Condition::C1, "gpt_5.2", &[1, 2, 3, 4])),
        file(
            "grades/C1_english.csv",
            &format!(
                "{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,1.0,1,\n2,neutral_factual,gpt_5.2,1,1,1,3,1.0,1,\n\
                 3,neutral_reasoning,gpt_5.2,0,0,0,0,1.0,1,\n4,kazakh_cultural,gpt_5.2,2,2,2,6,1.0,1,\n"
            ),
        ),
        file("reviews/alice.csv", &reviews),
    ];
    let loaded = assemble(&files);
    assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
    let registry = ModelRegistry::study();
    let report = agreement_report(&loaded.dataset, &registry, "claude_sonnet_4.5", &loaded.dataset.reviews);
    assert_eq!(report.stale, 1);
    assert_eq!(report.reviews.len(), 1);
    assert_eq!((report.reviews[0].count, report.reviews[0].stale, report.reviews[0].flagged), (3, 1, 1));
    assert_eq!(report.pairs.len(), 4, "one pair x four dimensions");
    let total = &report.pairs[3];
    assert_eq!(
        (total.rater_a.as_str(), total.rater_b.as_str(), total.dimension),
        ("claude_sonnet_4.5", "alice", Dimension::Total)
    );
    assert_eq!(total.n, 2, "question 3's review is stale");
    close(total.exact_pct, 50.0, 1e-12);
    // Disagreements: question 2 only (judge 1/1/1, alice 2/1/2).
    assert_eq!(report.disagreements.len(), 1);
    assert_eq!((report.disagreements[0].question_id, report.disagreements[0].total_spread), (2, 2));
    // Table 1 on the two reviewed responses: judge (6 + 3) / 2 / 6 = 75%, alice (6 + 5) / 2 / 6.
    let all = report.reviewed_table.last().unwrap();
    assert_eq!((all.condition, all.n), (None, 2));
    close(all.judge.map(|p| p.total_pct), 75.0, 1e-12);
    close(all.reviewers.map(|p| p.total_pct), 11.0 / 12.0 * 100.0, 1e-12);
    close(all.reviewers.map(|p| p.accuracy_pct), 100.0, 1e-12);
    // The split: C1 and the one model.
    assert_eq!(report.split.len(), 2);
    // Alpha across the two raters on the total: units (6,6) and (3,5) are pairable.
    assert_eq!(report.alpha[3].units, 2);
    let json = serde_json::to_value(&report).unwrap();
    for field in [
        "rater_a",
        "rater_b",
        "dimension",
        "n",
        "exact_pct",
        "within_one_pct",
        "weighted_kappa",
        "kappa_ci95",
        "confusion",
    ] {
        assert!(json["pairs"][0].get(field).is_some(), "pairs[].{field}");
    }
    for field in ["dimension", "raters", "krippendorff_alpha"] {
        assert!(json["alpha"][0].get(field).is_some(), "alpha[].{field}");
    }
    assert_eq!(json["stale"], 1);
    assert_eq!(json["reviews"][0]["count"], 3);
    let text = render_text(&agreement_tables(&report, Some(10)), &[]);
    assert!(text.contains("claude_sonnet_4.5"), "{text}");
}
