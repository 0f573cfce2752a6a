//! Every response with its scores: filters (model, model category, condition, question category,
//! question, total range, each sub-score, grading state) and full-text search, all kept in the URL
//! query; counts and means update for the filtered set; 50 rows a page keep the DOM small.

use std::sync::Arc;

use left_behind_shared::{
    Condition, Criterion, DetectedLanguage, GradingState, ModelCategory, QuestionCategory, ResponseEntry,
    ResponseFilter, UncertaintySettings, entries_interval, filter_entries, summarize_entries,
};
use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::app::{href, navigator, use_site};
use crate::components::{ScoreSummary, total_label};
use crate::data::SiteData;

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// The 1-based page of the list in a query string (`page=3`).
pub fn page_from_query(query: &str) -> usize {
    form_query_value(query, "page").and_then(|page| page.parse().ok()).filter(|page| *page >= 1).unwrap_or(1)
}

fn form_query_value(query: &str, key: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| *name == key)
        .map(|(_, value)| value.to_owned())
}

/// A response's route, carrying the list's filter so that previous/next stay within it.
pub fn response_route(entry: &ResponseEntry, filter_query: &str) -> String {
    let key = &entry.key;
    let path = format!("/responses/{}/{}/{}", key.condition, key.model, key.question_id);
    if filter_query.is_empty() { path } else { format!("{path}?{filter_query}") }
}

/// One filter dimension whose values are toggled by checkboxes.
#[derive(Clone, Copy, PartialEq)]
enum Dimension {
    Model,
    ModelCategory,
    Condition,
    QuestionCategory,
    Grading,
    Language,
    Score(Criterion),
}

impl Dimension {
    fn selected(self, filter: &ResponseFilter) -> Vec<String> {
        match self {
            Dimension::Model => filter.models.clone(),
            Dimension::ModelCategory => filter.model_categories.iter().map(|c| c.key().to_owned()).collect(),
            Dimension::Condition => filter.conditions.iter().map(|c| c.id().to_owned()).collect(),
            Dimension::QuestionCategory => filter.question_categories.iter().map(|c| c.key().to_owned()).collect(),
            Dimension::Grading => filter.grading.iter().map(|g| g.key().to_owned()).collect(),
            Dimension::Language => filter.languages.iter().map(|l| l.key().to_owned()).collect(),
            Dimension::Score(criterion) => filter.criterion(criterion).iter().map(u8::to_string).collect(),
        }
    }

    /// Adds or removes `value` (a key as in the URL) from the filter.
    fn set(self, filter: &mut ResponseFilter, value: &str, on: bool) {
        fn toggle<T: PartialEq>(values: &mut Vec<T>, value: Option<T>, on: bool) {
            let Some(value) = value else { return };
            values.retain(|existing| *existing != value);
            if on {
                values.push(value);
            }
        }
        match self {
            Dimension::Model => toggle(&mut filter.models, Some(value.to_owned()), on),
            Dimension::ModelCategory => toggle(&mut filter.model_categories, ModelCategory::from_key(value), on),
            Dimension::Condition => toggle(&mut filter.conditions, Condition::parse(value), on),
            Dimension::QuestionCategory => {
                toggle(&mut filter.question_categories, QuestionCategory::from_key(value), on)
            }
            Dimension::Grading => toggle(&mut filter.grading, GradingState::from_key(value), on),
            Dimension::Language => toggle(&mut filter.languages, DetectedLanguage::from_key(value), on),
            Dimension::Score(criterion) => toggle(filter.criterion_mut(criterion), value.parse().ok(), on),
        }
    }
}

#[component]
pub fn ResponsesPage() -> impl IntoView {
    let site = use_site();
    let location = use_location();
    let query = location.search;
    let filter = Memo::new(move |_| ResponseFilter::from_query(&query.get()));
    let page = Memo::new(move |_| page_from_query(&query.get()));
    let selection = {
        let site = Arc::clone(&site);
        Memo::new(move |_| filter.with(|filter| filter_entries(site.entries(), &site.loaded.dataset, filter)))
    };
    let filters_open = RwSignal::new(false);
    let navigate = navigator();
    let apply = {
        let navigate = navigate.clone();
        move |change: &dyn Fn(&mut ResponseFilter), replace: bool| {
            let mut next = filter.get_untracked();
            change(&mut next);
            let query = next.to_query();
            navigate(&if query.is_empty() { "/responses".to_owned() } else { format!("/responses?{query}") }, replace);
        }
    };
    let apply = StoredValue::new_local(apply);

    let group = move |legend: &'static str, dimension: Dimension, options: Vec<(String, String)>| {
        let boxes = options
            .into_iter()
            .map(|(value, label)| {
                let checked_value = value.clone();
                let checked = move || filter.with(|filter| dimension.selected(filter).contains(&checked_value));
                view! {
                    <label class="check">
                        <input
                            type="checkbox"
                            value=value.clone()
                            prop:checked=checked
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                let value = value.clone();
                                apply.with_value(|apply| apply(&move |filter| dimension.set(filter, &value, on), false));
                            }
                        />
                        {label}
                    </label>
                }
            })
            .collect_view();
        view! {
            <fieldset class="filter-group">
                <legend>{legend}</legend>
                {boxes}
            </fieldset>
        }
    };

    let dataset = &site.loaded.dataset;
    let model_names = site.registry.sorted_names(site.entries().iter().map(|entry| entry.key.model.as_str()));
    let models: Vec<(String, String)> =
        model_names.iter().map(|name| (name.clone(), site.registry.display_name(name).to_owned())).collect();
    let categories: Vec<(String, String)> = ModelCategory::ALL
        .into_iter()
        .filter(|category| site.entries().iter().any(|entry| entry.model_category == *category))
        .map(|category| (category.key().to_owned(), category.display_name().to_owned()))
        .collect();
    let conditions: Vec<(String, String)> =
        Condition::ALL.into_iter().map(|condition| (condition.id().to_owned(), condition.label().to_owned())).collect();
    let question_categories: Vec<(String, String)> = QuestionCategory::ALL
        .into_iter()
        .map(|category| (category.key().to_owned(), category.display_name().to_owned()))
        .collect();
    let grading: Vec<(String, String)> =
        GradingState::ALL.into_iter().map(|state| (state.key().to_owned(), state.display_name().to_owned())).collect();
    let languages: Vec<(String, String)> = DetectedLanguage::ALL
        .into_iter()
        .filter(|language| site.entries().iter().any(|entry| entry.detected_language == Some(*language)))
        .map(|language| (language.key().to_owned(), language.display_name().to_owned()))
        .collect();
    let score_values = || (0..=2).map(|score| (score.to_string(), score.to_string())).collect::<Vec<_>>();
    let question_options = dataset
        .questions
        .iter()
        .map(|question| {
            let label = format!("Q{} · {}", question.id, truncate(&question.english, 70));
            view! { <option value=question.id.to_string()>{label}</option> }
        })
        .collect_view();
    let selected_question =
        move || filter.with(|filter| filter.question_ids.first().map(u32::to_string).unwrap_or_default());
    let total_options = |any: &'static str| {
        let options = (0..=6).map(|total| view! { <option value=total.to_string()>{total}</option> }).collect_view();
        view! { <option value="">{any}</option> {options} }
    };

    let summary = {
        let site = Arc::clone(&site);
        move || {
            let selection = selection.get();
            let summary = summarize_entries(site.entries(), &selection, &site.loaded.dataset);
            let interval =
                entries_interval(site.entries(), &selection, &site.loaded.dataset, &UncertaintySettings::default());
            view! { <ScoreSummary summary matching=selection.len() interval /> }
        }
    };
    let rows = {
        let site = Arc::clone(&site);
        move || {
            let selection = selection.get();
            let page = page.get();
            let filter_query = filter.with(ResponseFilter::to_query);
            let start = (page - 1) * PAGE_SIZE;
            selection
                .iter()
                .skip(start)
                .take(PAGE_SIZE)
                .map(|&index| row(&site, &site.entries()[index], &filter_query))
                .collect_view()
        }
    };
    let pages = move || {
        let count = selection.with(Vec::len);
        let pages = count.div_ceil(PAGE_SIZE).max(1);
        let page = page.get().min(pages);
        let filter_query = filter.with(ResponseFilter::to_query);
        let link = move |page: usize| {
            let mut query = filter_query.clone();
            if page > 1 {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&format!("page={page}"));
            }
            href(&if query.is_empty() { "/responses".to_owned() } else { format!("/responses?{query}") })
        };
        view! {
            <nav class="pagination" aria-label="Pages of the list">
                {(page > 1).then(|| view! { <a rel="prev" href=link(page - 1)>"← Previous page"</a> })}
                <span aria-current="page">{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a rel="next" href=link(page + 1)>"Next page →"</a> })}
            </nav>
        }
    };

    view! {
        <h1>"Responses"</h1>
        <div class="responses-layout">
            // On a narrow screen the filters fold behind this button, so that the list starts on the
            // first screen; it says how many are in use.
            <button
                type="button"
                class="filters-toggle"
                aria-controls="response-filters"
                aria-expanded=move || if filters_open.get() { "true" } else { "false" }
                on:click=move |_| filters_open.update(|open| *open = !*open)
                data-testid="filters-toggle"
            >
                {move || match filter.with(ResponseFilter::active_count) {
                    0 => "Filters".to_owned(),
                    active => format!("Filters ({active} active)"),
                }}
            </button>
            <form
                id="response-filters"
                class="filters"
                class:open=move || filters_open.get()
                role="search"
                aria-label="Filter the responses"
                on:submit=|event| event.prevent_default()
            >
                <label class="search">
                    "Search question, response and judge notes"
                    <input
                        type="search"
                        name="q"
                        placeholder="e.g. Астана, \"shoe track\""
                        prop:value=move || filter.with(|filter| filter.search.clone())
                        on:input=move |event| {
                            let text = event_target_value(&event);
                            apply.with_value(|apply| apply(&move |filter| filter.search = text.clone(), true));
                        }
                    />
                </label>
                {group("Condition", Dimension::Condition, conditions)}
                {group("Model", Dimension::Model, models)}
                {group("Model category", Dimension::ModelCategory, categories)}
                {group("Question category", Dimension::QuestionCategory, question_categories)}
                <label class="select">
                    "Question"
                    <select
                        name="question"
                        prop:value=selected_question
                        on:change=move |event| {
                            let value = event_target_value(&event);
                            apply.with_value(|apply| apply(&move |filter| filter.question_ids = value.parse().ok().into_iter().collect(), false));
                        }
                    >
                        <option value="">"Any question"</option>
                        {question_options}
                    </select>
                </label>
                <fieldset class="filter-group">
                    <legend>"Total score (0–6)"</legend>
                    <label class="select">
                        "From "
                        <select
                            name="total_min"
                            prop:value=move || filter.with(|filter| filter.total_min.map(|v| v.to_string()).unwrap_or_default())
                            on:change=move |event| {
                                let value = event_target_value(&event);
                                apply.with_value(|apply| apply(&move |filter| filter.total_min = value.parse().ok(), false));
                            }
                        >
                            {total_options("any")}
                        </select>
                    </label>
                    <label class="select">
                        " to "
                        <select
                            name="total_max"
                            prop:value=move || filter.with(|filter| filter.total_max.map(|v| v.to_string()).unwrap_or_default())
                            on:change=move |event| {
                                let value = event_target_value(&event);
                                apply.with_value(|apply| apply(&move |filter| filter.total_max = value.parse().ok(), false));
                            }
                        >
                            {total_options("any")}
                        </select>
                    </label>
                </fieldset>
                {Criterion::ALL
                    .into_iter()
                    .map(|criterion| group(criterion.display_name(), Dimension::Score(criterion), score_values()))
                    .collect_view()}
                {group("Grading", Dimension::Grading, grading)}
                {group("Detected language", Dimension::Language, languages)}
                <p>
                    <a href=href("/responses")>"Clear all filters"</a>
                </p>
            </form>
            <section class="results" aria-label="Matching responses">
                {(!site.results_complete()).then(|| view! {
                    <p class="loading" role="status" data-testid="results-loading">
                        {format!(
                            "Loading the responses' text ({} of {} files): the search and the detected language include them once loaded.",
                            site.results.settled, site.results.total
                        )}
                    </p>
                })}
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
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                {pages}
            </section>
        </div>
    }
}

/// One row of the list.
fn row(site: &SiteData, entry: &ResponseEntry, filter_query: &str) -> impl IntoView + use<> {
    let dataset = &site.loaded.dataset;
    let key = &entry.key;
    let grade = entry.grade(dataset);
    let language = key.condition.language();
    let question = dataset
        .question(key.question_id)
        .map(|question| question.text(language).to_owned())
        .or_else(|| entry.response(dataset).map(|record| record.question_text.clone()))
        .unwrap_or_default();
    let scores = grade.and_then(|row| row.scores());
    let sub =
        move |pick: fn(left_behind_shared::Scores) -> u8| scores.map_or("–".to_owned(), |s| pick(s).to_string());
    let label = format!("{} · {} · Q{}", key.condition, site.registry.display_name(&key.model), key.question_id);
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
    view! {
        <tr>
            <td><a href=href(&response_route(entry, filter_query))>{label}</a></td>
            <td lang=language.iso_code() class="question-cell">{truncate(&question, 90)}</td>
            <td class=total_class>{total_label(grade)}</td>
            <td class="num">{sub(|s| s.accuracy)}</td>
            <td class="num">{sub(|s| s.fluency)}</td>
            <td class="num">{sub(|s| s.completeness)}</td>
            <td class=language_class>{detected}</td>
        </tr>
    }
}

/// The first `max` characters (Unicode scalar values, never a split letter) and an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", text[..index].trim_end()),
        None => text.to_owned(),
    }
}
