//! The list's pager: previous and next page links that keep the filter, and where the reader is.

use leptos::prelude::*;

use super::PAGE_SIZE;
use crate::site::{href, responses_route};

/// `matching` entries in pages of [`PAGE_SIZE`]; `page` is 1-based (a page past the end shows as the
/// last); `filter_query` is the filter's part of the query, kept by every link.
#[component]
pub fn Pager(matching: Signal<usize>, page: Memo<usize>, filter_query: Memo<String>) -> impl IntoView {
    let pages = move || matching.get().div_ceil(PAGE_SIZE).max(1);
    let current = move || page.get().min(pages());
    let link = move |page: usize| {
        let mut query = filter_query.get();
        if page > 1 {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("page={page}"));
        }
        href(&responses_route(&query))
    };
    view! {
        <nav class="pagination" aria-label="Pages of the list">
            {move || (current() > 1).then(|| view! { <a rel="prev" href=link(current() - 1)>"← Previous page"</a> })}
            <span aria-current="page">{move || format!("Page {} of {}", current(), pages())}</span>
            {move || (current() < pages()).then(|| view! { <a rel="next" href=link(current() + 1)>"Next page →"</a> })}
        </nav>
    }
}
