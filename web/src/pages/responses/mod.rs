//! Every response with its scores: a filter panel (model, model category, condition, question
//! category, question, total range, each sub-score, grading state, detected language, full-text
//! search), the matching list with its counts and means, and a pager (50 rows a page keep the DOM
//! small). The filter and the page live in the URL's query, read through the router's query map.

mod filter_panel;
mod list;
mod pager;

use left_behind_shared::{ResponseFilter, filter_entries};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::site::{filter_of, use_site};
use filter_panel::FilterPanel;
use list::ResponseList;
use pager::Pager;

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

/// The 1-based page of the list in the query (`page=3`); anything else is the first page.
fn page_of(query: &ParamsMap) -> usize {
    query.get_str("page").and_then(|page| page.parse().ok()).filter(|page| *page >= 1).unwrap_or(1)
}

#[component]
pub fn ResponsesPage() -> impl IntoView {
    let site = use_site();
    let query = use_query_map();
    let filter = Memo::new(move |_| query.with(filter_of));
    let page = Memo::new(move |_| query.with(page_of));
    // The matching entries (indices into the site's list), in list order.
    let selection = {
        let site = site.clone();
        Memo::new(move |_| filter.with(|filter| filter_entries(site.entries(), &site.study.dataset, filter)))
    };
    let filter_query = Memo::new(move |_| filter.with(ResponseFilter::to_query));
    view! {
        <h1>"Responses"</h1>
        <div class="responses-layout">
            <FilterPanel filter />
            <section class="results" aria-label="Matching responses">
                {(!site.results_complete()).then(|| view! {
                    <p class="loading" role="status" data-testid="results-loading">
                        {format!(
                            "Loading the responses' text ({} of {} files): the search and the detected language include them once loaded.",
                            site.results.settled, site.results.total
                        )}
                    </p>
                })}
                <ResponseList selection page filter_query />
                <Pager matching=Signal::derive(move || selection.with(Vec::len)) page filter_query />
            </section>
        </div>
    }
}
