//! A path that is no page of the site.

use leptos::prelude::*;

use crate::site::href;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <h1>"No such page"</h1>
        <p>"This address is not a page of the explorer. " <a href=href("/")>"Go to the overview"</a> "."</p>
    }
}
