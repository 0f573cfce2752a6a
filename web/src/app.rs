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
                        // Runs once the first page is rendered: time it, drop the prerendered overview,
                        // then build the response list for the other pages (the overview does not need it).
                        Effect::new(move |_| {
                            timing::mark("lb:render-end");
                            timing::measure("lb:render", "lb:compute-end", "lb:render-end");
                            crate::prerender::remove();
                            let site = site.clone();
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
