//! The list's filters: checkboxes per dimension, the question and total-score selects and the search
//! box. A change writes the new filter into the URL (back to the first page); the list follows the URL.

use left_behind_shared::{
    Condition, Criterion, DetectedLanguage, GradingState, ModelCategory, QuestionCategory, ResponseFilter, truncate,
};
use leptos::prelude::*;

use crate::site::{href, navigator, responses_route, use_site};

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

/// A checkbox's value in the URL and its label.
struct Choice {
    value: String,
    label: String,
}

impl Choice {
    fn new(value: impl Into<String>, label: impl Into<String>) -> Choice {
        Choice { value: value.into(), label: label.into() }
    }
}

#[component]
pub fn FilterPanel(filter: Memo<ResponseFilter>) -> impl IntoView {
    let site = use_site();
    let navigate = navigator();
    // Applies a change to the current filter by navigating to its URL; `replace` rewrites the current
    // history entry instead of adding one (typing in the search box).
    let apply = StoredValue::new_local(move |change: &dyn Fn(&mut ResponseFilter), replace: bool| {
        let mut next = filter.get_untracked();
        change(&mut next);
        navigate(&responses_route(&next.to_query()), replace);
    });

    let group = move |legend: &'static str, dimension: Dimension, choices: Vec<Choice>| {
        let boxes = choices
            .into_iter()
            .map(|Choice { value, label }| {
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

    let dataset = &site.study.dataset;
    let registry = &site.study.registry;
    let entries = site.entries();
    let models: Vec<Choice> = registry
        .sorted_names(entries.iter().map(|entry| entry.key.model.as_str()))
        .into_iter()
        .map(|name| {
            let label = registry.display_name(&name).to_owned();
            Choice::new(name, label)
        })
        .collect();
    let categories: Vec<Choice> = ModelCategory::ALL
        .into_iter()
        .filter(|category| entries.iter().any(|entry| entry.model_category == *category))
        .map(|category| Choice::new(category.key(), category.display_name()))
        .collect();
    let conditions: Vec<Choice> =
        Condition::ALL.into_iter().map(|condition| Choice::new(condition.id(), condition.label())).collect();
    let question_categories: Vec<Choice> = QuestionCategory::ALL
        .into_iter()
        .map(|category| Choice::new(category.key(), category.display_name()))
        .collect();
    let grading: Vec<Choice> =
        GradingState::ALL.into_iter().map(|state| Choice::new(state.key(), state.display_name())).collect();
    let languages: Vec<Choice> = DetectedLanguage::ALL
        .into_iter()
        .filter(|language| entries.iter().any(|entry| entry.detected_language == Some(*language)))
        .map(|language| Choice::new(language.key(), language.display_name()))
        .collect();
    let score_values = || (0..=2).map(|score| Choice::new(score.to_string(), score.to_string())).collect::<Vec<_>>();
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

    let filters_open = RwSignal::new(false);
    view! {
        // On a narrow screen the filters fold behind this button, so that the list starts on the first
        // screen; it says how many are in use.
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
    }
}
