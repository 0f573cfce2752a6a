//! `/agreement`: how far the judge and the reviewers agree, from `shared::agreement_report` (the
//! numbers `left-behind agreement` prints): pairs with weighted kappa and its interval, alpha across
//! raters, the split by condition and model, Table 1 on the reviewed responses, the disagreements
//! (largest first, each a link), the flags by question, and the stale reviews left out.

use std::sync::Arc;

use left_behind_shared::{
    ReviewStatus, agreement_headline, agreement_report, agreement_tables, flags_by_question, review_status,
};
use leptos::prelude::*;

use crate::components::{ReportTable, ReviewFiles};
use crate::reviews::use_reviews;
use crate::site::{href, use_site};

/// Disagreements listed before "show all".
const DISAGREEMENTS_SHOWN: usize = 50;

#[component]
pub fn AgreementPage() -> impl IntoView {
    let site = use_site();
    let store = use_reviews();
    let reviews = Memo::new(move |_| store.all_reviews());
    let report = {
        let site = Arc::clone(&site);
        Memo::new(move |_| {
            reviews.with(|reviews| {
                agreement_report(&site.study.dataset, &site.study.registry, &site.study.judge.name, reviews)
            })
        })
    };
    let show_all = RwSignal::new(false);

    let body = {
        let site = Arc::clone(&site);
        move || {
            let report = report.get();
            if report.reviews.is_empty() {
                return view! {
                    <p class="none" data-testid="no-reviews">
                        "No reviews yet. Review responses (the panel on each response page, or the "
                        <a href=href("/review")>"review queue"</a>
                        "), import a colleague's file below, or ship files in the dataset's "<code>"reviews/"</code>"."
                    </p>
                }
                .into_any();
            }
            let tables = agreement_tables(&report, None);
            // pairs, alpha, split, reviewed Table 1 (the disagreements and the reviewers are listed below).
            let shown_tables = tables
                .iter()
                .filter(|table| table.id != "agreement_disagreements")
                .map(|table| view! { <ReportTable table=table.clone() /> })
                .collect_view();
            let total = report.disagreements.len();
            let limit = if show_all.get() { total } else { DISAGREEMENTS_SHOWN.min(total) };
            let disagreements = report
                .disagreements
                .iter()
                .take(limit)
                .map(|item| {
                    let route = format!("/responses/{}/{}/{}", item.condition, item.model, item.question_id);
                    let label = format!(
                        "{} · {} · Q{}",
                        item.condition,
                        site.study.registry.display_name(&item.model),
                        item.question_id
                    );
                    let scores = item
                        .ratings
                        .iter()
                        .map(|rating| {
                            format!(
                                "{} {}/{}/{} ({}/6)",
                                rating.rater,
                                rating.scores.accuracy,
                                rating.scores.fluency,
                                rating.scores.completeness,
                                rating.total
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    view! {
                        <li data-testid="disagreement">
                            <a href=href(&route)>{label}</a>
                            {format!(" — total apart by {}: {scores}", item.total_spread)}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p data-testid="agreement-headline">{format!("Judge: {}. {}.", site.study.judge.name, agreement_headline(&report))}</p>
                {(report.stale > 0).then(|| view! {
                    <p class="stale" data-testid="stale-count">
                        {format!(
                            "{} of answers regenerated since {} left out of every number.",
                            left_behind_shared::plural(report.stale, "stale review"),
                            if report.stale == 1 { "is" } else { "are" }
                        )}
                    </p>
                })}
                {shown_tables}
                <section aria-labelledby="disagreements-heading">
                    <h2 id="disagreements-heading">"Where they disagree"</h2>
                    <p>{format!("{total} responses scored differently, the largest disagreement first.")}</p>
                    <ol class="disagreements">{disagreements}</ol>
                    {(limit < total).then(|| view! {
                        <button type="button" on:click=move |_| show_all.set(true)>{format!("Show all {total}")}</button>
                    })}
                </section>
            }
            .into_any()
        }
    };

    let flags = {
        let site = Arc::clone(&site);
        move || {
            let reviews = reviews.get();
            let flags = flags_by_question(&reviews);
            if flags.is_empty() {
                return view! { <p class="none">"No flags raised."</p> }.into_any();
            }
            let items = flags
                .into_iter()
                .map(|(question_id, reviews)| {
                    let entries = reviews
                        .into_iter()
                        .map(|review| {
                            let stale = review_status(review, &site.study.dataset) == ReviewStatus::Stale;
                            flag_item(review, stale)
                        })
                        .collect_view();
                    view! {
                        <li>
                            <a href=href(&format!("/questions/{question_id}"))>{format!("Question {question_id}")}</a>
                            <ul>{entries}</ul>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="flags" data-testid="flags">{items}</ul> }.into_any()
        }
    };

    view! {
        <h1>"Agreement"</h1>
        <p>
            "How far the LLM judge and the reviewers agree on the responses both scored. Kappa is Cohen's, with \
             quadratic weights; its 95% interval comes from a bootstrap that resamples questions. Alpha is \
             Krippendorff's, ordinal, across all raters. The same numbers as "<code>"left-behind agreement"</code>"."
        </p>
        {body}
        <section aria-labelledby="flags-heading">
            <h2 id="flags-heading">"Flags by question"</h2>
            <p>"Problems reviewers saw that are not the answer's: the question's wording, the reference answer, the judge."</p>
            {flags}
        </section>
        <ReviewFiles />
    }
}

/// One flag: who raised it on which response, and their note (as text).
pub fn flag_item(review: &left_behind_shared::Review, stale: bool) -> impl IntoView + use<> {
    let flag = review.flag.map(|flag| flag.description()).unwrap_or_default();
    let route = format!("/responses/{}/{}/{}", review.key.condition, review.key.model, review.key.question_id);
    view! {
        <li data-testid="flag">
            <strong>{review.reviewer.clone()}</strong>
            {format!(": {flag} (")}
            <a href=href(&route)>{format!("{} {}", review.key.condition, review.key.model)}</a>
            ")"
            {stale.then(|| view! { <span class="stale">" stale"</span> })}
            {(!review.notes.is_empty()).then(|| view! { <p class="review-note">{review.notes.clone()}</p> })}
        </li>
    }
}
