//! Scores of one response and summary figures of a selection.

use left_behind_shared::uncertainty::MeanEstimate;
use left_behind_shared::{CLUSTER_NOUN, GradeRow, RowsSummary, format_number};
use leptos::prelude::*;

/// `5/6`, `failed`, or `–` (not graded).
pub fn total_label(grade: Option<&GradeRow>) -> String {
    match grade {
        None => "–".to_owned(),
        Some(row) => match row.scores() {
            Some(scores) => format!("{}/6", scores.total()),
            None => "failed".to_owned(),
        },
    }
}

/// The three rubric scores and the total of one graded response, as a definition list.
#[component]
pub fn Scores(grade: Option<GradeRow>) -> impl IntoView {
    match grade {
        None => view! { <p class="ungraded">"This response has no grade."</p> }.into_any(),
        Some(row) => match row.scores() {
            None => view! {
                <p class="grading-failed">
                    "The grading failed (the file records −1): it is counted as a failure and left out of every mean."
                </p>
            }
            .into_any(),
            Some(scores) => view! {
                <dl class="scores">
                    <div><dt>"Accuracy"</dt><dd>{scores.accuracy}"/2"</dd></div>
                    <div><dt>"Fluency"</dt><dd>{scores.fluency}"/2"</dd></div>
                    <div><dt>"Completeness"</dt><dd>{scores.completeness}"/2"</dd></div>
                    <div class="total"><dt>"Total"</dt><dd>{scores.total()}"/6"</dd></div>
                </dl>
            }
            .into_any(),
        },
    }
}

/// A selection's count and means, from `shared::summarize_entries`, and the 95% interval of its
/// mean total (`shared::entries_interval`).
#[component]
pub fn ScoreSummary(summary: RowsSummary, matching: usize, interval: MeanEstimate) -> impl IntoView {
    let number =
        |value: Option<f64>, decimals: usize| value.map_or("–".to_owned(), |v| format_number(v, decimals, false));
    let interval_text = match (interval.ci95, summary.total_pct) {
        (_, None) => String::new(),
        (Ok(ci), Some(_)) => format!(" [{}, {}]", format_number(ci.low, 1, false), format_number(ci.high, 1, false)),
        (Err(reason), Some(_)) => format!(" [{}]", reason.describe(CLUSTER_NOUN)),
    };
    view! {
        <dl class="summary" aria-live="polite" data-testid="summary">
            <div><dt>"Responses"</dt><dd data-testid="match-count">{matching}</dd></div>
            <div><dt>"Graded"</dt><dd>{summary.n}</dd></div>
            <div><dt>"Grading failed"</dt><dd>{summary.failed}</dd></div>
            <div>
                <dt>"Total"</dt>
                <dd>
                    {number(summary.total_pct, 1)}"%"
                    <span class="interval" title="95% interval: percentile bootstrap over questions" data-testid="summary-interval">
                        {interval_text}
                    </span>
                </dd>
            </div>
            <div><dt>"Accuracy"</dt><dd>{number(summary.accuracy_pct, 1)}"%"</dd></div>
            <div><dt>"Fluency"</dt><dd>{number(summary.fluency_pct, 1)}"%"</dd></div>
            <div><dt>"Completeness"</dt><dd>{number(summary.completeness_pct, 1)}"%"</dd></div>
            <div><dt>"Time"</dt><dd>{number(summary.mean_time_s, 1)}" s"</dd></div>
            <div><dt>"Length"</dt><dd>{number(summary.mean_length_words, 0)}" words"</dd></div>
        </dl>
    }
}
