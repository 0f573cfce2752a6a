//! The report's aggregates on a dataset small enough to compute by hand, including a failed grading,
//! a model outside the registry, and conditions without data.

use left_behind_shared::{
    Condition, GradeRow, ModelCategory, ModelRegistry, StudyReport, compute_report, figure1_svg, headline_lines,
    parse_grades, render_csv, render_latex, render_markdown, render_text, report_tables, summarize_rows,
};

use crate::fixtures::GRADES_HEADER;

fn rows() -> Vec<GradeRow> {
    let c1 = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,2,2,2,6,10.0,100,\n\
         2,neutral_factual,gpt_5.2,1,2,1,4,20.0,50,\n\
         1,neutral_factual,qwen3,2,2,1,5,4.0,30,\n\
         2,neutral_factual,qwen3,-1,-1,-1,-1,100.0,999,judge failed\n\
         3,neutral_reasoning,my_model,0,1,0,1,6.0,10,\n"
    );
    let c2 = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,2,1,2,5,30.0,80,\n\
         1,neutral_factual,qwen3,1,1,1,3,10.0,20,\n"
    );
    let c3 = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,2,2,2,6,40.0,60,\n\
         1,neutral_factual,qwen3,0,0,0,0,50.0,0,refusal\n"
    );
    let mut rows = Vec::new();
    for (condition, text) in [(Condition::C1, c1), (Condition::C2, c2), (Condition::C3, c3)] {
        let parsed = parse_grades(&text, condition, "g.csv").unwrap();
        assert!(parsed.problems.is_empty());
        rows.extend(parsed.rows);
    }
    rows
}

fn report() -> StudyReport {
    compute_report(&rows(), &ModelRegistry::study())
}

fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.expect("a value");
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[test]
fn table1_means_exclude_failed_gradings() {
    let report = report();
    assert_eq!(report.conditions.len(), 3, "conditions without grades are absent");
    let c1 = report.condition(Condition::C1).unwrap();
    assert_eq!((c1.n, c1.failed), (4, 1));
    // Graded totals 6 + 4 + 5 + 1 = 16 over 4 rows, of a maximum of 6.
    close(c1.total_pct, 16.0 / 4.0 / 6.0 * 100.0);
    close(c1.accuracy_pct, 5.0 / 4.0 / 2.0 * 100.0); // 2 + 1 + 2 + 0
    close(c1.fluency_pct, 87.5); // 2 + 2 + 2 + 1 = 7 of 8
    close(c1.completeness_pct, 50.0); // 2 + 1 + 1 + 0 = 4 of 8
    close(c1.mean_time_s, 10.0); // (10 + 20 + 4 + 6) / 4: the failed row's 100 s is left out
    close(c1.mean_length_words, 47.5); // (100 + 50 + 30 + 10) / 4
    let c3 = report.condition(Condition::C3).unwrap();
    close(c3.total_pct, 50.0); // 6 + 0 of 12: a refusal's zeros count, a failure's -1 would not
    assert_eq!(report.grading_failures, 1);
}

#[test]
fn table2_groups_by_model_category_with_clt_deltas() {
    let report = report();
    let english_first = |condition| report.category(ModelCategory::EnglishFirst, condition).unwrap();
    close(english_first(Condition::C1).score_pct, 10.0 / 2.0 / 6.0 * 100.0);
    assert_eq!(english_first(Condition::C1).clt_delta_pp, None);
    // C2 5/6, C3 6/6: the delta is on both rows of the pair, from unrounded values.
    close(english_first(Condition::C2).clt_delta_pp, 100.0 - 5.0 / 6.0 * 100.0);
    close(english_first(Condition::C3).clt_delta_pp, 100.0 - 5.0 / 6.0 * 100.0);
    let bilingual = |condition| report.category(ModelCategory::Bilingual, condition).unwrap();
    assert_eq!((bilingual(Condition::C1).n, bilingual(Condition::C1).failed), (1, 1));
    close(bilingual(Condition::C1).score_pct, 5.0 / 6.0 * 100.0);
    close(bilingual(Condition::C3).clt_delta_pp, -50.0); // 0 - 3/6
    close(bilingual(Condition::C2).mean_time_s, 10.0);
    let unassigned = report.category(ModelCategory::Unassigned, Condition::C1).unwrap();
    close(unassigned.score_pct, 1.0 / 6.0 * 100.0);
    assert!(report.category(ModelCategory::Unassigned, Condition::C2).is_none());
    assert!(report.category(ModelCategory::Multilingual, Condition::C1).is_none());
}

#[test]
fn models_and_question_categories() {
    let report = report();
    let names: Vec<&str> = report.models.iter().map(|m| m.model.as_str()).collect();
    assert_eq!(
        names,
        ["gpt_5.2", "gpt_5.2", "gpt_5.2", "qwen3", "qwen3", "qwen3", "my_model"],
        "registry order, then unknown"
    );
    let mine = report.model("my_model", Condition::C1).unwrap();
    assert_eq!(mine.category, ModelCategory::Unassigned);
    close(mine.fluency_pct, 50.0);
    let qwen = report.model("qwen3", Condition::C1).unwrap();
    assert_eq!((qwen.n, qwen.failed), (1, 1));
    let factual =
        report.question_category(left_behind_shared::QuestionCategory::NeutralFactual, Condition::C1).unwrap();
    close(factual.score_pct, 15.0 / 3.0 / 6.0 * 100.0); // 6 + 4 + 5
    assert_eq!(factual.failed, 1);
}

#[test]
fn headline_numbers_come_from_the_data() {
    let headline = report().headline;
    close(headline.english_score_pct, 16.0 / 24.0 * 100.0);
    close(headline.kazakh_gap_pp, 16.0 / 24.0 * 100.0 - 8.0 / 12.0 * 100.0);
    close(headline.kazakh_clt_delta_pp, 50.0 - 8.0 / 12.0 * 100.0);
    assert_eq!(headline.mongolian_gap_pp, None, "no C4 grades");
}

#[test]
fn an_empty_cell_has_no_mean() {
    let mut rows = rows();
    rows.retain(|row| row.model == "qwen3" && row.condition == Condition::C1 && row.is_failed());
    let report = compute_report(&rows, &ModelRegistry::study());
    let c1 = report.condition(Condition::C1).unwrap();
    assert_eq!((c1.n, c1.failed, c1.total_pct, c1.mean_time_s), (0, 1, None, None));
    let summary = summarize_rows(&[]);
    assert_eq!((summary.n, summary.total_pct), (0, None));
}

#[test]
fn tables_render_as_text() {
    let report = report();
    let registry = ModelRegistry::study();
    insta::assert_snapshot!(render_text(&report_tables(&report, &registry), &headline_lines(&report)));
}

#[test]
fn tables_render_as_markdown() {
    let report = report();
    insta::assert_snapshot!(render_markdown(
        &report_tables(&report, &ModelRegistry::study()),
        &headline_lines(&report)
    ));
}

#[test]
fn tables_render_as_csv() {
    let report = report();
    let tables = report_tables(&report, &ModelRegistry::study());
    let csv: Vec<String> = tables.iter().map(|table| format!("{}:\n{}", table.id, render_csv(table))).collect();
    insta::assert_snapshot!(csv.join("\n"));
}

#[test]
fn tables_render_as_latex() {
    insta::assert_snapshot!(render_latex(&report_tables(&report(), &ModelRegistry::study())));
}

#[test]
fn the_report_serializes_with_the_documented_keys() {
    let value = serde_json::to_value(report()).unwrap();
    for key in ["conditions", "model_categories", "models"] {
        assert!(value[key].is_array(), "{key}");
    }
    let condition = &value["conditions"][0];
    for key in [
        "condition",
        "n",
        "total_pct",
        "accuracy_pct",
        "fluency_pct",
        "completeness_pct",
        "mean_time_s",
        "mean_length_words",
    ] {
        assert!(condition.get(key).is_some(), "conditions[].{key}");
    }
    let category = &value["model_categories"][0];
    for key in ["category", "condition", "n", "score_pct", "clt_delta_pp", "mean_time_s", "mean_length_words"] {
        assert!(category.get(key).is_some(), "model_categories[].{key}");
    }
    assert_eq!(category["category"], "english_first");
    assert_eq!(category["clt_delta_pp"], serde_json::Value::Null);
    let model = &value["models"][0];
    for key in ["model", "condition", "n", "score_pct", "accuracy_pct", "fluency_pct", "completeness_pct"] {
        assert!(model.get(key).is_some(), "models[].{key}");
    }
}

#[test]
fn figure1_is_an_svg_with_a_labelled_point_per_cell() {
    let svg = figure1_svg(&report(), 800, 500).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
    assert!(svg.trim_end().ends_with("</svg>"));
    // English-first C1..C3, bilingual C1..C3, unassigned C1: seven points, seven labels.
    assert_eq!(svg.matches("<circle").count(), 7 + 3, "points plus one legend marker per category");
    for label in ["C1", "C2", "C3", "English-first", "Bilingual", "Unassigned"] {
        assert!(svg.contains(&format!(">{label}<")) || svg.contains(&format!(">\n{label}\n<")), "label {label}");
    }
}

#[test]
fn the_mean_time_leaves_unknown_times_out() {
    // Times 2.0, unknown (a batch answer), 4.0: the mean is (2 + 4) / 2 = 3.0, not (2 + 0 + 4) / 3 = 2.0.
    let text = format!(
        "{GRADES_HEADER}\
         1,neutral_factual,gpt_5.2,2,2,2,6,2.0,10,\n\
         2,neutral_factual,gpt_5.2,2,2,2,6,,20,\n\
         3,neutral_factual,gpt_5.2,2,2,2,6,4.0,30,\n\
         1,neutral_factual,qwen3,2,2,2,6,,10,\n"
    );
    let rows = parse_grades(&text, Condition::C2, "g.csv").unwrap().rows;
    let report = compute_report(&rows, &ModelRegistry::study());
    let c2 = report.condition(Condition::C2).unwrap();
    assert_eq!((c2.n, c2.untimed), (4, 2));
    close(c2.mean_time_s, 3.0);
    close(c2.mean_length_words, 17.5); // the untimed rows still count for everything else
    let gpt = report.model("gpt_5.2", Condition::C2).unwrap();
    assert_eq!(gpt.untimed, 1);
    close(gpt.mean_time_s, 3.0);
    // No known time: the mean is undefined, never 0.
    let qwen = report.model("qwen3", Condition::C2).unwrap();
    assert_eq!((qwen.n, qwen.untimed, qwen.mean_time_s), (1, 1, None));
    close(qwen.score_pct, 100.0);
    assert_eq!(report.untimed_answers, 2);
    let summary = summarize_rows(rows.iter().filter(|row| row.model == "qwen3"));
    assert_eq!((summary.n, summary.untimed, summary.mean_time_s), (1, 1, None));

    // Shown as "–" in text, `null` in JSON, and the headline says what was left out.
    let bilingual = report.category(ModelCategory::Bilingual, Condition::C2).unwrap();
    assert_eq!(bilingual.mean_time_s, None);
    let text = render_text(&report_tables(&report, &ModelRegistry::study()), &headline_lines(&report));
    let bilingual_row = text.lines().find(|line| line.starts_with("Bilingual")).unwrap();
    assert!(bilingual_row.contains(" – "), "{bilingual_row}");
    assert!(
        text.contains("2 graded answers have no time (answered in a batch) and are left out of the mean times (C2 2)."),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["models"][1]["mean_time_s"], serde_json::Value::Null);
    assert_eq!(json["models"][1]["untimed"], 1);
    assert_eq!(json["conditions"][0]["mean_time_s"], 3.0);
}

#[test]
fn the_study_reports_no_untimed_answers() {
    let report = report();
    assert_eq!(report.untimed_answers, 0);
    assert!(!headline_lines(&report).iter().any(|line| line.contains("no time")));
}
