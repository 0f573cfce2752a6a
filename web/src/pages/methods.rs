//! How the study was run: the conditions, the system prompts as sent (from the results files), the
//! rubric, and the models with their categories and API ids (from the registry and the data).

use std::collections::BTreeMap;

use left_behind_shared::{Condition, ModelCategory, judge_system_prompt};
use leptos::prelude::*;

use crate::components::{JudgesTable, UncertaintyMethod};
use crate::site::use_site;

#[component]
pub fn MethodsPage() -> impl IntoView {
    let site = use_site();
    if !site.results_complete() {
        // The prompts as sent and the models' counts come from the results files.
        return view! { <h1>"Methods"</h1><p class="loading" role="status">"Loading the results files…"</p> }
            .into_any();
    }
    let dataset = &site.study.dataset;

    let condition_rows = Condition::ALL
        .into_iter()
        .map(|condition| {
            view! {
                <tr>
                    <th scope="row">{condition.id()}</th>
                    <td>{condition.language().display_name()}</td>
                    <td>{if condition.is_transfer() { "Translate to English, answer, translate back" } else { "Direct" }}</td>
                    <td>{condition.description()}</td>
                    <td>{condition.direct_baseline().map(|baseline| format!("{condition} − {baseline}")).unwrap_or_else(|| "–".to_owned())}</td>
                </tr>
            }
        })
        .collect_view();

    // The prompts as the results files recorded them, with the models that were sent each one.
    let mut prompts: BTreeMap<(Condition, Option<String>), Vec<String>> = BTreeMap::new();
    for results in &dataset.results {
        prompts
            .entry((results.condition, results.system_prompt_used.clone()))
            .or_default()
            .push(site.study.registry.display_name(&results.model).to_owned());
    }
    let prompt_items = prompts
        .into_iter()
        .map(|((condition, prompt), models)| {
            let lang = condition.language().iso_code();
            view! {
                <div class="prompt">
                    <h3>{condition.label()}</h3>
                    {match prompt {
                        Some(prompt) => view! { <pre lang=lang>{prompt}</pre> }.into_any(),
                        None => view! { <p>"No system prompt: the question was sent alone."</p> }.into_any(),
                    }}
                    <p class="meta">{format!("Sent to: {}", models.join(", "))}</p>
                </div>
            }
        })
        .collect_view();

    let mut model_names: Vec<String> = site.study.registry.models.iter().map(|model| model.name.clone()).collect();
    for name in site.study.registry.sorted_names(site.entries().iter().map(|entry| entry.key.model.as_str())) {
        if !model_names.contains(&name) {
            model_names.push(name);
        }
    }
    let model_rows = model_names
        .iter()
        .map(|name| {
            let info = site.study.registry.get(name);
            let in_data = site.entries().iter().filter(|entry| &entry.key.model == name).count();
            view! {
                <tr>
                    <th scope="row">{site.study.registry.display_name(name).to_owned()}</th>
                    <td><code>{name.clone()}</code></td>
                    <td>{info.map_or(ModelCategory::Unassigned, |info| info.category).display_name()}</td>
                    <td>{info.map(|info| info.provider.key()).unwrap_or("–")}</td>
                    <td><code>{info.map(|info| info.api_model_id.clone()).unwrap_or_else(|| "–".into())}</code></td>
                    <td>{info.and_then(|info| info.provider_route.clone()).unwrap_or_else(|| "–".into())}</td>
                    <td class="num">{in_data}</td>
                </tr>
            }
        })
        .collect_view();

    let judge = site.study.judge.clone();
    // The rubric and rules, then the answer sheet: split where the sheet begins.
    let rubric = dataset.answer_sheet.as_ref().map(|sheet| {
        let prompt = judge_system_prompt(sheet, &dataset.questions);
        match prompt.find("\nANSWER SHEET") {
            Some(index) => (prompt[..index].trim_end().to_owned(), prompt[index..].trim_start().to_owned()),
            None => (prompt, String::new()),
        }
    });
    view! {
        <h1>"Methods"</h1>
        <section aria-labelledby="conditions-heading">
            <h2 id="conditions-heading">"Conditions"</h2>
            <p>"Each of the 50 questions is asked in five conditions. The cross-lingual-transfer (CLT) effect compares a transfer condition with the direct one in the same language."</p>
            <div class="table-scroll">
                <table>
                    <caption class="visually-hidden">"The five conditions"</caption>
                    <thead><tr>
                        <th scope="col">"Condition"</th><th scope="col">"Language"</th><th scope="col">"Route"</th>
                        <th scope="col">"Description"</th><th scope="col">"ΔCLT"</th>
                    </tr></thead>
                    <tbody>{condition_rows}</tbody>
                </table>
            </div>
        </section>
        <section aria-labelledby="prompts-heading">
            <h2 id="prompts-heading">"System prompts"</h2>
            <p>"As recorded in the results files."</p>
            {prompt_items}
        </section>
        <section aria-labelledby="rubric-heading">
            <h2 id="rubric-heading">"Rubric"</h2>
            <p>"An LLM judge scored each response against the reference answers on Accuracy, Fluency and Completeness, 0 to 2 each (total 0 to 6). Scores are reported as percentages of the maximum, averaged over the graded rows. A grading that failed is recorded as −1 in every column: it is counted as a failure and left out of every mean, never read as 0."</p>
            <p data-testid="judge">
                "The judge " <code>"left-behind grade"</code> " calls unless told otherwise: "
                {judge.display_name} " (" <code>{judge.name}</code> ", API id " <code>{judge.api_model_id}</code> ")."
            </p>
            {match rubric {
                Some((rubric, sheet)) => view! {
                    <p>"The judge's system prompt, as " <code>"left-behind grade"</code> " sends it:"</p>
                    <pre class="judge-prompt" data-testid="judge-prompt">{rubric}</pre>
                    <details>
                        <summary>"…followed by the answer sheet (every question and reference answer in English, Kazakh and Mongolian)"</summary>
                        <pre class="judge-prompt">{sheet}</pre>
                    </details>
                }.into_any(),
                None => view! { <p class="none">"The answer sheet is not loaded, so the judge's prompt cannot be shown."</p> }.into_any(),
            }}
        </section>
        <section aria-labelledby="judges-heading">
            <h2 id="judges-heading">"Judges"</h2>
            <p>"Every judge grades with the same prompt (above) and never learns which model wrote the answer. The study's judge's grades are in "<code>"grades/"</code>"; every other judge's in its own directory. The panel's score of a response is, per criterion, the median of the judges that graded it."</p>
            <JudgesTable site=site.clone() />
        </section>
        <UncertaintyMethod />
        <section aria-labelledby="models-heading">
            <h2 id="models-heading">"Models"</h2>
            <div class="table-scroll">
                <table data-testid="models">
                    <caption class="visually-hidden">"The models"</caption>
                    <thead><tr>
                        <th scope="col">"Model"</th><th scope="col">"File name"</th><th scope="col">"Category"</th>
                        <th scope="col">"Provider"</th><th scope="col">"API id"</th><th scope="col">"Route"</th>
                        <th scope="col" class="num">"Responses here"</th>
                    </tr></thead>
                    <tbody>{model_rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
