//! The matching responses: their count and means, and one page of rows (keyed by the entry, so that a
//! row that stays on the page when the filter changes is kept, not rebuilt).

use std::sync::Arc;

use left_behind_shared::{Scores, UncertaintySettings, entries_interval, summarize_entries, truncate};
use leptos::prelude::*;

use super::PAGE_SIZE;
use crate::components::{ScoreSummary, total_label};
use crate::data::SiteData;
use crate::site::{href, response_route, use_site};

/// `selection` holds indices into the site's entries; `page` is 1-based.
#[component]
pub fn ResponseList(selection: Memo<Vec<usize>>, page: Memo<usize>, filter_query: Memo<String>) -> impl IntoView {
    let site = use_site();
    let summary = {
        let site = Arc::clone(&site);
        move || {
            selection.with(|selection| {
                let summary = summarize_entries(site.entries(), selection, &site.study.dataset);
                let interval =
                    entries_interval(site.entries(), selection, &site.study.dataset, &UncertaintySettings::default());
                view! { <ScoreSummary summary matching=selection.len() interval /> }
            })
        }
    };
    let page_rows = move || {
        let start = (page.get() - 1).saturating_mul(PAGE_SIZE);
        selection.with(|selection| selection.iter().skip(start).take(PAGE_SIZE).copied().collect::<Vec<usize>>())
    };
    view! {
        {summary}
        <div class="table-scroll">
            <table class="response-list" data-testid="response-list">
                <caption class="visually-hidden">"Responses matching the filters"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Response"</th>
                        <th scope="col">"Question"</th>
                        <th scope="col" class="num">"Total"</th>
                        <th scope="col" class="num"><abbr title="Accuracy">"A"</abbr></th>
                        <th scope="col" class="num"><abbr title="Fluency">"F"</abbr></th>
                        <th scope="col" class="num"><abbr title="Completeness">"C"</abbr></th>
                        <th scope="col">"Detected"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=page_rows key=|index| *index let(index)>
                        {row(&site, index, filter_query)}
                    </For>
                </tbody>
            </table>
        </div>
    }
}

/// One row of the list: entry `index` of the site's list. Its link carries the current filter.
fn row(site: &SiteData, index: usize, filter_query: Memo<String>) -> impl IntoView + use<> {
    let dataset = &site.study.dataset;
    let entry = &site.entries()[index];
    let key = &entry.key;
    let grade = entry.grade(dataset);
    let language = key.condition.language();
    let question = dataset
        .question(key.question_id)
        .map(|question| question.text(language).to_owned())
        .or_else(|| entry.response(dataset).map(|record| record.question_text.clone()))
        .unwrap_or_default();
    let scores = grade.and_then(|row| row.scores());
    let sub = move |pick: fn(Scores) -> u8| scores.map_or("–".to_owned(), |s| pick(s).to_string());
    let label = format!("{} · {} · Q{}", key.condition, site.study.registry.display_name(&key.model), key.question_id);
    let detected = entry.detected_language.map_or("–", |language| language.display_name());
    // The answer is not in the language it was asked in (Kyrgyz for Kazakh, say): worth seeing at a glance.
    let language_class = match entry.detected_language {
        Some(detected) if !detected.is(language) => "wrong-language",
        _ => "",
    };
    let total_class = match grade.map(|row| row.is_failed()) {
        Some(true) => "num failed",
        _ => "num",
    };
    let key = key.clone();
    let link = move || href(&response_route(&key, &filter_query.get()));
    view! {
        <tr>
            <td><a href=link>{label}</a></td>
            <td lang=language.iso_code() class="question-cell">{truncate(&question, 90)}</td>
            <td class=total_class>{total_label(grade)}</td>
            <td class="num">{sub(|s| s.accuracy)}</td>
            <td class="num">{sub(|s| s.fluency)}</td>
            <td class="num">{sub(|s| s.completeness)}</td>
            <td class=language_class>{detected}</td>
        </tr>
    }
}
