//! The Left Behind explorer: a static Leptos (client-side rendered) site that loads the study's
//! files over HTTP and shows every number with the `shared` crate's functions. This file only mounts
//! the app.

mod app;
mod components;
mod data;
mod graded_by;
mod intervals;
mod markdown;
mod pages;
mod prerender;
mod reviews;
mod site;
mod timing;

fn main() {
    console_error_panic_hook::set_once();
    timing::mark("lb:start");
    leptos::mount::mount_to_body(app::App);
}
