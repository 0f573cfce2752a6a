//! The overview: the headline numbers, Tables 1 and 2, Figure 1, the model x condition heatmap and the
//! report's other two tables, all from `shared` (the numbers `left-behind report` prints). The 95%
//! intervals, the contrasts ("Is the difference larger than the noise?") and Figure 1's error bars
//! arrive just after the first paint ([`crate::intervals`]); `?intervals=off` hides the intervals.
//! "Graded by" (`?judge=NAME`, `?judge=panel`) recomputes the tables, the headline, the heatmap and
//! Figure 1 under another judge or the panel ([`crate::graded_by`]: the numbers of `left-behind
//! report --judge NAME`); the intervals are the study judge's.

use std::sync::Arc;

use left_behind_shared::{GradedBy, INTERVAL_NOTE, ReportTables, Table};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::{Heatmap, ReportTable};
use crate::graded_by::{GradedByChoice, graded_report, judge_note, use_graded_by};
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
    let judge = use_graded_by();
    // The report under the judge in the URL (`None`: the study's judge, with the intervals).
    let chosen = {
        let site = Arc::clone(&site);
        Memo::new(move |_| judge.get().map(|name| Arc::new(graded_report(&site, Some(&name)))))
    };
    let graded = move || chosen.get().filter(|graded| graded.by != GradedBy::StudyJudge);
    let intervals = use_intervals();
    let query = use_query_map();
    let show_intervals = move || query.with(|query| query.get(INTERVALS_PARAMETER).as_deref() != Some(INTERVALS_OFF));
    // The report with intervals when they are shown and computed (under the study's judge).
    let shown = move || if show_intervals() && graded().is_none() { intervals.get() } else { None };

    let dataset = &site.study.dataset;
    // The responses' text loads after the overview's data: their count comes when it has.
    let responses = site.response_count().map_or_else(|| "Responses".to_owned(), |count| format!("{count} responses"));
    let models = site.study.registry.sorted_names(dataset.grades.iter().map(|row| row.model.as_str())).len();

    let table = {
        let site = Arc::clone(&site);
        // A report table by name: with intervals once they are computed and shown.
        move |pick: fn(&ReportTables) -> &Table| {
            let site = Arc::clone(&site);
            let table = move || -> Option<Table> {
                if let Some(graded) = graded() {
                    return graded.tables.as_ref().map(|tables| pick(tables).clone());
                }
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
            let lines = match graded() {
                Some(graded) => graded.headline.clone(),
                None => shown().map_or_else(|| site.headline.clone(), |computed| computed.headline.clone()),
            };
            lines.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()
        }
    };
    let figure = {
        let site = Arc::clone(&site);
        move || {
            let svg = match (graded(), shown()) {
                (Some(graded), _) => graded.figure.clone(),
                (None, Some(computed)) => Some(computed.figure.clone()),
                (None, None) => site.figure.clone(),
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
        intervals.get().filter(|_| graded().is_none()).map(|computed| {
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
    let heatmap = {
        let site = Arc::clone(&site);
        let study_report = report.clone();
        move || {
            let report = graded().and_then(|graded| graded.report.clone()).unwrap_or_else(|| study_report.clone());
            view! { <Heatmap report=report registry=site.study.registry.clone() /> }
        }
    };
    let choice = {
        let site = Arc::clone(&site);
        move || {
            let selected = chosen.get().map_or(GradedBy::StudyJudge, |graded| graded.by.clone());
            view! { <GradedByChoice site=Arc::clone(&site) selected /> }
        }
    };
    let note = move || {
        chosen
            .get()
            .and_then(|graded| judge_note(&graded))
            .map(|note| view! { <p class="judge-note" data-testid="judge-note">{note}</p> })
    };
    view! {
        <h1>"Overview"</h1>
        {choice}
        {note}
        <p class="lede">
            {format!(
                "{responses} from {models} models to {} questions, in {} conditions, graded {} times.",
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
            {heatmap}
        </section>
        {table(|tables| &tables.models)}
        {table(|tables| &tables.question_categories)}
    }
    .into_any()
}
