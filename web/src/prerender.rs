//! The overview as `cargo xtask site` rendered it at build time (`<div id="prerender">` in index.html):
//! shown while the app starts, removed once the app has rendered its own page (until then the app's
//! nodes are hidden by the style sheet).

/// Removes the build-time overview, if the page has one.
pub fn remove() {
    let prerendered = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("prerender"));
    if let Some(element) = prerendered {
        element.remove();
    }
}
