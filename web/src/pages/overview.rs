//! The overview: the headline numbers, Tables 1 and 2, Figure 1, the model x condition heatmap and the
//! report's other two tables, all from `shared` (the numbers `left-behind report` prints). The 95%
//! intervals, the contrasts ("Is the difference larger than the noise?") and Figure 1's error bars
//! arrive just after the first paint ([`crate::intervals`]); `?intervals=off` hides the intervals.

use std::sync::Arc;

use left_behind_shared::{INTERVAL_NOTE, ReportTables, Table};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{Heatmap, ReportTable};
use crate::intervals::use_intervals;
use crate::site::{href, navigator, use_site};

/// The query parameter of the intervals toggle, and its value when they are hidden.
const INTERVALS_PARAMETER: &str = "intervals";
const INTERVALS_OFF: &str = "off";

#[component]
pub fn OverviewPage() -> impl IntoView {
    let site = use_site();
    let Some(report) = site.report.clone() else {
        return view! {
            <h1>"Overview"</h1>
            <p>"No grades are loaded, so there is nothing to summarise yet. "
               <a href=href("/responses")>"Browse the responses"</a> " that did load."</p>
        }
        .into_any();
    };
    let intervals = use_intervals();
    let query = use_query_map();
    let show_intervals = move || query.with(|query| query.get(INTERVALS_PARAMETER).as_deref() != Some(INTERVALS_OFF));
    // The report with intervals when they are shown and computed.
    let shown = move || if show_intervals() { intervals.get() } else { None };

    let dataset = &site.study.dataset;
    let response_count: usize = dataset.results.iter().map(|results| results.responses.len()).sum();
    let models = site.study.registry.sorted_names(dataset.grades.iter().map(|row| row.model.as_str())).len();

    let table = {
        let site = Arc::clone(&site);
        // A report table by name: with intervals once they are computed and shown.
        move |pick: fn(&ReportTables) -> &Table| {
            let site = Arc::clone(&site);
            let table = move || -> Option<Table> {
                match shown() {
                    Some(computed) => Some(pick(&computed.tables).clone()),
                    None => site.tables.as_ref().map(|tables| pick(tables).clone()),
                }
            };
            move || table().map(|table| view! { <ReportTable table /> })
        }
    };
    let headline = {
        let site = Arc::clone(&site);
        move || {
            let lines = shown().map_or_else(|| site.headline.clone(), |computed| computed.headline.clone());
            lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()
        }
    };
    let figure = {
        let site = Arc::clone(&site);
        move || {
            let svg = match shown() {
                Some(computed) => Some(computed.figure.clone()),
                None => site.figure.clone(),
            };
            match svg {
                Some(Ok(svg)) => view! {
                    <figure class="figure1" data-testid="figure1">
                        <div
                            role="img"
                            aria-label="Figure 1: mean score against mean response time for each model category in each condition"
                            inner_html=svg
                        ></div>
                        <figcaption>
                            "Figure 1. Score against response time (log scale) by model category and condition. "
                            "Colours: Okabe-Ito (blue English-first, orange bilingual, green multilingual); each point is labelled with its condition"
                            {move || if shown().is_some() { ", with its 95% interval as a vertical bar." } else { "." }}
                        </figcaption>
                    </figure>
                }
                .into_any(),
                Some(Err(error)) => view! { <p class="problem error">{error}</p> }.into_any(),
                None => ().into_any(),
            }
        }
    };
    let navigate = navigator();
    let toggle = move |event: leptos::ev::Event| {
        let route = if event_target_checked(&event) {
            "/".to_owned()
        } else {
            format!("/?{INTERVALS_PARAMETER}={INTERVALS_OFF}")
        };
        navigate(&route, true);
    };
    let status = move || {
        if !show_intervals() {
            None
        } else if intervals.get().is_none() {
            Some(view! { <p class="interval-status" role="status" data-testid="interval-status">"Computing the 95% intervals…"</p> }.into_any())
        } else {
            Some(view! { <p class="interval-status" data-testid="interval-status" data-ready="true">{INTERVAL_NOTE}</p> }.into_any())
        }
    };
    let contrasts = move || {
        intervals.get().map(|computed| {
            let tested = computed.report.uncertainty.as_ref().map_or(0, |method| method.contrasts_tested);
            view! {
                <section aria-labelledby="contrasts-heading" data-testid="contrasts">
                    <h2 id="contrasts-heading">"Is the difference larger than the noise?"</h2>
                    <p>
                        "Each contrast pairs the same model on the same question in two conditions. "
                        "Difference and 95% interval in points; p from a sign-flip permutation test over questions, "
                        {format!("with the Holm-adjusted p beside it ({tested} contrasts tested); ")}
                        "MDE: the smallest effect this design detects with 80% power. See "
                        <a href=href("/methods")>"Methods"</a> "."
                    </p>
                    {computed.tables.contrasts.clone().map(|table| view! { <ReportTable table /> })}
                    <details>
                        <summary>"By model"</summary>
                        {computed.tables.contrasts_by_model.clone().map(|table| view! { <ReportTable table /> })}
                    </details>
                </section>
            }
        })
    };
    view! {
        <h1>"Overview"</h1>
        <p class="lede">
            {format!(
                "{response_count} responses from {models} models to {} questions, in {} conditions, graded {} times.",
                dataset.questions.len(),
                report.conditions.len(),
                dataset.grades.len()
            )}
        </p>
        <section aria-labelledby="headline-heading">
            <h2 id="headline-heading">"Headline"</h2>
            <ul class="headline" data-testid="headline">{headline}</ul>
        </section>
        <p class="interval-toggle">
            <label>
                <input type="checkbox" data-testid="intervals-toggle" prop:checked=show_intervals on:change=toggle />
                " Show 95% intervals"
            </label>
        </p>
        {status}
        {table(|tables| &tables.conditions)}
        {table(|tables| &tables.model_categories)}
        {contrasts}
        {figure}
        <section aria-labelledby="heatmap-heading">
            <h2 id="heatmap-heading">"Models by condition"</h2>
            <Heatmap report=report.clone() registry=site.study.registry.clone() />
        </section>
        {table(|tables| &tables.models)}
        {table(|tables| &tables.question_categories)}
    }
    .into_any()
}
