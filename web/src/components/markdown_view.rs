//! A response rendered as Markdown (see `crate::markdown` for what is escaped and dropped).

use std::ops::Range;

use leptos::prelude::*;

#[component]
pub fn MarkdownView(
    source: String,
    /// The `lang` of the text (`kk`, `mn`, `en`).
    lang: &'static str,
    #[prop(default = None)] highlight: Option<Range<usize>>,
) -> impl IntoView {
    let html = crate::markdown::render(&source, highlight);
    view! { <div class="markdown" lang=lang inner_html=html></div> }
}
