//! The app shell: loads the dataset once, then routes to one page per view. Every view's state is in
//! its URL (path and query), so any view is a link and back/forward work. What pages share with the
//! shell (the base path, links, the loaded study) is in [`crate::site`].

use std::sync::Arc;

use leptos::prelude::*;
use leptos_router::components::{FlatRoutes, Route, Router};
use leptos_router::path;

use crate::components::{EmptyDataset, ProblemsPanel};
use crate::data::{self, SiteData};
use crate::pages::{
    agreement::AgreementPage, methods::MethodsPage, not_found::NotFoundPage, overview::OverviewPage,
    question::QuestionPage, questions::QuestionsPage, response::ResponsePage, responses::ResponsesPage,
    review::ReviewPage,
};
use crate::reviews::ReviewStore;
use crate::site::{base, href};
use crate::timing;

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

#[component]
pub fn App() -> impl IntoView {
    let route = web_sys::window().and_then(|window| window.location().pathname().ok()).unwrap_or_default();
    let priority = data::priority_results(route.strip_prefix(base()).unwrap_or(&route));
    // The core data first (the overview renders with it), then every results file (the pages render
    // again with them).
    let core = LocalResource::new(move || data::load_core(priority.clone()));
    let complete = LocalResource::new(move || async move { data::load_rest(&*core.await).await });
    // The newest data. A memo made here, outside the Suspense below: a resource read inside a Suspense
    // holds its fallback until it loads, and the pages should not wait for the rest.
    let newest = Memo::new_with_compare(
        move |_| complete.get().or_else(|| core.get().map(|core| Arc::clone(&core.site))),
        // Changed unless it is the same data (`SiteData` is too large to compare).
        |previous, next| match (previous, next) {
            (Some(Some(previous)), Some(Some(next))) => !Arc::ptr_eq(previous, next),
            (Some(None), Some(None)) => false,
            _ => true,
        },
    );
    // The intervals need the grades only: computed once, from the core, after it is painted.
    let intervals = crate::intervals::provide_intervals();
    Effect::new(move |_| {
        if let Some(core) = core.get() {
            crate::intervals::compute_after_paint(Arc::clone(&core.site), intervals);
        }
    });
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
                <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the dataset…"</p> }>
                    // Reading `core` here is what the Suspense waits for.
                    {move || core.get().and(newest.get()).map(|site| view! { <LoadedSite site /> })}
                </Suspense>
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

/// The routes over one loaded [`SiteData`] (the core, then the complete data).
#[component]
fn LoadedSite(site: Arc<SiteData>) -> impl IntoView {
    provide_context(Arc::clone(&site));
    provide_context(ReviewStore::load(Arc::clone(&site)));
    let empty = site.is_empty();
    // Runs once the page is rendered: time it, drop the prerendered overview, then build the response
    // list for the other pages (the overview does not need it).
    Effect::new(move |_| {
        timing::mark("lb:render-end");
        timing::measure("lb:render", "lb:compute-end", "lb:render-end");
        crate::prerender::remove();
        let site = Arc::clone(&site);
        set_timeout(
            move || {
                site.entries();
            },
            std::time::Duration::from_millis(1),
        );
    });
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
    }
}
