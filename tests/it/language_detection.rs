//! The language detector measured against the study's judge, on the study's published dataset:
//! responses whose judge notes say they are in Kyrgyz (Fluency 0) must be detected as Kyrgyz (goal
//! 90%), and natural target-language answers (Fluency 2 in C2/C4) as their target (goal 98%).
//! The table this prints is the one in docs/language-detector.md.

use left_behind_e2e::{left_behind, load_dataset, study_dataset_or_skip, text};
use left_behind_shared::{
    Condition, JudgeVerdictGroup, ModelRegistry, compute_metrics, detector_agreement, detector_agreement_table,
    render_text,
};

#[test]
fn detector_agrees_with_the_judge_on_the_study_dataset() {
    let Some(dir) = study_dataset_or_skip("detector_agrees_with_the_judge_on_the_study_dataset") else { return };
    let dataset = load_dataset(&dir);
    let registry = ModelRegistry::study();
    let metrics = compute_metrics(&dataset.results, &registry);
    let agreement = detector_agreement(&metrics, &dataset.grades);
    println!("{}", render_text(&[detector_agreement_table(&agreement)], &[]));

    let (kyrgyz_hits, kyrgyz_total) = agreement.hits(JudgeVerdictGroup::KyrgyzFluencyZero);
    assert!(kyrgyz_total >= 50, "expected the study's Kyrgyz answers, found {kyrgyz_total}");
    assert!(
        kyrgyz_hits * 100 >= kyrgyz_total * 90,
        "Kyrgyz detected in {kyrgyz_hits} of {kyrgyz_total} responses the judge calls Kyrgyz (goal: 90%)"
    );
    let (fluent_hits, fluent_total) = agreement.fluent_direct_hits();
    assert!(fluent_total >= 600, "expected the study's fluent C2/C4 answers, found {fluent_total}");
    assert!(
        fluent_hits * 100 >= fluent_total * 98,
        "target language detected in {fluent_hits} of {fluent_total} fluent C2/C4 responses (goal: 98%)"
    );
    for condition in [Condition::C2, Condition::C4] {
        let (hits, total) = agreement.hits(JudgeVerdictGroup::FluentDirect(condition));
        assert!(hits * 100 >= total * 98, "{condition}: {hits} of {total} detected as the target");
    }
}

/// The command docs/language-detector.md gives for the table prints the same table.
#[test]
fn metrics_audit_prints_the_agreement_table() {
    let Some(dir) = study_dataset_or_skip("metrics_audit_prints_the_agreement_table") else { return };
    let dataset = load_dataset(&dir);
    let agreement = detector_agreement(&compute_metrics(&dataset.results, &ModelRegistry::study()), &dataset.grades);
    let expected = render_text(&[detector_agreement_table(&agreement)], &[]);
    let output = left_behind(&["metrics", "--audit", "--data", dir.to_str().unwrap()], &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let printed = text(&output.stdout);
    assert!(printed.starts_with(expected.trim_end()), "printed:\n{printed}\nexpected first:\n{expected}");
}
