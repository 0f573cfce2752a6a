//! The overview: the headline numbers, Tables 1 and 2, Figure 1, the model x condition heatmap and the
//! report's other two tables, all from `shared` (the numbers `left-behind report` prints).

use left_behind_shared::{ReportTables, Table};
use leptos::prelude::*;

use crate::components::{Heatmap, ReportTable};
use crate::site::{href, use_site};

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
    let dataset = &site.study.dataset;
    let response_count: usize = dataset.results.iter().map(|results| results.responses.len()).sum();
    let models = site.study.registry.sorted_names(dataset.grades.iter().map(|row| row.model.as_str())).len();
    let headline = site.headline.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view();
    let table = |pick: fn(&ReportTables) -> &Table| site.tables.as_ref().map(|tables| pick(tables).clone());
    let figure = match site.figure.clone() {
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
        {table(|tables| &tables.conditions).map(|table| view! { <ReportTable table /> })}
        {table(|tables| &tables.model_categories).map(|table| view! { <ReportTable table /> })}
        {figure}
        <section aria-labelledby="heatmap-heading">
            <h2 id="heatmap-heading">"Models by condition"</h2>
            <Heatmap report=report.clone() registry=site.study.registry.clone() />
        </section>
        {table(|tables| &tables.models).map(|table| view! { <ReportTable table /> })}
        {table(|tables| &tables.question_categories).map(|table| view! { <ReportTable table /> })}
    }
    .into_any()
}
