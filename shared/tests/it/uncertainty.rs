//! The report's intervals and contrasts on datasets small enough to check by hand: a failed grading,
//! an unpaired row, a cell of one question (undefined, never NaN), the renderings with and without
//! intervals.

use left_behind_shared::{
    Cell, CellInterval, Condition, ContrastName, ContrastScope, GradeRow, ModelRegistry, StudyReport,
    UncertaintySettings, add_uncertainty, compute_report, figure1_svg, headline_lines, parse_grades, render_csv,
    render_latex, render_markdown, render_text, report_tables,
};

use crate::fixtures::GRADES_HEADER;

fn parse(files: &[(Condition, String)]) -> Vec<GradeRow> {
    let mut rows = Vec::new();
    for (condition, text) in files {
        let parsed = parse_grades(text, *condition, "g.csv").unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        rows.extend(parsed.rows);
    }
    rows
}

/// Two models, three questions, C1 and C2. C1: gpt totals 6, 3, 0; qwen 6, 6, failed on question 3.
/// C2: gpt 3, 3, 0; qwen 0, 6, 3.
fn rows() -> Vec<GradeRow> {
    let c1 = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,2,2,2,6,1.0,10,\n\
         1,neutral_factual,qwen3,2,2,2,6,1.0,10,\n\
         2,neutral_factual,gpt_5.2,1,1,1,3,1.0,10,\n\
         2,neutral_factual,qwen3,2,2,2,6,1.0,10,\n\
         3,neutral_factual,gpt_5.2,0,0,0,0,1.0,10,\n\
         3,neutral_factual,qwen3,-1,-1,-1,-1,1.0,10,judge failed\n"
    );
    let c2 = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,1,1,1,3,1.0,10,\n\
         1,neutral_factual,qwen3,0,0,0,0,1.0,10,\n\
         2,neutral_factual,gpt_5.2,1,1,1,3,1.0,10,\n\
         2,neutral_factual,qwen3,2,2,2,6,1.0,10,\n\
         3,neutral_factual,gpt_5.2,0,0,0,0,1.0,10,\n\
         3,neutral_factual,qwen3,1,1,1,3,1.0,10,\n"
    );
    parse(&[(Condition::C1, c1), (Condition::C2, c2)])
}

fn report_with_intervals(rows: &[GradeRow], settings: UncertaintySettings) -> StudyReport {
    let registry = ModelRegistry::study();
    let mut report = compute_report(rows, &registry);
    add_uncertainty(&mut report, rows, &registry, &settings);
    report
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn the_clustered_se_of_a_condition_leaves_the_failed_grading_out() {
    let report = report_with_intervals(&rows(), UncertaintySettings::default());
    let c1 = report.condition(Condition::C1).unwrap();
    // Scores (points): q1 100, 100; q2 50, 100; q3 0 (the failed row is out). n = 5, mean = 70.
    // Cluster deviations: q1 30 + 30 = 60, q2 -20 + 30 = 10, q3 -70. Sum of squares 3600 + 100 + 4900
    // = 8600. SE = sqrt(3/2) x sqrt(8600) / 5.
    close(c1.total_pct, 70.0);
    close(c1.total_se_pp, (1.5f64).sqrt() * 8600f64.sqrt() / 5.0);
    let ci = c1.total_ci95_pp.expect("an interval");
    assert!(ci.low <= 70.0 && 70.0 <= ci.high, "{ci:?}");
    assert!(ci.low >= 0.0 && ci.high <= 100.0, "{ci:?}");
    assert_eq!(c1.total_interval_undefined, None);
}

#[test]
fn a_contrast_leaves_the_unpaired_row_out() {
    let report = report_with_intervals(&rows(), UncertaintySettings::default());
    let contrast = report.contrast(ContrastName { first: Condition::C2, second: Condition::C1 }, &ContrastScope::All);
    let contrast = contrast.expect("C2-C1 over all models");
    // Pairs (C2 - C1): q1 gpt 50 - 100 = -50, qwen 0 - 100 = -100; q2 gpt 0, qwen 0; q3 gpt 0. qwen's
    // q3 is unpaired (its C1 grading failed). Mean = -150 / 5 = -30.
    assert_eq!((contrast.n_pairs, contrast.unpaired, contrast.questions), (5, 1, 3));
    close(contrast.mean_diff_pp, -30.0);
    // Cluster deviations: q1 -150 - 2(-30) = -90, q2 0 - 2(-30) = 60, q3 0 + 30 = 30.
    // SE = sqrt(3/2) x sqrt(8100 + 3600 + 900) / 5.
    let se = (1.5f64).sqrt() * 12600f64.sqrt() / 5.0;
    close(contrast.se_pp, se);
    close(contrast.mde80_pp, 2.80 * se);
    // Exact sign-flip p: cluster sums -150, 0, 0; |sum| >= 150 for all 8 patterns: p is 1, and the
    // Monte Carlo estimate (hits + 1) / (draws + 1) is exactly 1 too.
    close(contrast.p_value, 1.0);
    assert_eq!(contrast.questions_needed, Some((3.0 * (2.80 * se / 2.0f64).powi(2)).ceil() as u64));
    assert!(contrast.p_holm.unwrap() >= contrast.p_value.unwrap());
    // Scopes: all, each category present, each model; C4-C1, C3-C2, C5-C4 have no data.
    let scopes: Vec<String> = report.contrasts.iter().map(|contrast| contrast.scope.id()).collect();
    assert_eq!(scopes, ["all", "english_first", "bilingual", "gpt_5.2", "qwen3"], "{scopes:?}");
    let method = report.uncertainty.as_ref().unwrap();
    assert_eq!(method.contrasts_tested, 5);
}

#[test]
fn a_cell_of_one_question_says_its_interval_is_undefined() {
    // One model, one question in each condition.
    let c1 = format!("{GRADES_HEADER}1,neutral_factual,gpt_5.2,2,2,2,6,1.0,10,\n");
    let c2 = format!("{GRADES_HEADER}1,neutral_factual,gpt_5.2,1,1,1,3,1.0,10,\n");
    let rows = parse(&[(Condition::C1, c1), (Condition::C2, c2)]);
    let report = report_with_intervals(&rows, UncertaintySettings::default());
    let c1 = report.condition(Condition::C1).unwrap();
    close(c1.total_pct, 100.0);
    assert_eq!((c1.total_se_pp, c1.total_ci95_pp), (None, None));
    assert_eq!(c1.total_interval_undefined.as_deref(), Some("undefined (1 question)"));
    let contrast = &report.contrasts[0];
    close(contrast.mean_diff_pp, -50.0);
    assert_eq!((contrast.se_pp, contrast.ci95_pp, contrast.p_value, contrast.p_holm), (None, None, None, None));
    assert_eq!(contrast.undefined.as_deref(), Some("undefined (1 question)"));
    assert_eq!(report.uncertainty.as_ref().unwrap().contrasts_tested, 0);

    // Nowhere a NaN: the JSON has nulls and the reason; the text says "undefined".
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.to_lowercase().contains("nan"), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["conditions"][0]["total_se_pp"], serde_json::Value::Null);
    assert_eq!(value["conditions"][0]["total_interval_undefined"], "undefined (1 question)");
    let registry = ModelRegistry::study();
    let tables = report_tables(&report, &registry);
    let headline = headline_lines(&report);
    for text in [render_text(&tables, &headline), render_markdown(&tables, &headline), render_latex(&tables)] {
        assert!(!text.to_lowercase().contains("nan"), "{text}");
        assert!(text.contains("[undefined (1 question)]"), "{text}");
    }
    assert!(render_text(&tables, &headline).contains("100.0 [undefined (1 question)]"));
    let text = render_text(&tables, &headline);
    assert!(
        text.contains("C2 - C1 (gap to English): -50.0 points; interval and p-value undefined (1 question)."),
        "{text}"
    );
}

#[test]
fn the_json_has_the_issue_s_names() {
    let report = report_with_intervals(&rows(), UncertaintySettings { resamples: 500, seed: 7, ..Default::default() });
    let value = serde_json::to_value(&report).unwrap();
    for key in ["total_se_pp", "total_ci95_pp", "total_pct"] {
        assert!(value["conditions"][0].get(key).is_some(), "conditions[].{key}");
    }
    assert!(value["conditions"][0]["total_ci95_pp"].as_array().is_some_and(|bounds| bounds.len() == 2));
    for key in ["score_se_pp", "score_ci95_pp"] {
        assert!(value["model_categories"][0].get(key).is_some(), "model_categories[].{key}");
        assert!(value["models"][0].get(key).is_some(), "models[].{key}");
    }
    let contrast = &value["contrasts"][0];
    for key in
        ["name", "scope", "n_pairs", "mean_diff_pp", "se_pp", "ci95_pp", "p_value", "mde80_pp", "questions_needed"]
    {
        assert!(contrast.get(key).is_some(), "contrasts[].{key}");
    }
    assert_eq!(contrast["name"], "C2-C1");
    assert_eq!(contrast["scope"], "all");
    let method = &value["uncertainty"];
    assert_eq!((method["resamples"].as_u64(), method["seed"].as_u64()), (Some(500), Some(7)));
    assert_eq!(method["clusters"], "question_id");
    assert!(method["method"].as_str().unwrap().contains("bootstrap"));
}

#[test]
fn the_seed_and_the_resamples_decide_the_intervals() {
    let rows = rows();
    let interval = |settings| report_with_intervals(&rows, settings).conditions[0].total_ci95_pp.unwrap();
    let default = interval(UncertaintySettings::default());
    assert_eq!(default, interval(UncertaintySettings::default()), "deterministic");
    let other_seed = interval(UncertaintySettings { seed: 1, resamples: 37, ..Default::default() });
    let other_resamples = interval(UncertaintySettings { resamples: 37, ..Default::default() });
    assert_ne!(other_seed, other_resamples);
}

#[test]
fn tables_show_intervals_beside_the_numbers_and_can_drop_them() {
    let registry = ModelRegistry::study();
    let rows = rows();
    let plain = compute_report(&rows, &registry);
    let report = report_with_intervals(&rows, UncertaintySettings::default());
    // The point estimates are the report's own, unchanged by the intervals.
    assert_eq!(plain.conditions[0].total_pct, report.conditions[0].total_pct);
    let tables = report_tables(&report, &registry);
    let ids: Vec<&str> = tables.iter().map(|table| table.id).collect();
    assert_eq!(
        ids,
        ["conditions", "model_categories", "models", "question_categories", "contrasts", "contrasts_by_model"]
    );
    let total = &tables[0].groups[0][0][2];
    let Cell::Estimate { interval: CellInterval::Bounds(ci), .. } = total else { panic!("{total:?}") };
    let shown = total.display("–");
    assert!(shown.starts_with("70.0 ["), "{shown}");
    assert_eq!(shown, format!("70.0 [{:.1}, {:.1}]", ci.low, ci.high));
    // Without intervals: today's tables exactly.
    let plain_tables = report_tables(&plain, &registry);
    for (with, without) in tables.iter().zip(&plain_tables) {
        assert_eq!(&with.without_intervals(), without);
    }
    let text = render_text(&tables, &headline_lines(&report));
    assert!(text.contains("Is the difference larger than the noise?"), "{text}");
    assert!(text.contains("C2 - C1 (gap to English): -30.0 points, 95% CI"), "{text}");
    assert!(text.contains("Holm-adjusted over the 5 contrasts tested"), "{text}");
    // CSV: the interval in columns of its own.
    let csv = render_csv(&tables[0]);
    assert!(csv.starts_with("Condition,n,Total,Total CI low,Total CI high,Accuracy"), "{csv}");
    assert!(render_latex(&tables).contains("70.0 {\\scriptsize ["), "LaTeX sets the interval small");
    // Figure 1 draws error bars when there are intervals.
    let with_bars = figure1_svg(&report, 860, 560).unwrap();
    let without_bars = figure1_svg(&plain, 860, 560).unwrap();
    assert!(with_bars.contains("95% intervals") && !without_bars.contains("95% intervals"));
    assert!(
        with_bars.matches("<line").count() + with_bars.matches("<polyline").count()
            > without_bars.matches("<line").count() + without_bars.matches("<polyline").count()
    );
}
