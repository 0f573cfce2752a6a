//! The app shell: loads the dataset once, then routes to one page per view. Every view's state is in
//! its URL (path and query), so any view is a link and back/forward work.
//!
//! The site may be served below a sub-path (GitHub Pages: `/<repository>/`). `cargo xtask site` writes
//! that path into `<base href>`; the router and every link here take it from there, and data files
//! are fetched relative to it.

use std::sync::{Arc, OnceLock};

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::hooks::use_navigate;
use leptos_router::{NavigateOptions, path};

use crate::components::{EmptyDataset, ProblemsPanel};
use crate::data::{self, SiteData};
use crate::pages::{
    agreement::AgreementPage, methods::MethodsPage, not_found::NotFoundPage, overview::OverviewPage,
    question::QuestionPage, questions::QuestionsPage, response::ResponsePage, responses::ResponsesPage,
    review::ReviewPage,
};
use crate::reviews::ReviewStore;
use crate::timing;

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

/// A function that goes to a route of the site (with its query); its flag rewrites the current history
/// entry instead of adding one (for typing in the search box). Call it in a component's body.
pub fn navigator() -> impl Fn(&str, bool) + Clone + 'static {
    let navigate = use_navigate();
    move |route: &str, replace: bool| {
        navigate(&href(route), NavigateOptions { resolve: false, replace, scroll: false, ..Default::default() })
    }
}

/// The loaded dataset, for pages (provided once loading finished).
pub fn use_site() -> Arc<SiteData> {
    expect_context::<Arc<SiteData>>()
}

/// The skip link moves focus to the content. It cannot be a plain `#main` link: with `<base href>`
/// set, the browser would resolve it against the base and load another page.
fn skip_to_content(event: leptos::ev::MouseEvent) {
    event.prevent_default();
    let main = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("main"))
        .and_then(|element| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element).ok());
    if let Some(main) = main {
        let _ = main.focus();
        main.scroll_into_view();
    }
}

#[derive(Clone)]
enum LoadState {
    Loading,
    Ready(Arc<SiteData>),
}

#[component]
pub fn App() -> impl IntoView {
    let state = RwSignal::new(LoadState::Loading);
    // The core data first (the overview renders), then everything (the pages render again).
    let route = web_sys::window().and_then(|window| window.location().pathname().ok()).unwrap_or_default();
    let priority = data::priority_results(route.strip_prefix(base()).unwrap_or(&route));
    leptos::task::spawn_local(data::load(priority, move |site| state.set(LoadState::Ready(Arc::new(site)))));
    view! {
        <Router base=base()>
            <a class="skip-link" href="#main" rel="external" on:click=skip_to_content>"Skip to content"</a>
            <header class="site-header">
                <a class="site-title" href=href("/")>"Left Behind"</a>
                <span class="site-subtitle">"Cross-lingual transfer in English, Kazakh and Mongolian"</span>
                <nav aria-label="Sections">
                    <ul>
                        <li><a href=href("/")>"Overview"</a></li>
                        <li><a href=href("/responses")>"Responses"</a></li>
                        <li><a href=href("/questions")>"Questions"</a></li>
                        <li><a href=href("/review")>"Review"</a></li>
                        <li><a href=href("/agreement")>"Agreement"</a></li>
                        <li><a href=href("/methods")>"Methods"</a></li>
                    </ul>
                </nav>
            </header>
            <main id="main" tabindex="-1">
                {move || match state.get() {
                    LoadState::Loading => {
                        view! { <p class="loading" role="status">"Loading the dataset…"</p> }.into_any()
                    }
                    LoadState::Ready(site) => {
                        provide_context(site.clone());
                        provide_context(ReviewStore::load(site.clone()));
                        crate::intervals::provide_intervals(site.clone());
                        let empty = site.is_empty();
                        view! {
                            <ProblemsPanel />
                            {empty.then(|| view! { <EmptyDataset /> })}
                            <FlatRoutes fallback=|| view! { <NotFoundPage /> }>
                                <Route path=path!("/") view=OverviewPage />
                                <Route path=path!("/responses") view=ResponsesPage />
                                <Route path=path!("/responses/:condition/:model/:question") view=ResponsePage />
                                <Route path=path!("/questions") view=QuestionsPage />
                                <Route path=path!("/questions/:id") view=QuestionPage />
                                <Route path=path!("/review") view=ReviewPage />
                                <Route path=path!("/agreement") view=AgreementPage />
                                <Route path=path!("/methods") view=MethodsPage />
                            </FlatRoutes>
                            {move || {
                                timing::mark("lb:render-end");
                                timing::measure("lb:render", "lb:compute-end", "lb:render-end");
                                crate::prerender::remove();
                                // Once the first page is on screen, build the response list for the
                                // other pages (it is not needed before).
                                let site = site.clone();
                                set_timeout(
                                    move || {
                                        site.entries();
                                    },
                                    std::time::Duration::from_millis(1),
                                );
                            }}
                        }
                            .into_any()
                    }
                }}
            </main>
            <footer class="site-footer">
                <p>
                    "Every number here is computed in your browser from the published files, with the same code as "
                    <code>"left-behind report"</code> "."
                </p>
            </footer>
        </Router>
    }
}
