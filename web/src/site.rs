//! The site's context, read by the app shell and by every page (and importing neither): where the
//! site is served (`<base href>`), links and navigation inside it, and the loaded study.
//!
//! The site may be served below a sub-path (GitHub Pages: `/<repository>/`). `cargo xtask site` writes
//! that path into `<base href>`; the router and every link take it from here, and data files are
//! fetched relative to it.

use std::sync::{Arc, OnceLock};

use left_behind_shared::{ResponseFilter, ResponseKey, ReviewQueue};
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use leptos_router::params::ParamsMap;

use crate::data::SiteData;

static BASE: OnceLock<String> = OnceLock::new();

/// The path the site is served under, without the trailing slash (`""` or `/left-behind`).
pub fn base() -> &'static str {
    BASE.get_or_init(|| {
        let href = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.query_selector("base").ok().flatten())
            .and_then(|element| element.get_attribute("href"))
            .unwrap_or_default();
        // Only an absolute path is a base for routing; `./` (a site built without one) means the root.
        if href.starts_with('/') { href.trim_end_matches('/').to_owned() } else { String::new() }
    })
}

/// A link to a route of the site (`/responses?model=qwen3` -> `/left-behind/responses?model=qwen3`).
pub fn href(route: &str) -> String {
    format!("{}{route}", base())
}

/// The response list's route with `query` (a filter's `to_query()`, maybe with a page): `/responses`
/// alone when the query is empty.
pub fn responses_route(query: &str) -> String {
    if query.is_empty() { "/responses".to_owned() } else { format!("/responses?{query}") }
}

/// A response's route, carrying the list's filter (`filter_query`) so that previous/next stay within it.
pub fn response_route(key: &ResponseKey, filter_query: &str) -> String {
    let path = format!("/responses/{}/{}/{}", key.condition, key.model, key.question_id);
    if filter_query.is_empty() { path } else { format!("{path}?{filter_query}") }
}

/// The response list's filter in a route's query (the router's query map; a page number and other
/// keys it does not know are skipped).
pub fn filter_of(query: &ParamsMap) -> ResponseFilter {
    ResponseFilter::from_pairs(query.into_iter().map(|(key, value)| (key.as_ref(), value)))
}

/// The review queue in a route's query (the router's query map), as [`ReviewQueue::from_query`]
/// reads a query string.
pub fn review_queue_of(query: &ParamsMap) -> ReviewQueue {
    ReviewQueue::from_pairs(query.into_iter().map(|(key, value)| (key.as_ref(), value)))
}

/// A function that goes to a route of the site (with its query); its flag rewrites the current history
/// entry instead of adding one (for typing in the search box). Call it in a component's body.
pub fn navigator() -> impl Fn(&str, bool) + Clone + 'static {
    let navigate = use_navigate();
    move |route: &str, replace: bool| {
        navigate(&href(route), NavigateOptions { resolve: false, replace, scroll: false, ..Default::default() })
    }
}

/// The loaded study, for pages (provided by the app shell once loading finished).
pub fn use_site() -> Arc<SiteData> {
    expect_context::<Arc<SiteData>>()
}
