//! `/review`: the review queue. It walks a list of responses one at a time: the responses list's
//! filter (`/review?condition=C2`), or a seeded stratified sample (`/review?sample=cell&k=5&seed=42`)
//! that two reviewers opening the same link see alike. `at` is the position in the queue; without
//! it the queue opens at the first response not yet reviewed. Reviewed items are marked; progress
//! shows. Keys: 0/1/2 and s in the panel, n next unreviewed, p previous item.

use std::sync::Arc;

use left_behind_shared::{
    DEFAULT_SAMPLE_K, Language, ReviewQueue, Strata, graded_text_sha256, measure_response, next_unreviewed,
};
use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::components::{
    BlindSwitch, HiddenGrade, MarkdownView, OtherReviews, ReviewFiles, ReviewPanel, Scores, judge_visible,
    typing_in_a_field,
};
use crate::data::SiteData;
use crate::reviews::use_reviews;
use crate::site::{href, navigator, response_route, review_queue_of, use_site};

/// `at=` in the query: the position in the queue.
fn position_of(query: &ParamsMap) -> Option<usize> {
    query.get_str("at").and_then(|value| value.parse().ok())
}

/// The route of the queue at `position`.
fn queue_route(queue: &ReviewQueue, position: usize) -> String {
    let query = queue.to_query();
    if query.is_empty() { format!("/review?at={position}") } else { format!("/review?{query}&at={position}") }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let site = use_site();
    let store = use_reviews();
    let query = use_query_map();
    let navigate = navigator();
    let queue = Memo::new(move |_| query.with(review_queue_of));
    let items = {
        let site = Arc::clone(&site);
        Memo::new(move |_| queue.with(|queue| queue.entries(site.entries(), &site.study.dataset)))
    };
    let reviewed = {
        let site = Arc::clone(&site);
        move |index: usize| store.is_reviewed(&site.entries()[index].key)
    };
    let reviewed = StoredValue::new_local(reviewed);
    // The current position: `at`, else the first unreviewed item.
    let position = Memo::new(move |_| {
        let items = items.get();
        // Untracked: saving a review must not move the page on by itself ("n" does).
        query
            .with(position_of)
            .filter(|&position| position < items.len())
            .or_else(|| untrack(|| reviewed.with_value(|reviewed| next_unreviewed(&items, None, reviewed))))
    });
    let done = Memo::new(move |_| {
        let items = items.get();
        reviewed.with_value(|reviewed| items.iter().filter(|&&index| reviewed(index)).count())
    });

    // n: the next unreviewed item; p: the previous item.
    let targets = {
        let navigate = navigate.clone();
        move |key: &str| {
            let items = items.get_untracked();
            let current = position.get_untracked();
            let queue = queue.get_untracked();
            match key {
                "n" => {
                    match reviewed.with_value(|reviewed| next_unreviewed(&items, current, reviewed)) {
                        Some(target) => navigate(&queue_route(&queue, target), false),
                        // Everything reviewed: the queue without a position says so.
                        None => {
                            let query = queue.to_query();
                            navigate(
                                &if query.is_empty() { "/review".to_owned() } else { format!("/review?{query}") },
                                false,
                            )
                        }
                    }
                }
                "p" => {
                    if let Some(target) = current.and_then(|position| position.checked_sub(1)) {
                        navigate(&queue_route(&queue, target), false);
                    }
                }
                _ => return false,
            }
            true
        }
    };
    let handle = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        if event.alt_key() || event.ctrl_key() || event.meta_key() || typing_in_a_field(&event) {
            return;
        }
        if targets(event.key().as_str()) {
            event.prevent_default();
        }
    });
    on_cleanup(move || handle.remove());

    let description = move || match queue.get() {
        ReviewQueue::Filter(filter) if filter.is_empty() => "Every response, in the list's order.".to_owned(),
        ReviewQueue::Filter(_) => "The responses that match the list's filter.".to_owned(),
        ReviewQueue::Sample { strata, k, seed } => {
            format!(
                "A random sample of {k} {}, seed {seed}: the same link gives everyone the same responses.",
                strata.description()
            )
        }
    };

    view! {
        <h1>"Review queue"</h1>
        <p data-testid="queue-description">{description}</p>
        <SampleForm />
        <p class="progress" data-testid="queue-progress" aria-live="polite">
            {move || format!("{} of {} reviewed", done.get(), items.with(Vec::len))}
        </p>
        <progress max=move || items.with(Vec::len).max(1).to_string() value=move || done.get().to_string()></progress>
        <p class="keys">"Keys: 0, 1, 2 score the highlighted criterion and move to the next; s save; n next unreviewed; p previous."</p>
        {move || {
            let items = items.get();
            if items.is_empty() {
                return view! { <p class="none">"The queue is empty: no response matches."</p> }.into_any();
            }
            match position.get() {
                None => view! {
                    <p class="queue-done" data-testid="queue-done">
                        {format!("All {} responses of this queue are reviewed. ", items.len())}
                        <a href=href("/agreement")>"See how you agree with the judge"</a>
                    </p>
                }
                .into_any(),
                Some(position) => {
                    let index = items[position];
                    queue_item(&site, index, position, items.len(), &queue.get()).into_any()
                }
            }
        }}
        <ReviewFiles />
    }
}

/// The sample's controls: strata, k and seed (a new seed draws a new sample).
#[component]
fn SampleForm() -> impl IntoView {
    let navigate = navigator();
    let query = use_query_map();
    let current = move || query.with(review_queue_of);
    let (strata, k, seed) = match current() {
        ReviewQueue::Sample { strata, k, seed } => (strata, k, seed),
        ReviewQueue::Filter(_) => (Strata::default(), DEFAULT_SAMPLE_K, 1),
    };
    let strata = RwSignal::new(strata);
    let k = RwSignal::new(k.to_string());
    let seed = RwSignal::new(seed.to_string());
    let submit = move |event: ev::SubmitEvent| {
        event.prevent_default();
        let queue = ReviewQueue::Sample {
            strata: strata.get_untracked(),
            k: k.get_untracked().parse().unwrap_or(DEFAULT_SAMPLE_K),
            seed: seed.get_untracked().parse().unwrap_or(1),
        };
        navigate(&format!("/review?{}", queue.to_query()), false);
    };
    let options = Strata::ALL
        .iter()
        .map(|option| {
            let option = *option;
            view! { <option value=option.key() selected=move || strata.get() == option>{option.description()}</option> }
        })
        .collect_view();
    view! {
        <form class="sample-form" on:submit=submit>
            <fieldset>
                <legend>"Or review a stratified random sample"</legend>
                <label>"k " <input type="number" min="1" max="50" size="3" prop:value=move || k.get() on:input=move |e| k.set(event_target_value(&e)) /></label>
                <label>
                    " per "
                    <select on:change=move |e| strata.set(Strata::from_key(&event_target_value(&e)).unwrap_or_default())>{options}</select>
                </label>
                <label>" seed " <input type="number" min="0" size="8" prop:value=move || seed.get() on:input=move |e| seed.set(event_target_value(&e)) /></label>
                " "
                <button type="submit">"Make the sample"</button>
                " "
                <a href=href("/review")>"Whole list"</a>
            </fieldset>
        </form>
    }
}

/// One item of the queue: where it is, the question and reference, the response, the judge's grade
/// (blind until reviewed) and the review panel.
fn queue_item(
    site: &Arc<SiteData>,
    index: usize,
    position: usize,
    total: usize,
    queue: &ReviewQueue,
) -> impl IntoView + use<> {
    let store = use_reviews();
    let dataset = &site.study.dataset;
    let entry = &site.entries()[index];
    let key = entry.key.clone();
    let language = key.condition.language();
    let lang = language.iso_code();
    let record = entry.response(dataset).cloned();
    let grade = entry.grade(dataset).cloned();
    let question = dataset.question(key.question_id).cloned();
    let references = site.references.get(&key.question_id).cloned().unwrap_or_default();
    let question_text = question
        .as_ref()
        .map(|question| question.text(language).to_owned())
        .or_else(|| record.as_ref().map(|record| record.question_text.clone()))
        .unwrap_or_default();
    let english = question.as_ref().filter(|_| language != Language::English).map(|question| question.english.clone());
    let reference = references
        .get(Language::English)
        .map(|answer| answer.text.clone())
        .or_else(|| question.as_ref().and_then(|question| question.reference_answer.clone()));
    let local_reference =
        (language != Language::English).then(|| references.get(language).map(|answer| answer.text.clone())).flatten();
    let highlight =
        record.as_ref().map(|record| measure_response(&record.response, key.condition)).and_then(|metrics| {
            matches!(
                metrics.measured_source,
                left_behind_shared::FinalAnswerSource::Marker { .. }
                    | left_behind_shared::FinalAnswerSource::LastLines { .. }
            )
            .then_some(metrics.measured)
        });
    let sha = record.as_ref().map(|record| graded_text_sha256(&record.response, key.condition)).unwrap_or_default();
    let previous = position.checked_sub(1).map(|previous| queue_route(queue, previous));
    let next = (position + 1 < total).then(|| queue_route(queue, position + 1));
    let title = format!(
        "{} · {} · Question {}",
        key.condition.label(),
        site.study.registry.display_name(&key.model),
        key.question_id
    );
    let response_link = href(&response_route(&entry.key, ""));
    let data_key = format!("{}/{}/{}", key.condition, key.model, key.question_id);
    let panel_key = key.clone();
    let other_key = key.clone();
    let reviewed_key = key.clone();
    view! {
        <nav class="prev-next" aria-label="Previous and next in the queue">
            {match previous {
                Some(route) => view! { <a href=href(&route) aria-keyshortcuts="p">"← Previous"</a> }.into_any(),
                None => view! { <span class="disabled">"← Previous"</span> }.into_any(),
            }}
            <span data-testid="queue-position">{format!("Item {} of {total}", position + 1)}</span>
            {match next {
                Some(route) => view! { <a href=href(&route)>"Next →"</a> }.into_any(),
                None => view! { <span class="disabled">"Next →"</span> }.into_any(),
            }}
        </nav>
        <div class="review-layout">
            <article class="response-detail" data-testid="queue-item" data-key=data_key>
                <h2>
                    {title}
                    {move || store.is_reviewed(&reviewed_key).then(|| view! { <span class="reviewed-mark" data-testid="reviewed-mark">" ✓ reviewed"</span> })}
                </h2>
                <p class="meta"><a href=response_link>"Open the response page"</a></p>
                <h3>"Question"</h3>
                <blockquote lang=lang>{question_text}</blockquote>
                {english.map(|english| view! { <p class="english-original">"English original: " <span lang="en">{english}</span></p> })}
                <h3>"Reference answer"</h3>
                {local_reference.map(|text| view! { <p lang=lang class="reference">{text}</p> })}
                {match reference {
                    Some(text) => view! { <p lang="en" class="reference">{text}</p> }.into_any(),
                    None => view! { <p class="none">"The study gives none."</p> }.into_any(),
                }}
                <h3>"Response"</h3>
                {record.map(|record| view! { <MarkdownView source=record.response lang=lang highlight=highlight /> })}
                <h3>"Judge's grade"</h3>
                <BlindSwitch />
                {move || if judge_visible(store, &key) {
                    let grade = grade.clone();
                    view! {
                        <Scores grade=grade.clone() />
                        {grade.map(|row| view! { <p class="judge-notes" lang="en" data-testid="judge-notes">{row.notes}</p> })}
                        <OtherReviews key=other_key.clone() />
                    }.into_any()
                } else {
                    view! { <HiddenGrade /> }.into_any()
                }}
            </article>
            <ReviewPanel key=panel_key graded_text_sha256=sha />
        </div>
    }
}
