//! One question across all models x conditions: a grid of total scores. Pick any two cells to read
//! the two responses side by side (the choice is in the URL: `?a=C2.qwen3&b=C3.qwen3`).

use std::sync::Arc;

use left_behind_shared::{Condition, Language, ResponseFilter, filter_entries};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use crate::components::{MarkdownView, Scores, total_label};
use crate::data::{ModelInCondition, SiteData};
use crate::pages::agreement::flag_item;
use crate::reviews::use_reviews;
use crate::site::{href, navigator, response_route, use_site};

/// A cell of the grid: `C3.qwen3`.
fn cell_id(condition: Condition, model: &str) -> String {
    format!("{condition}.{model}")
}

fn parse_cell(text: &str) -> Option<ModelInCondition> {
    let (condition, model) = text.split_once('.')?;
    Some(ModelInCondition { condition: Condition::parse(condition)?, model: model.to_owned() })
}

/// The picked cells in a route's query (`a`, then `b`; at most two).
fn picked(query: &ParamsMap) -> Vec<String> {
    ["a", "b"]
        .into_iter()
        .flat_map(|name| query.get_all(name).unwrap_or_default())
        .filter(|value| parse_cell(value).is_some())
        .take(2)
        .collect()
}

#[component]
pub fn QuestionPage() -> impl IntoView {
    let site = use_site();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = navigator();
    move || {
        let Some(id) = params.with(|params| params.get_str("id").and_then(|id| id.parse::<u32>().ok())) else {
            return view! { <h1>"No such question"</h1> }.into_any();
        };
        let picks = query.with(picked);
        question_view(&site, id, picks, navigate.clone()).into_any()
    }
}

fn question_view<Navigate: Fn(&str, bool) + Clone + 'static>(
    site: &Arc<SiteData>,
    id: u32,
    picks: Vec<String>,
    navigate: Navigate,
) -> impl IntoView + use<Navigate> {
    let dataset = &site.study.dataset;
    let question = dataset.question(id).cloned();
    let filter = ResponseFilter { question_ids: vec![id], ..Default::default() };
    let selection = filter_entries(site.entries(), dataset, &filter);
    let entries: Vec<_> = selection.iter().map(|&index| site.entries()[index].clone()).collect();
    let conditions: Vec<Condition> = Condition::ALL
        .into_iter()
        .filter(|condition| entries.iter().any(|entry| entry.key.condition == *condition))
        .collect();
    let models = site.study.registry.sorted_names(entries.iter().map(|entry| entry.key.model.as_str()));
    if question.is_none() && entries.is_empty() {
        return view! { <h1>"No such question"</h1><p>{format!("This dataset has no question {id}.")}</p> }.into_any();
    }

    let header =
        conditions.iter().map(|c| view! { <th scope="col" class="num" title=c.label()>{c.id()}</th> }).collect_view();
    let rows = models
        .iter()
        .map(|model| {
            let cells = conditions
                .iter()
                .map(|&condition| {
                    let cell = cell_id(condition, model);
                    let entry =
                        entries.iter().find(|entry| entry.key.condition == condition && &entry.key.model == model);
                    let Some(entry) = entry else {
                        return view! { <td class="num">"–"</td> }.into_any();
                    };
                    let label = total_label(entry.grade(dataset));
                    let pressed = picks.contains(&cell);
                    let mut next = picks.clone();
                    if pressed {
                        next.retain(|pick| pick != &cell);
                    } else {
                        next.push(cell.clone());
                        if next.len() > 2 {
                            next.remove(0);
                        }
                    }
                    let query: Vec<String> =
                        next.iter().zip(["a", "b"]).map(|(pick, name)| format!("{name}={pick}")).collect();
                    let route = if query.is_empty() {
                        format!("/questions/{id}")
                    } else {
                        format!("/questions/{id}?{}", query.join("&"))
                    };
                    let navigate = navigate.clone();
                    let description =
                        format!("{} in {}: {label}", site.study.registry.display_name(model), condition.label());
                    view! {
                        <td class="num">
                            <button
                                type="button"
                                class="pick"
                                aria-pressed=if pressed { "true" } else { "false" }
                                aria-label=description
                                data-cell=cell.clone()
                                on:click=move |_| navigate(&route, false)
                            >
                                {label}
                            </button>
                        </td>
                    }
                    .into_any()
                })
                .collect_view();
            view! { <tr><th scope="row">{site.study.registry.display_name(model).to_owned()}</th>{cells}</tr> }
        })
        .collect_view();

    let compared = picks
        .iter()
        .filter_map(|pick| {
            let ModelInCondition { condition, model } = parse_cell(pick)?;
            let entry = entries.iter().find(|entry| entry.key.condition == condition && entry.key.model == model)?;
            let lang = condition.language().iso_code();
            let response = entry.response(dataset).map(|record| record.response.clone());
            let grade = entry.grade(dataset).cloned();
            let notes = grade.as_ref().map(|row| row.notes.clone());
            Some(view! {
                <article class="compare-cell" data-testid="compare-cell">
                    <h3>
                        <a href=href(&response_route(&entry.key, &filter.to_query()))>
                            {format!("{} · {}", condition.label(), site.study.registry.display_name(&model))}
                        </a>
                    </h3>
                    <Scores grade />
                    {notes.map(|notes| view! { <p class="judge-notes" lang="en">{notes}</p> })}
                    {match response {
                        Some(source) => view! { <MarkdownView source lang /> }.into_any(),
                        None if !site.results_complete() => view! { <p class="loading" role="status">"Loading the response…"</p> }.into_any(),
                        None => view! { <p class="none">"No response in this dataset."</p> }.into_any(),
                    }}
                </article>
            })
        })
        .collect_view();

    let references = site.references.get(&id).cloned().unwrap_or_default();
    let texts = question.as_ref().map(|question| {
        Language::ALL
            .into_iter()
            .map(|language| {
                let reference = references.get(language).map(|answer| answer.text.clone());
                view! {
                    <div class="question-language">
                        <dt>{language.display_name()}</dt>
                        <dd lang=language.iso_code()>{question.text(language).to_owned()}</dd>
                        {reference.map(|text| view! { <dd class="reference" lang=language.iso_code()>"Reference: "{text}</dd> })}
                    </div>
                }
            })
            .collect_view()
    });

    view! {
        <h1>{format!("Question {id}")}</h1>
        {question.as_ref().map(|question| view! { <p class="meta">{question.category.display_name()}</p> })}
        <dl class="question-texts">{texts}</dl>
        <div class="table-scroll">
            <table class="question-grid" data-testid="question-grid">
                <caption>"Total score (of 6) of each model in each condition; pick two cells to compare their responses"</caption>
                <thead><tr><th scope="col">"Model"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <QuestionFlags id />
        <section class="compare" aria-label="Responses side by side">
            {if picks.is_empty() {
                view! { <p>"Pick a cell of the grid to read its response here; pick a second to compare."</p> }.into_any()
            } else {
                view! { <div class="compare-grid">{compared}</div> }.into_any()
            }}
        </section>
    }
    .into_any()
}

/// The flags reviewers raised on this question (the dataset's review files, imported ones and the
/// reader's own), so that a benchmark's own faults surface where the question is.
#[component]
fn QuestionFlags(id: u32) -> impl IntoView {
    let store = use_reviews();
    let site = use_site();
    move || {
        let reviews = store.all_reviews();
        let flagged: Vec<_> =
            reviews.iter().filter(|review| review.key.question_id == id && review.flag.is_some()).collect();
        (!flagged.is_empty()).then(|| {
            let items = flagged
                .into_iter()
                .map(|review| {
                    let stale = left_behind_shared::review_status(review, &site.study.dataset)
                        == left_behind_shared::ReviewStatus::Stale;
                    flag_item(review, stale)
                })
                .collect_view();
            view! {
                <section class="question-flags" aria-labelledby="flags-heading" data-testid="question-flags">
                    <h2 id="flags-heading">"Flags raised by reviewers"</h2>
                    <ul class="flags">{items}</ul>
                </section>
            }
        })
    }
}
