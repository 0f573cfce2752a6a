//! What went wrong while loading: every problem names its file (and line and field when known), and
//! the rest of the data stays browsable. And what to do when there is no data at all.

use left_behind_shared::plural;
use leptos::prelude::*;

use crate::site::use_site;

#[component]
pub fn ProblemsPanel() -> impl IntoView {
    let site = use_site();
    let study = &site.study;
    let problems = &study.problems;
    if problems.is_empty() {
        return None;
    }
    let (errors, warnings) = (study.error_count(), study.warning_count());
    let files: std::collections::BTreeSet<&str> =
        problems.iter().filter(|problem| problem.is_error()).map(|problem| problem.file.as_str()).collect();
    let items = problems
        .iter()
        .map(|problem| {
            let class = if problem.is_error() { "problem error" } else { "problem warning" };
            view! { <li class=class>{problem.to_string()}</li> }
        })
        .collect_view();
    let summary = format!(
        "{} in {}; everything else is shown.",
        match (errors, warnings) {
            (0, warnings) => plural(warnings, "warning"),
            (errors, 0) => plural(errors, "error"),
            (errors, warnings) => format!("{} and {}", plural(errors, "error"), plural(warnings, "warning")),
        },
        if files.is_empty() { "the data".to_owned() } else { files.into_iter().collect::<Vec<_>>().join(", ") }
    );
    let open = errors > 0;
    Some(view! {
        <section class="problems" role=if open { "alert" } else { "status" } aria-label="Problems with the data">
            <details open=open>
                <summary>{summary}</summary>
                <ul>{items}</ul>
            </details>
        </section>
    })
}

#[component]
pub fn EmptyDataset() -> impl IntoView {
    let site = use_site();
    let listed = site.manifest_files;
    view! {
        <section class="empty-dataset" aria-labelledby="empty-heading">
            <h1 id="empty-heading">"No dataset here yet"</h1>
            <p>
                {if listed == 0 {
                    "This site was built without data files.".to_owned()
                } else {
                    format!("The site lists {listed} data files but none of them could be loaded (see above).")
                }}
            </p>
            <p>"To browse the study's 2,000 responses, get its dataset and build the site over it:"</p>
            <pre><code>"cargo xtask demo"</code></pre>
            <p>"or, step by step:"</p>
            <pre><code>"cargo run -p left-behind-runner -- fetch     # benchmark/, results/, grades/\ncargo xtask site --data .                     # writes target/site\ncargo xtask serve"</code></pre>
            <p>
                "Your own run works the same way: the site reads any directory laid out as "
                <code>"benchmark/"</code> ", " <code>"results/<condition>/<model>.json"</code> " and "
                <code>"grades/<condition>.csv"</code> "."
            </p>
        </section>
    }
}
