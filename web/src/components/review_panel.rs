//! The review panel of one response: the three rubric scores (with the rubric's words), a flag for a
//! problem that is not the answer's, a note, and save. Keyboard: 0, 1, 2 score the highlighted
//! criterion and move to the next; s saves. Also the blind switch, and what others' reviews say
//! (shown, like the judge's grade, only once the reviewer has saved their own or asked to see them).

use left_behind_shared::{
    Dimension, RUBRIC_CRITERIA, ResponseKey, Review, ReviewFlag, ReviewStatus, Scores, review_status,
};
use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::reviews::{ReviewStore, now_rfc3339, use_reviews};
use crate::site::use_site;

/// The criteria in the order the keyboard walks them.
const CRITERIA: [Dimension; 3] = [Dimension::Accuracy, Dimension::Fluency, Dimension::Completeness];

/// Keys typed into a form field are text, not shortcuts (a focused radio button is not a field: its
/// criterion is scored with the digit keys too).
pub fn typing_in_a_field(event: &web_sys::KeyboardEvent) -> bool {
    let Some(element) = event.target().and_then(|target| target.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let radio = element.dyn_ref::<web_sys::HtmlInputElement>().is_some_and(|input| input.type_() == "radio");
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") && !radio
}

/// The panel for the response `key`, whose graded text hashes to `graded_text_sha256`.
#[component]
pub fn ReviewPanel(key: ResponseKey, graded_text_sha256: String) -> impl IntoView {
    let store = use_reviews();
    let existing = store.my_review(&key);
    let scores: [RwSignal<Option<u8>>; 3] = [
        RwSignal::new(existing.as_ref().map(|review| review.scores.accuracy)),
        RwSignal::new(existing.as_ref().map(|review| review.scores.fluency)),
        RwSignal::new(existing.as_ref().map(|review| review.scores.completeness)),
    ];
    let flag = RwSignal::new(existing.as_ref().and_then(|review| review.flag));
    let notes = RwSignal::new(existing.as_ref().map(|review| review.notes.clone()).unwrap_or_default());
    // The criterion the digit keys score next.
    let cursor = RwSignal::new(0usize);
    let status = RwSignal::new(existing.as_ref().map(|review| format!("Saved at {}.", review.reviewed_at)));
    let complete = move || scores.iter().all(|score| score.get().is_some());

    let save = {
        let key = key.clone();
        move || {
            let [Some(accuracy), Some(fluency), Some(completeness)] = scores.map(|score| score.get_untracked()) else {
                status.set(Some("Choose all three scores first.".to_owned()));
                return;
            };
            let review = Review {
                reviewer: store.reviewer.get_untracked(),
                key: key.clone(),
                scores: Scores { accuracy, fluency, completeness },
                flag: flag.get_untracked(),
                notes: notes.get_untracked(),
                reviewed_at: now_rfc3339(),
                graded_text_sha256: graded_text_sha256.clone(),
                line: 0,
            };
            let at = review.reviewed_at.clone();
            store.save(review);
            status.set(Some(format!("Saved at {at}.")));
        }
    };
    let save = StoredValue::new_local(save);

    let handle = window_event_listener(ev::keydown, move |event: web_sys::KeyboardEvent| {
        if event.alt_key() || event.ctrl_key() || event.meta_key() || typing_in_a_field(&event) {
            return;
        }
        match event.key().as_str() {
            digit @ ("0" | "1" | "2") => {
                let position = cursor.get_untracked();
                scores[position].set(digit.parse().ok());
                cursor.set((position + 1) % CRITERIA.len());
                event.prevent_default();
            }
            "s" => {
                save.with_value(|save| save());
                event.prevent_default();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let radio_name = format!("review-{}-{}-{}", key.condition, key.model, key.question_id);
    let criteria = CRITERIA
        .iter()
        .enumerate()
        .map(|(position, dimension)| {
            let rubric = RUBRIC_CRITERIA[position];
            let score = scores[position];
            let name = format!("{radio_name}-{}", dimension.key());
            let options = (0..=Scores::MAX_EACH)
                .map(|value| {
                    let level = rubric.levels[usize::from(value)];
                    view! {
                        <label class="level">
                            <input
                                type="radio"
                                name=name.clone()
                                value=value.to_string()
                                prop:checked=move || score.get() == Some(value)
                                on:change=move |_| {
                                    score.set(Some(value));
                                    cursor.set((position + 1) % CRITERIA.len());
                                }
                            />
                            <span class="level-score">{value}</span>
                            <span class="level-words">{level}</span>
                        </label>
                    }
                })
                .collect_view();
            let class = move || if cursor.get() == position { "criterion current" } else { "criterion" };
            view! {
                <fieldset class=class data-criterion=dimension.key()>
                    <legend>
                        {capitalized(rubric.name)}
                        <span class="asks">{format!(" ({})", rubric.asks)}</span>
                    </legend>
                    {options}
                </fieldset>
            }
        })
        .collect_view();
    let flag_options = std::iter::once(("".to_owned(), "No flag".to_owned()))
        .chain(ReviewFlag::ALL.iter().map(|flag| (flag.key().to_owned(), format!("{}: {}", flag.key(), flag.description()))))
        .map(|(value, label)| {
            let selected_value = value.clone();
            view! {
                <option value=value.clone() selected=move || flag.get().map(ReviewFlag::key).unwrap_or("") == selected_value>
                    {label}
                </option>
            }
        })
        .collect_view();

    view! {
        <aside class="review-panel" aria-labelledby="review-heading" data-testid="review-panel">
            <h2 id="review-heading">"Your review"</h2>
            <p class="reviewer">"Reviewing as " <strong>{move || store.reviewer.get()}</strong></p>
            {criteria}
            <label class="flag">
                "Flag a problem that is not the answer's"
                <select
                    data-testid="review-flag"
                    on:change=move |event| flag.set(ReviewFlag::from_key(&event_target_value(&event)))
                >
                    {flag_options}
                </select>
            </label>
            <label class="note">
                "Note"
                <textarea
                    data-testid="review-notes"
                    rows="3"
                    prop:value=move || notes.get()
                    on:input=move |event| notes.set(event_target_value(&event))
                ></textarea>
            </label>
            <button
                type="button"
                data-testid="review-save"
                aria-keyshortcuts="s"
                prop:disabled=move || !complete()
                on:click=move |_| save.with_value(|save| save())
            >
                "Save review"
            </button>
            <p class="review-status" role="status" data-testid="review-status">{move || status.get()}</p>
            <p class="keys">"Keys: 0, 1, 2 score the highlighted criterion and move to the next; s saves."</p>
            <p class="storage-note">
                "Reviews are kept in this browser only until you export them (on the review page)."
            </p>
        </aside>
    }
}

/// `ACCURACY` -> `Accuracy`.
fn capitalized(name: &str) -> String {
    let lower = name.to_lowercase();
    let mut chars = lower.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The switch that shows the judge's grades (and others' reviews) before one's own review is saved.
#[component]
pub fn BlindSwitch() -> impl IntoView {
    let store = use_reviews();
    view! {
        <label class="blind-switch">
            <input
                type="checkbox"
                data-testid="show-judge"
                prop:checked=move || store.show_judge.get()
                on:change=move |event| store.set_show_judge(event_target_checked(&event))
            />
            " Show the judge's grades before I review (for reading, not reviewing)"
        </label>
    }
}

/// Whether the judge's grade of `key` may be shown: after one's own review, or with the switch on.
pub fn judge_visible(store: ReviewStore, key: &ResponseKey) -> bool {
    store.show_judge.get() || store.is_reviewed(key)
}

/// What the blind review shows in place of the judge's grade.
#[component]
pub fn HiddenGrade() -> impl IntoView {
    view! {
        <div class="hidden-grade" data-testid="judge-hidden">
            <p>
                "Hidden until you save your review, so that the judge's scores do not anchor yours (blind \
                 review). The switch above shows them at once."
            </p>
        </div>
    }
}

/// Others' reviews of one response (imported, shipped): their scores, flag and note, as text; stale
/// ones marked.
#[component]
pub fn OtherReviews(key: ResponseKey) -> impl IntoView {
    let store = use_reviews();
    let site = use_site();
    move || {
        let me = store.reviewer.get();
        let others: Vec<Review> =
            store.all_reviews().into_iter().filter(|review| review.key == key && review.reviewer != me).collect();
        if others.is_empty() {
            return None;
        }
        let items = others
            .into_iter()
            .map(|review| {
                let stale = review_status(&review, &site.study.dataset) == ReviewStatus::Stale;
                view! {
                    <li data-testid="other-review">
                        <strong>{review.reviewer.clone()}</strong>
                        {format!(
                            ": {}/{}/{} (total {}/6)",
                            review.scores.accuracy,
                            review.scores.fluency,
                            review.scores.completeness,
                            review.scores.total()
                        )}
                        {stale.then(|| view! { <span class="stale">" stale: the answer changed since"</span> })}
                        {review.flag.map(|flag| view! { <span class="flag-label">{format!(" flag: {}", flag.key())}</span> })}
                        {(!review.notes.is_empty()).then(|| view! { <p class="review-note">{review.notes.clone()}</p> })}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="other-reviews" aria-labelledby="other-reviews-heading">
                <h3 id="other-reviews-heading">"Reviewers' grades"</h3>
                <ul>{items}</ul>
            </section>
        })
    }
}
