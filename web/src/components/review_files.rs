//! The reviewer's files: their name, export (a download of `<reviewer>.csv`), import (a file picker
//! for one or more review files), clearing this browser's reviews, and the problems of imported files
//! (each named by file, line and field, the rest of the file loaded).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::reviews::{download, use_reviews};

#[component]
pub fn ReviewFiles() -> impl IntoView {
    let store = use_reviews();
    let name_error = RwSignal::new(None::<String>);
    let confirming_clear = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);

    let export = move |_| {
        let file_name = format!("{}.csv", store.reviewer.get_untracked());
        match download(&file_name, &store.export_csv()) {
            Ok(()) => {
                message.set(Some(format!("Downloaded {file_name} ({} reviews).", store.mine.with_untracked(Vec::len))))
            }
            Err(error) => message.set(Some(error)),
        }
    };
    let import = move |event: leptos::ev::Event| {
        let Some(input) = event.target().and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(files) = input.files() else { return };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|index| files.get(index)).collect();
        input.set_value("");
        leptos::task::spawn_local(async move {
            let mut names = Vec::new();
            for file in files {
                let name = file.name();
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(text) => {
                        store.import(&name, &text.as_string().unwrap_or_default());
                        names.push(name);
                    }
                    Err(_) => message.set(Some(format!("{name} could not be read."))),
                }
            }
            if !names.is_empty() {
                message.set(Some(format!("Imported {}.", names.join(", "))));
            }
        });
    };

    let problems = move || {
        let problems = store.import_problems();
        (!problems.is_empty()).then(|| {
            let items = problems.iter().map(|problem| view! { <li class="problem error">{problem.to_string()}</li> }).collect_view();
            view! {
                <section class="problems" role="alert" aria-label="Problems with imported review files" data-testid="import-problems">
                    <p>{format!("{} in imported review files; everything else is loaded.", left_behind_shared::plural(problems.len(), "problem"))}</p>
                    <ul>{items}</ul>
                </section>
            }
        })
    };

    view! {
        <section class="review-files" aria-labelledby="review-files-heading">
            <h2 id="review-files-heading">"Your review file"</h2>
            <p class="storage-note" data-testid="storage-note">
                "Your reviews live in this browser (its local storage for this site) until you export them. \
                 Export downloads your file, "<code>"reviews/<name>.csv"</code>", to share or to put in a dataset's "
                <code>"reviews/"</code>" directory."
            </p>
            <div class="review-file-controls">
                <label>
                    "Your name (letters, digits, _ and -) "
                    <input
                        type="text"
                        data-testid="reviewer-name"
                        prop:value=move || store.reviewer.get()
                        on:change=move |event| name_error.set(store.set_reviewer(&event_target_value(&event)).err())
                    />
                </label>
                <button type="button" data-testid="export-reviews" on:click=export>
                    {move || format!("Export {} reviews", store.mine.with(Vec::len))}
                </button>
                <label class="import">
                    "Import review files "
                    <input type="file" accept=".csv,text/csv" multiple data-testid="import-reviews" on:change=import />
                </label>
                {move || if confirming_clear.get() {
                    view! {
                        <span class="confirm-clear">
                            {format!("Forget your {} reviews in this browser? ", store.mine.with(Vec::len))}
                            <button type="button" data-testid="clear-reviews-confirm" on:click=move |_| {
                                store.clear_mine();
                                confirming_clear.set(false);
                                message.set(Some("Your reviews in this browser were cleared.".to_owned()));
                            }>"Yes, clear them"</button>
                            <button type="button" on:click=move |_| confirming_clear.set(false)>"Keep them"</button>
                        </span>
                    }.into_any()
                } else {
                    view! {
                        <button type="button" data-testid="clear-reviews" on:click=move |_| confirming_clear.set(true)>
                            "Clear my reviews…"
                        </button>
                    }.into_any()
                }}
                {move || (!store.imported.with(Vec::is_empty)).then(|| view! {
                    <button type="button" on:click=move |_| store.clear_imported()>"Forget imported files"</button>
                })}
            </div>
            {move || name_error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            {move || store.storage_error.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
            <p role="status" data-testid="review-files-status">{move || message.get()}</p>
            {problems}
        </section>
    }
}
