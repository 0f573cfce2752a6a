//! The overview: the headline numbers, Tables 1 and 2, Figure 1, the model x condition heatmap and the
//! report's other two tables, all from `shared` (the numbers `left-behind report` prints), under the
//! judge chosen in "graded by" (`?judge=`; the numbers of `left-behind report --judge NAME`).

use std::sync::Arc;

use leptos::prelude::*;

use crate::app::{href, use_site};
use crate::components::{Heatmap, ReportTable};
use crate::data::SiteData;
use crate::graded_by::{GradedByChoice, graded_report, use_graded_by};

#[component]
pub fn OverviewPage() -> impl IntoView {
    let site = use_site();
    let judge = use_graded_by();
    move || overview(site.clone(), judge.get().as_deref())
}

fn overview(site: Arc<SiteData>, judge: Option<&str>) -> AnyView {
    let graded = graded_report(&site, judge);
    let Some(report) = graded.report.clone() else {
        return view! {
            <h1>"Overview"</h1>
            <p>"No grades are loaded, so there is nothing to summarise yet. "
               <a href=href("/responses")>"Browse the responses"</a> " that did load."</p>
        }
        .into_any();
    };
    let dataset = &site.loaded.dataset;
    let response_count: usize = dataset.results.iter().map(|results| results.responses.len()).sum();
    let graded_rows: usize = report.conditions.iter().map(|summary| summary.n + summary.failed).sum();
    let models =
        report.models.iter().map(|summary| summary.model.as_str()).collect::<std::collections::BTreeSet<_>>().len();
    let headline = graded.headline.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view();
    let table = |id: &str| graded.tables.iter().find(|table| table.id == id).cloned();
    let judge_note = match (&graded.unknown_judge, graded.members.is_empty()) {
        (Some(name), _) => {
            Some(format!("This dataset has no grades of judge {name:?}; the study's judge's grades are shown."))
        }
        (None, false) => Some(format!(
            "Graded by the panel: per response and criterion, the median of {} ({}); of an even number, the lower middle score.",
            graded.members.len(),
            graded.members.join(", ")
        )),
        (None, true) => None,
    };
    let figure = match graded.figure.clone() {
        Some(Ok(svg)) => view! {
            <figure class="figure1" data-testid="figure1">
                <div
                    role="img"
                    aria-label="Figure 1: mean score against mean response time for each model category in each condition"
                    inner_html=svg
                ></div>
                <figcaption>
                    "Figure 1. Score against response time (log scale) by model category and condition. "
                    "Colours: Okabe-Ito (blue English-first, orange bilingual, green multilingual); each point is labelled with its condition."
                </figcaption>
            </figure>
        }
        .into_any(),
        Some(Err(error)) => view! { <p class="problem error">{error}</p> }.into_any(),
        None => ().into_any(),
    };
    view! {
        <h1>"Overview"</h1>
        <GradedByChoice site=site.clone() selected=graded.by.clone() />
        {judge_note.map(|note| view! { <p class="judge-note" data-testid="judge-note">{note}</p> })}
        <p class="lede">
            {format!(
                "{response_count} responses from {models} models to {} questions, in {} conditions, graded {graded_rows} times.",
                dataset.questions.len(),
                report.conditions.len(),
            )}
        </p>
        <section aria-labelledby="headline-heading">
            <h2 id="headline-heading">"Headline"</h2>
            <ul class="headline" data-testid="headline">{headline}</ul>
        </section>
        {table("conditions").map(|table| view! { <ReportTable table /> })}
        {table("model_categories").map(|table| view! { <ReportTable table /> })}
        {figure}
        <section aria-labelledby="heatmap-heading">
            <h2 id="heatmap-heading">"Models by condition"</h2>
            <Heatmap report=report.clone() registry=site.registry.clone() />
        </section>
        {table("models").map(|table| view! { <ReportTable table /> })}
        {table("question_categories").map(|table| view! { <ReportTable table /> })}
    }
    .into_any()
}
