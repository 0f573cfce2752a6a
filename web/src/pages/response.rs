//! One response: the question in the condition's language and in English, the reference answers,
//! the system prompt, the response as Markdown, the judge's scores and notes, time and length.
//! Previous/next move within the list's filter (carried in the query); keyboard: ← / k previous,
//! → / j next, Esc back to the list. The path alone is the permalink.

use std::sync::Arc;

use left_behind_shared::{
    Condition, FinalAnswerSource, Language, ResponseKey, TextMetrics, filter_entries, format_number, measure_response,
    neighbours,
};
use leptos::ev;
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

use crate::components::{
    BlindSwitch, HiddenGrade, JudgeVerdicts, MarkdownView, OtherReviews, ReviewPanel, Scores, judge_visible,
    typing_in_a_field,
};
use crate::data::SiteData;
use crate::site::{filter_of, href, navigator, response_route, responses_route, use_site};

/// Where the shown response sits in the list's filtered selection, and the routes around it.
#[derive(Clone, PartialEq)]
struct ListPlace {
    /// Index of the response in the site's entries.
    position: usize,
    /// Where in the selection the response is, when it is in it.
    place: Option<SelectionPlace>,
    previous: Option<String>,
    next: Option<String>,
    /// The list with the same filter.
    list: String,
}

/// A place in the list's selection.
#[derive(Clone, Copy, PartialEq)]
struct SelectionPlace {
    /// 0-based.
    index: usize,
    /// The selection's size.
    total: usize,
}

/// The response a route's parameters name, if they name one.
fn key_of(params: &ParamsMap) -> Option<ResponseKey> {
    Some(ResponseKey {
        condition: Condition::parse(params.get_str("condition")?)?,
        model: params.get("model")?,
        question_id: params.get_str("question")?.parse().ok()?,
    })
}

#[component]
pub fn ResponsePage() -> impl IntoView {
    let site = use_site();
    let params = use_params_map();
    let query = use_query_map();
    let navigate = navigator();

    let key = Memo::new(move |_| params.with(key_of));
    let list_place = {
        let site = Arc::clone(&site);
        Memo::new(move |_| {
            let key = key.get()?;
            let position = site.entries().iter().position(|entry| entry.key == key)?;
            let filter = query.with(filter_of);
            let filter_query = filter.to_query();
            let selection = filter_entries(site.entries(), &site.study.dataset, &filter);
            let around = neighbours(site.entries(), &selection, &key);
            let route_of =
                |index: Option<usize>| index.map(|index| response_route(&site.entries()[index].key, &filter_query));
            Some(ListPlace {
                position,
                place: around.position.map(|index| SelectionPlace { index, total: selection.len() }),
                previous: route_of(around.previous),
                next: route_of(around.next),
                list: responses_route(&filter_query),
            })
        })
    };

    // Keyboard: ← / k previous, → / j next, Esc the list (the targets of the view on screen).
    let handle = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        if event.alt_key() || event.ctrl_key() || event.meta_key() || typing_in_a_field(&event) {
            return;
        }
        let target = list_place.with_untracked(|place| {
            let (previous, next, list) = match place {
                Some(place) => (place.previous.clone(), place.next.clone(), place.list.clone()),
                None => (None, None, "/responses".to_owned()),
            };
            match event.key().as_str() {
                "ArrowLeft" | "k" => previous,
                "ArrowRight" | "j" => next,
                "Escape" => Some(list),
                _ => None,
            }
        });
        if let Some(route) = target {
            event.prevent_default();
            navigate(&route, false);
        }
    });
    on_cleanup(move || handle.remove());

    move || {
        let Some(key) = key.get() else {
            return view! { <h1>"No such response"</h1><p>"The address does not name a condition, model and question."</p> }
                .into_any();
        };
        let Some(place) = list_place.get() else {
            return view! {
                <h1>"No such response"</h1>
                <p>{format!("This dataset has no response of {} to question {} in {}.", key.model, key.question_id, key.condition)}</p>
                <p><a href=href("/responses")>"Back to the responses"</a></p>
            }
            .into_any();
        };
        detail(&site, place).into_any()
    }
}

fn detail(site: &Arc<SiteData>, list_place: ListPlace) -> impl IntoView + use<> {
    let ListPlace { position, place, previous, next, list: list_route } = list_place;
    let dataset = &site.study.dataset;
    let entry = &site.entries()[position];
    let key = entry.key.clone();
    let language = key.condition.language();
    let lang = language.iso_code();
    let record = entry.response(dataset).cloned();
    let grade = entry.grade(dataset).cloned();
    let question = dataset.question(key.question_id).cloned();
    let references = site.references.get(&key.question_id).cloned().unwrap_or_default();
    let results_file = dataset.results_file(key.condition, &key.model);
    let system_prompt = results_file.and_then(|file| file.system_prompt_used.clone());
    let model_name = site.study.registry.display_name(&key.model).to_owned();
    let permalink = href(&response_route(&key, ""));

    // The same measurement as `left-behind metrics`; in C3/C5 its measured range is the graded final answer.
    let metrics = record.as_ref().map(|record| measure_response(&record.response, key.condition));
    let highlight = metrics
        .as_ref()
        .filter(|metrics| {
            matches!(metrics.measured_source, FinalAnswerSource::Marker { .. } | FinalAnswerSource::LastLines { .. })
        })
        .map(|metrics| metrics.measured.clone());
    let question_text = question
        .as_ref()
        .map(|question| question.text(language).to_owned())
        .or_else(|| record.as_ref().map(|record| record.question_text.clone()))
        .unwrap_or_default();
    let english = question.as_ref().filter(|_| language != Language::English).map(|question| question.english.clone());
    let reference_in = |language: Language| references.get(language).map(|answer| answer.text.clone());
    let short_reference = question.as_ref().and_then(|question| question.reference_answer.clone());

    let nav = view! {
        <nav class="prev-next" aria-label="Previous and next response in the list">
            {match previous {
                Some(route) => view! { <a rel="prev" href=href(&route) aria-keyshortcuts="ArrowLeft k">"← Previous"</a> }.into_any(),
                None => view! { <span class="disabled">"← Previous"</span> }.into_any(),
            }}
            <a href=href(&list_route) aria-keyshortcuts="Escape">
                {match place {
                    Some(SelectionPlace { index, total }) => format!("{} of {total} in the list", index + 1),
                    None => "Back to the list".to_owned(),
                }}
            </a>
            {match next {
                Some(route) => view! { <a rel="next" href=href(&route) aria-keyshortcuts="ArrowRight j">"Next →"</a> }.into_any(),
                None => view! { <span class="disabled">"Next →"</span> }.into_any(),
            }}
        </nav>
    };

    let graded_sha =
        record.as_ref().map(|record| left_behind_shared::graded_text_sha256(&record.response, key.condition));
    let store = crate::reviews::use_reviews();
    let panel_key = key.clone();
    let judge_key = key.clone();
    let other_key = key.clone();
    let verdict_site = site.clone();

    view! {
        {nav}
        <div class="review-layout">
        <article class="response-detail" data-testid="response-detail">
            <h1>{format!("{} · {model_name} · Question {}", key.condition.label(), key.question_id)}</h1>
            <p class="meta">
                <a href=permalink.clone() data-testid="permalink">"Permalink"</a>
                " · "
                <a href=href(&format!("/questions/{}", key.question_id))>"This question across all models and conditions"</a>
                " · Keys: ← previous, → next, Esc list"
            </p>
            <section aria-labelledby="question-heading">
                <h2 id="question-heading">"Question"</h2>
                <blockquote lang=lang>{question_text}</blockquote>
                {english.map(|english| view! { <p class="english-original">"English original: " <span lang="en">{english}</span></p> })}
            </section>
            <section aria-labelledby="reference-heading">
                <h2 id="reference-heading">"Reference answer"</h2>
                {(language != Language::English).then(|| view! {
                    <h3>{language.display_name()}</h3>
                    {match reference_in(language) {
                        Some(text) => view! { <p lang=lang class="reference">{text}</p> }.into_any(),
                        None => view! { <p class="none">"The answer sheet gives none."</p> }.into_any(),
                    }}
                })}
                <h3>"English"</h3>
                {match reference_in(Language::English).or(short_reference) {
                    Some(text) => view! { <p lang="en" class="reference">{text}</p> }.into_any(),
                    None => view! { <p class="none">"The study gives none."</p> }.into_any(),
                }}
            </section>
            <section aria-labelledby="prompt-heading">
                <h2 id="prompt-heading">"System prompt"</h2>
                {match system_prompt {
                    Some(prompt) => view! { <pre class="system-prompt" lang=lang>{prompt}</pre> }.into_any(),
                    None => view! { <p class="none">"None (the question was sent alone)."</p> }.into_any(),
                }}
            </section>
            <section aria-labelledby="response-heading">
                <h2 id="response-heading">"Response"</h2>
                {match record.clone().zip(metrics.clone()) {
                    Some((record, metrics)) => view! {
                        <p class="meta">{match record.response_time_seconds {
                                Some(seconds) => format!("Answered in {seconds:.2} s"),
                                None => "Answered in a batch (no per-call time)".to_owned(),
                            }}
                            {grade.as_ref().map(|row| format!(" · {} words (as graded)", row.response_length))}
                        </p>
                        {final_answer_note(&metrics.measured_source)}
                        <MarkdownView source=record.response lang=lang highlight=highlight.clone() />
                    }.into_any(),
                    None if !site.results_complete() => view! { <p class="loading" role="status">"Loading the response…"</p> }.into_any(),
                    None => view! { <p class="none">"The response is not in this dataset (only its grade is)."</p> }.into_any(),
                }}
            </section>
            {metrics.map(|metrics| view! {
                <section aria-labelledby="metrics-heading">
                    <h2 id="metrics-heading">"Automated metrics"</h2>
                    <MetricsList metrics language />
                </section>
            })}
            <section aria-labelledby="grade-heading">
                <h2 id="grade-heading">"Judge's grade"</h2>
                // Blind review: hidden until the reader has saved their own review (or asks to see it).
                <BlindSwitch />
                {move || if judge_visible(store, &judge_key) {
                    let grade = grade.clone();
                    view! {
                        <Scores grade=grade.clone() />
                        {grade.map(|row| view! {
                            <h3>"Judge's notes"</h3>
                            <p class="judge-notes" lang="en" data-testid="judge-notes">{row.notes}</p>
                        })}
                        <OtherReviews key=other_key.clone() />
                        <JudgeVerdicts
                            site=verdict_site.clone()
                            condition=other_key.condition
                            model=other_key.model.clone()
                            question_id=other_key.question_id
                        />
                    }.into_any()
                } else {
                    view! { <HiddenGrade /> }.into_any()
                }}
            </section>
        </article>
        {graded_sha.map(|sha| view! { <ReviewPanel key=panel_key graded_text_sha256=sha /> })}
        </div>
    }
}

/// Says which part of a transfer-condition response was graded.
fn final_answer_note(source: &FinalAnswerSource) -> Option<impl IntoView + use<>> {
    let text = match source {
        FinalAnswerSource::WholeResponse => return None,
        FinalAnswerSource::Marker { .. } => {
            "The highlighted part, after the step-3 marker, is the final answer: the text the judge grades and the metrics measure."
                .to_owned()
        }
        FinalAnswerSource::LastLines { lines } => format!(
            "No step-3 marker: the highlighted last {lines} lines are taken as the final answer (graded and measured)."
        ),
        FinalAnswerSource::ShortResponse => {
            "No step-3 marker and a short response: the whole response is graded and measured.".to_owned()
        }
    };
    Some(view! { <p class="final-answer-note">{text}</p> })
}

/// The automated metrics of one response (`shared::measure_response`).
#[component]
fn MetricsList(metrics: TextMetrics, language: Language) -> impl IntoView {
    let yes_no = |value: bool| if value { "yes" } else { "no" };
    let detected = metrics.detected;
    let detected_text = format!(
        "{} (confidence {}){}",
        detected.language.display_name(),
        format_number(detected.confidence, 2, false),
        if metrics.wrong_language { format!(": not {}", language.display_name()) } else { String::new() }
    );
    let script = if metrics.script_issues.is_empty() {
        "correct".to_owned()
    } else {
        metrics.script_issues.iter().map(|issue| issue.key()).collect::<Vec<_>>().join(", ")
    };
    view! {
        <dl class="metrics" data-testid="metrics">
            <dt>"Detected language"</dt>
            <dd class=if metrics.wrong_language { "wrong-language" } else { "" }>{detected_text}</dd>
            <dt>"Characters"</dt><dd>{metrics.char_count}</dd>
            <dt>"Words"</dt><dd>{metrics.word_count}</dd>
            <dt>"Estimated tokens"</dt><dd>{metrics.estimated_tokens}</dd>
            <dt>"Cyrillic ratio"</dt><dd>{format_number(metrics.cyrillic_ratio, 3, false)}</dd>
            <dt>"Language consistent"</dt><dd>{yes_no(metrics.language_consistent)}</dd>
            <dt>"Script"</dt><dd>{script}</dd>
            <dt>"Code switches"</dt>
            <dd>{format!("{} (ratio {})", metrics.code_switching.count, format_number(metrics.code_switching.ratio, 3, false))}</dd>
            {metrics.english_word_count.map(|count| view! { <dt>"English function words"</dt><dd>{count}</dd> })}
            {metrics.transfer.map(|transfer| view! {
                <dt>"All three steps shown"</dt><dd>{yes_no(transfer.all_steps_present)}</dd>
            })}
        </dl>
    }
}
