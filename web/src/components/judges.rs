//! The judges: every judge's verdict on one response, and the list of judges with their providers
//! and model ids (the methods page).

use std::sync::Arc;

use left_behind_shared::{Condition, GradeRow, Scores, verdicts};
use leptos::prelude::*;

use crate::components::total_label;
use crate::data::SiteData;

/// Every judge's verdict on one response (scores and notes) in one table, the panel's last.
#[component]
pub fn JudgeVerdicts(site: Arc<SiteData>, condition: Condition, model: String, question_id: u32) -> impl IntoView {
    let dataset = &site.study.dataset;
    if dataset.judges.is_empty() {
        return ().into_any();
    }
    let rows = verdicts(dataset, condition, &model, question_id, &site.study.judge.name)
        .into_iter()
        .map(|verdict| {
            let scores = verdict.grade.as_ref().and_then(GradeRow::scores);
            let score = move |pick: fn(&Scores) -> u8| {
                scores.as_ref().map_or("–".to_owned(), |scores| pick(scores).to_string())
            };
            let total = total_label(verdict.grade.as_ref());
            let notes = verdict.grade.as_ref().map(|grade| grade.notes.clone()).unwrap_or_default();
            view! {
                <tr>
                    <th scope="row"><code>{verdict.judge}</code></th>
                    <td class="num">{score(|scores| scores.accuracy)}</td>
                    <td class="num">{score(|scores| scores.fluency)}</td>
                    <td class="num">{score(|scores| scores.completeness)}</td>
                    <td class="num">{total}</td>
                    <td lang="en">{notes}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="verdicts-heading">
            <h2 id="verdicts-heading">"Every judge's verdict"</h2>
            <div class="table-scroll">
                <table class="verdicts" data-testid="verdicts">
                    <thead>
                        <tr>
                            <th scope="col">"Judge"</th>
                            <th scope="col">"Accuracy"</th>
                            <th scope="col">"Fluency"</th>
                            <th scope="col">"Completeness"</th>
                            <th scope="col">"Total"</th>
                            <th scope="col">"Notes"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// Every judge of the dataset: the study's, then the others, with provider and API id where the
/// registry knows them, and how many grades each gave.
#[component]
pub fn JudgesTable(site: Arc<SiteData>) -> impl IntoView {
    let dataset = &site.study.dataset;
    // The judge the site was built with (the configuration's, as `left-behind report` uses): `grades/`.
    let study_judge = &site.study.judge;
    let rows = dataset
        .judges_rows(&study_judge.name)
        .into_iter()
        .map(|(name, rows)| {
            let is_study_judge = name == study_judge.name;
            let info = if is_study_judge { Some(study_judge) } else { site.study.registry.get(name) };
            let graded = rows.iter().filter(|row| !row.is_failed()).count();
            let place = if is_study_judge { "grades/".to_owned() } else { format!("grades/judges/{name}/") };
            view! {
                <tr>
                    <th scope="row"><code>{name.to_owned()}</code></th>
                    <td>{info.map(|info| info.provider.key()).unwrap_or("–")}</td>
                    <td><code>{info.map(|info| info.api_model_id.clone()).unwrap_or_else(|| "–".into())}</code></td>
                    <td>{info.and_then(|info| info.family.clone()).unwrap_or_else(|| "–".into())}</td>
                    <td><code>{place}</code></td>
                    <td class="num">{graded}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table data-testid="judges">
                <caption class="visually-hidden">"The judges"</caption>
                <thead><tr>
                    <th scope="col">"Judge"</th><th scope="col">"Provider"</th><th scope="col">"API id"</th>
                    <th scope="col">"Family"</th><th scope="col">"Grades in"</th>
                    <th scope="col" class="num">"Responses graded"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
