//! The study's intervals and contrasts: the printed numbers are unchanged and the intervals are
//! beside them; the intervals of Table 1 and the contrasts over all models are pinned in a snapshot
//! (a change of method, PRNG or seed shows up here); the headline says in words what the noise allows;
//! the settings change the intervals and bad settings are refused.

use left_behind_e2e::{left_behind, study_dataset_or_skip, text};
use serde_json::{Value, json};

fn report(dataset: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["report", "--data", dataset.to_str().unwrap()];
    args.extend_from_slice(extra);
    left_behind(&args, &[])
}

fn report_json(dataset: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let output = report(dataset, &args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("the report is JSON")
}

/// Rounds for the snapshot: the intervals to 0.01 points, p to 4 places.
fn round(value: &Value, places: i32) -> Value {
    match value {
        Value::Number(number) => {
            let scale = 10f64.powi(places);
            json!((number.as_f64().unwrap() * scale).round() / scale)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| round(item, places)).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_study_s_intervals_and_contrasts_are_pinned() {
    let Some(dataset) = study_dataset_or_skip("the_study_s_intervals_and_contrasts_are_pinned") else { return };
    let report = report_json(&dataset, &[]);
    let conditions: Vec<Value> = report["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            json!({
                "condition": row["condition"],
                "total_pct": round(&row["total_pct"], 2),
                "total_se_pp": round(&row["total_se_pp"], 2),
                "total_ci95_pp": round(&row["total_ci95_pp"], 2),
            })
        })
        .collect();
    let contrasts: Vec<Value> = report["contrasts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|contrast| {
            let category =
                ["english_first", "bilingual", "multilingual"].contains(&contrast["scope"].as_str().unwrap());
            let transfer = contrast["name"] == "C3-C2" || contrast["name"] == "C5-C4";
            contrast["scope"] == "all" || (transfer && category)
        })
        .map(|contrast| {
            json!({
                "name": contrast["name"],
                "scope": contrast["scope"],
                "n_pairs": contrast["n_pairs"],
                "mean_diff_pp": round(&contrast["mean_diff_pp"], 2),
                "se_pp": round(&contrast["se_pp"], 2),
                "ci95_pp": round(&contrast["ci95_pp"], 2),
                "p_value": round(&contrast["p_value"], 4),
                "p_holm": round(&contrast["p_holm"], 4),
                "mde80_pp": round(&contrast["mde80_pp"], 2),
                "questions_needed": contrast["questions_needed"],
            })
        })
        .collect();
    let pinned = json!({ "uncertainty": report["uncertainty"], "conditions": conditions, "contrasts": contrasts });
    let expected_path = left_behind_e2e::workspace_root().join("tests/it/snapshots/study_uncertainty.json");
    let actual = serde_json::to_string_pretty(&pinned).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).expect("the snapshot (UPDATE_SNAPSHOTS=1 writes it)");
    assert_eq!(actual, expected, "the study's intervals changed (UPDATE_SNAPSHOTS=1 rewrites the snapshot)");

    // Sanity beyond the snapshot: 50 questions, 8 models, the gap is far outside the noise and the
    // transfer effect is not.
    let all = |name: &str| {
        report["contrasts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name && c["scope"] == "all")
            .unwrap()
            .clone()
    };
    assert_eq!(all("C2-C1")["n_pairs"], 400);
    assert_eq!(all("C2-C1")["questions"], 50);
    assert!(all("C2-C1")["ci95_pp"][1].as_f64().unwrap() < 0.0);
    assert!(all("C3-C2")["ci95_pp"][0].as_f64().unwrap() < 0.0 && all("C3-C2")["ci95_pp"][1].as_f64().unwrap() > 0.0);
    // Every interval contains its estimate.
    for row in report["conditions"].as_array().unwrap() {
        let (low, high) = (row["total_ci95_pp"][0].as_f64().unwrap(), row["total_ci95_pp"][1].as_f64().unwrap());
        assert!(low < row["total_pct"].as_f64().unwrap() && row["total_pct"].as_f64().unwrap() < high);
    }
    // 4 contrasts x (all + 3 categories + 8 models).
    assert_eq!(report["uncertainty"]["contrasts_tested"], 48);
}

#[test]
fn the_text_report_keeps_the_paper_s_numbers_with_intervals_beside_them() {
    let Some(dataset) = study_dataset_or_skip("the_text_report_keeps_the_paper_s_numbers_with_intervals_beside_them")
    else {
        return;
    };
    let output = report(&dataset, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let out = text(&output.stdout);
    let json = report_json(&dataset, &[]);
    let c2 = &json["conditions"][1];
    let interval = format!(
        "76.9 [{:.1}, {:.1}]",
        c2["total_ci95_pp"][0].as_f64().unwrap(),
        c2["total_ci95_pp"][1].as_f64().unwrap()
    );
    assert!(out.contains(&interval), "{interval} in\n{out}");
    assert!(out.contains("Is the difference larger than the noise?"), "{out}");
    assert!(out.contains("Kazakh (C2) is 13.8 points lower and Mongolian (C4) 16.7 points lower"), "{out}");
    assert!(out.contains("C3 - C2 (transfer effect): +0.4 points, 95% CI "), "{out}");
    assert!(out.contains(": no detectable effect with 50 questions"), "{out}");
    assert!(out.contains("C2 - C1 (gap to English): -13.8 points, 95% CI "), "{out}");
    assert!(out.contains(": larger than the noise of 50 questions."), "{out}");
    assert!(out.contains("Holm-adjusted over the 48 contrasts tested"), "{out}");
    assert!(!out.to_lowercase().contains("nan"));

    // --no-intervals: today's report, byte for byte what the tables were before intervals existed.
    let plain = report(&dataset, &["--no-intervals"]);
    let plain = text(&plain.stdout);
    assert!(
        plain.contains("C4         400   74.0      62.7     87.5          71.8      25.0             143"),
        "{plain}"
    );
    assert!(!plain.contains('[') && !plain.contains("noise"), "{plain}");
    let plain_json = report_json(&dataset, &["--no-intervals"]);
    assert_eq!(plain_json["uncertainty"], Value::Null);
    assert_eq!(plain_json["conditions"][0]["total_pct"], json["conditions"][0]["total_pct"]);
}

#[test]
fn seed_and_resamples_change_the_intervals_and_bad_values_are_refused() {
    let Some(dataset) = study_dataset_or_skip("seed_and_resamples_change_the_intervals_and_bad_values_are_refused")
    else {
        return;
    };
    let default = report_json(&dataset, &[]);
    let seeded = report_json(&dataset, &["--seed", "1", "--resamples", "2000", "--effect", "5"]);
    assert_eq!(seeded["uncertainty"]["seed"], 1);
    assert_eq!(seeded["uncertainty"]["resamples"], 2000);
    assert_eq!(seeded["uncertainty"]["detectable_effect_pp"], 5.0);
    assert_ne!(seeded["conditions"][0]["total_ci95_pp"], default["conditions"][0]["total_ci95_pp"]);
    assert_eq!(seeded["conditions"][0]["total_se_pp"], default["conditions"][0]["total_se_pp"], "the SE is not random");

    for (args, message) in [
        (&["--resamples", "0"][..], "0 resamples give no interval"),
        (&["--resamples", "many"][..], "\"many\" is not a whole number of resamples"),
        (&["--seed", "abc"][..], "\"abc\" is not a seed"),
        (&["--seed=-1"][..], "is not a seed"),
        (&["--seed", "1.5"][..], "is not a seed"),
        (&["--effect", "0"][..], "is not an effect"),
    ] {
        let output = report(&dataset, args);
        assert!(!output.status.success(), "{args:?} is refused");
        let stderr = text(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
}
